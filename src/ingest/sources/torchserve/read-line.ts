import type { NormalisedEvent } from '../../canonical-event.js';
import { readAccessLine } from './access-line.js';
import { readJsonMetric } from './json-metric.js';
import { readPrefixTime } from './log4j-time.js';
import { readStatsdMetric } from './metric-line.js';
import type { MetricSample } from './metric-line.js';
import { metricEvent } from './metric-event.js';
import { logEvent, parseTsLogLine } from './ts-log-line.js';

export type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/**
 * What one line of a TorchServe chunk is. The layouts never look alike, so no selector is
 * needed: after the log4j time, ` - /` is an access line, ` - {` a JSON metric, ` - Name.Unit:`
 * a StatsD-like metric, ` [LEVEL]` a ts_log line (holding a raw `[METRICS]` worker line or a
 * message). A line without a time is a JSON metric (`{`) or continues the previous message.
 */
export type LineRead =
  | {
      readonly kind: 'event';
      readonly draft: Draft;
      /** The line's log4j time (zone from options), when it has one. */
      readonly lineTime: number | undefined;
      /** A metric's own epoch timestamp: UTC, so it beats the zone-less line time. */
      readonly sampleTime: number | undefined;
      /** A ts_log message, which untimed lines after it (a stack trace) continue. */
      readonly continuable: boolean;
    }
  | { readonly kind: 'continuation' }
  | { readonly kind: 'errors'; readonly reasons: string[] };

function fromMetric(
  sample: MetricSample | string[],
  log: string,
  lineTime: number | undefined,
): LineRead {
  return Array.isArray(sample)
    ? { kind: 'errors', reasons: sample }
    : {
        kind: 'event',
        draft: metricEvent(sample, log),
        lineTime,
        sampleTime: sample.time,
        continuable: false,
      };
}

function fromDraft(
  draft: Draft | string | string[],
  lineTime: number,
  continuable: boolean,
): LineRead {
  if (typeof draft === 'string') return { kind: 'errors', reasons: [draft] };
  if (Array.isArray(draft)) return { kind: 'errors', reasons: draft };
  return { kind: 'event', draft, lineTime, sampleTime: undefined, continuable };
}

export function readLine(text: string, timeZone: string): LineRead {
  const time = readPrefixTime(text, timeZone);
  if (time.kind === 'bad') return { kind: 'errors', reasons: [time.reason] };
  if (time.kind === 'none')
    return text.trimStart().startsWith('{')
      ? fromMetric(readJsonMetric(text.trim()), 'metrics', undefined)
      : { kind: 'continuation' };
  const body = time.rest;
  if (body.startsWith(' - ')) {
    const rest = body.slice(3).trim();
    if (rest.startsWith('/')) return fromDraft(readAccessLine(rest), time.ms, false);
    if (rest.startsWith('{')) return fromMetric(readJsonMetric(rest), 'metrics', time.ms);
    return fromMetric(readStatsdMetric(rest), 'metrics', time.ms);
  }
  const log = parseTsLogLine(body.trim());
  if (log === undefined)
    return {
      kind: 'errors',
      reasons: [
        `is not a TorchServe log line: after the time expected " - " (access or metrics log) or " [LEVEL] thread logger - message" (ts_log); got ${JSON.stringify(body.slice(0, 60))}.`,
      ],
    };
  const worker = /\[METRICS\](.*?)(?:, pattern=\[METRICS\])?$/.exec(log.message);
  if (worker?.[1] !== undefined)
    return fromMetric(readStatsdMetric(worker[1].trim()), 'model_log', time.ms);
  return fromDraft(logEvent(log), time.ms, true);
}
