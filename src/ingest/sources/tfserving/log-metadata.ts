import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { MAX_EVENT_TIME, MIN_EVENT_TIME } from '../../normalizers/time.js';
import { field, int64Text, message } from './proto-json.js';

/** What `log_metadata` says about one logged call. */
export interface LogMetadata {
  readonly model: string;
  readonly version: string | undefined;
  /** Epoch ms, or undefined when no time was logged. */
  readonly time: number | undefined;
  readonly samplingRate: number | undefined;
  readonly labels: Record<string, string>;
}

/** Returns undefined when something required is missing or bad (each problem reported). */
export function readLogMetadata(log: JsonObject, at: Location): LogMetadata | undefined {
  const meta = message(log, 'logMetadata', at);
  const metaAt = at.child(field(log, 'logMetadata').key);
  if (meta === undefined) {
    metaAt.error(
      'is required: the LogMetadata with modelSpec (name, version) and timestampSecs that TF Serving writes with every PredictionLog.',
    );
    return undefined;
  }
  if (meta === null) return undefined;
  let ok = true;
  const spec = message(meta, 'modelSpec', metaAt);
  const specAt = metaAt.child(field(meta, 'modelSpec').key);
  let model: string | undefined;
  let version: string | undefined;
  if (spec === undefined) {
    specAt.error('is required: the ModelSpec naming the model ({"name": "…", "version": "3"}).');
    ok = false;
  } else if (spec === null) ok = false;
  else {
    const name = field(spec, 'name').value;
    if (typeof name === 'string' && name.trim() !== '') model = name;
    else {
      specAt
        .child('name')
        .error(`must be the model's name (a non-empty string); got ${got(name)}.`);
      ok = false;
    }
    const v = field(spec, 'version');
    if (v.value !== undefined && v.value !== null) {
      version = int64Text(v.value);
      if (version === undefined) {
        specAt
          .child(v.key)
          .error(
            `must be the model version as an int64 ("3", 3 or {"value": "3"}); got ${got(v.value)}.`,
          );
        ok = false;
      }
    }
  }
  const time = readTimestampSecs(meta, metaAt);
  if (time === null) ok = false;
  if (!ok || model === undefined || time === null) return undefined;
  const signature =
    spec === undefined || spec === null ? undefined : field(spec, 'signatureName').value;
  return {
    model,
    version,
    time,
    samplingRate: readSamplingRate(meta, metaAt),
    labels: metadataLabels(meta, signature),
  };
}

/** int64 seconds, rendered as a string; a value in ms is a converter bug, refused with the fix. */
function readTimestampSecs(meta: JsonObject, at: Location): number | undefined | null {
  const { value, key } = field(meta, 'timestampSecs');
  if (value === undefined || value === null) return undefined;
  const text = int64Text(value);
  const fail = (detail: string): null => {
    at.child(key).error(
      `must be epoch seconds as an int64 ("1718035498"); got ${got(value)}${detail}`,
    );
    return null;
  };
  if (text === undefined) return fail('.');
  const seconds = Number(text);
  const ms = seconds * 1000;
  if (ms >= MIN_EVENT_TIME && ms <= MAX_EVENT_TIME) return ms;
  if (seconds >= 1e11 && seconds <= MAX_EVENT_TIME)
    return fail(
      `, which looks like epoch milliseconds (${new Date(seconds).toISOString()}). ` +
        `Send ${Math.floor(seconds / 1000)}: TF Serving writes seconds, so the converter is mixing units.`,
    );
  return fail(", outside 2000–2100; check the unit and the logger's clock.");
}

/** Optional: a bad rate only loses the weighting, so it is a warning. */
function readSamplingRate(meta: JsonObject, at: Location): number | undefined {
  const config = field(meta, 'samplingConfig');
  if (!isJsonObject(config.value)) return undefined;
  const rate = field(config.value, 'samplingRate');
  const n = typeof rate.value === 'string' ? Number(rate.value) : rate.value;
  if (rate.value === undefined) return undefined;
  // Its inverse weights the event: a rate so small that 1 / rate overflows weights nothing.
  if (typeof n === 'number' && Number.isFinite(1 / n) && n > 0 && n <= 1) return n;
  at.child(config.key)
    .child(rate.key)
    .warn(
      `must be a rate in (0, 1] whose inverse is a finite weight; got ${got(rate.value)}. It was ignored.`,
    );
  return undefined;
}

function metadataLabels(meta: JsonObject, signature: unknown): Record<string, string> {
  const labels: Record<string, string> = {};
  if (typeof signature === 'string' && signature !== '') labels.signature_name = signature;
  const tags = field(meta, 'savedModelTags').value;
  if (Array.isArray(tags) && tags.every((t) => typeof t === 'string') && tags.length > 0)
    labels.saved_model_tags = tags.join(',');
  for (const [jsonName, label] of [
    ['dc', 'dc'],
    ['requestOrigin', 'request_origin'],
    ['requestCriticality', 'request_criticality'],
  ] as const) {
    const value = field(meta, jsonName).value;
    if (typeof value === 'string' && value !== '') labels[label] = value;
  }
  return labels;
}
