import { OPERATIONS } from '../../actions/operations.js';
import { SEVERITIES, type Severity } from '../../ingest/canonical-event.js';
import { describe } from '../../shared/duration.js';
import { checkKeys, expectMapping, expectString, isMapping, suggest } from '../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import { warnAdHocIncidentReads } from './adhoc-incident-reads.js';
import {
  checkExpression,
  connectorsNamed,
  type ExpressionScope,
  type ExpressionType,
} from '../expressions/cel.js';
import { STATE_KINDS } from '../kinds/registry.js';
import { collectTemplates, parseTemplate, type TemplateRef } from '../template.js';
import { collectComputed, computedSource, strayComputed } from '../expressions/computed.js';
import { checkGraph } from './graph-checks.js';
import { validateTriggerFilters } from './trigger-filters.js';
import type { PlaybookContext, PlaybookDefinition, StateDefinition } from './types.js';
import { INCIDENT_FIELDS, toStringList, unknownTarget } from './value-checks.js';

export { NON_APPROVER_ROLES } from '../kinds/approval/validate-approval.js';

const ID = /^[a-z][a-z0-9-]{0,62}$/;
const STATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const RUN_FIELDS = ['id', 'playbook', 'startedAt', 'inputs'];
const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;
const STEP_FIELDS = ['status', 'result', 'error', 'attempts'];

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
    optional: ['apiVersion', 'title', 'description', 'inputs'],
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
  const inputs = validateInputs(value.inputs, sink, label);
  const states = new Map<string, StateDefinition>();
  const rawStates = value.states;
  const named = new Set<string>();
  if (rawStates !== undefined && expectMapping(sink, ['states'], rawStates, `${label} states`)) {
    const names = Object.keys(rawStates);
    if (names.length === 0)
      sink.error(
        ['states'],
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${label} has no states; add at least a start state and an end state.`,
      );
    const groupNames = groupNamesOf(trigger?.rules ?? [], ctx);
    const nested = nestedStates(rawStates);
    const allRaw = { ...rawStates, ...Object.fromEntries(nested.map((n) => [n.name, n.value])) };
    const where = new Map<string, string[]>(names.map((n) => [n, ['a top-level state']]));
    for (const n of nested) where.set(n.name, [...(where.get(n.name) ?? []), n.where]);
    const env: StateEnv = {
      sink,
      ctx: { ...ctx, guardedConnectors: new Set(stringsIn(rawStates).flatMap(connectorsNamed)) },
      connectorsNamed: named,
      rawStates: allRaw,
      groupNames,
      where,
      playbookId: typeof id === 'string' ? id : undefined,
      inputNames: Object.keys(inputs ?? {}),
    };
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
      const state = validateState(name, rawStates[name], ['states', name], names, env);
      if (state) states.set(name, state);
    }
    if (inputs) warnAdHocIncidentReads(rawStates, sink, label);
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
    ...(inputs ? { inputs } : {}),
    start: startState,
    states: Object.fromEntries(states),
    ...(named.size > 0
      ? {
          connectors: Object.fromEntries(
            [...named]
              .sort()
              .map((n) => [
                n,
                { enabled: ctx.connectors.has(n) && !ctx.disabledConnectors?.has(n) },
              ]),
          ),
        }
      : {}),
  };
  checkGraph(definition, sink, (name) => OPERATIONS[name], [], isDisabledIn(ctx));
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
  if (value.call !== undefined) {
    // Started only by other playbooks' call states: no rule triggers it.
    checkKeys(sink, ['on'], value, `${label} trigger`, { required: ['call'] });
    if (value.call !== true)
      sink.error(
        ['on', 'call'],
        'CORDON_ERR_PLAYBOOK_TRIGGER',
        `${label} on.call must be true (the playbook runs only when another playbook calls it); got ${describe(value.call)}. To trigger it on incidents, use on.correlation instead.`,
      );
    return value.call === true ? { rules: [], severities: [] } : undefined;
  }
  checkKeys(sink, ['on'], value, `${label} trigger`, {
    required: ['correlation'],
    optional: ['severity', 'tags', 'source', 'group', 'every_match'],
  });
  if (value.every_match !== undefined && typeof value.every_match !== 'boolean')
    sink.error(
      ['on', 'every_match'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${label} on.every_match must be true (every match of an incident that passes the trigger starts a run) or false (the default: one run per incident); got ${describe(value.every_match)}.`,
    );
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
  const filters = validateTriggerFilters(value, sink, label, {
    groupNames: rules ? groupNamesOf(rules, ctx) : undefined,
    ruleTags: rules && ctx.ruleTags ? tagsOf(rules, ctx.ruleTags) : undefined,
    sources: ctx.sources,
  });
  return rules && filters
    ? { rules, severities, ...filters, ...(value.every_match === true ? { everyMatch: true } : {}) }
    : undefined;
}

/**
 * `inputs: { <name>: { required?: bool, description?: text } }`: what a caller passes to this
 * playbook (its templates read them as run.inputs.<name>). Undefined when absent or broken.
 */
function validateInputs(
  value: unknown,
  sink: DiagnosticSink,
  label: string,
): Record<string, { required: boolean; description: string }> | undefined {
  if (value === undefined || !expectMapping(sink, ['inputs'], value, `${label} inputs`))
    return undefined;
  const out: Record<string, { required: boolean; description: string }> = {};
  for (const [name, spec] of Object.entries(value)) {
    const at = ['inputs', name];
    if (!INPUT_NAME.test(name)) {
      sink.error(
        at,
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} input name "${name}" must start with a letter or "_" and hold only letters, digits, "_" and "-".`,
        true,
      );
      continue;
    }
    const s = spec ?? {};
    if (!expectMapping(sink, at, s, `${label} input "${name}"`)) continue;
    checkKeys(sink, at, s, `${label} input "${name}"`, { optional: ['required', 'description'] });
    if (s.required !== undefined && typeof s.required !== 'boolean')
      sink.error(
        [...at, 'required'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${label} input "${name}" required must be true or false; got ${describe(s.required)}.`,
      );
    out[name] = {
      required: s.required !== false,
      description: typeof s.description === 'string' ? s.description : '',
    };
  }
  return out;
}

/** What validating any state (top-level or nested in a branch) needs of the whole playbook. */
interface StateEnv {
  readonly sink: DiagnosticSink;
  readonly ctx: PlaybookContext;
  /** Connectors the playbook's expressions name (`connectors.<name>.enabled`), collected. */
  readonly connectorsNamed: Set<string>;
  /** Every state's raw YAML by name, nested ones included (names are unique). */
  readonly rawStates: Record<string, unknown>;
  readonly groupNames: ReadonlySet<string> | undefined;
  /** Where each state name is defined (more than one entry = a clash). */
  readonly where: ReadonlyMap<string, readonly string[]>;
  readonly playbookId: string | undefined;
  /** Inputs the playbook declares (what `run.inputs.<name>` may read). */
  readonly inputNames: readonly string[];
}

function validateState(
  name: string,
  value: unknown,
  path: YamlPath,
  stateNames: readonly string[],
  env: StateEnv,
): StateDefinition | undefined {
  const { sink, ctx, rawStates, groupNames } = env;
  const label = `State "${name}"`;
  if (!expectMapping(sink, path, value, label)) return undefined;
  const present = STATE_KINDS.filter((k) => k.key in value);
  const planned = present.find((k) => k.notImplemented !== undefined);
  if (planned) {
    sink.error(
      [...path, planned.key],
      'CORDON_ERR_PLAYBOOK_UNSUPPORTED',
      `${label} is a "${planned.key}" state: it ${planned.notImplemented as string}. This is not a mistake in the playbook.`,
      true,
    );
    return undefined;
  }
  const [kind, ...others] = present;
  if (!kind || others.length > 0) {
    sink.error(
      path,
      'CORDON_ERR_PLAYBOOK_STATE_KIND',
      `${label} must have exactly one of ${runnableKinds().join(', ')}; got ${present.length === 0 ? 'none' : present.map((k) => k.key).join(' and ')}.`,
    );
    return undefined;
  }
  const stepStates = Object.entries(rawStates)
    .filter(([, v]) => isMapping(v) && STATE_KINDS.some((k) => k.recordsStep && k.key in v))
    .map(([k]) => k);
  const scope: ExpressionScope = {
    groupNames: groupNames ? [...groupNames] : undefined,
    stepStates,
    connectorNames: [...ctx.connectors.keys(), ...(ctx.disabledConnectors?.keys() ?? [])],
  };
  // Before the state ran, `steps.<itself>` holds nothing (an undo's inputs render after it).
  const scopeBefore: ExpressionScope = {
    ...scope,
    stepStates: stepStates.filter((s) => s !== name),
  };
  const checkComputed = (
    at: YamlPath,
    text: string,
    expected: ExpressionType,
    what: string,
    afterRun?: boolean,
  ): boolean => {
    const source = computedSource(text) ?? '';
    const checked = checkExpression(source, afterRun ? scope : scopeBefore, expected);
    if (checked.ok) return true;
    sink.errorInText(
      at,
      'CORDON_ERR_PLAYBOOK_EXPRESSION',
      `${label} ${what}: the computed value \${{ ${source} }}: ${checked.message}.`,
      text,
      text.indexOf(source) + checked.offset,
    );
    return false;
  };
  // The registry's kinds produce the registry's definitions.
  return kind.validate({
    name,
    playbookId: env.playbookId,
    value,
    path,
    label,
    sink,
    ctx,
    stateNames,
    target: (key, v, what): v is string => {
      if (!expectString(sink, key, v, `${label} ${what}`)) return false;
      if (stateNames.includes(v)) return true;
      unknownTarget(sink, key, v, stateNames, `${label} ${what}`);
      return false;
    },
    checkTemplates: (at, v, afterRun) => {
      validateTemplates(
        v,
        at,
        sink,
        rawStates,
        groupNames,
        label,
        afterRun ? '' : name,
        stepStates,
        env.inputNames,
      );
      // Computed values nested anywhere (a JSON body's fields) may yield any value.
      for (const found of collectComputed(v, at))
        checkComputed(
          found.at,
          valueAt(v, found.at.slice(at.length)),
          'value',
          'computed value',
          afterRun,
        );
    },
    checkComputed,
    checkExpression: (at, v, expected, what): v is string => {
      if (!expectString(sink, at, v, `${label} ${what}`)) return false;
      const checked = checkExpression(v, scope, expected);
      for (const n of connectorsNamed(v)) env.connectorsNamed.add(n);
      if (checked.ok) return true;
      sink.errorInText(
        at,
        'CORDON_ERR_PLAYBOOK_EXPRESSION',
        `${label} ${what}: the CEL expression ${checked.message}.`,
        v,
        checked.offset,
      );
      return false;
    },
    validateNested: (inner, v, at, names) => validateState(inner, v, at, names, env),
    otherStateNames: (inner) => {
      const places = env.where.get(inner) ?? [];
      return places.length > 1 ? places.join(' and ') : undefined;
    },
    // Disabled connectors in a branch are checked from the playbook's own graph, which knows
    // what the choices before the parallel state guarantee (checkDisabledConnectors).
    checkBranchGraph: (branch, at) =>
      checkGraph(
        branch,
        sink,
        (op) => OPERATIONS[op],
        at,
        () => false,
      ),
    mark: () => sink.diagnostics.length,
    erredSince: (mark) => sink.diagnostics.some((d, i) => i >= mark && d.severity === 'error'),
  }) as StateDefinition | undefined;
}

/** States inside parallel branches, with where they are, for name checks and templates. */
function nestedStates(
  rawStates: Record<string, unknown>,
): { name: string; value: unknown; where: string }[] {
  const out: { name: string; value: unknown; where: string }[] = [];
  for (const [parent, raw] of Object.entries(rawStates)) {
    if (!isMapping(raw) || !isMapping(raw.parallel) || !isMapping(raw.parallel.branches)) continue;
    for (const [branch, b] of Object.entries(raw.parallel.branches)) {
      if (!isMapping(b) || !isMapping(b.states)) continue;
      for (const [name, value] of Object.entries(b.states))
        out.push({ name, value, where: `a state of branch "${branch}" of "${parent}"` });
    }
  }
  return out;
}

function runnableKinds(): string[] {
  return STATE_KINDS.filter((k) => k.notImplemented === undefined).map((k) => k.key);
}

function valueAt(root: unknown, path: readonly (string | number)[]): string {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return String(node);
}

function validateTemplates(
  value: unknown,
  at: YamlPath,
  sink: DiagnosticSink,
  rawStates: Record<string, unknown>,
  groupNames: ReadonlySet<string> | undefined,
  label: string,
  stateName: string,
  stepStates: readonly string[],
  inputNames: readonly string[],
): void {
  for (const found of collectTemplates(value, at)) {
    if (strayComputed(found.text)) {
      sink.error(
        found.at,
        'CORDON_ERR_PLAYBOOK_EXPRESSION',
        `${label}: "${found.text}" holds "\${{" but is not one whole computed value; a computed value is the entire string, "\${{ <CEL> }}" (build text in CEL: \${{ "key " + incident.group.api_key }}), and a template is "{{ path }}".`,
      );
      continue;
    }
    const parsed = parseTemplate(found.text);
    if (!parsed.ok) {
      sink.error(found.at, 'CORDON_ERR_PLAYBOOK_TEMPLATE', `${label}: ${parsed.reason}.`);
      continue;
    }
    for (const part of parsed.parts) {
      if (typeof part === 'string') continue;
      const problem = checkTemplateRef(part, stepStates, groupNames, stateName, inputNames);
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
  actionStates: readonly string[],
  groupNames: ReadonlySet<string> | undefined,
  stateName: string,
  inputNames: readonly string[],
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
      if (first === 'inputs' && second !== undefined)
        return inputNames.length === 0
          ? 'reads an input, but the playbook declares none; declare it under "inputs:" at the top of the file'
          : pick(second, inputNames, 'input');
      return first === undefined ? undefined : pick(first, RUN_FIELDS, 'run field');
    case 'steps': {
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

/** Each triggering rule's tags, or undefined when one of them is not known. */
function tagsOf(
  rules: readonly string[],
  ruleTags: ReadonlyMap<string, readonly string[]>,
): Map<string, readonly string[]> | undefined {
  const out = new Map<string, readonly string[]>();
  for (const rule of rules) {
    const tags = ruleTags.get(rule);
    if (!tags) return undefined;
    out.set(rule, tags);
  }
  return out;
}

/** Every string value under `value` (where `connectors.<name>` may be named). */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (isMapping(value)) return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Whether a connector is defined but disabled in connectors/ (enabled: false). */
function isDisabledIn(ctx: PlaybookContext): (connector: string) => boolean {
  return (connector) =>
    !ctx.connectors.has(connector) && ctx.disabledConnectors?.has(connector) === true;
}
