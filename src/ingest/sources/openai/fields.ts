import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { checkEpochMs, parseRfc3339 } from '../../normalizers/time.js';
import type { UsagePieces } from './pieces.js';

/** An optional string field; anything else but null is reported. */
export function optionalString(object: JsonObject, key: string, at: Location): string | undefined {
  const value = getOwn(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  at.child(key).error(`must be a string; got ${got(value)}.`);
  return undefined;
}

/**
 * `created`: epoch seconds, as OpenAI sends it. An ISO string or milliseconds mean a logger
 * rewrote it; refused with the value to send, since guessing would shift event times.
 */
export function readCreated(value: unknown, at: Location): number | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const iso = parseRfc3339(value);
    const fix = iso.ok ? ` Send ${Math.floor(iso.ms / 1000)}.` : '';
    at.error(`must be epoch seconds (an integer, as the API returns it); got ${got(value)}.${fix}`);
    return null;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    at.error(`must be epoch seconds (a non-negative integer); got ${got(value)}.`);
    return null;
  }
  if (value >= 1e11) {
    at.error(
      `must be epoch seconds; got ${got(value)}, which looks like milliseconds. Send ${Math.floor(value / 1000)}.`,
    );
    return null;
  }
  const checked = checkEpochMs(value * 1000);
  if (checked.ok) return checked.ms;
  at.error(`must be epoch seconds between 2000 and 2100; got ${got(value)}.`);
  return null;
}

const USAGE_FIELDS: readonly (readonly [string, keyof UsagePieces])[] = [
  ['prompt_tokens', 'tokens_in'],
  ['completion_tokens', 'tokens_out'],
  ['total_tokens', 'tokens_total'],
];

/** `usage` → token measures; every bad count is reported. null = bad. */
export function readUsage(value: unknown, at: Location): UsagePieces | null {
  if (!isJsonObject(value)) {
    at.error(
      `must be an object of token counts (prompt_tokens, completion_tokens, total_tokens); got ${got(value)}.`,
    );
    return null;
  }
  const out: Record<string, number> = {};
  let ok = true;
  const count = (object: JsonObject, key: string, name: keyof UsagePieces, where: Location) => {
    const v = getOwn(object, key);
    if (v === undefined || v === null) return;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[name] = v;
    else {
      const unquote = typeof v === 'string' && /^\d+$/.test(v) ? ` Send ${v} without quotes.` : '';
      where.child(key).error(`must be a token count (an integer ≥ 0); got ${got(v)}.${unquote}`);
      ok = false;
    }
  };
  for (const [key, name] of USAGE_FIELDS) count(value, key, name, at);
  for (const [detailsKey, key, name] of [
    ['prompt_tokens_details', 'cached_tokens', 'tokens_cached'],
    ['completion_tokens_details', 'reasoning_tokens', 'tokens_reasoning'],
  ] as const) {
    const details = getOwn(value, detailsKey);
    if (isJsonObject(details)) count(details, key, name, at.child(detailsKey));
  }
  return ok ? out : null;
}

/** Message content: a string, or an array of parts of which the text parts are kept. */
export function contentText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const texts = value
    .map((part) => (isJsonObject(part) ? getOwn(part, 'text') : undefined))
    .filter((text): text is string => typeof text === 'string');
  return texts.length > 0 ? texts.join('\n') : undefined;
}
