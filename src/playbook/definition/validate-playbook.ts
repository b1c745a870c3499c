import { OPERATIONS, checkInputValue, type OperationSpec } from '../../actions/operations.js';
import { SEVERITIES, type Severity } from '../../ingest/canonical-event.js';
import { describe, formatDurationMs, parseDuration } from '../../shared/duration.js';
import { checkKeys, expectMapping, expectString, isMapping, suggest } from '../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import { collectTemplates, parseTemplate, type TemplateRef } from '../template.js';
import { checkGraph } from './graph-checks.js';
import type {
  ActionStateDefinition,
  ApprovalStateDefinition,
  EndOutcome,
  PlaybookContext,
  PlaybookDefinition,
  StateDefinition,
} from './types.js';

const ID = /^[a-z][a-z0-9-]{0,62}$/;
const STATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const STATE_KINDS = ['action', 'approval', 'end'] as const;
const FUTURE_KINDS = ['choice', 'wait', 'parallel'] as const;
const END_OUTCOMES: readonly EndOutcome[] = ['resolved', 'failed', 'cancelled'];
const INCIDENT_FIELDS = [
  'id',
  'title',
  'severity',
  'rule',
  'ruleTitle',
  'tags',
  'group',
  'groupKey',
  'firstSeen',
  'lastSeen',
  'matchCount',
  'eventCount',
  'createdAt',
];
const RUN_FIELDS = ['id', 'playbook', 'startedAt'];
const STEP_FIELDS = ['status', 'result', 'error', 'attempts'];
const MAX_TIMEOUT_MS = 3_600_000;
/** Built-in roles held by machines or by administrators; they never decide approvals. */
export const NON_APPROVER_ROLES: readonly string[] = ['ingest', 'gateway', 'metrics', 'admin'];
const MAX_APPROVAL_TIMEOUT_MS = 30 * 86_400_000;

/**
 * Validates one playbook document and, when it has no errors, returns its definition with
 * defaults applied. Pure; every problem goes to `sink` with its YAML location.
 */
export function validatePlaybook(
  value: unknown,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
): PlaybookDefinition | undefined {
  if (!expectMapping(sink, [], value, 'A playbook document')) return undefined;
  const start = sink.diagnostics.length;
  checkKeys(sink, [], value, 'Playbook', {
    required: ['id', 'on', 'start', 'states'],
    optional: ['apiVersion', 'title', 'description'],
  });
  if (value.apiVersion !== undefined && value.apiVersion !== 'cordon/v1') {
    sink.error(
      ['apiVersion'],
      'CORDON_ERR_DEFINITION_VALUE',
      `apiVersion must be "cordon/v1"; got ${JSON.stringify(value.apiVersion)}.`,
    );
  }
  const id = value.id;
  if (typeof id === 'string' && !ID.test(id)) {
    sink.error(
      ['id'],
      'CORDON_ERR_DEFINITION_VALUE',
      `Playbook id must be lower-case letters, digits and "-", starting with a letter; got "${id}".`,
    );
  } else if (id !== undefined) expectString(sink, ['id'], id, 'Playbook id');
  const label = typeof id === 'string' ? `Playbook "${id}"` : 'Playbook';

  const trigger = validateTrigger(value.on, sink, ctx, label);
  const states = new Map<string, StateDefinition>();
  const rawStates = value.states;
  if (rawStates !== undefined && expectMapping(sink, ['states'], rawStates, `${label} states`)) {
    const names = Object.keys(rawStates);
    if (names.length === 0)
      sink.error(
        ['states'],
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${label} has no states; add at least a start state and an end state.`,
      );
    const groupNames = groupNamesOf(trigger?.rules ?? [], ctx);
    for (const name of names) {
      if (!STATE_NAME.test(name)) {
        sink.error(
          ['states', name],
          'CORDON_ERR_DEFINITION_VALUE',
          `State name "${name}" must start with a letter and hold only letters, digits, "_" and "-".`,
          true,
        );
        continue;
      }
      const state = validateState(
        name,
        rawStates[name],
        ['states', name],
        sink,
        ctx,
        names,
        rawStates,
        groupNames,
      );
      if (state) states.set(name, state);
    }
  }
  const startState = value.start;
  if (
    startState !== undefined &&
    expectString(sink, ['start'], startState, `${label} start`) &&
    isMapping(rawStates)
  ) {
    if (!(startState in rawStates))
      unknownTarget(sink, ['start'], startState, Object.keys(rawStates), `${label} start`);
  }
  const hasErrorsSinceStart = (): boolean =>
    sink.diagnostics.some((d, i) => i >= start && d.severity === 'error');
  if (
    hasErrorsSinceStart() ||
    typeof id !== 'string' ||
    typeof startState !== 'string' ||
    !trigger
  ) {
    return undefined;
  }
  const definition: PlaybookDefinition = {
    apiVersion: 'cordon/v1',
    id,
    title: typeof value.title === 'string' ? value.title : id,
    description: typeof value.description === 'string' ? value.description : '',
    trigger,
    start: startState,
    states: Object.fromEntries(states),
  };
  checkGraph(definition, sink, (name) => OPERATIONS[name]);
  return hasErrorsSinceStart() ? undefined : definition;
}

function validateTrigger(
  value: unknown,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
  label: string,
): PlaybookDefinition['trigger'] | undefined {
  if (value === undefined || !expectMapping(sink, ['on'], value, `${label} "on" (its trigger)`))
    return undefined;
  checkKeys(sink, ['on'], value, `${label} trigger`, {
    required: ['correlation'],
    optional: ['severity'],
  });
  const rules = toStringList(value.correlation);
  if (value.correlation !== undefined && !rules) {
    sink.error(
      ['on', 'correlation'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${label} on.correlation must be a rule name or a list of them; got ${describe(value.correlation)}.`,
    );
  }
  if (rules && ctx.rules) {
    const known = [...ctx.rules.keys()];
    rules.forEach((rule, i) => {
      if (ctx.rules?.has(rule)) return;
      const hint = suggest(rule, known);
      sink.error(
        ['on', 'correlation', ...(Array.isArray(value.correlation) ? [i] : [])],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} is triggered by rule "${rule}", which no file in correlations/ defines.${hint ? ` Did you mean "${hint}"?` : ''} Use the name or id of a rule that opens incidents.`,
      );
    });
  }
  let severities: Severity[] = [];
  if (value.severity !== undefined) {
    const list = toStringList(value.severity);
    const bad = list?.filter((s) => !(SEVERITIES as readonly string[]).includes(s)) ?? [];
    if (!list || bad.length > 0) {
      sink.error(
        ['on', 'severity'],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.severity must list severities from ${SEVERITIES.join(', ')}; got ${list ? bad.map((b) => `"${b}"`).join(', ') : describe(value.severity)}.`,
      );
    } else severities = list as Severity[];
  }
  return rules ? { rules, severities } : undefined;
}

function validateState(
  name: string,
  value: unknown,
  path: YamlPath,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
  stateNames: readonly string[],
  rawStates: Record<string, unknown>,
  groupNames: ReadonlySet<string> | undefined,
): StateDefinition | undefined {
  const label = `State "${name}"`;
  if (!expectMapping(sink, path, value, label)) return undefined;
  const future = FUTURE_KINDS.filter((k) => k in value);
  if (future.length > 0) {
    sink.error(
      [...path, future[0] as string],
      'CORDON_ERR_PLAYBOOK_UNSUPPORTED',
      `${label} is a "${future[0] as string}" state, which arrives with the full playbook engine; this version runs action, approval and end states.`,
      true,
    );
    return undefined;
  }
  const kinds = STATE_KINDS.filter((k) => k in value);
  if (kinds.length !== 1) {
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_STATE_KIND',
      `${label} must have exactly one of ${STATE_KINDS.join(', ')}; got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}.`,
    );
    return undefined;
  }
  const checkTemplates = (at: YamlPath, v: unknown): void =>
    validateTemplates(v, at, sink, rawStates, groupNames, label, name);
  const target = (key: YamlPath, v: unknown, what: string): v is string => {
    if (!expectString(sink, key, v, `${label} ${what}`)) return false;
    if (stateNames.includes(v)) return true;
    unknownTarget(sink, key, v, stateNames, `${label} ${what}`);
    return false;
  };
  switch (kinds[0]) {
    case 'action':
      return validateAction(name, value, path, sink, ctx, target, checkTemplates);
    case 'approval':
      return validateApproval(name, value, path, sink, target, checkTemplates);
    default: {
      checkKeys(sink, path, value, label, { required: ['end'], optional: ['description'] });
      if (!END_OUTCOMES.includes(value.end as EndOutcome)) {
        sink.error(
          [...path, 'end'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} end must be one of ${END_OUTCOMES.join(', ')}; got ${describe(value.end)}.`,
        );
        return undefined;
      }
      return { kind: 'end', outcome: value.end as EndOutcome };
    }
  }
}

type TargetCheck = (key: YamlPath, v: unknown, what: string) => v is string;
type TemplateCheck = (at: YamlPath, v: unknown) => void;

function validateAction(
  name: string,
  value: Record<string, unknown>,
  path: YamlPath,
  sink: DiagnosticSink,
  ctx: PlaybookContext,
  target: TargetCheck,
  checkTemplates: TemplateCheck,
): ActionStateDefinition | undefined {
  const label = `State "${name}"`;
  const before = sink.diagnostics.length;
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
  if (
    sink.diagnostics.some((d, i) => i >= before && d.severity === 'error') ||
    !op ||
    !connector ||
    !retry ||
    !nextOk ||
    !onFailureOk
  ) {
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

function validateApproval(
  name: string,
  value: Record<string, unknown>,
  path: YamlPath,
  sink: DiagnosticSink,
  target: TargetCheck,
  checkTemplates: TemplateCheck,
): ApprovalStateDefinition | undefined {
  const label = `State "${name}"`;
  const before = sink.diagnostics.length;
  checkKeys(sink, path, value, label, { required: ['approval', 'on'], optional: ['description'] });
  const a = value.approval;
  let roles: string[] = ['approver'];
  let quorum = 1;
  let timeoutMs = 0;
  let message = `Approve the next step of this run (state ${name})?`;
  if (a !== undefined && expectMapping(sink, [...path, 'approval'], a, `${label} approval`)) {
    checkKeys(sink, [...path, 'approval'], a, `${label} approval`, {
      required: ['timeout'],
      optional: ['roles', 'quorum', 'message'],
    });
    if (a.roles !== undefined) {
      const list = toStringList(a.roles);
      const machineRoles = list?.filter((r) => NON_APPROVER_ROLES.includes(r)) ?? [];
      if (list && machineRoles.length > 0) {
        sink.error(
          [...path, 'approval', 'roles'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} approval.roles names ${machineRoles.map((r) => `"${r}"`).join(', ')}; ${NON_APPROVER_ROLES.join(', ')} may never approve (separation of duties). Name an approver role such as "approver" or a custom one like "ml-oncall".`,
        );
      } else if (!list || !list.every((r) => /^[\w.-]{1,64}$/.test(r))) {
        sink.error(
          [...path, 'approval', 'roles'],
          'CORDON_ERR_DEFINITION_TYPE',
          `${label} approval.roles must be a list of role names (letters, digits, _ . -); got ${describe(a.roles)}.`,
        );
      } else roles = list;
    }
    if (a.quorum !== undefined) {
      if (
        typeof a.quorum !== 'number' ||
        !Number.isInteger(a.quorum) ||
        a.quorum < 1 ||
        a.quorum > 10
      ) {
        sink.error(
          [...path, 'approval', 'quorum'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} approval.quorum must be a whole number from 1 to 10 (distinct approvers needed); got ${describe(a.quorum)}.`,
        );
      } else quorum = a.quorum;
    }
    if (a.timeout !== undefined) {
      timeoutMs = durationOr(
        a.timeout,
        0,
        [...path, 'approval', 'timeout'],
        sink,
        `${label} approval.timeout`,
        MAX_APPROVAL_TIMEOUT_MS,
      );
    }
    if (
      a.message !== undefined &&
      expectString(sink, [...path, 'approval', 'message'], a.message, `${label} approval.message`)
    ) {
      message = a.message;
      checkTemplates([...path, 'approval', 'message'], a.message);
    }
  }
  const on = value.on;
  let outcomes: ApprovalStateDefinition['on'] | undefined;
  if (on !== undefined && expectMapping(sink, [...path, 'on'], on, `${label} on`)) {
    checkKeys(sink, [...path, 'on'], on, `${label} on`, {
      required: ['approved', 'rejected'],
      optional: ['timeout'],
    });
    const okApproved =
      on.approved !== undefined && target([...path, 'on', 'approved'], on.approved, 'on.approved');
    const okRejected =
      on.rejected !== undefined && target([...path, 'on', 'rejected'], on.rejected, 'on.rejected');
    // Fail closed: without an explicit timeout target, a timeout is treated like a rejection.
    const okTimeout =
      on.timeout === undefined || target([...path, 'on', 'timeout'], on.timeout, 'on.timeout');
    if (okApproved && okRejected && okTimeout) {
      outcomes = {
        approved: on.approved as string,
        rejected: on.rejected as string,
        timeout: (on.timeout ?? on.rejected) as string,
      };
    }
  }
  if (
    sink.diagnostics.some((d, i) => i >= before && d.severity === 'error') ||
    !outcomes ||
    timeoutMs <= 0
  )
    return undefined;
  return { kind: 'approval', roles, quorum, timeoutMs, message, on: outcomes };
}

function lookupOperation(
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

function durationOr(
  value: unknown,
  fallback: number,
  path: YamlPath,
  sink: DiagnosticSink,
  what: string,
  maxMs: number,
): number {
  if (value === undefined) return fallback;
  const d = parseDuration(value);
  if (!d.ok) {
    sink.error(path, 'CORDON_ERR_DEFINITION_VALUE', `${what} ${d.reason}.`);
    return fallback;
  }
  if (d.ms > maxMs) {
    sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${what} is ${describe(value)}; the most allowed is ${formatDurationMs(maxMs)}.`,
    );
    return fallback;
  }
  return d.ms;
}

function validateTemplates(
  value: unknown,
  at: YamlPath,
  sink: DiagnosticSink,
  rawStates: Record<string, unknown>,
  groupNames: ReadonlySet<string> | undefined,
  label: string,
  stateName: string,
): void {
  for (const found of collectTemplates(value, at)) {
    const parsed = parseTemplate(found.text);
    if (!parsed.ok) {
      sink.error(found.at, 'CORDON_ERR_PLAYBOOK_TEMPLATE', `${label}: ${parsed.reason}.`);
      continue;
    }
    for (const part of parsed.parts) {
      if (typeof part === 'string') continue;
      const problem = checkTemplateRef(part, rawStates, groupNames, stateName);
      if (problem)
        sink.error(
          found.at,
          'CORDON_ERR_PLAYBOOK_TEMPLATE',
          `${label}: {{ ${part.source} }} ${problem}${/[.?]$/.test(problem) ? '' : '.'}`,
        );
    }
  }
}

function checkTemplateRef(
  ref: TemplateRef,
  rawStates: Record<string, unknown>,
  groupNames: ReadonlySet<string> | undefined,
  stateName: string,
): string | undefined {
  const [root, first, second] = ref.path;
  const pick = (v: unknown, list: readonly string[], what: string): string | undefined => {
    if (typeof v === 'string' && list.includes(v)) return undefined;
    const hint = typeof v === 'string' ? suggest(v, list) : undefined;
    return `names unknown ${what} ${JSON.stringify(v ?? '')}${hint ? `; did you mean "${hint}"?` : `; known: ${list.join(', ')}`}`;
  };
  switch (root) {
    case 'incident':
      if (first === 'group' && second !== undefined && groupNames) {
        return pick(second, [...groupNames], 'group field');
      }
      return first === undefined ? undefined : pick(first, INCIDENT_FIELDS, 'incident field');
    case 'run':
      return first === undefined ? undefined : pick(first, RUN_FIELDS, 'run field');
    case 'steps': {
      const actionStates = Object.entries(rawStates)
        .filter(([, v]) => isMapping(v) && 'action' in v)
        .map(([k]) => k);
      const stateProblem = pick(first, actionStates, 'action state');
      if (stateProblem) return stateProblem;
      if (first === stateName)
        return `reads the result of its own state "${stateName}", which has none until it has run; read an earlier step`;
      return second === undefined ? undefined : pick(second, STEP_FIELDS, 'step field');
    }
    default:
      return `starts with "${String(root)}"; templates read from incident, run or steps`;
  }
}

/**
 * Group fields every triggering rule has: a template may only read `incident.group.x` when an
 * incident from any of the rules carries `x`.
 */
function groupNamesOf(
  rules: readonly string[],
  ctx: PlaybookContext,
): ReadonlySet<string> | undefined {
  if (!ctx.rules || rules.length === 0) return undefined;
  let names: Set<string> | undefined;
  for (const rule of rules) {
    const fields = ctx.rules.get(rule);
    if (!fields) return undefined;
    names = names ? new Set([...names].filter((n) => fields.includes(n))) : new Set(fields);
  }
  return names;
}

function unknownTarget(
  sink: DiagnosticSink,
  path: YamlPath,
  name: string,
  states: readonly string[],
  what: string,
): void {
  const hint = suggest(name, states);
  sink.error(
    path,
    'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
    `${what} points at state "${name}", which does not exist.${hint ? ` Did you mean "${hint}"?` : ` States: ${states.join(', ')}.`}`,
  );
}

function toStringList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  return Array.isArray(list) &&
    list.length > 0 &&
    list.every((v) => typeof v === 'string' && v !== '')
    ? (list as string[])
    : undefined;
}
