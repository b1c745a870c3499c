import type { EventKind } from '../../../ingest/canonical-event.js';
import { EVENT_KINDS } from '../../../ingest/canonical-event.js';
import { describe } from '../../../shared/duration.js';
import { isMapping } from '../../../shared/shape.js';
import type { RuleContext } from '../context.js';
import { parseCondition } from './condition.js';
import type { ConditionNode, DetectionIR, SearchIR } from './ir.js';
import { fieldsRead } from './fields-read.js';
import { parseSearch } from './parse-search.js';

/**
 * Validates the `logsource` and `detection` blocks of a Sigma detection rule. Returns the IR
 * when both are usable; every problem found along the way has been reported.
 */
export function parseDetectionRule(
  ctx: RuleContext,
  doc: Record<string, unknown>,
): DetectionIR | undefined {
  const eventKind = parseLogsource(ctx, doc.logsource);
  const detection = doc.detection;
  if (detection === undefined || detection === null) return undefined; // reported as a missing key
  if (!isMapping(detection)) {
    ctx.sink.error(
      ['detection'],
      'CORDON_ERR_RULE_DETECTION',
      `${ctx.subject} detection must be a mapping of search identifiers and a condition; got ${describe(detection)}. Write "detection: { selection: {...}, condition: selection }".`,
    );
    return undefined;
  }

  let ok = eventKind !== false;
  const searches = new Map<string, SearchIR>();
  const identifiers = Object.keys(detection).filter((k) => k !== 'condition' && k !== 'timeframe');
  if ('timeframe' in detection) {
    ok = false;
    ctx.sink.error(
      ['detection', 'timeframe'],
      'CORDON_ERR_RULE_UNSUPPORTED',
      `${ctx.subject} detection uses "timeframe", a Sigma v1 aggregation window; got ${describe(detection.timeframe)}. Count events with a correlation rule (type: event_count, timespan: ...) instead.`,
      true,
    );
  }
  if (identifiers.length === 0) {
    ok = false;
    ctx.sink.error(
      ['detection'],
      'CORDON_ERR_RULE_DETECTION',
      `${ctx.subject} detection defines no search identifier; got only ${
        Object.keys(detection)
          .map((k) => `"${k}"`)
          .join(', ') || 'an empty mapping'
      }. Add one, e.g. "selection: { api_key|exists: true }".`,
    );
  }
  // Searches a pipeline dropped every item of (drop_detection_item).
  const dropped = new Set<string>();
  for (const name of identifiers) {
    const search = parseSearch(ctx, ['detection', name], name, detection[name]);
    if (search) searches.set(name, search);
    else if (search === null) dropped.add(name);
    else ok = false;
  }

  const conditions = parseConditions(ctx, detection.condition, identifiers);
  if (!conditions) return undefined;
  reportUnused(ctx, identifiers, conditions.used);
  const nodes = addPipelineConditions(ctx, searches, withoutDropped(conditions.nodes, dropped));
  if (nodes?.length === 0) {
    ctx.sink.error(
      ['detection', 'condition'],
      'CORDON_ERR_RULE_DETECTION',
      `${ctx.subject} condition is left with no search: processing pipeline items dropped every item of ${[...dropped].map((n) => `"${n}"`).join(', ')}; got a rule that would match every event. Narrow the drop_detection_item's conditions, or skip such rules with a rule_failure.`,
    );
    return undefined;
  }
  if (!ok || !nodes || eventKind === false) return undefined;
  const ir: DetectionIR = { eventKind, searches, conditions: nodes };
  warnForeignKeywords(ctx, doc.logsource, ir);
  return ir;
}

/**
 * A keyword search with a product or service but no category reads every string of every
 * event kind: a Linux or network-device rule from SigmaHQ would search LLM prompts and
 * responses as if they were its logs (57 of the 92 SigmaHQ rules that load as written do).
 * Warned, since such a rule of one's own may mean just that.
 */
function warnForeignKeywords(ctx: RuleContext, written: unknown, ir: DetectionIR): void {
  // As a pipeline's change_logsource left it, else as written.
  const logsource: unknown = ctx.pipeline?.logsource ?? written;
  if (ir.eventKind !== undefined || !isMapping(logsource) || fieldsRead(ir) !== undefined) return;
  const named = (['product', 'service'] as const).find((k) => typeof logsource[k] === 'string');
  if (!named) return;
  ctx.sink.warning(
    ['logsource', named],
    'CORDON_WARN_RULE_EVERY_KIND',
    `${ctx.subject} searches keywords in every event kind, LLM prompts and responses included, though its logsource names ${named} "${String(logsource[named])}" and no category; got a rule that reads every event as if it came from there. Add a category (a Cordon event kind such as log), or map its logsource with a processing pipeline's change_logsource.`,
  );
}

/**
 * The condition without the searches a pipeline dropped, as pySigma's queries leave them out:
 * an AND or OR goes on with its other operands, `not` of a dropped search is dropped too, and
 * `1 of` / `all of` count the searches left. Empty when nothing is left.
 */
function withoutDropped(
  nodes: readonly ConditionNode[],
  dropped: ReadonlySet<string>,
): readonly ConditionNode[] {
  if (dropped.size === 0) return nodes;
  const keep = (node: ConditionNode): ConditionNode | undefined => {
    switch (node.kind) {
      case 'ref':
        return dropped.has(node.name) ? undefined : node;
      case 'not': {
        const operand = keep(node.operand);
        return operand && { kind: 'not', operand };
      }
      case 'of': {
        const names = node.names.filter((n) => !dropped.has(n));
        return names.length === 0 ? undefined : { ...node, names };
      }
      case 'and':
      case 'or': {
        const operands = node.operands.map(keep).filter((o) => o !== undefined);
        if (operands.length <= 1) return operands[0];
        return { kind: node.kind, operands };
      }
    }
  };
  return nodes.map(keep).filter((n) => n !== undefined);
}

/**
 * The rule's condition with the searches processing pipelines add (add_condition) ANDed to it,
 * each under a name of its own; their fields go through the renames that follow them.
 * Undefined after reporting a problem with one, on the rule's first line.
 */
function addPipelineConditions(
  ctx: RuleContext,
  searches: Map<string, SearchIR>,
  nodes: readonly ConditionNode[],
): readonly ConditionNode[] | undefined {
  const pipeline = ctx.pipeline;
  if (!pipeline || pipeline.added.length === 0) return nodes;
  let ok = true;
  // The rule's own condition may be gone (every search dropped): the added ones remain.
  const terms: ConditionNode[] =
    nodes.length === 0
      ? []
      : [nodes.length === 1 ? (nodes[0] as ConditionNode) : { kind: 'or', operands: nodes }];
  pipeline.added.forEach((added, i) => {
    let name = added.name ?? `_cond_${i + 1}`;
    while (searches.has(name)) name = `_${name}`;
    const scoped: RuleContext = {
      ...ctx,
      subject: `${ctx.subject} (the condition ${added.by} adds)`,
      pipeline: {
        ...pipeline,
        mapField: (field) => pipeline.mapField(field, added.at),
        processItem: (field, values) => pipeline.processItem(field, values, added.at),
        placeholder: (placeholder) => pipeline.placeholder(placeholder, added.at),
      },
    };
    const search = parseSearch(scoped, [], name, added.search);
    // Dropped whole by a drop_detection_item after it: nothing is added.
    if (search === null) return;
    if (!search) {
      ok = false;
      return;
    }
    searches.set(name, search);
    const ref: ConditionNode = { kind: 'ref', name };
    terms.push(added.negated ? { kind: 'not', operand: ref } : ref);
  });
  if (!ok) return undefined;
  const [only] = terms;
  if (terms.length <= 1) return only ? [only] : [];
  return [{ kind: 'and', operands: terms }];
}

/**
 * The event kind the rule is restricted to: undefined without a category, null for a category
 * Cordon never emits (warned; the rule never matches), false after a reported error.
 */
function parseLogsource(
  ctx: RuleContext,
  logsource: unknown,
): EventKind | null | undefined | false {
  const changed = ctx.pipeline?.logsource;
  if (logsource === undefined && changed === undefined) return undefined;
  if (logsource !== undefined && !isMapping(logsource)) {
    ctx.sink.error(
      ['logsource'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${ctx.subject} logsource must be a mapping; got ${describe(logsource)}. Write "logsource: { category: inference }".`,
    );
    return false;
  }
  let ok = true;
  for (const key of ['category', 'product', 'service', 'definition']) {
    const value = logsource?.[key];
    if (value !== undefined && typeof value !== 'string') {
      ok = false;
      ctx.sink.error(
        ['logsource', key],
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} logsource.${key} must be a string; got ${describe(value)}. Quote it or remove it.`,
      );
    }
  }
  // A processing pipeline's change_logsource decides the category the rule runs on.
  const category = changed ? changed.category : logsource?.category;
  if (!ok) return false;
  if (typeof category !== 'string') return undefined;
  const kind = EVENT_KINDS.find((k) => k === category.toLowerCase());
  if (kind) return kind;
  ctx.sink.warning(
    ['logsource', 'category'],
    'CORDON_WARN_RULE_NEVER_MATCHES',
    changed
      ? `${ctx.subject} logsource.category, as ${ctx.pipeline?.logsourceChangedBy ?? 'a pipeline'} sets it, is not a Cordon event kind, so the rule never matches; got "${category}". Set one of ${EVENT_KINDS.join(', ')} in that change_logsource.`
      : `${ctx.subject} logsource.category is not a Cordon event kind, so the rule never matches; got "${category}". Use one of ${EVENT_KINDS.join(', ')}, map it to one with a processing pipeline's change_logsource, or remove the category to match every kind.`,
  );
  return null;
}

function parseConditions(
  ctx: RuleContext,
  condition: unknown,
  identifiers: readonly string[],
): { nodes: ConditionNode[]; used: Set<string> } | undefined {
  if (condition === undefined || condition === null) {
    ctx.sink.error(
      ['detection'],
      'CORDON_ERR_DEFINITION_REQUIRED',
      `${ctx.subject} detection is missing required key "condition". Add e.g. "condition: selection".`,
    );
    return undefined;
  }
  const list = Array.isArray(condition) ? (condition as unknown[]) : [condition];
  if (list.length === 0 || !list.every((c): c is string => typeof c === 'string')) {
    ctx.sink.error(
      ['detection', 'condition'],
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} condition must be a string or a list of strings; got ${describe(condition)}. Write e.g. "condition: selection and not filter".`,
    );
    return undefined;
  }
  const nodes: ConditionNode[] = [];
  const used = new Set<string>();
  let ok = true;
  list.forEach((text, i) => {
    const result = parseCondition(text, identifiers);
    if (result.ok) {
      nodes.push(result.node);
      for (const n of result.used) used.add(n);
      return;
    }
    ok = false;
    const { offset, token, problem, fix } = result.error;
    const path = Array.isArray(condition)
      ? ['detection', 'condition', i]
      : ['detection', 'condition'];
    const got = token === '' ? 'the end of the condition' : `"${token}"`;
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_CONDITION',
      `${ctx.subject} condition ${problem} at character ${offset + 1} of "${text}"; got ${got}. ${fix}`,
    );
  });
  return ok ? { nodes, used } : undefined;
}

function reportUnused(
  ctx: RuleContext,
  identifiers: readonly string[],
  used: ReadonlySet<string>,
): void {
  for (const name of identifiers) {
    if (used.has(name)) continue;
    ctx.sink.warning(
      ['detection', name],
      'CORDON_WARN_RULE_UNUSED',
      `${ctx.subject} search identifier "${name}" is not used by the condition; got a condition that never refers to it. Use it in the condition or remove it.`,
      true,
    );
  }
}
