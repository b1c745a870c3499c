import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { checkEventId, prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { stableStringify } from '../../../shared/hash.js';
import { promptText, responseText, withText } from '../llm-common/chat-text.js';
import {
  INVALID,
  put,
  readAmount,
  readCount,
  readFlag,
  readIp,
  readKeyHash,
  requireAnyOf,
  readObject,
  readText,
} from '../llm-common/field-readers.js';
import { capRaw } from '../llm-common/raw-cap.js';
import { readEpochSeconds } from '../llm-common/times.js';
import { hasError, readErrorLabels } from './error-labels.js';
import { readStatus } from './outcome.js';

/** Fields whose bulk is prompt/completion text (on the event, capped) or a traceback. */
const BULKY = ['messages', 'response', 'error_information', 'model_map_information'];

/**
 * One StandardLoggingPayload (LiteLLM docs "proxy/logging_spec", ingest-formats §12.1) → one
 * `llm` event. Every problem of the item is reported before giving up on it.
 */
export function readLiteLlmPayload(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be a LiteLLM StandardLoggingPayload object; got ${got(value)}.`);
    return undefined;
  }
  const p = value;
  if (
    !requireAnyOf(
      p,
      ['id', 'call_type', 'model', 'startTime'],
      at,
      'a LiteLLM StandardLoggingPayload',
    )
  )
    return undefined;
  let bad = false;
  const check = <T>(read: T | typeof INVALID): T | undefined => {
    if (read === INVALID) {
      bad = true;
      return undefined;
    }
    return read;
  };

  const id = check(readText(p, 'id', at));
  const idProblem = id === undefined ? undefined : checkEventId(id);
  if (idProblem !== undefined) {
    at.child('id').error(idProblem);
    bad = true;
  }
  const meta = check(readObject(p, 'metadata', at)) ?? {};
  const metaAt = at.child('metadata');

  const start = check(readEpochSeconds(p, 'startTime', at));
  const end = check(readEpochSeconds(p, 'endTime', at));
  const firstToken = check(readEpochSeconds(p, 'completionStartTime', at));
  const responseTime = check(readAmount(p, 'response_time', at, 'the call duration in seconds'));

  const measures: Record<string, number> = {};
  put(measures, 'tokens_in', check(readCount(p, 'prompt_tokens', at)));
  put(measures, 'tokens_out', check(readCount(p, 'completion_tokens', at)));
  put(measures, 'tokens_total', check(readCount(p, 'total_tokens', at)));
  put(measures, 'cost_usd', check(readAmount(p, 'response_cost', at, 'the cost in USD')));
  const saved = check(readAmount(p, 'saved_cache_cost', at, 'the cost saved by the cache in USD'));
  if (saved !== undefined && saved > 0) measures.saved_cache_cost_usd = saved;
  Object.assign(measures, timing(p, at, { start, end, firstToken, responseTime }));

  const labels: Record<string, string> = {};
  if (!readErrorLabels(p, at, labels)) bad = true;
  const status = check(readStatus(p, at, hasError(p)));

  const entity: Entity = {};
  put(entity, 'api_key', check(readKeyHash(meta, 'user_api_key_hash', metaAt)));
  const endUser = check(readText(p, 'end_user', at));
  const keyUser = check(readText(meta, 'user_api_key_user_id', metaAt));
  put(entity, 'user', endUser ?? keyUser);
  // The top-level copy is newer; metadata's is read only when it is absent (not when it is bad).
  const ipSource = hasValue(p, 'requester_ip_address') ? p : meta;
  put(entity, 'ip', check(readIp(ipSource, 'requester_ip_address', ipSource === p ? at : metaAt)));
  put(entity, 'model', check(readText(p, 'model', at)));
  const hidden = check(readObject(p, 'hidden_params', at)) ?? {};
  const hiddenAt = at.child('hidden_params');
  put(entity, 'model_version', check(readText(hidden, 'litellm_model_name', hiddenAt)));
  const teamId = check(readText(meta, 'user_api_key_team_id', metaAt));
  const teamAlias = check(readText(meta, 'user_api_key_team_alias', metaAt));
  put(entity, 'tenant', teamId ?? teamAlias);

  put(labels, 'trace_id', check(readText(p, 'trace_id', at)));
  put(labels, 'call_type', check(readText(p, 'call_type', at)));
  put(labels, 'provider', check(readText(p, 'custom_llm_provider', at)));
  put(labels, 'model_group', check(readText(p, 'model_group', at)));
  put(labels, 'model_id', check(readText(p, 'model_id', at)));
  put(labels, 'api_base', check(readText(p, 'api_base', at)));
  put(labels, 'api_key_alias', check(readText(meta, 'user_api_key_alias', metaAt)));
  if (endUser !== undefined) put(labels, 'api_key_user_id', keyUser);
  if (teamId !== undefined) put(labels, 'team_alias', teamAlias);
  put(labels, 'org_id', check(readText(meta, 'user_api_key_org_id', metaAt)));
  const cacheHit = check(readFlag(p, 'cache_hit', at));
  if (cacheHit !== undefined) labels.cache_hit = String(cacheHit);
  const stream = check(readFlag(p, 'stream', at));
  if (stream !== undefined) labels.stream = String(stream);
  const resolved = resolvedModel(getOwn(p, 'response'));
  if (resolved !== undefined) labels.resolved_model = resolved;
  const tags = requestTags(p, at);
  if (tags === INVALID) bad = true;
  else if (tags !== undefined) labels.request_tags = tags;
  Object.assign(measures, rateLimits(hidden));

  if (bad || status === undefined) return undefined;
  const event: NormalisedEvent = {
    id: id ?? prefixedHashId('litellm', stableStringify(p)),
    time: start ?? 0,
    kind: 'llm',
    name: labels.call_type ?? 'litellm_call',
    severity: status.severity,
    outcome: status.outcome,
    entity,
    measures,
    labels,
    raw: capRaw(p, BULKY),
  };
  withText(event, {
    ...promptText(getOwn(p, 'messages')),
    // A failed call has no answer; what LiteLLM leaves in `response` then is not model output.
    ...(status.outcome === 'failure'
      ? {}
      : optional('response', responseText(getOwn(p, 'response')))),
  });
  if (start === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp(event, ctx.now, at.child('startTime'));
}

function hasValue(object: JsonObject, key: string): boolean {
  const value = getOwn(object, key);
  return value !== undefined && value !== null && value !== '';
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/**
 * latency_ms = endTime − startTime (else response_time), ttft_ms = completionStartTime −
 * startTime, both from the float seconds to keep µs. For a non-streamed (or failed) call
 * LiteLLM sets completionStartTime = endTime, which is no time-to-first-token: left out then.
 */
function timing(
  p: JsonObject,
  at: Location,
  t: { start?: number; end?: number; firstToken?: number; responseTime?: number },
): Record<string, number> {
  const out: Record<string, number> = {};
  const seconds = (key: string): number => getOwn(p, key) as number;
  if (t.start !== undefined && t.end !== undefined) {
    const latency = msBetween(seconds('startTime'), seconds('endTime'));
    if (latency >= 0) out.latency_ms = latency;
    else
      at.child('endTime').warn(
        `is ${-latency} ms before startTime; latency_ms was left out. Check the sender's clock.`,
      );
  } else if (t.responseTime !== undefined) {
    out.latency_ms = Math.round(t.responseTime * 1e6) / 1000;
  }
  // completionStartTime = endTime: not streamed, or failed before any token; no TTFT then.
  const sameAsEnd = getOwn(p, 'completionStartTime') === getOwn(p, 'endTime');
  if (t.start !== undefined && t.firstToken !== undefined && !sameAsEnd) {
    const ttft = msBetween(seconds('startTime'), seconds('completionStartTime'));
    if (ttft >= 0) out.ttft_ms = ttft;
  }
  return out;
}

function msBetween(fromSeconds: number, toSeconds: number): number {
  return Math.round((toSeconds - fromSeconds) * 1e6) / 1000;
}

/** `response.model`: the snapshot the provider actually ran (the request named an alias). */
function resolvedModel(response: unknown): string | undefined {
  if (!isJsonObject(response)) return undefined;
  const model = getOwn(response, 'model');
  return typeof model === 'string' && model !== '' ? model : undefined;
}

/** `request_tags` ["prod","support"] → "prod,support". */
function requestTags(p: JsonObject, at: Location): string | undefined | typeof INVALID {
  const tags = getOwn(p, 'request_tags');
  if (tags === undefined || tags === null) return undefined;
  if (Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))
    return tags.length > 0 ? tags.join(',') : undefined;
  at.child('request_tags').error(`must be an array of strings; got ${got(tags)}.`);
  return INVALID;
}

/**
 * Provider rate-limit headers LiteLLM passes on in `hidden_params.additional_headers`: the
 * remaining budget is what key-abuse rules watch. Headers are free-form, so odd values are
 * ignored rather than refused.
 */
function rateLimits(hidden: JsonObject): Record<string, number> {
  const headers = getOwn(hidden, 'additional_headers');
  if (!isJsonObject(headers)) return {};
  const out: Record<string, number> = {};
  for (const [key, measure] of [
    ['x_ratelimit_remaining_requests', 'ratelimit_remaining_requests'],
    ['x_ratelimit_remaining_tokens', 'ratelimit_remaining_tokens'],
  ] as const) {
    const value = getOwn(headers, key);
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number)) out[measure] = number;
  }
  return out;
}
