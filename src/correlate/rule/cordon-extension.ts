import { describe, parseDuration } from '../../shared/duration.js';
import { checkKeys, isMapping, suggest } from '../../shared/shape.js';
import type { YamlPath } from '../../shared/yaml.js';
import { EXTENSION_TYPES, PLANNED_TYPES, correlationType } from '../types/registry.js';
import type { CorrelationTypeModule } from '../types/type-module.js';
import type { RuleContext } from './context.js';
import { quoteList } from './context.js';
import type { FiringMode, WindowSpec } from './types.js';

/**
 * Cordon's own settings live under one top-level `cordon:` key: Sigma's schema allows extra
 * top-level attributes (pySigma keeps them as custom attributes), so the file stays valid
 * Sigma while `detection` and `correlation` stay exactly as the specification defines them.
 */

export const DEFAULT_LATENESS_MS = 5 * 60_000;
/** Late events are held in correlation state at most this long. */
const MAX_LATENESS_MS = 48 * 3_600_000;
const MAX_SUPPRESS_MS = 30 * 86_400_000;

/** Keys every correlation may set under `cordon:`. */
const CORRELATION_KEYS = [
  'type',
  'lateness',
  'window',
  'gap',
  'action',
  'suppress',
  'fire',
  'group_case',
  'max_groups',
  'max_events_per_group',
] as const;

export interface CorrelationSettings {
  /** The mapping as written (empty when absent), for type modules to read their own keys. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** `cordon.type`, resolved to a module; undefined when absent or unusable (reported). */
  readonly extension: CorrelationTypeModule | undefined;
  /** `cordon.type` was given (even if unusable). */
  readonly extensionNamed: boolean;
  readonly allowedLatenessMs: number;
  readonly window: WindowSpec | undefined;
  readonly action: 'reset' | 'continue' | undefined;
  readonly suppressMs: number | undefined;
  readonly fire: FiringMode | undefined;
  readonly groupCaseInsensitive: boolean;
  readonly maxGroups: number | undefined;
  readonly maxEventsPerGroup: number | undefined;
}

export function readCordonMapping(ctx: RuleContext, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isMapping(value)) return value;
  ctx.sink.error(
    ['cordon'],
    'CORDON_ERR_YAML_NOT_MAPPING',
    `${ctx.subject} cordon must be a mapping of Cordon settings; got ${describe(value)}. Write e.g. "cordon: { lateness: 5m }".`,
  );
  return {};
}

/** Reads the `cordon:` block of a correlation; `typeKeys` come from the rule's type module. */
export function parseCorrelationSettings(
  ctx: RuleContext,
  raw: Record<string, unknown>,
  typeKeys: (extension: CorrelationTypeModule | undefined) => readonly string[],
): CorrelationSettings {
  const extensionNamed = raw.type !== undefined;
  const extension = parseExtensionType(ctx, raw.type);
  checkKeys(ctx.sink, ['cordon'], raw, `${ctx.subject} cordon`, {
    optional: [...CORRELATION_KEYS, ...typeKeys(extension)],
  });
  const lateness = readLateness(ctx, raw.lateness);
  return {
    raw,
    extension,
    extensionNamed,
    allowedLatenessMs: lateness ?? DEFAULT_LATENESS_MS,
    window: parseWindow(ctx, raw.window, raw.gap),
    action: readChoice(ctx, 'action', raw.action, ['reset', 'continue'] as const),
    suppressMs: readSuppress(ctx, raw.suppress),
    fire: readFire(ctx, raw.fire),
    groupCaseInsensitive:
      readChoice(ctx, 'group_case', raw.group_case, ['sensitive', 'insensitive'] as const) ===
      'insensitive',
    maxGroups: readCount(ctx, 'max_groups', raw.max_groups),
    maxEventsPerGroup: readCount(ctx, 'max_events_per_group', raw.max_events_per_group),
  };
}

export interface DetectionSettings {
  /** `cordon.group-by` field names with their paths in the YAML. */
  readonly groupBy: readonly { readonly name: string; readonly path: YamlPath }[] | undefined;
  readonly suppressMs: number;
}

/** Reads the `cordon:` block of a detection rule: its own group-by and suppression. */
export function parseDetectionSettings(ctx: RuleContext, value: unknown): DetectionSettings {
  const raw = readCordonMapping(ctx, value);
  checkKeys(ctx.sink, ['cordon'], raw, `${ctx.subject} cordon`, {
    optional: ['group-by', 'suppress'],
  });
  let groupBy: { name: string; path: YamlPath }[] | undefined;
  const list = raw['group-by'];
  if (list !== undefined && list !== null) {
    const items: unknown[] = Array.isArray(list) ? (list as unknown[]) : [list];
    groupBy = [];
    items.forEach((item, i) => {
      const path = Array.isArray(list) ? ['cordon', 'group-by', i] : ['cordon', 'group-by'];
      if (typeof item !== 'string' || item.trim() === '') {
        ctx.sink.error(
          path,
          'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} cordon.group-by must list field names; got ${describe(item)}. Write e.g. "group-by: [api_key]".`,
        );
      } else {
        groupBy?.push({ name: item, path });
      }
    });
  }
  return { groupBy, suppressMs: readSuppress(ctx, raw.suppress) ?? 0 };
}

function parseExtensionType(ctx: RuleContext, value: unknown): CorrelationTypeModule | undefined {
  if (value === undefined || value === null) return undefined;
  const path = ['cordon', 'type'];
  if (typeof value === 'string') {
    const module = correlationType(value);
    if (module?.extension) return module;
    const planned = PLANNED_TYPES.get(value);
    if (planned !== undefined) {
      ctx.sink.error(
        path,
        'CORDON_ERR_RULE_UNSUPPORTED',
        `${ctx.subject} cordon.type "${value}" (${planned}) is not implemented in this version; got "${value}". Remove cordon.type to run the Sigma correlation as written.`,
      );
      return undefined;
    }
    if (module) {
      ctx.sink.error(
        path,
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} cordon.type names "${value}", which is a Sigma type; got "${value}". Write it as correlation.type and remove cordon.type.`,
      );
      return undefined;
    }
  }
  const hint = typeof value === 'string' ? suggest(value, EXTENSION_TYPES) : undefined;
  ctx.sink.error(
    path,
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} cordon.type must be one of ${EXTENSION_TYPES.join(', ')}; got ${describe(value)}.${hint ? ` Did you mean "${hint}"?` : ''}`,
  );
  return undefined;
}

function parseWindow(ctx: RuleContext, kind: unknown, gap: unknown): WindowSpec | undefined {
  const chosen = readChoice(ctx, 'window', kind, ['sliding', 'tumbling', 'session'] as const);
  if (chosen !== 'session') {
    if (gap !== undefined && gap !== null) {
      ctx.sink.error(
        ['cordon', 'gap'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} cordon.gap only applies to session windows; got gap with window ${chosen ?? 'sliding'}. Add "window: session" or remove gap.`,
      );
    }
    return chosen === undefined ? undefined : { kind: chosen };
  }
  const parsed = parseDuration(gap);
  if (gap === undefined || gap === null || !parsed.ok) {
    ctx.sink.error(
      gap === undefined || gap === null ? ['cordon'] : ['cordon', 'gap'],
      gap === undefined || gap === null
        ? 'CORDON_ERR_DEFINITION_REQUIRED'
        : 'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} session windows need cordon.gap, the longest quiet time inside a session; got ${parsed.ok ? describe(gap) : parsed.reason}. Write e.g. "gap: 5m".`,
    );
    return undefined;
  }
  return { kind: 'session', gapMs: parsed.ms };
}

function readChoice<T extends string>(
  ctx: RuleContext,
  key: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === null) return undefined;
  const found = allowed.find((a) => a === value);
  if (found) return found;
  const hint = typeof value === 'string' ? suggest(value, allowed) : undefined;
  ctx.sink.error(
    ['cordon', key],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} cordon.${key} must be one of ${quoteList(allowed)}; got ${describe(value)}.${hint ? ` Did you mean "${hint}"?` : ''}`,
  );
  return undefined;
}

function readFire(ctx: RuleContext, value: unknown): FiringMode | undefined {
  const chosen = readChoice(ctx, 'fire', value, ['eager', 'on_close'] as const);
  return chosen === 'on_close' ? 'on-close' : chosen;
}

function readLateness(ctx: RuleContext, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // Zero is allowed here (`0`, `0s`): no lateness at all.
  if (value === 0 || (typeof value === 'string' && /^\s*0+\s*(ms|s|m|h|d|w)?\s*$/.test(value)))
    return 0;
  const parsed = parseDuration(value);
  if (!parsed.ok) {
    ctx.sink.error(
      ['cordon', 'lateness'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cordon.lateness is not a duration; ${parsed.reason}.`,
    );
    return undefined;
  }
  if (parsed.ms > MAX_LATENESS_MS) {
    ctx.sink.error(
      ['cordon', 'lateness'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cordon.lateness exceeds 48h; got ${describe(value)}. Use at most 48h; events that late belong in a replay.`,
    );
    return undefined;
  }
  return parsed.ms;
}

function readSuppress(ctx: RuleContext, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = parseDuration(value);
  if (!parsed.ok || parsed.ms > MAX_SUPPRESS_MS) {
    ctx.sink.error(
      ['cordon', 'suppress'],
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} cordon.suppress must be a duration of at most 30d; ${parsed.ok ? `got ${describe(value)}` : parsed.reason}. Write e.g. "suppress: 1h".`,
    );
    return undefined;
  }
  return parsed.ms;
}

function readCount(ctx: RuleContext, key: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10_000_000)
    return value;
  ctx.sink.error(
    ['cordon', key],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} cordon.${key} must be a whole number from 1 to 10000000; got ${describe(value)}. Write e.g. "${key}: 1000".`,
  );
  return undefined;
}
