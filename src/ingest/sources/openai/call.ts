import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import type { CallPieces } from './llm-event.js';
import type { EnvelopePieces } from './pieces.js';
import { readRequest } from './request.js';
import { readResponse } from './response.js';

const ENVELOPE_KEYS = ['request', 'response', 'latency_ms', 'cost', 'user', 'api_key_hash'];

/**
 * One logged call, in one of three shapes: a bare response (`object: "chat.completion"` or
 * `choices`), a bare request (`messages`), or the gateway envelope Cordon defines,
 * `{request, response, latency_ms?, cost?, user?, api_key_hash?}` (either half may be missing).
 * `cost` is what the gateway charged for the call, in USD as LiteLLM's `response_cost`.
 */
export function readCall(value: unknown, at: Location): CallPieces | undefined {
  if (!isJsonObject(value)) {
    at.error(
      `must be a chat completion, a chat completion request, or {request, response, latency_ms, cost, user, api_key_hash}; got ${got(value)}.`,
    );
    return undefined;
  }
  if (getOwn(value, 'request') !== undefined || getOwn(value, 'response') !== undefined)
    return readEnvelope(value, at);
  if (getOwn(value, 'choices') !== undefined || getOwn(value, 'object') !== undefined) {
    const response = readResponse(value, at);
    return response === undefined
      ? undefined
      : { request: undefined, response, envelope: undefined };
  }
  if (getOwn(value, 'messages') !== undefined) {
    const request = readRequest(value, at);
    return request === undefined
      ? undefined
      : { request, response: undefined, envelope: undefined };
  }
  if (getOwn(value, 'error') !== undefined) {
    const response = readResponse(value, at);
    return response === undefined
      ? undefined
      : { request: undefined, response, envelope: undefined };
  }
  at.error(
    'is not a chat completion call: expected a response (object "chat.completion" with choices), a request (messages), ' +
      'or an envelope {request, response}.',
  );
  return undefined;
}

function readEnvelope(value: JsonObject, at: Location): CallPieces | undefined {
  for (const key of Object.keys(value))
    if (!ENVELOPE_KEYS.includes(key))
      at.child(key).warn(`is not an envelope field (${ENVELOPE_KEYS.join(', ')}); it was ignored.`);
  const requestValue = getOwn(value, 'request');
  const responseValue = getOwn(value, 'response');
  const request =
    requestValue === undefined || requestValue === null
      ? undefined
      : (readRequest(requestValue, at.child('request')) ?? null);
  const response =
    responseValue === undefined || responseValue === null
      ? undefined
      : (readResponse(responseValue, at.child('response')) ?? null);
  const envelope = readEnvelopeFields(value, at);
  if (request === null || response === null || envelope === undefined) return undefined;
  if (request === undefined && response === undefined) {
    at.error('has neither request nor response; send at least one of them.');
    return undefined;
  }
  return { request, response, envelope };
}

function readEnvelopeFields(value: JsonObject, at: Location): EnvelopePieces | undefined {
  let ok = true;
  const latency = getOwn(value, 'latency_ms');
  if (
    latency !== undefined &&
    latency !== null &&
    !(typeof latency === 'number' && Number.isFinite(latency) && latency >= 0)
  ) {
    at.child('latency_ms').error(
      `must be a duration in milliseconds (a number ≥ 0); got ${got(latency)}.`,
    );
    ok = false;
  }
  const cost = getOwn(value, 'cost');
  const costOk = typeof cost === 'number' && Number.isFinite(cost) && cost >= 0;
  if (cost !== undefined && cost !== null && !costOk) {
    const unquote =
      typeof cost === 'string' && cost.trim() !== '' && Number.isFinite(Number(cost))
        ? ` Send ${cost.trim()} without quotes.`
        : '';
    // A figure the gateway got wrong does not cost the call's event: it goes without a cost.
    at.child('cost').warn(
      `must be the cost of the call in USD (a number ≥ 0, as LiteLLM's response_cost); got ${got(cost)}; the event has no cost_usd.${unquote}`,
    );
  }
  const text = (key: string): string | undefined => {
    const v = getOwn(value, key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && v.trim() !== '') return v;
    at.child(key).error(`must be a non-empty string; got ${got(v)}.`);
    ok = false;
    return undefined;
  };
  const user = text('user');
  const apiKeyHash = text('api_key_hash');
  if (apiKeyHash !== undefined && /^sk-[A-Za-z0-9_-]{16,}$/.test(apiKeyHash)) {
    at.child('api_key_hash').error(
      'looks like a secret API key (sk-…), not a hash. Cordon never stores keys: send a hash or an alias of it.',
    );
    ok = false;
  }
  if (!ok) return undefined;
  return {
    latencyMs: typeof latency === 'number' ? latency : undefined,
    costUsd: costOk ? cost : undefined,
    user,
    apiKeyHash,
  };
}
