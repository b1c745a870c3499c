import type { Diagnostic } from '../../../shared/diagnostics.js';
import { describe } from '../../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../../shared/shape.js';
import { DiagnosticSink, PositionMap, loadYaml, type YamlPath } from '../../../shared/yaml.js';
import type { RuleSource } from '../rule-source.js';
import { parseSearch } from '../detection/parse-search.js';
import { parseFieldFilter, parseItemFilter, parseRuleConditions } from './conditions.js';
import type { RulePipeline } from './rule-pipeline.js';
import { NOT_IMPLEMENTED, TRANSFORMATIONS } from './transformations/index.js';
import type { ItemContext, Pipeline, PipelineItem } from './types.js';

/** A processing pipeline beside the rules is named `*.pipeline.yaml` (or `.yml`). */
export function isPipelineFile(file: string): boolean {
  return /\.pipeline\.ya?ml$/i.test(file);
}

export const ITEM_KEYS = [
  'id',
  'type',
  'rule_conditions',
  'rule_cond_op',
  'rule_cond_not',
  'field_name_conditions',
  'field_name_cond_op',
  'field_name_cond_not',
  'detection_item_conditions',
  'detection_item_cond_op',
  'detection_item_cond_not',
  'rule_cond_expr',
  'field_name_cond_expr',
  'detection_item_cond_expr',
];
/** What a query backend does with the query; an evaluator builds none, so they are ignored. */
const QUERY_STAGES = ['postprocessing', 'finalizers'];

export interface ParsedPipelines {
  /** In the order they apply: by priority, then by file. */
  readonly pipelines: readonly Pipeline[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Pipeline files → pipelines, every problem reported with its file:line:column. An item with
 * errors is left out of its pipeline (the rule set then fails to build on those errors anyway).
 */
export function parsePipelineSources(sources: readonly RuleSource[]): ParsedPipelines {
  const pipelines: Pipeline[] = [];
  const diagnostics: Diagnostic[] = [];
  const sinks = new Map<Pipeline, DiagnosticSink>();
  // Ids of items left out for their errors: a condition naming one is not also reported.
  const unparsed = new Set<string>();
  for (const source of sources) {
    const loaded = loadYaml(source.text, source.file);
    diagnostics.push(...loaded.diagnostics);
    if (loaded.documents.length === 0 && loaded.diagnostics.length === 0) {
      const sink = new DiagnosticSink(source.file, new PositionMap());
      sink.error(
        [],
        'CORDON_ERR_YAML_NOT_MAPPING',
        `Pipeline file ${source.file} is empty; got no document. Write a pipeline ("name:" and "transformations:") or remove the file.`,
      );
      diagnostics.push(...sink.diagnostics);
    }
    for (const doc of loaded.documents) {
      const sink = new DiagnosticSink(source.file, doc.positions);
      const pipeline = parsePipeline(sink, source.file, doc.value, unparsed);
      diagnostics.push(...sink.diagnostics);
      // Its items with errors are left out, the others kept: the rule set fails to build on
      // those errors anyway, and the rules are then not also reported for what they would do.
      if (pipeline) {
        pipelines.push(pipeline);
        sinks.set(pipeline, sink);
      }
    }
  }
  // A stable sort: equal priorities keep file order (the sources come sorted by path).
  pipelines.sort((a, b) => a.priority - b.priority);
  diagnostics.push(...checkAppliedIds(pipelines, sinks, unparsed));
  return { pipelines, diagnostics };
}

/**
 * A processing_item_applied condition must name an item that comes before it (in the order the
 * pipelines apply): on a rule, any item (each marks the rules it selects); on a field or a
 * detection item, one that renames fields or acts on detection items. Any other id never
 * holds, and under `*_cond_not` its item would apply to everything without a word.
 */
function checkAppliedIds(
  pipelines: readonly Pipeline[],
  sinks: ReadonlyMap<Pipeline, DiagnosticSink>,
  unparsed: ReadonlySet<string>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const renamers = new Set<string>();
  const earlier = new Set<string>();
  for (const pipeline of pipelines) {
    const sink = sinks.get(pipeline);
    for (const item of inOrder(pipeline.items)) {
      for (const c of item.ruleConditions) {
        if (c.kind !== 'applied' || earlier.has(c.id) || unparsed.has(c.id) || !sink) continue;
        const before = sink.diagnostics.length;
        sink.error(
          c.path,
          'CORDON_ERR_DEFINITION_VALUE',
          `${item.label} has a rule condition processing_item_applied on "${c.id}", which names no item before it; got an id that never holds. Name the id of an item that comes earlier (pipelines apply by priority, then file), or remove the condition.`,
        );
        out.push(...sink.diagnostics.slice(before));
      }
      for (const c of [
        ...(item.fieldFilter?.conditions ?? []),
        ...(item.itemFilter?.conditions ?? []),
      ]) {
        if (c.kind !== 'applied' || renamers.has(c.id) || unparsed.has(c.id) || !sink) continue;
        const before = sink.diagnostics.length;
        sink.error(
          c.path,
          'CORDON_ERR_DEFINITION_VALUE',
          `${item.label} has a processing_item_applied condition on "${c.id}", which names no item before it that renames fields or changes detection items; got an id that never holds. Name the id of an earlier field renaming item (field_name_mapping, field_name_prefix, …) or detection item transformation (replace_string, map_string, …).`,
        );
        out.push(...sink.diagnostics.slice(before));
      }
      const kind = item.transformation.kind;
      if (item.id && (kind === 'field' || kind === 'item')) renamers.add(item.id);
      if (item.id) earlier.add(item.id);
    }
  }
  return out;
}

/** Items in the order they apply: a `nest` item, then the items it holds. */
function* inOrder(items: readonly PipelineItem[]): Generator<PipelineItem> {
  for (const item of items) {
    yield item;
    if (item.transformation.kind === 'nest') yield* inOrder(item.transformation.items);
  }
}

function parsePipeline(
  sink: DiagnosticSink,
  file: string,
  value: unknown,
  unparsed: Set<string>,
): Pipeline | undefined {
  if (!isMapping(value)) {
    sink.error(
      [],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `Pipeline file ${file} must hold a mapping with a name and transformations; got ${value === null ? 'an empty document' : describe(value)}. Write e.g. "name: sysmon" and "transformations: [...]".`,
    );
    return undefined;
  }
  const name = typeof value.name === 'string' && value.name !== '' ? value.name : file;
  const subject = `Pipeline "${name}"`;
  checkKeys(sink, [], value, subject, {
    required: ['name', 'transformations'],
    optional: ['priority', 'vars', 'allowed_backends', ...QUERY_STAGES],
  });
  for (const stage of QUERY_STAGES)
    if (value[stage] !== undefined)
      sink.warning(
        [stage],
        'CORDON_WARN_PIPELINE_IGNORED',
        `${subject} has "${stage}", which shapes a backend's query; Cordon evaluates rules without building one, so it is ignored. Remove it to silence this.`,
        true,
      );
  let priority = 0;
  if (value.priority !== undefined) {
    if (typeof value.priority === 'number' && Number.isFinite(value.priority))
      priority = value.priority;
    else
      sink.error(
        ['priority'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${subject} priority must be a number (lower applies first); got ${describe(value.priority)}.`,
      );
  }
  const vars = parseVars(sink, subject, value.vars);
  const list = value.transformations;
  if (!Array.isArray(list)) {
    if (list !== undefined && list !== null)
      sink.error(
        ['transformations'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${subject} transformations must be a list; got ${describe(list)}. Write e.g. "transformations: [{ type: field_name_mapping, mapping: { Image: labels.image } }]".`,
      );
    return undefined;
  }
  const items = parseItems(
    { sink, label: `${subject} (${file})`, subject, unparsed, within: new Set(), count: { n: 0 } },
    ['transformations'],
    'transformation',
    list,
  );
  if (!vars) for (const id of itemIds(list, new Set())) unparsed.add(id);
  return vars ? { name, file, priority, vars, items } : undefined;
}

function parseVars(
  sink: DiagnosticSink,
  subject: string,
  value: unknown,
): Map<string, readonly string[]> | undefined {
  const vars = new Map<string, readonly string[]>();
  if (value === undefined || value === null) return vars;
  if (!isMapping(value)) {
    sink.error(
      ['vars'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${subject} vars must map placeholder names to values; got ${describe(value)}. Write e.g. "vars: { Admins_Workstations: [ws-01, ws-02] }".`,
    );
    return undefined;
  }
  let ok = true;
  for (const [name, v] of Object.entries(value)) {
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0 || !list.every((x) => ['string', 'number'].includes(typeof x))) {
      ok = false;
      sink.error(
        ['vars', name],
        'CORDON_ERR_DEFINITION_TYPE',
        `${subject} var "${name}" must be a value or a list of values; got ${describe(v)}.`,
      );
    } else vars.set(name, list.map(String));
  }
  return ok ? vars : undefined;
}

/**
 * Items one pipeline document may hold, nested ones included: YAML aliases can repeat a `nest`
 * inside itself, doubling the items at each level, and every rule is put through them all.
 */
const MAX_ITEMS = 10_000;

/** Where items are parsed: their document's sink, how messages name the pipeline. */
interface ItemsScope {
  readonly sink: DiagnosticSink;
  /** `Pipeline "sysmon" (sysmon.pipeline.yaml)`, for the labels rules are reported with. */
  readonly label: string;
  /** `Pipeline "sysmon"`, for the messages about the pipeline itself. */
  readonly subject: string;
  /** Collects the ids of items left out for their errors. */
  readonly unparsed: Set<string>;
  /** The raw items being parsed around this one: a YAML alias can make an item hold itself. */
  readonly within: Set<unknown>;
  /** Items parsed so far in the document, nested ones included (MAX_ITEMS). */
  readonly count: { n: number };
}

/**
 * The items of `list` (at `path`), each named `<ordinal> <id or position>`; an item with errors
 * is reported and left out, its id remembered as unparsed.
 */
function parseItems(
  scope: ItemsScope,
  path: YamlPath,
  ordinal: string,
  list: readonly unknown[],
): PipelineItem[] {
  const items: PipelineItem[] = [];
  for (const [i, raw] of list.entries()) {
    scope.count.n += 1;
    if (scope.count.n > MAX_ITEMS) {
      // Reported once, where the limit is passed; every enclosing list then stops too.
      if (scope.count.n > MAX_ITEMS + 1) return items;
      scope.sink.error(
        [...path, i],
        'CORDON_ERR_DEFINITION_VALUE',
        `${scope.subject} has more than ${MAX_ITEMS} transformations, nested ones included (YAML aliases repeat what they name); got more at ${ordinal} ${i + 1}. Split the pipeline, or nest fewer aliases.`,
      );
      return items;
    }
    if (scope.within.has(raw)) {
      scope.sink.error(
        [...path, i],
        'CORDON_ERR_DEFINITION_VALUE',
        `${scope.subject} ${ordinal} ${i + 1} is a YAML alias of a nest it stands in, so it would hold itself; got an item that nests itself. Write its items out, or alias another item.`,
      );
      continue;
    }
    scope.within.add(raw);
    const item = parseItem(scope, [...path, i], ordinal, i, raw);
    scope.within.delete(raw);
    if (item) items.push(item);
    else for (const id of itemIds([raw], new Set())) scope.unparsed.add(id);
  }
  return items;
}

/** The ids written on these raw items, and on the items nested in them (each item once). */
function itemIds(list: readonly unknown[], seen: Set<unknown>): string[] {
  return list.flatMap((raw) => {
    if (!isMapping(raw) || seen.has(raw)) return [];
    seen.add(raw);
    return [
      ...(typeof raw.id === 'string' ? [raw.id] : []),
      ...(Array.isArray(raw.items) ? itemIds(raw.items, seen) : []),
    ];
  });
}

function parseItem(
  scope: ItemsScope,
  path: YamlPath,
  ordinal: string,
  index: number,
  raw: unknown,
): PipelineItem | undefined {
  const { sink, label, subject } = scope;
  if (!isMapping(raw)) {
    sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${subject} ${ordinal} ${index + 1} must be a mapping with a type; got ${describe(raw)}.`,
    );
    return undefined;
  }
  const id = typeof raw.id === 'string' ? raw.id : undefined;
  const type = raw.type;
  const where = `${ordinal} ${id ? `"${id}"` : index + 1}`;
  const named = `${subject} ${where}`;
  const ctx: ItemContext = {
    sink,
    path,
    subject: typeof type === 'string' ? `${named} (${type})` : named,
    nested: (at, list) => {
      if (Array.isArray(list)) return parseItems(scope, at, `${where} item`, list);
      sink.error(
        at,
        list === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
        `${named} (${String(type)}) needs "items", a list of transformations applied in its place; got ${describe(list)}. Write e.g. "items: [{ type: field_name_prefix, prefix: labels. }]".`,
      );
      return undefined;
    },
  };
  const kind = typeof type === 'string' ? TRANSFORMATIONS.get(type) : undefined;
  if (!kind) {
    reportType(ctx, type);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(raw)) {
    if (ITEM_KEYS.includes(key) || kind.keys.includes(key)) continue;
    ok = false;
    const known = [...ITEM_KEYS, ...kind.keys];
    const hint = suggest(key, known);
    sink.error(
      [...path, key],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `${ctx.subject} has unknown key "${key}".${hint ? ` Did you mean "${hint}"?` : ` Known keys: ${known.join(', ')}.`}`,
      true,
    );
  }
  const rules = parseRuleConditions(ctx, raw);
  const fieldFilter = parseFieldFilter(ctx, raw);
  if (fieldFilter && !kind.renamesFields && !kind.detectionItems) {
    ok = false;
    sink.error(
      [...path, 'field_name_conditions'],
      'CORDON_ERR_PIPELINE_UNSUPPORTED',
      `${ctx.subject} has field_name_conditions, which Cordon implements only for the transformations that rename fields or act on detection items. Select the rules with rule_conditions instead, or remove them.`,
      true,
    );
  }
  const itemFilter = parseItemFilter(ctx, raw);
  if (itemFilter && !kind.detectionItems) {
    ok = false;
    sink.error(
      [...path, 'detection_item_conditions'],
      'CORDON_ERR_PIPELINE_UNSUPPORTED',
      `${ctx.subject} has detection_item_conditions, which only select for the transformations that act on detection items (drop_detection_item, detection_item_failure, replace_string, map_string, set_value). Select the rules with rule_conditions instead, or remove them.`,
      true,
    );
  }
  const transformation = kind.parse(ctx, raw);
  // An added search's shape (modifiers, values) is checked here, once, where it is written;
  // its field names can only be checked against each rule it is added to.
  // (A template's values are known only per rule, and checked there.)
  const shapeOk =
    transformation?.kind !== 'condition' ||
    transformation.template ||
    parseSearch(
      { sink, subject: `${ctx.subject} conditions`, pipeline: ANY_FIELD },
      [...path, 'conditions'],
      'conditions',
      transformation.search,
    ) !== undefined;
  if (!ok || !shapeOk || !transformation || !rules || fieldFilter === false || itemFilter === false)
    return undefined;
  return {
    id,
    label: `${label} ${where}`,
    type: kind.type,
    ruleConditions: rules.conditions,
    ruleLinking: rules.linking,
    fieldFilter,
    itemFilter,
    transformation,
  };
}

function reportType(ctx: ItemContext, type: unknown): void {
  const implemented = [...TRANSFORMATIONS.keys()];
  if (typeof type === 'string' && NOT_IMPLEMENTED.includes(type)) {
    ctx.sink.error(
      [...ctx.path, 'type'],
      'CORDON_ERR_PIPELINE_UNSUPPORTED',
      `${ctx.subject} is of type "${type}", which Cordon does not implement yet. Implemented: ${implemented.join(', ')}.`,
    );
    return;
  }
  const hint = typeof type === 'string' ? suggest(type, implemented) : undefined;
  ctx.sink.error(
    type === undefined ? ctx.path : [...ctx.path, 'type'],
    type === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} needs a transformation type; got ${describe(type)}.${hint ? ` Did you mean "${hint}"?` : ''} Implemented: ${implemented.join(', ')}.`,
  );
}

/** Resolves every field and placeholder, so that checking a search's shape reports only that. */
const ANY_FIELD: RulePipeline = {
  logsource: undefined,
  logsourceChangedBy: undefined,
  failure: undefined,
  added: [],
  mapField: () => ({ names: ['labels.field'], by: [] }),
  processItem: (_field, values) => ({
    kind: 'branches',
    branches: [{ name: 'labels.field', values }],
    by: [],
  }),
  placeholder: () => ({ kind: 'values', values: ['value'] }),
};
