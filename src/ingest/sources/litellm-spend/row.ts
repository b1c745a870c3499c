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
  readText,
} from '../llm-common/field-readers.js';
import { capRaw } from '../llm-common/raw-cap.js';
import { readDbDateTime, spanMs } from '../llm-common/times.js';
import { hasError, readErrorLabels } from '../litellm/error-labels.js';
import { readStatus } from '../litellm/outcome.js';
import { readJsonColumn, readMetadataColumn, readTagsColumn } from './loose-json.js';

const BULKY = ['messages', 'response', 'proxy_server_request', 'metadata'];

/**
 * One LiteLLM_SpendLogs row (schema.prisma, ingest-formats §12.1) → one `llm` event, mapped
 * like the live payload so rules work on either: spend → cost_usd, request_duration_ms →
 * latency_ms, the hashed `api_key` → entity.api_key, team_id → tenant.
 */
export function readSpendRow(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be a LiteLLM_SpendLogs row (a JSON object); got ${got(value)}.`);
    return undefined;
  }
  const row = value;
  if (
    !requireAnyOf(row, ['request_id', 'startTime', 'spend', 'model'], at, 'a LiteLLM_SpendLogs row')
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

  const requestId = check(readText(row, 'request_id', at));
  const idProblem = requestId === undefined ? undefined : checkEventId(requestId);
  if (idProblem !== undefined) {
    at.child('request_id').error(idProblem);
    bad = true;
  }
  const meta = check(readMetadataColumn(row, at)) ?? {};
  const metaAt = at.child('metadata');

  const start = check(readDbDateTime(row, 'startTime', at));
  const end = check(readDbDateTime(row, 'endTime', at));
  const firstToken = check(readDbDateTime(row, 'completionStartTime', at));
  const duration = check(
    readAmount(row, 'request_duration_ms', at, 'the duration in milliseconds'),
  );

  const measures: Record<string, number> = {};
  put(measures, 'tokens_in', check(readCount(row, 'prompt_tokens', at)));
  put(measures, 'tokens_out', check(readCount(row, 'completion_tokens', at)));
  put(measures, 'tokens_total', check(readCount(row, 'total_tokens', at)));
  put(measures, 'cost_usd', check(readAmount(row, 'spend', at, 'the spend in USD')));
  const span = spanMs(start, end);
  if (duration !== undefined) measures.latency_ms = duration;
  else if (span !== undefined && span >= 0) measures.latency_ms = span;
  const ttft = spanMs(start, firstToken);
  // Non-streamed calls record completionStartTime = endTime: no first-token time to report.
  if (ttft !== undefined && ttft >= 0 && firstToken !== end) measures.ttft_ms = ttft;

  const labels: Record<string, string> = {};
  // Newer LiteLLM keeps status and error_information inside metadata.
  if (!readErrorLabels(meta, metaAt, labels)) bad = true;
  const statusFrom = getOwn(row, 'status') !== undefined ? row : meta;
  const status = check(readStatus(statusFrom, statusFrom === row ? at : metaAt, hasError(meta)));

  const entity: Entity = {};
  put(entity, 'api_key', check(readKeyHash(row, 'api_key', at)));
  const endUser = check(readText(row, 'end_user', at));
  const keyUser = check(readText(row, 'user', at));
  put(entity, 'user', endUser ?? keyUser);
  put(entity, 'ip', check(readIp(row, 'requester_ip_address', at)));
  put(entity, 'model', check(readText(row, 'model', at)));
  put(entity, 'session', check(readText(row, 'session_id', at)));
  const teamId = check(readText(row, 'team_id', at));
  const teamAlias = check(readText(meta, 'user_api_key_team_alias', metaAt));
  put(entity, 'tenant', teamId ?? teamAlias);

  put(labels, 'call_type', check(readText(row, 'call_type', at)));
  put(labels, 'provider', check(readText(row, 'custom_llm_provider', at)));
  put(labels, 'model_group', check(readText(row, 'model_group', at)));
  put(labels, 'model_id', check(readText(row, 'model_id', at)));
  put(labels, 'api_base', check(readText(row, 'api_base', at)));
  put(labels, 'api_key_alias', check(readText(meta, 'user_api_key_alias', metaAt)));
  if (endUser !== undefined) put(labels, 'api_key_user_id', keyUser);
  if (teamId !== undefined) put(labels, 'team_alias', teamAlias);
  put(labels, 'org_id', check(readText(row, 'organization_id', at)));
  put(labels, 'agent_id', check(readText(row, 'agent_id', at)));
  const cacheHit = check(readFlag(row, 'cache_hit', at));
  if (cacheHit !== undefined) labels.cache_hit = String(cacheHit);
  put(labels, 'request_tags', check(readTagsColumn(row, at)));
  const response = readJsonColumn(row, 'response');
  if (isJsonObject(response) && typeof response.model === 'string' && response.model !== '')
    labels.resolved_model = response.model;

  if (bad || status === undefined) return undefined;
  const event: NormalisedEvent = {
    id: requestId ?? prefixedHashId('litellm_spend', stableStringify(row)),
    time: start ?? 0,
    kind: 'llm',
    name: labels.call_type ?? 'litellm_call',
    severity: status.severity,
    outcome: status.outcome,
    entity,
    measures,
    labels,
    raw: capRaw(row, BULKY),
  };
  // A failed call has no answer; what is left in `response` then is not model output.
  const answer = status.outcome === 'failure' ? undefined : responseText(response);
  withText(event, {
    ...promptText(requestMessages(row)),
    ...(answer === undefined ? {} : { response: answer }),
  });
  if (start === undefined) return withReceiptTime(event, ctx.now);
  return applyTimeClamp(event, ctx.now, at.child('startTime'));
}

/**
 * The prompt: the `messages` column, else the messages of `proxy_server_request.body` (LiteLLM
 * stores `{}` in `messages` when message logging is off but may still keep the request). Read
 * either way, so the connector's `keep: {text: …}` policy sees it and can drop or redact it.
 */
function requestMessages(row: JsonObject): unknown {
  const messages = readJsonColumn(row, 'messages');
  if (Array.isArray(messages) || typeof messages === 'string') return messages;
  if (isJsonObject(messages) && Object.keys(messages).length > 0) return messages;
  const request = readJsonColumn(row, 'proxy_server_request');
  const body = isJsonObject(request) ? getOwn(request, 'body') : undefined;
  return isJsonObject(body) ? (getOwn(body, 'messages') ?? getOwn(body, 'input')) : undefined;
}
