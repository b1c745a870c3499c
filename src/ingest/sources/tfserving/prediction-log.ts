import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { stableStringify } from '../../../shared/hash.js';
import { capRaw } from '../inference-common/cap-raw.js';
import { readLogMetadata } from './log-metadata.js';
import { LOG_TYPES, requestCount } from './log-kinds.js';
import { field } from './proto-json.js';

/**
 * One PredictionLog → one `inference` event named `inference.<log type>`
 * (`inference.predict`). TF Serving logs the request and the response together, so each
 * record is a whole inference; it carries no user and no latency. Sampled logs get
 * `measures.sample_weight` = 1 / sampling rate, so counts can be scaled back up.
 */
export function predictionLogEvent(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(
      `must be a PredictionLog (a JSON object with logMetadata and e.g. predictLog); got ${got(value)}.`,
    );
    return undefined;
  }
  const metadata = readLogMetadata(value, at);
  const present = LOG_TYPES.map(([jsonName, short]) => ({
    ...field(value, jsonName),
    short,
  })).filter((entry) => entry.value !== undefined && entry.value !== null);
  const names = LOG_TYPES.map(([jsonName]) => jsonName).join(', ');
  if (present.length === 0) {
    at.error(`has no log: one of ${names} is required (the logged request and response).`);
    return undefined;
  }
  if (present.length > 1) {
    at.error(
      `has ${present.map((p) => p.key).join(' and ')}; a PredictionLog holds exactly one of ${names}. Send one record per call.`,
    );
    return undefined;
  }
  const [log] = present;
  if (log === undefined || metadata === undefined) return undefined;
  if (!isJsonObject(log.value)) {
    at.child(log.key).error(
      `must be a JSON object with request and response; got ${got(log.value)}.`,
    );
    return undefined;
  }
  const request = field(log.value, 'request').value;
  const response = field(log.value, 'response').value;
  // PredictStreamedLog holds lists of requests and responses; the others one of each.
  const answered = isJsonObject(response) || (Array.isArray(response) && response.length > 0);
  if (response === undefined || response === null)
    at.child(log.key).warn(
      'has no response: the request was logged without a reply; outcome "unknown".',
    );
  const firstRequest: unknown = Array.isArray(request) ? request[0] : request;
  const count = isJsonObject(firstRequest) ? requestCount(firstRequest) : undefined;
  const measures: Record<string, number> = {};
  if (count !== undefined) measures.count = count;
  const labels: Record<string, string> = { ...metadata.labels, log_type: log.short };
  if (metadata.samplingRate !== undefined) {
    labels.sampling_rate = String(metadata.samplingRate);
    measures.sample_weight = 1 / metadata.samplingRate;
  }
  const event: Omit<NormalisedEvent, 'time'> = {
    // No id in the record: the record itself is the key, so a re-shipped file dedupes.
    id: prefixedHashId('tfserving', stableStringify(value)),
    kind: 'inference',
    name: `inference.${log.short}`,
    severity: 'info',
    outcome: answered ? 'success' : 'unknown',
    entity: {
      model: metadata.model,
      ...(metadata.version === undefined ? {} : { model_version: metadata.version }),
    },
    measures,
    labels,
    raw: capRaw(value),
  };
  return metadata.time === undefined
    ? withReceiptTime(event, ctx.now)
    : applyTimeClamp({ ...event, time: metadata.time }, ctx.now, at);
}
