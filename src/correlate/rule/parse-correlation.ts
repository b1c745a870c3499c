import { describe, formatDurationMs, parseDuration } from '../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../shared/shape.js';
import type { YamlPath } from '../../shared/yaml.js';
import {
  CORRELATION_TYPES,
  PLANNED_TYPES,
  SIGMA_TYPES,
  correlationType,
} from '../types/registry.js';
import type { CorrelationTypeModule } from '../types/type-module.js';
import type { RuleContext } from './context.js';
import { quoteList } from './context.js';
import type { CorrelationSettings } from './cordon-extension.js';
import { parseCorrelationSettings, readCordonMapping } from './cordon-extension.js';
import type { ConditionDraft } from './correlation-condition.js';
import { parseCorrelationCondition } from './correlation-condition.js';

/**
 * Validates the `correlation` block of a Sigma correlation rule and Cordon's `cordon:` block on
 * their own. Whether the rules it names exist, and what its fields resolve to, is checked
 * later, across files, by validate-rules.ts, using the draft returned here.
 */

export interface RuleReference {
  readonly ref: string;
  readonly path: YamlPath;
}

export interface GroupByDraft {
  readonly name: string;
  readonly path: YamlPath;
}

export interface AliasEntry {
  /** The field as written (resolved against the referenced rule later). */
  readonly field: string;
  readonly path: YamlPath;
}

export interface CorrelationDraft {
  /** The type that runs it: `cordon.type` when given, else `correlation.type`. */
  readonly module: CorrelationTypeModule | undefined;
  /** `correlation.type` as written, when it is a Sigma type. */
  readonly sigmaType: string | undefined;
  readonly rules: readonly RuleReference[];
  readonly groupBy: readonly GroupByDraft[];
  /** alias name → rule reference (name or id, as written) → field. */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, AliasEntry>>;
  readonly timespanMs: number | undefined;
  readonly condition: ConditionDraft | undefined;
  readonly settings: CorrelationSettings;
  readonly params: Readonly<Record<string, unknown>> | undefined;
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
  const before = sink.diagnostics.length;
  const raw = readCordonMapping(ctx, doc.cordon);
  if (!isMapping(block)) {
    sink.error(
      ['correlation'],
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${subject} correlation must be a mapping; got ${describe(block)}. Write "correlation: { type: event_count, rules: [...], timespan: 1m, condition: { gt: 100 } }".`,
    );
    return emptyDraft(ctx, raw);
  }
  checkKeys(sink, ['correlation'], block, `${subject} correlation`, {
    required: ['type', 'rules', 'timespan'],
    optional: ['group-by', 'condition', 'aliases', 'generate'],
  });

  const sigma = parseSigmaType(ctx, block.type);
  const rules = parseRuleList(ctx, block.rules);
  const settings = parseCorrelationSettings(ctx, raw, (ext) => (ext ?? sigma)?.extensionKeys ?? []);
  let module: CorrelationTypeModule | undefined = settings.extension ?? sigma;
  if (settings.extension && sigma && !settings.extension.bases.includes(sigma.name)) {
    sink.error(
      ['correlation', 'type'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${subject} cordon.type ${settings.extension.name} refines the Sigma type ${quoteList(settings.extension.bases)}, which a plain Sigma backend runs instead; got correlation.type "${sigma.name}". Write "correlation.type: ${settings.extension.bases[0] ?? ''}".`,
    );
    module = undefined;
  }
  if (settings.extensionNamed && !settings.extension) module = undefined;

  const groupBy = parseGroupBy(ctx, block['group-by']);
  const aliases = parseAliases(ctx, block.aliases, groupBy);
  // A misplaced extension name still says how long its timespan may be: one error, not two.
  const named = typeof block.type === 'string' ? correlationType(block.type) : undefined;
  const timespanMs = parseTimespan(ctx, block.timespan, module ?? settings.extension ?? named);
  const refs = (rules ?? []).map((r) => r.ref);
  const condition = module
    ? parseCorrelationCondition(ctx, module, block.condition, refs)
    : undefined;
  const generate = parseGenerate(ctx, doc.generate, block.generate);
  checkInputCount(ctx, module, refs);
  if (module && settings.window && !module.windows.includes(settings.window.kind)) {
    sink.error(
      ['cordon', 'window'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${subject} ${module.name} runs in ${quoteList(module.windows)} windows; got "${settings.window.kind}". ${module.windows.length === 1 ? 'Remove cordon.window.' : `Use one of ${quoteList(module.windows)}.`}`,
    );
  }
  if (
    settings.window?.kind === 'session' &&
    timespanMs !== undefined &&
    settings.window.gapMs > timespanMs
  ) {
    sink.error(
      ['cordon', 'gap'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${subject} cordon.gap is longer than the timespan, which caps a session; got gap ${formatDurationMs(settings.window.gapMs)} with timespan ${formatDurationMs(timespanMs)}. Make the gap shorter than the timespan.`,
    );
  }
  const params =
    module && condition
      ? module.parse({
          ctx,
          cordon: raw,
          timespanMs,
          rules: refs,
          hasField: (condition.fields?.length ?? 0) > 0,
          threshold: condition.threshold,
          expression: condition.expression?.text,
        })
      : undefined;

  const ok = !sink.diagnostics.slice(before).some((d) => d.severity === 'error');
  return {
    module,
    sigmaType: sigma?.name,
    rules: rules ?? [],
    groupBy,
    aliases,
    timespanMs,
    condition,
    settings,
    params,
    generate,
    ok:
      ok &&
      rules !== undefined &&
      module !== undefined &&
      condition !== undefined &&
      params !== undefined,
  };
}

function emptyDraft(ctx: RuleContext, raw: Record<string, unknown>): CorrelationDraft {
  return {
    module: undefined,
    sigmaType: undefined,
    rules: [],
    groupBy: [],
    aliases: new Map(),
    timespanMs: undefined,
    condition: undefined,
    settings: parseCorrelationSettings(ctx, raw, () => []),
    params: undefined,
    generate: false,
    ok: false,
  };
}

function parseSigmaType(ctx: RuleContext, value: unknown): CorrelationTypeModule | undefined {
  if (value === undefined || value === null) return undefined; // reported as missing
  const path = ['correlation', 'type'];
  const module = typeof value === 'string' ? correlationType(value) : undefined;
  if (module && !module.extension) return module;
  if (module) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} correlation type "${module.name}" is a Cordon extension, and correlation.type must stay a Sigma type so the file remains valid Sigma; got "${module.name}". Write "correlation.type: ${module.bases[0] ?? ''}" (what a plain Sigma backend runs) and "cordon: { type: ${module.name} }".`,
    );
    return undefined;
  }
  if (typeof value === 'string' && PLANNED_TYPES.has(value)) {
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_UNSUPPORTED',
      `${ctx.subject} correlation type "${value}" (${PLANNED_TYPES.get(value) ?? ''}) is not implemented in this version; got "${value}". Use one of ${SIGMA_TYPES.join(', ')}.`,
    );
    return undefined;
  }
  const names = CORRELATION_TYPES.map((t) => t.name);
  const hint = typeof value === 'string' ? suggest(value, names) : undefined;
  ctx.sink.error(
    path,
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} correlation type must be one of ${SIGMA_TYPES.join(', ')}; got ${describe(value)}.${hint ? ` Did you mean "${hint}"?` : ' Pick one of them.'}`,
  );
  return undefined;
}

function checkInputCount(
  ctx: RuleContext,
  module: CorrelationTypeModule | undefined,
  refs: readonly string[],
): void {
  if (!module?.inputs || refs.length === 0) return;
  const { min, max } = module.inputs;
  if (refs.length >= min && (max === undefined || refs.length <= max)) return;
  const want =
    max === undefined ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
  ctx.sink.error(
    ['correlation', 'rules'],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} ${module.name} reads ${want} rules; got ${refs.length} (${quoteList(refs, 'and')}). List ${want} rules.`,
  );
}

function parseRuleList(ctx: RuleContext, value: unknown): RuleReference[] | undefined {
  if (value === undefined || value === null) return undefined; // reported as missing
  const isList = Array.isArray(value);
  const items: unknown[] = isList ? (value as unknown[]) : [value];
  const fix = 'List the names or ids of rules, e.g. "rules: [inference_request]".';
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
      entries.set(ruleRef, { field, path });
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

function parseTimespan(
  ctx: RuleContext,
  value: unknown,
  module: CorrelationTypeModule | undefined,
): number | undefined {
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
  const max = module?.maxTimespanMs ?? 48 * 3_600_000;
  if (parsed.ms > max) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} timespan exceeds the ${formatDurationMs(max)} limit of ${module?.name ?? 'correlation'} windows, which keep every event; got ${describe(value)}. Use at most ${formatDurationMs(max)}, or a baseline_spike or new_terms rule for longer history.`,
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
