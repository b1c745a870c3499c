import { EVENT_KINDS, OUTCOMES, SEVERITIES } from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { checkEventId } from '../../normalizers/event-id.js';
import { parseIp } from '../../normalizers/ip.js';
import { got } from '../../normalizers/json-values.js';
import { severityFromWord } from '../../normalizers/severity.js';
import { checkEpochMs, parseEpochSecondsText, parseRfc3339 } from '../../normalizers/time.js';
import type { TimeParse } from '../../normalizers/time.js';
import type { Target } from './targets.js';

export const CONVERSION_NAMES = [
  'epoch_s',
  'epoch_ms',
  'rfc3339',
  'number',
  'string',
  'ip',
] as const;

/** A field's `as:`: a named conversion, or a `map:` table of sender words → canonical words. */
export type Conversion =
  | { readonly type: (typeof CONVERSION_NAMES)[number] }
  | { readonly type: 'map'; readonly table: ReadonlyMap<string, string> };

export type Converted =
  | { readonly ok: true; readonly value: string | number | undefined }
  | { readonly ok: false; readonly reason: string };

/** Which conversions make sense for a target; the rest are configuration errors. */
export function conversionsFor(target: Target): readonly Conversion['type'][] {
  if (target.kind === 'top' && target.field === 'time') return ['epoch_s', 'epoch_ms', 'rfc3339'];
  if (target.kind === 'measures') return ['number'];
  return ['string', 'ip', 'map', 'number'];
}

/**
 * Turns one sender value (never undefined or null: those are "absent") into the target's
 * value: epoch ms for `time`, a finite number for measures, text for the rest. `undefined`
 * back means "treat as absent" (a blank string). A failure's reason names the value and the fix.
 */
export function convert(value: unknown, target: Target, as: Conversion | undefined): Converted {
  let current: unknown = value;
  if (as !== undefined) {
    const step = applyConversion(current, as);
    if (!step.ok) return step;
    if (as.type === 'epoch_s' || as.type === 'epoch_ms' || as.type === 'rfc3339') return step;
    current = step.value;
  }
  return toTarget(current, target, as);
}

function applyConversion(value: unknown, as: Conversion): Converted {
  switch (as.type) {
    case 'epoch_s':
      if (typeof value === 'number') return time(checkSeconds(value));
      if (typeof value === 'string') return time(parseEpochSecondsText(value.trim()));
      return fail(`must be epoch seconds (a number); got ${got(value)}.`);
    case 'epoch_ms':
      if (typeof value === 'number') return time(checkEpochMs(value));
      if (typeof value === 'string' && /^\s*\d+\s*$/.test(value))
        return time(checkEpochMs(Number(value)));
      return fail(`must be epoch milliseconds (a number); got ${got(value)}.`);
    case 'rfc3339':
      if (typeof value === 'string') return time(parseRfc3339(value.trim()));
      return fail(`must be an RFC 3339 timestamp string; got ${got(value)}.`);
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (Number.isFinite(n)) return { ok: true, value: n };
      return fail(`must be a finite number (or a number in a string); got ${got(value)}.`);
    }
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean')
        return { ok: true, value: String(value) };
      return { ok: true, value: JSON.stringify(value) };
    case 'ip': {
      if (typeof value !== 'string')
        return fail(`must be an IP address string; got ${got(value)}.`);
      const ip = parseIp(value);
      return ip.ok ? { ok: true, value: ip.ip } : fail(ip.reason);
    }
    case 'map': {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        return fail(`must be a word the map: table can look up; got ${got(value)}.`);
      const key = String(value);
      const hit = as.table.get(key) ?? lookupIgnoringCase(as.table, key);
      // A miss passes the value on: the target's own check names the fix (add it to map:).
      return { ok: true, value: hit ?? key };
    }
  }
}

function lookupIgnoringCase(table: ReadonlyMap<string, string>, key: string): string | undefined {
  const lower = key.trim().toLowerCase();
  for (const [from, to] of table) if (from.toLowerCase() === lower) return to;
  return undefined;
}

/** Float seconds to ms, rounded: 1718035412.157 * 1000 is not exactly …157 in binary. */
function checkSeconds(seconds: number): TimeParse {
  if (!Number.isFinite(seconds)) return { ok: false, reason: `must be finite; got ${seconds}.` };
  if (seconds >= 1e11)
    return {
      ok: false,
      reason: `must be epoch seconds; got ${got(seconds)}, which looks like milliseconds. Use as: epoch_ms.`,
    };
  const parsed = checkEpochMs(Math.round(seconds * 1000));
  return parsed.ok
    ? parsed
    : { ok: false, reason: `must be epoch seconds between 2000 and 2100; got ${got(seconds)}.` };
}

function time(parsed: TimeParse): Converted {
  return parsed.ok ? { ok: true, value: parsed.ms } : { ok: false, reason: parsed.reason };
}

function fail(reason: string): Converted {
  return { ok: false, reason };
}

const MAP_HINT = ' Translate the sender\'s words with as: {map: {"their word": "ours"}}.';

function toTarget(value: unknown, target: Target, as: Conversion | undefined): Converted {
  if (target.kind === 'measures') {
    if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
    const numeric =
      typeof value === 'string' && Number.isFinite(Number(value)) && value.trim() !== '';
    return fail(
      `must be a finite number for measures.${target.field}; got ${got(value)}.${numeric ? ' It is a number in a string: add as: number.' : ''}`,
    );
  }
  if (target.kind === 'top' && target.field === 'time') return defaultTime(value);
  const text = asText(value, target.kind === 'labels');
  if (!text.ok || text.value === undefined) return text;
  const word = String(text.value);
  const mapped = as?.type === 'map';
  if (target.kind === 'top') {
    switch (target.field) {
      case 'kind': {
        const kind = word.trim().toLowerCase();
        if (isOneOf(kind, EVENT_KINDS)) return { ok: true, value: kind };
        return fail(
          `must be an event kind (${EVENT_KINDS.join(', ')}); got ${got(value)}.${mapped ? ' Add it to the map: table.' : MAP_HINT}`,
        );
      }
      case 'severity': {
        const lower = word.trim().toLowerCase();
        const level = isOneOf(lower, SEVERITIES) ? lower : severityFromWord(lower);
        if (level !== undefined) return { ok: true, value: level };
        return fail(
          `must be a severity (${SEVERITIES.join(', ')}); got ${got(value)}.${mapped ? ' Add it to the map: table.' : MAP_HINT}`,
        );
      }
      case 'outcome': {
        const lower = word.trim().toLowerCase();
        if (isOneOf(lower, OUTCOMES)) return { ok: true, value: lower };
        return fail(
          `must be an outcome (${OUTCOMES.join(', ')}); got ${got(value)}.${mapped ? ' Add it to the map: table.' : MAP_HINT}`,
        );
      }
      case 'id': {
        const problem = checkEventId(word);
        return problem === undefined
          ? { ok: true, value: word }
          : fail(`${problem} Got ${got(value)}.`);
      }
      case 'name':
        return { ok: true, value: word };
    }
  }
  if (target.kind === 'entity' && target.field === 'ip') {
    const ip = parseIp(word);
    return ip.ok ? { ok: true, value: ip.ip } : fail(ip.reason);
  }
  return { ok: true, value: word };
}

function defaultTime(value: unknown): Converted {
  const hint = ' Or say how the sender writes it: as: epoch_s, epoch_ms or rfc3339 on fields.time.';
  let parsed: TimeParse;
  if (typeof value === 'number') parsed = checkEpochMs(value);
  else if (typeof value === 'string' && /^\s*\d+\s*$/.test(value))
    parsed = checkEpochMs(Number(value));
  else if (typeof value === 'string') parsed = parseRfc3339(value.trim());
  else parsed = { ok: false, reason: `must be a time; got ${got(value)}.` };
  return parsed.ok ? { ok: true, value: parsed.ms } : fail(`${parsed.reason}${hint}`);
}

/** Scalars as text; for labels a list of scalars is joined with ","; blank = absent. */
function asText(value: unknown, list: boolean): Converted {
  if (typeof value === 'string')
    return { ok: true, value: value.trim() === '' ? undefined : value };
  if (typeof value === 'number' || typeof value === 'boolean')
    return { ok: true, value: String(value) };
  if (list && Array.isArray(value)) {
    const items: unknown[] = value;
    if (items.every((v) => ['string', 'number', 'boolean'].includes(typeof v)))
      return { ok: true, value: items.length === 0 ? undefined : items.map(String).join(',') };
  }
  return fail(
    `must be a single value; got ${got(value)}. Map a field inside it, or add as: string to keep it as JSON text.`,
  );
}
