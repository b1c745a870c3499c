import type { Entity, NormalisedEvent, Severity } from '../../canonical-event.js';
import { checkEventId, prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { stableStringify } from '../../../shared/hash.js';
import { setOwn } from '../../normalizers/json-values.js';
import { snakeKey } from '../inference-common/label-keys.js';
import type { EnvelopePieces, RequestPieces, ResponsePieces } from './pieces.js';

/** Request `metadata` keys that name an entity field; the others become `metadata_<key>` labels. */
const ENTITY_METADATA_KEYS = ['tenant', 'session', 'session_id', 'feature'];

export interface CallPieces {
  readonly request: RequestPieces | undefined;
  readonly response: ResponsePieces | undefined;
  readonly envelope: EnvelopePieces | undefined;
}

/**
 * One chat completion call → one `llm` event. `entity.model` is the model asked for (the
 * request's alias, else the response's model), `entity.model_version` the snapshot that
 * answered (`response.model`). A `content_filter` finish raises the severity to medium; a
 * refusal to low. Prompt and completion go to `text` (the core applies redaction and
 * retention there), never into labels or raw.
 */
export function llmEvent(call: CallPieces, at: Location, ctx: NormaliseContext): NormalisedEvent {
  const { response } = call;
  const filtered = response?.finishReasons.includes('content_filter') === true;
  const failed = response?.error !== undefined;
  const event: Omit<NormalisedEvent, 'time'> = {
    id: eventId(call),
    kind: 'llm',
    name: response === undefined ? 'llm.chat_request' : 'llm.chat_completion',
    severity: severity(filtered, failed, response?.refusal !== undefined),
    outcome: response === undefined ? 'unknown' : failed ? 'failure' : 'success',
    entity: entity(call),
    measures: measures(call),
    labels: labels(call, filtered),
    ...textOf(call),
    raw: rawOf(call),
  };
  const time = response?.time;
  return time === undefined
    ? withReceiptTime(event, ctx.now)
    : applyTimeClamp({ ...event, time }, ctx.now, at);
}

function eventId({ request, response }: CallPieces): string {
  const id = response?.id;
  if (id !== undefined && checkEventId(id) === undefined) return id;
  // No completion id: the logged call itself is the key, so a resend dedupes.
  return prefixedHashId(
    'openai',
    stableStringify({ request: request?.raw, response: response?.raw }),
  );
}

function severity(filtered: boolean, failed: boolean, refused: boolean): Severity {
  if (filtered) return 'medium';
  if (failed || refused) return 'low';
  return 'info';
}

function entity({ request, response, envelope }: CallPieces): Entity {
  const out: Entity = {};
  const model = request?.model ?? response?.model;
  if (model !== undefined && model !== '') out.model = model;
  if (response?.model !== undefined && response.model !== '') out.model_version = response.model;
  const user = envelope?.user ?? request?.user;
  if (user !== undefined && user !== '') out.user = user;
  if (envelope?.apiKeyHash !== undefined) out.api_key = envelope.apiKeyHash;
  const tenant = request?.metadata.tenant;
  if (tenant !== undefined && tenant !== '') out.tenant = tenant;
  const session = request?.metadata.session_id ?? request?.metadata.session;
  if (session !== undefined && session !== '') out.session = session;
  const feature = request?.metadata.feature;
  if (feature !== undefined && feature !== '') out.feature = feature;
  return out;
}

function measures({ response, envelope }: CallPieces): Record<string, number> {
  const out: Record<string, number> = { ...(response?.usage ?? {}) };
  if (envelope?.latencyMs !== undefined) out.latency_ms = envelope.latencyMs;
  // The same measure as LiteLLM's response_cost, so cost rules work on either kind.
  if (envelope?.costUsd !== undefined) out.cost_usd = envelope.costUsd;
  if (response !== undefined && response.toolCalls > 0) out.tool_calls = response.toolCalls;
  return out;
}

function labels({ request, response }: CallPieces, filtered: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(request?.metadata ?? {}))
    if (!ENTITY_METADATA_KEYS.includes(key)) setOwn(out, `metadata_${snakeKey(key)}`, value);
  if (response?.id !== undefined) out.response_id = response.id;
  const finish = response?.finishReasons[0];
  if (finish !== undefined) out.finish_reason = finish;
  if (filtered) out.content_filtered = 'true';
  if (response?.refusal !== undefined) out.refusal = 'true';
  if (response?.systemFingerprint !== undefined)
    out.system_fingerprint = response.systemFingerprint;
  if (response?.serviceTier !== undefined) out.service_tier = response.serviceTier;
  if (response?.streamed === true || request?.stream === true) out.stream = 'true';
  const error = response?.error;
  if (error?.type !== undefined) out.error_type = error.type;
  if (error?.code !== undefined) out.error_code = error.code;
  if (error?.message !== undefined) out.error = error.message.slice(0, 500);
  return out;
}

function textOf({ request, response }: CallPieces): Pick<NormalisedEvent, 'text'> {
  const text: NonNullable<NormalisedEvent['text']> = {};
  if (request?.prompt !== undefined) text.prompt = request.prompt;
  if (request?.systemPrompt !== undefined) text.system_prompt = request.systemPrompt;
  const answer = response?.content ?? response?.refusal;
  if (answer !== undefined) text.response = answer;
  return Object.keys(text).length > 0 ? { text } : {};
}

function rawOf({ request, response, envelope }: CallPieces): unknown {
  if (envelope !== undefined || (request !== undefined && response !== undefined))
    return { request: request?.raw, response: response?.raw };
  return response?.raw ?? request?.raw;
}
