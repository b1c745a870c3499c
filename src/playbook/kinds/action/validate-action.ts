import {
  OPERATIONS,
  checkInputValue,
  type InputSpec,
  type OperationSpec,
} from '../../../actions/operations.js';
import { enableHint } from '../../../actions/connectors/disabled-connectors.js';
import type { ExpressionType } from '../../expressions/cel.js';
import { computedSource } from '../../expressions/computed.js';
import { describe } from '../../../shared/duration.js';
import {
  checkKeys,
  expectMapping,
  expectString,
  isMapping,
  suggest,
} from '../../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../../shared/yaml.js';
import type { PlaybookContext } from '../../definition/types.js';
import { durationOr, MAX_WAIT_MS } from '../../definition/value-checks.js';
import type { ValidateInput } from '../state-kind.js';
import type { ActionStateDefinition } from './action-definition.js';

const MAX_TIMEOUT_MS = 3_600_000;

export function validateAction(input: ValidateInput): ActionStateDefinition | undefined {
  const { value, path, sink, ctx, label, target, checkTemplates } = input;
  const before = input.mark();
  checkKeys(sink, path, value, label, {
    required: ['action', 'next'],
    optional: [
      'with',
      'undo',
      'undo_on_reject',
      'expires',
      'retry',
      'timeout',
      'automatic',
      'on_failure',
      'description',
    ],
  });
  const op = lookupOperation(value.action, [...path, 'action'], sink, label);
  const withValue = value.with ?? {};
  let inputs: Record<string, unknown> = {};
  let connector: { name: string; type: string; via?: string } | undefined;
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
      checkActionInputs(op, inputs, [...path, 'with'], sink, label, input);
    }
    checkTemplates([...path, 'with'], withoutComputed(inputs, op));
  }
  const undo = validateUndo(input, op);
  if (connector && undo && !OPERATIONS[undo.operation]?.connectorTypes.includes(connector.type))
    sink.error(
      [...path, 'undo'],
      'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
      `${label} acts on connector "${connector.name}" (type ${connector.type}), which does not offer its undo ${undo.operation}; the undo goes to the same connector.`,
    );
  const undoOnReject = flag(value.undo_on_reject, [...path, 'undo_on_reject'], sink, label);
  const expiresMs =
    value.expires === undefined
      ? undefined
      : durationOr(value.expires, 0, [...path, 'expires'], sink, `${label} expires`, MAX_WAIT_MS);
  if ((undoOnReject || value.expires !== undefined) && value.undo === undefined) {
    sink.error(
      [...path, value.expires !== undefined ? 'expires' : 'undo_on_reject'],
      'CORDON_ERR_PLAYBOOK_UNDO',
      `${label} asks to be undone (${value.expires !== undefined ? 'expires' : 'undo_on_reject'}) but declares no undo; add "undo: <operation>"${op?.reversibleBy ? ` (for ${op.name}: "undo: ${op.reversibleBy}")` : ''}.`,
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
  flag(value.automatic, [...path, 'automatic'], sink, label);
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
    ...(connector.via ? { via: connector.via } : {}),
    inputs,
    undo: undo?.operation,
    ...(undo?.inputs ? { undoInputs: undo.inputs } : {}),
    ...(undoOnReject ? { undoOnReject } : {}),
    ...(expiresMs ? { expiresMs } : {}),
    retry,
    timeoutMs,
    automatic: value.automatic === true,
    next: next,
    onFailure: onFailure,
  };
}

/** A boolean key (`automatic`, `undo_on_reject`): its value, reporting anything else. */
function flag(value: unknown, path: YamlPath, sink: DiagnosticSink, label: string): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  sink.error(
    path,
    'CORDON_ERR_DEFINITION_TYPE',
    `${label} ${String(path[path.length - 1])} must be true or false; got ${describe(value)}.`,
  );
  return false;
}

/**
 * `undo: <operation>` (runs with the action's own rendered inputs, kept to those the undo
 * takes) or `undo: { action: <operation>, with: {...} }` (its own inputs, templated).
 */
function validateUndo(
  input: ValidateInput,
  op: OperationSpec | undefined,
): { operation: string; inputs?: Record<string, unknown> } | undefined {
  const { value, path, sink, label } = input;
  const at = [...path, 'undo'];
  if (value.undo === undefined) {
    if (op?.reversibleBy)
      sink.warning(
        [...path, 'action'],
        'CORDON_WARN_PLAYBOOK_NO_UNDO',
        `${label} runs ${op.name}, which ${op.reversibleBy} can undo; declare "undo: ${op.reversibleBy}" so the run can be reversed.`,
      );
    return undefined;
  }
  let name: unknown = value.undo;
  let inputs: Record<string, unknown> | undefined;
  if (isMapping(value.undo)) {
    checkKeys(sink, at, value.undo, `${label} undo`, { required: ['action'], optional: ['with'] });
    name = value.undo.action;
    const withValue = value.undo.with ?? {};
    if (expectMapping(sink, [...at, 'with'], withValue, `${label} undo with`)) inputs = withValue;
  }
  const undoOp = lookupOperation(
    name,
    isMapping(value.undo) ? [...at, 'action'] : at,
    sink,
    `${label} undo`,
  );
  if (!undoOp) return undefined;
  if (op && !undoOp.connectorTypes.some((t) => op.connectorTypes.includes(t))) {
    sink.error(
      at,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_ACTION',
      `${label} undo "${undoOp.name}" cannot act on the connector types of ${op.name} (${op.connectorTypes.join(', ')}).`,
    );
    return undefined;
  }
  // An undo runs with no approval (on cancel, failure or expiry). Another operation than the
  // reverse may be meant (a block relaxed to a throttle), or a slip that changes more than it
  // takes back (ratelimit.set undone by key.block blocks the key hours later, nobody asked).
  if (op?.reversibleBy && undoOp.name !== op.reversibleBy)
    sink.warning(
      isMapping(value.undo) ? [...at, 'action'] : at,
      'CORDON_WARN_PLAYBOOK_UNDO_NOT_REVERSE',
      `${label} runs ${op.name}, whose reverse is ${op.reversibleBy}, but declares "${undoOp.name}" as its undo: a change of its own, made with nobody asked when the run is cancelled, fails or its containment expires. If that is meant (a block relaxed to a throttle), keep it; else write "undo: ${op.reversibleBy}".`,
    );
  if (inputs) {
    checkActionInputs(undoOp, inputs, [...at, 'with'], sink, `${label} undo`, input, true);
    input.checkTemplates([...at, 'with'], withoutComputed(inputs, undoOp), true);
  }
  return { operation: undoOp.name, ...(inputs ? { inputs } : {}) };
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

export function resolveConnector(
  op: OperationSpec,
  name: unknown,
  path: YamlPath,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
  label: string,
): { name: string; type: string; via?: string } | undefined {
  if (typeof name === 'string' && ctx.routes?.has(name)) {
    const routed = ctx.routes.resolve(name, op.name);
    if (routed.ok) return { name: routed.target.name, type: routed.target.type, via: name };
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      `${label} runs ${op.name} through route "${name}", but ${routed.reason}.`,
    );
    return undefined;
  }
  const compatible = [...ctx.connectors]
    .filter(([, type]) => op.connectorTypes.includes(type))
    .map(([n]) => n);
  if (name === undefined) {
    // The one enabled connector offering it, as `cordon start` resolves it (plan and graph
    // list disabled ones too, to draw playbooks before they are switched on).
    const enabled = compatible.filter((n) => !ctx.disabledConnectors?.has(n));
    const pick = enabled.length === 1 ? enabled : enabled.length === 0 ? compatible : [];
    if (pick.length === 1) {
      const only = pick[0] as string;
      return { name: only, type: ctx.connectors.get(only) as string };
    }
    sink.error(
      path.slice(0, -1),
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      compatible.length === 0
        ? `${label} runs ${op.name}, but no connector of type ${op.connectorTypes.join(' or ')} is configured. ${disabledOffering(op, ctx) || 'Add one in connectors/.'}`
        : `${label} runs ${op.name}, which ${(enabled.length > 1 ? enabled : compatible).length} connectors offer (${(enabled.length > 1 ? enabled : compatible).join(', ')}); name one with "connector:".`,
    );
    return undefined;
  }
  if (!expectString(sink, path, name, `${label} connector`)) return undefined;
  const type = ctx.connectors.get(name);
  const disabled = type ? undefined : ctx.disabledConnectors?.get(name);
  if (disabled && ctx.guardedConnectors?.has(name)) {
    if (op.connectorTypes.includes(disabled.type)) return { name, type: disabled.type };
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      `${label} runs ${op.name} on connector "${name}" of type ${disabled.type}, which does not offer it; ${op.name} needs ${op.connectorTypes.join(' or ')}.`,
    );
    return undefined;
  }
  if (disabled) {
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
      `${label} names connector "${name}", which is disabled. ${enableHint(name, disabled)}${compatible.length ? ` Enabled connectors offering ${op.name}: ${compatible.join(', ')}.` : ''}`,
    );
    return undefined;
  }
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

/** What a computed input must yield, from the type the operation declares for it. */
const COMPUTED_TYPE: Readonly<Record<InputSpec['type'], ExpressionType>> = {
  string: 'text',
  text: 'text',
  duration: 'duration',
  rate: 'string',
  severity: 'string',
  json: 'value',
};

/**
 * The inputs without those that are one computed value of a known input (checked with their
 * input's type here, so the generic template check must not report them a second time).
 */
export function withoutComputed(
  inputs: Record<string, unknown>,
  op: OperationSpec | undefined,
): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(inputs).filter(([k, v]) => !(op?.inputs[k] && computedSource(v) !== undefined)),
  );
}

export function checkActionInputs(
  op: OperationSpec,
  inputs: Record<string, unknown>,
  path: YamlPath,
  sink: DiagnosticSink,
  label: string,
  input: ValidateInput,
  afterRun?: boolean,
): void {
  const known = Object.keys(op.inputs);
  for (const [key, v] of Object.entries(inputs)) {
    const spec = op.inputs[key];
    if (!spec) {
      const hint = suggest(key, known);
      // Where `connector` reaches here it cannot be set (an undo acts through its action's).
      sink.error(
        [...path, key],
        'CORDON_ERR_PLAYBOOK_INPUT',
        key === 'connector'
          ? `${label}: "connector" cannot be set here: ${op.name} acts through the connector of the action it belongs to. Remove it. Inputs: ${known.join(', ')}.`
          : `${label}: ${op.name} has no input "${key}".${hint ? ` Did you mean "${hint}"?` : ''} Inputs: ${known.join(', ')}, connector.`,
        true,
      );
      continue;
    }
    if (computedSource(v) !== undefined) {
      // Type-checked now against what the operation takes; the value is checked again
      // when computed, before it runs.
      input.checkComputed(
        [...path, key],
        v as string,
        COMPUTED_TYPE[spec.type],
        `input "${key}"`,
        afterRun,
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

/** The disabled connectors that would offer `op`, as a hint naming how to enable them. */
function disabledOffering(op: OperationSpec, ctx: PlaybookContext): string {
  const off = [...(ctx.disabledConnectors ?? [])].filter(([, d]) =>
    op.connectorTypes.includes(d.type),
  );
  return off.map(([n, d]) => enableHint(n, d)).join(' ');
}
