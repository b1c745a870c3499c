import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { checkEpochMs, parseRfc3339 } from '../../normalizers/time.js';

/**
 * Evidently OSS has no webhook: reports reach Cordon from the user's own job. The job may
 * post the report bare, or wrapped in this envelope to say what it is about (a report has no
 * model name and no reliable event time of its own):
 *
 *     { "project": "churn", "model": "churn-clf", "model_version": "7",
 *       "window": { "start": "2024-06-10T00:00:00Z", "end": "2024-06-10T16:00:00Z" },
 *       "report": { …Report / TestSuite / Snapshot .dict() … } }
 *
 * Everything but `report` is optional. The window end is the event time.
 */
export interface Envelope {
  readonly project: string | undefined;
  readonly model: string | undefined;
  readonly modelVersion: string | undefined;
  readonly windowStart: number | undefined;
  readonly windowEnd: number | undefined;
}

export const BARE: Envelope = {
  project: undefined,
  model: undefined,
  modelVersion: undefined,
  windowStart: undefined,
  windowEnd: undefined,
};

export const ENVELOPE_KEYS = ['project', 'model', 'model_version', 'window', 'report'];

export function readEnvelope(body: JsonObject, at: Location): Envelope {
  const window = getOwn(body, 'window');
  const windowAt = at.child('window');
  let windowStart: number | undefined;
  let windowEnd: number | undefined;
  if (isJsonObject(window)) {
    windowStart = readTime(getOwn(window, 'start'), windowAt.child('start'));
    windowEnd = readTime(getOwn(window, 'end'), windowAt.child('end'));
    if (windowStart !== undefined && windowEnd !== undefined && windowEnd < windowStart)
      windowAt
        .child('end')
        .error(
          `must not be before window.start (${new Date(windowStart).toISOString()}); got ${new Date(windowEnd).toISOString()}.`,
        );
  } else if (window !== undefined && window !== null) {
    windowAt.error(
      `must be an object {"start": …, "end": …} (RFC 3339 times or epoch ms); got ${got(window)}.`,
    );
  }
  for (const key of Object.keys(body))
    if (!ENVELOPE_KEYS.includes(key))
      at.child(key).warn(`is not an envelope field (${ENVELOPE_KEYS.join(', ')}); it was ignored.`);
  return {
    project: readName(body, 'project', at),
    model: readName(body, 'model', at),
    modelVersion: readName(body, 'model_version', at),
    windowStart,
    windowEnd,
  };
}

function readName(body: JsonObject, key: string, at: Location): string | undefined {
  const value = getOwn(body, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.trim() !== '') return value;
  const hint = typeof value === 'number' ? ` Send it as a string ("${value}").` : '';
  at.child(key).error(`must be a non-empty string; got ${got(value)}.${hint}`);
  return undefined;
}

function readTime(value: unknown, at: Location): number | undefined {
  if (value === undefined || value === null) {
    at.error(
      'is required in a window: an RFC 3339 time such as "2024-06-10T16:00:00Z" or epoch ms.',
    );
    return undefined;
  }
  const parsed =
    typeof value === 'string'
      ? parseRfc3339(value)
      : typeof value === 'number'
        ? checkEpochMs(value)
        : {
            ok: false as const,
            reason: `must be an RFC 3339 time or epoch ms; got ${got(value)}.`,
          };
  if (parsed.ok) return parsed.ms;
  at.error(parsed.reason);
  return undefined;
}
