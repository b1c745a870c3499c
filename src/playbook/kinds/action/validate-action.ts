import { OPERATIONS, checkInputValue, type OperationSpec } from '../../../actions/operations.js';
import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping, expectString, suggest } from '../../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../../shared/yaml.js';
import type { PlaybookContext } from '../../definition/types.js';
import { durationOr } from '../../definition/value-checks.js';
import type { ValidateInput } from '../state-kind.js';
import type { ActionStateDefinition } from './action-definition.js';

const MAX_TIMEOUT_MS = 3_600_000;

export function validateAction(input: ValidateInput): ActionStateDefinition | undefined {
  const { value, path, sink, ctx, label, target, checkTemplates } = input;
  const before = input.mark();
  checkKeys(sink, path, value, label, {
    required: ['action', 'next'],
    optional: ['with', 'undo', 'retry', 'timeout', 'automatic', 'on_failure', 'description'],
  });
  const op = lookupOperation(value.action, [...path, 'action'], sink, label);
  const withValue = value.with ?? {};
  let inputs: Record<string, unknown> = {};
  let connector: { name: string; type: string } | undefined;
  if (expectMapping(sink, [...path, 'with'], withValue, `${label} with`)) {
    const { connector: connectorName, ...rest } = withValue;
    inputs = rest;
    if (op) {
      connector = resolveConnector(
        op,
        connectorName,
        [...path, 'with', 'connector'],
        sink,
        ctx,
        label,
      );
      checkActionInputs(op, inputs, [...path, 'with'], sink, label);
    }
    checkTemplates([...path, 'with'], inputs);
  }
  let undo: string | undefined;
  if (value.undo !== undefined) {
    const undoOp = lookupOperation(value.undo, [...path, 'undo'], sink, `${label} undo`);
    if (undoOp && op && !undoOp.connectorTypes.some((t) => op.connectorTypes.includes(t))) {
      sink.error(
        [...path, 'undo'],
        'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
        `${label} undo "${undoOp.name}" cannot act on the connector types of ${op.name} (${op.connectorTypes.join(', ')}).`,
      );
    }
    undo = undoOp?.name;
  } else if (op?.reversibleBy) {
    sink.warning(
      [...path, 'action'],
      'CORDON_WARN_PLAYBOOK_NO_UNDO',
      `${label} runs ${op.name}, which ${op.reversibleBy} can undo; declare "undo: ${op.reversibleBy}" so the run can be reversed.`,
    );
  }
  const retry = validateRetry(value.retry, [...path, 'retry'], sink, label);
  const timeoutMs = durationOr(
    value.timeout,
    30_000,
    [...path, 'timeout'],
    sink,
    `${label} timeout`,
    MAX_TIMEOUT_MS,
  );
  if (value.automatic !== undefined && typeof value.automatic !== 'boolean') {
    sink.error(
      [...path, 'automatic'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${label} automatic must be true or false; got ${describe(value.automatic)}.`,
    );
  }
  const next = value.next;
  const nextOk = next !== undefined && target([...path, 'next'], next, 'next');
  const onFailure = value.on_failure;
  const onFailureOk =
    onFailure === undefined || target([...path, 'on_failure'], onFailure, 'on_failure');
  if (input.erredSince(before) || !op || !connector || !retry || !nextOk || !onFailureOk) {
    return undefined;
  }
  return {
    kind: 'action',
    operation: op.name,
    connector: connector.name,
    connectorType: connector.type,
    inputs,
    undo,
    retry,
    timeoutMs,
    automatic: value.automatic === true,
    next: next,
    onFailure: onFailure,
  };
}

export function lookupOperation(
  value: unknown,
  path: YamlPath,
  sink: DiagnosticSink,
  label: string,
): OperationSpec | undefined {
  if (!expectString(sink, path, value, `${label} action`)) return undefined;
  const op = OPERATIONS[value];
  if (op) return op;
  const hint = suggest(value, Object.keys(OPERATIONS));
  sink.error(
    path,
    'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
    `${label} names operation "${value}", which no connector type offers.${hint ? ` Did you mean "${hint}"?` : ''} Operations: ${Object.keys(OPERATIONS).join(', ')}.`,
  );
  return undefined;
}

function resolveConnector(
  op: OperationSpec,
  name: unknown,
  path: YamlPath,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
  label: string,
): { name: string; type: string } | undefined {
  const compatible = [...ctx.connectors]
    .filter(([, type]) => op.connectorTypes.includes(type))
    .map(([n]) => n);
  if (name === undefined) {
    if (compatible.length === 1) {
      const only = compatible[0] as string;
      return { name: only, type: ctx.connectors.get(only) as string };
    }
    sink.error(
      path.slice(0, -1),
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      compatible.length === 0
        ? `${label} runs ${op.name}, but no connector of type ${op.connectorTypes.join(' or ')} is configured. Add one in connectors/.`
        : `${label} runs ${op.name}, which ${compatible.length} connectors offer (${compatible.join(', ')}); name one with "connector:".`,
    );
    return undefined;
  }
  if (!expectString(sink, path, name, `${label} connector`)) return undefined;
  const type = ctx.connectors.get(name);
  if (!type) {
    const hint = suggest(name, [...ctx.connectors.keys()]);
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      `${label} names connector "${name}", which connectors/ does not define.${hint ? ` Did you mean "${hint}"?` : ''}${compatible.length ? ` Connectors offering ${op.name}: ${compatible.join(', ')}.` : ''}`,
    );
    return undefined;
  }
  if (!op.connectorTypes.includes(type)) {
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      `${label} runs ${op.name} on connector "${name}" of type ${type}, which does not offer it; ${op.name} needs ${op.connectorTypes.join(' or ')}.`,
    );
    return undefined;
  }
  return { name, type };
}

function checkActionInputs(
  op: OperationSpec,
  inputs: Record<string, unknown>,
  path: YamlPath,
  sink: DiagnosticSink,
  label: string,
): void {
  const known = Object.keys(op.inputs);
  for (const [key, v] of Object.entries(inputs)) {
    const spec = op.inputs[key];
    if (!spec) {
      const hint = suggest(key, known);
      sink.error(
        [...path, key],
        'CORDON_ERR_PLAYBOOK_INPUT',
        `${label}: ${op.name} has no input "${key}".${hint ? ` Did you mean "${hint}"?` : ''} Inputs: ${known.join(', ')}, connector.`,
        true,
      );
      continue;
    }
    if (typeof v === 'string' && v.includes('{{')) continue; // checked when rendered
    const reason = checkInputValue(spec, v);
    if (reason)
      sink.error([...path, key], 'CORDON_ERR_PLAYBOOK_INPUT', `${label} input "${key}" ${reason}.`);
  }
  for (const [key, spec] of Object.entries(op.inputs)) {
    if (spec.required && (inputs[key] === undefined || inputs[key] === null)) {
      sink.error(
        path,
        'CORDON_ERR_PLAYBOOK_INPUT',
        `${label}: ${op.name} needs input "${key}" (${spec.description}). Add it under "with".`,
      );
    }
  }
}

function validateRetry(
  value: unknown,
  path: YamlPath,
  sink: DiagnosticSink,
  label: string,
): ActionStateDefinition['retry'] | undefined {
  const retry = { attempts: 3, backoff: 'exponential' as 'fixed' | 'exponential', delayMs: 1_000 };
  if (value === undefined) return retry;
  if (!expectMapping(sink, path, value, `${label} retry`)) return undefined;
  checkKeys(sink, path, value, `${label} retry`, { optional: ['attempts', 'backoff', 'delay'] });
  let ok = true;
  if (value.attempts !== undefined) {
    if (
      typeof value.attempts !== 'number' ||
      !Number.isInteger(value.attempts) ||
      value.attempts < 1 ||
      value.attempts > 100
    ) {
      sink.error(
        [...path, 'attempts'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} retry.attempts must be a whole number from 1 to 100 (1 = no retry); got ${describe(value.attempts)}.`,
      );
      ok = false;
    } else retry.attempts = value.attempts;
  }
  if (value.backoff !== undefined) {
    if (value.backoff !== 'fixed' && value.backoff !== 'exponential') {
      sink.error(
        [...path, 'backoff'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} retry.backoff must be "fixed" or "exponential"; got ${describe(value.backoff)}.`,
      );
      ok = false;
    } else retry.backoff = value.backoff;
  }
  if (value.delay !== undefined)
    retry.delayMs = durationOr(
      value.delay,
      1_000,
      [...path, 'delay'],
      sink,
      `${label} retry.delay`,
      MAX_TIMEOUT_MS,
    );
  return ok ? retry : undefined;
}
