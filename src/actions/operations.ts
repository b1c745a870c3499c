import { describe, parseDuration } from '../shared/duration.js';

/**
 * The operations playbook `action` states can name, what each takes, and which connector
 * types implement it. Pure data: the playbook validator checks definitions against it and the
 * action worker validates rendered inputs with it before anything is sent anywhere.
 */
export type InputType = 'string' | 'duration' | 'rate' | 'severity' | 'text';

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

export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  'ratelimit.set': {
    name: 'ratelimit.set',
    description: 'Throttle (N requests per period) or block a key at the gateway limiter.',
    connectorTypes: ['builtin-limiter'],
    mutating: true,
    reversibleBy: 'ratelimit.clear',
    inputs: {
      key: { type: 'string', required: true, description: 'The key to limit, e.g. an API key id.' },
      limit: {
        type: 'rate',
        required: true,
        description: '`<count>/<unit>` such as `10/m`, or `block`.',
      },
      expires: {
        type: 'duration',
        required: false,
        description: 'Lift the limit automatically after this long (e.g. `1h`).',
      },
      reason: {
        type: 'text',
        required: false,
        description: 'Shown to operators and in the limiter history.',
      },
    },
  },
  'ratelimit.clear': {
    name: 'ratelimit.clear',
    description: 'Remove a limit set on a key.',
    connectorTypes: ['builtin-limiter'],
    mutating: true,
    inputs: {
      key: { type: 'string', required: true, description: 'The key whose limit to remove.' },
      reason: { type: 'text', required: false, description: 'Shown in the limiter history.' },
    },
  },
  'ticket.open': {
    name: 'ticket.open',
    description: 'Open a case/ticket; with `dedupe`, an existing case for the same key is reused.',
    connectorTypes: ['builtin-cases'],
    mutating: false,
    inputs: {
      summary: { type: 'text', required: true, description: 'One-line title.' },
      description: { type: 'text', required: false, description: 'Body text.' },
      severity: {
        type: 'severity',
        required: false,
        description: 'info, low, medium, high or critical.',
      },
      dedupe: {
        type: 'string',
        required: false,
        description: 'Key that identifies one case across retries and runs.',
      },
    },
  },
};

export interface Rate {
  readonly mode: 'throttle' | 'block';
  readonly count: number;
  readonly windowMs: number;
}

const RATE_UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseRate(
  value: unknown,
): { ok: true; rate: Rate } | { ok: false; reason: string } {
  if (value === 'block') return { ok: true, rate: { mode: 'block', count: 0, windowMs: 0 } };
  const match =
    typeof value === 'string' ? /^\s*(\d+)\s*\/\s*(\d*)\s*(s|m|h|d)\s*$/.exec(value) : null;
  if (!match) {
    return {
      ok: false,
      reason: `got ${describe(value)}; write "<count>/<unit>" with unit s, m, h or d (for example "10/m"), or "block"`,
    };
  }
  const count = Number(match[1]);
  const windowMs = Number(match[2] || '1') * (RATE_UNITS[match[3] as string] ?? 0);
  if (count < 1 || windowMs <= 0)
    return { ok: false, reason: `got "${String(value)}"; the count and period must be at least 1` };
  return { ok: true, rate: { mode: 'throttle', count, windowMs } };
}

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
