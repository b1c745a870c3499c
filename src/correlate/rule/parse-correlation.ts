import { describe, parseDuration } from '../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../shared/shape.js';
import type { YamlPath } from '../../shared/yaml.js';
import { resolveFieldPath } from '../field-map.js';
import type { RuleContext } from './context.js';
import { quoteList } from './context.js';
import { DEFAULT_LATENESS_MS, parseExtension } from './cordon-extension.js';
import { parseThreshold } from './correlation-condition.js';
import { unknownFieldMessage } from './detection/parse-search.js';

/**
 * Validates the `correlation` block of a Sigma correlation rule (and Cordon's `cordon:`
 * extension) on its own. Whether the rules it names exist is checked later, across files, by
 * validate-rules.ts, using the draft returned here.
 */

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
  'value_percentile',
  'value_median',
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

/** Sliding windows keep every event of the window; beyond this they need bucketing. */
export const MAX_TIMESPAN_MS = 48 * 3_600_000;

export interface RuleReference {
  readonly ref: string;
  readonly path: YamlPath;
}

export interface GroupByDraft {
  readonly name: string;
  readonly path: YamlPath;
}

export interface AliasEntry {
  /** Canonical event path, or undefined when the field maps nowhere (already reported). */
  readonly eventPath: string | undefined;
  readonly path: YamlPath;
}

export interface CorrelationDraft {
  readonly type: CorrelationType | undefined;
  readonly rules: readonly RuleReference[];
  readonly groupBy: readonly GroupByDraft[];
  /** alias name → rule reference (name or id, as written) → field. */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, AliasEntry>>;
  readonly timespanMs: number | undefined;
  readonly condition: { readonly op: 'gt' | 'gte'; readonly value: number } | undefined;
  readonly allowedLatenessMs: number;
  readonly generate: boolean;
  /** False when any local problem was reported. */
  readonly ok: boolean;
}

export function parseCorrelationRule(
  ctx: RuleContext,
  doc: Record<string, unknown>,
): CorrelationDraft {
  const block = doc.correlation;
  const { sink, subject } = ctx;
  if (!isMapping(block)) {
    sink.error(
      ['correlation'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${subject} correlation must be a mapping; got ${describe(block)}. Write "correlation: { type: event_count, rules: [...], timespan: 1m, condition: { gt: 100 } }".`,
    );
    return emptyDraft();
  }
  const before = sink.diagnostics.length;
  checkKeys(sink, ['correlation'], block, `${subject} correlation`, {
    required: ['type', 'rules', 'timespan'],
    optional: ['group-by', 'condition', 'aliases', 'generate'],
  });

  const type = parseType(ctx, block.type);
  const rules = parseRuleList(ctx, block.rules);
  const groupBy = parseGroupBy(ctx, block['group-by']);
  const aliases = parseAliases(ctx, block.aliases, groupBy);
  const timespanMs = parseTimespan(ctx, block.timespan);
  const condition = parseThreshold(ctx, type, block.condition);
  const generate = parseGenerate(ctx, doc.generate, block.generate);
  const extension = parseExtension(ctx, doc.cordon);

  const ok = !sink.diagnostics.slice(before).some((d) => d.severity === 'error');
  return {
    type,
    rules: rules ?? [],
    groupBy,
    aliases,
    timespanMs,
    condition,
    allowedLatenessMs: extension.allowedLatenessMs,
    generate,
    ok: ok && rules !== undefined,
  };
}

function emptyDraft(): CorrelationDraft {
  return {
    type: undefined,
    rules: [],
    groupBy: [],
    aliases: new Map(),
    timespanMs: undefined,
    condition: undefined,
    allowedLatenessMs: DEFAULT_LATENESS_MS,
    generate: false,
    ok: false,
  };
}

function parseType(ctx: RuleContext, value: unknown): CorrelationType | undefined {
  if (value === undefined || value === null) return undefined; // reported as missing
  const type = CORRELATION_TYPES.find((t) => t === value);
  const path = ['correlation', 'type'];
  if (type === undefined) {
    const hint = typeof value === 'string' ? suggest(value, CORRELATION_TYPES) : undefined;
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} correlation type must be one of ${CORRELATION_TYPES.join(', ')}; got ${describe(value)}.${hint ? ` Did you mean "${hint}"?` : ' Pick one of them.'}`,
    );
    return undefined;
  }
  if (type !== 'event_count') {
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_UNSUPPORTED',
      `${ctx.subject} correlation type "${type}" arrives with the full correlation engine; got "${type}". Use event_count for now, or keep the rule out of the rule directory.`,
    );
  }
  return type;
}

function parseRuleList(ctx: RuleContext, value: unknown): RuleReference[] | undefined {
  if (value === undefined || value === null) return undefined; // reported as missing
  const isList = Array.isArray(value);
  const items: unknown[] = isList ? (value as unknown[]) : [value];
  const fix = 'List the names or ids of detection rules, e.g. "rules: [inference_request]".';
  if (items.length === 0) {
    ctx.sink.error(
      ['correlation', 'rules'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} correlation rules is empty; got []. ${fix}`,
    );
    return undefined;
  }
  const refs: RuleReference[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const path = isList ? ['correlation', 'rules', i] : ['correlation', 'rules'];
    if (typeof item !== 'string' || item.trim() === '') {
      ok = false;
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} correlation rules must list rule names or ids; got ${describe(item)}. ${fix}`,
      );
    } else if (refs.some((r) => r.ref === item)) {
      ok = false;
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} correlation rules lists "${item}" twice; got a repeated entry. Remove the duplicate.`,
      );
    } else {
      refs.push({ ref: item, path });
    }
  });
  return ok ? refs : undefined;
}

function parseGroupBy(ctx: RuleContext, value: unknown): GroupByDraft[] {
  if (value === undefined || value === null) return [];
  const isList = Array.isArray(value);
  const items: unknown[] = isList ? (value as unknown[]) : [value];
  const out: GroupByDraft[] = [];
  items.forEach((item, i) => {
    const path = isList ? ['correlation', 'group-by', i] : ['correlation', 'group-by'];
    if (typeof item !== 'string' || item.trim() === '') {
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_TYPE',
        `${ctx.subject} group-by must list field names; got ${describe(item)}. Write e.g. "group-by: [api_key]".`,
      );
    } else if (out.some((g) => g.name === item)) {
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} group-by lists "${item}" twice; got a repeated entry. Remove the duplicate.`,
      );
    } else {
      out.push({ name: item, path });
    }
  });
  return out;
}

function parseAliases(
  ctx: RuleContext,
  value: unknown,
  groupBy: readonly GroupByDraft[],
): Map<string, Map<string, AliasEntry>> {
  const aliases = new Map<string, Map<string, AliasEntry>>();
  if (value === undefined || value === null) return aliases;
  const shape = 'Write "aliases: { <alias>: { <rule name>: <field> } }".';
  if (!isMapping(value)) {
    ctx.sink.error(
      ['correlation', 'aliases'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${ctx.subject} aliases must be a mapping; got ${describe(value)}. ${shape}`,
    );
    return aliases;
  }
  for (const [alias, perRule] of Object.entries(value)) {
    const aliasPath = ['correlation', 'aliases', alias];
    if (!isMapping(perRule)) {
      ctx.sink.error(
        aliasPath,
        'CORDON_ERR_YAML_NOT_MAPPING',
        `${ctx.subject} alias "${alias}" must map rule names to fields; got ${describe(perRule)}. ${shape}`,
      );
      continue;
    }
    const entries = new Map<string, AliasEntry>();
    for (const [ruleRef, field] of Object.entries(perRule)) {
      const path = [...aliasPath, ruleRef];
      if (typeof field !== 'string' || field.trim() === '') {
        ctx.sink.error(
          path,
          'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} alias "${alias}" for rule "${ruleRef}" must be a field name; got ${describe(field)}. ${shape}`,
        );
        continue;
      }
      const eventPath = resolveFieldPath(field);
      if (eventPath === undefined) {
        ctx.sink.error(
          path,
          'CORDON_ERR_RULE_FIELD',
          unknownFieldMessage(`${ctx.subject} alias "${alias}" for rule "${ruleRef}"`, field),
        );
      }
      entries.set(ruleRef, { eventPath, path });
    }
    aliases.set(alias, entries);
    if (!groupBy.some((g) => g.name === alias)) {
      ctx.sink.warning(
        aliasPath,
        'CORDON_WARN_RULE_UNUSED',
        `${ctx.subject} alias "${alias}" is not used in group-by; got group-by ${
          groupBy.length
            ? quoteList(
                groupBy.map((g) => g.name),
                'and',
              )
            : '(empty)'
        }. Add it to group-by or remove it.`,
        true,
      );
    }
  }
  return aliases;
}

function parseTimespan(ctx: RuleContext, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined; // reported as missing
  const path = ['correlation', 'timespan'];
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} timespan is not a duration; ${parsed.reason}.`,
    );
    return undefined;
  }
  if (parsed.ms > MAX_TIMESPAN_MS) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} timespan exceeds the 48h limit of sliding windows; got ${describe(value)}. Use at most 48h; longer windows need time buckets, which this version lacks.`,
    );
    return undefined;
  }
  return parsed.ms;
}

/**
 * `generate` is top-level in the Sigma specification and JSON schema, but pySigma reads it from
 * the correlation block; both are accepted, and must agree when both are given.
 */
function parseGenerate(ctx: RuleContext, topLevel: unknown, inBlock: unknown): boolean {
  const check = (value: unknown, path: YamlPath): boolean | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'boolean') return value;
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_TYPE',
      `${ctx.subject} generate must be true or false; got ${describe(value)}. Write "generate: true" to also alert on the referenced rules.`,
    );
    return undefined;
  };
  const a = check(topLevel, ['generate']);
  const b = check(inBlock, ['correlation', 'generate']);
  if (a !== undefined && b !== undefined && a !== b) {
    ctx.sink.error(
      ['correlation', 'generate'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} generate is given twice with different values; got ${String(a)} at the top level and ${String(b)} under correlation. Keep the top-level one.`,
    );
  }
  return a ?? b ?? false;
}
