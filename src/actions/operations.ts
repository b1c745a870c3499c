import { describe, parseDuration } from '../shared/duration.js';
import { collectOperations } from './connectors/collect-operations.js';
import { CONNECTOR_TYPES } from './connectors/registry.js';
import { parseRate } from './rate.js';

export { parseRate, type Rate } from './rate.js';

/**
 * The operations playbook `action` states can name, what each takes, and which connector
 * types implement it. Pure data: the playbook validator checks definitions against it and the
 * action worker validates rendered inputs with it before anything is sent anywhere.
 */
export type InputType = 'string' | 'duration' | 'rate' | 'severity' | 'text' | 'json';

export interface InputSpec {
  readonly type: InputType;
  readonly required: boolean;
  readonly description: string;
}

export interface OperationSpec {
  readonly name: string;
  readonly description: string;
  readonly connectorTypes: readonly string[];
  /** Changes a production system (needs an approval or `automatic: true` in a playbook). */
  readonly mutating: boolean;
  /** The operation that undoes it, when it can be undone. */
  readonly reversibleBy?: string;
  readonly inputs: Readonly<Record<string, InputSpec>>;
}

/**
 * Every operation any registered connector type offers, with the types that offer it. Built
 * from the connector-type registry (src/actions/connectors/registry.ts): an operation several
 * types share (ticket.open, ratelimit.set, ...) has one contract they all implement.
 */
export const OPERATIONS: Readonly<Record<string, OperationSpec>> =
  collectOperations(CONNECTOR_TYPES);

const SEVERITY_VALUES = ['info', 'low', 'medium', 'high', 'critical'];

/** Checks one rendered input value against its spec; returns a reason when it is invalid. */
export function checkInputValue(spec: InputSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case 'string':
    case 'text':
      if (typeof value === 'number' || typeof value === 'boolean') return undefined;
      if (typeof value !== 'string' || value.trim() === '')
        return `must be a non-empty string; got ${describe(value)}`;
      if (spec.type === 'string' && value.length > 512)
        return `must be at most 512 characters; got ${value.length}`;
      return undefined;
    case 'duration': {
      const d = parseDuration(value);
      return d.ok ? undefined : d.reason;
    }
    case 'rate': {
      const r = parseRate(value);
      return r.ok ? undefined : r.reason;
    }
    case 'json':
      // Any JSON value (http.request bodies); bounded so a template cannot inflate a job.
      return JSON.stringify(value).length > 65_536
        ? 'must serialise to at most 64 KiB of JSON'
        : undefined;
    case 'severity':
      return typeof value === 'string' && SEVERITY_VALUES.includes(value)
        ? undefined
        : `must be one of ${SEVERITY_VALUES.join(', ')}; got ${describe(value)}`;
  }
}

/** Validates a full rendered input set; returns every problem as `input: reason`. */
export function checkInputs(
  op: OperationSpec,
  inputs: Readonly<Record<string, unknown>>,
): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(op.inputs)) {
    const value = inputs[name];
    if (value === undefined || value === null) {
      if (spec.required) problems.push(`${name}: is required by ${op.name}`);
      continue;
    }
    const reason = checkInputValue(spec, value);
    if (reason) problems.push(`${name}: ${reason}`);
  }
  for (const name of Object.keys(inputs)) {
    if (!op.inputs[name])
      problems.push(
        `${name}: is not an input of ${op.name} (inputs: ${Object.keys(op.inputs).join(', ')})`,
      );
  }
  return problems;
}
