import { describe, parseDuration } from '../../shared/duration.js';
import { checkKeys, isMapping } from '../../shared/shape.js';
import type { RuleContext } from './context.js';

/**
 * Cordon's own settings for a correlation live under one top-level `cordon:` key: Sigma's schema
 * allows extra top-level attributes (pySigma keeps them as custom attributes), so the file stays
 * valid Sigma while the correlation block stays exactly as the specification defines it.
 */

export const DEFAULT_LATENESS_MS = 5 * 60_000;
/** Late events are held in correlation state at most this long. */
const MAX_LATENESS_MS = 48 * 3_600_000;

export function parseExtension(ctx: RuleContext, value: unknown): { allowedLatenessMs: number } {
  const result = { allowedLatenessMs: DEFAULT_LATENESS_MS };
  if (value === undefined || value === null) return result;
  const path = ['cordon'];
  if (!isMapping(value)) {
    ctx.sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${ctx.subject} cordon must be a mapping of Cordon settings; got ${describe(value)}. Write e.g. "cordon: { lateness: 5m }".`,
    );
    return result;
  }
  checkKeys(ctx.sink, path, value, `${ctx.subject} cordon`, {
    optional: ['lateness', 'window', 'action', 'suppress'],
  });
  if (value.lateness !== undefined) {
    const lateness = parseLateness(value.lateness);
    if (typeof lateness === 'string') {
      ctx.sink.error(
        [...path, 'lateness'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} cordon.lateness is not a duration; ${lateness}.`,
      );
    } else if (lateness > MAX_LATENESS_MS) {
      ctx.sink.error(
        [...path, 'lateness'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} cordon.lateness exceeds 48h; got ${describe(value.lateness)}. Use at most 48h; events that late belong in a replay.`,
      );
    } else {
      result.allowedLatenessMs = lateness;
    }
  }
  checkChoice(
    ctx,
    'window',
    value.window,
    'sliding',
    ['tumbling', 'session'],
    'Windows slide with each event in this version; remove "window" or set it to sliding.',
  );
  checkChoice(
    ctx,
    'action',
    value.action,
    'reset',
    ['continue'],
    'After firing, a group starts counting afresh in this version; remove "action" or set it to reset.',
  );
  if (value.suppress !== undefined) {
    ctx.sink.error(
      [...path, 'suppress'],
      'CORDON_ERR_RULE_UNSUPPORTED',
      `${ctx.subject} cordon.suppress arrives with the full correlation engine; got ${describe(value.suppress)}. Remove it for now (action: reset already stops repeats from the same events).`,
    );
  }
  return result;
}

function checkChoice(
  ctx: RuleContext,
  key: string,
  value: unknown,
  supported: string,
  later: readonly string[],
  fix: string,
): void {
  if (value === undefined || value === supported) return;
  const path = ['cordon', key];
  if (typeof value === 'string' && later.includes(value)) {
    ctx.sink.error(
      path,
      'CORDON_ERR_RULE_UNSUPPORTED',
      `${ctx.subject} cordon.${key} "${value}" arrives with the full correlation engine; got "${value}". ${fix}`,
    );
    return;
  }
  ctx.sink.error(
    path,
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} cordon.${key} must be one of ${[supported, ...later].join(', ')}; got ${describe(value)}. ${fix}`,
  );
}

/** Like parseDuration, but zero (`0`, `0s`) is allowed: no lateness at all. */
function parseLateness(value: unknown): number | string {
  if (value === 0 || (typeof value === 'string' && /^\s*0+\s*(ms|s|m|h|d|w)?\s*$/.test(value)))
    return 0;
  const parsed = parseDuration(value);
  return parsed.ok ? parsed.ms : parsed.reason;
}
