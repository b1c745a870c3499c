import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { TIMEZONE_OPTIONS } from '../monitors-common/local-time.js';
import type { TimezoneOptions } from '../monitors-common/local-time.js';
import { decodeUtf8Text, lineAt, splitLines } from '../monitors-common/text-lines.js';
import { readAccessLine } from './access-line.js';
import { readJsonMetric } from './json-metric.js';
import { readPrefixTime } from './log4j-time.js';
import { readStatsdMetric } from './metric-line.js';
import type { MetricSample } from './metric-line.js';
import { metricEvent } from './metric-event.js';
import { logEvent, MESSAGE_LIMIT, parseTsLogLine } from './ts-log-line.js';

/** `{timezone}`: the IANA zone the server's log4j times are written in (they carry none). */
export type TorchServeOptions = TimezoneOptions;

type Draft = Omit<NormalisedEvent, 'id' | 'time'>;

/**
 * TorchServe logs (ingest-formats §9): a chunk of lines from access_log, ts_log, ts_metrics,
 * model_metrics or model_log, in any mix, each line recognised by its shape (no selector
 * needed: the four layouts never look alike). Each line is one batch item: access lines →
 * `inference` (or `log` for non-model routes), metric lines (StatsD-like, raw `[METRICS]`
 * worker lines, JSON layout) → `metric`, other ts_log lines → `log`. A line without a
 * timestamp continues the previous log line's message (a stack trace).
 */
export const torchserveKind: SourceKind<TorchServeOptions> = {
  type: 'torchserve',
  title: 'PyTorch TorchServe logs (access, ts_log, ts_metrics, model_metrics; log4j text)',
  category: 'inference',
  contentTypes: ['*'],
  auth: ['bearer', 'basic', 'hmac'],
  options: TIMEZONE_OPTIONS,
  normalise(request: SourceRequest, ctx: SourceContext<TorchServeOptions>): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const text = decodeUtf8Text(request.body, root);
    if (text === undefined) return findings.result([]);
    const lines = splitLines(text);
    if (lines.length === 0) {
      root.error('the body is empty; send TorchServe log lines (one per line).');
      return findings.result([]);
    }
    let previousLog: NormalisedEvent | undefined;
    for (const line of lines) {
      const at = lineAt(root, line);
      const time = readPrefixTime(line.text, ctx.options.timezone);
      if (time.kind === 'bad') {
        at.error(time.reason);
        previousLog = undefined;
        continue;
      }
      if (time.kind === 'none') {
        if (line.text.trimStart().startsWith('{')) {
          previousLog = undefined;
          emit(
            fromMetric(readJsonMetric(line.text.trim()), 'metrics'),
            undefined,
            line.text,
            at,
            findings,
            ctx.now,
          );
        } else if (previousLog !== undefined) {
          continueMessage(previousLog, line.text);
        } else {
          at.error(
            `does not start with a log4j timestamp ("2024-06-10T16:04:58,117"), and no log line precedes it to continue; got ${JSON.stringify(line.text.slice(0, 60))}.`,
          );
        }
        continue;
      }
      previousLog = undefined;
      const body = time.rest;
      if (body.startsWith(' - ')) {
        const rest = body.slice(3).trim();
        if (rest.startsWith('/'))
          emit(fromDraft(readAccessLine(rest)), time.ms, line.text, at, findings, ctx.now);
        else if (rest.startsWith('{'))
          emit(
            fromMetric(readJsonMetric(rest), 'metrics'),
            time.ms,
            line.text,
            at,
            findings,
            ctx.now,
          );
        else
          emit(
            fromMetric(readStatsdMetric(rest), 'metrics'),
            time.ms,
            line.text,
            at,
            findings,
            ctx.now,
          );
        continue;
      }
      const log = parseTsLogLine(body.trim());
      if (log === undefined) {
        at.error(
          `is not a TorchServe log line: after the time expected " - " (access or metrics log) or " [LEVEL] thread logger - message" (ts_log); got ${JSON.stringify(body.slice(0, 60))}.`,
        );
        continue;
      }
      const worker = /\[METRICS\](.*?)(?:, pattern=\[METRICS\])?$/.exec(log.message);
      if (worker?.[1] !== undefined) {
        emit(
          fromMetric(readStatsdMetric(worker[1].trim()), 'model_log'),
          time.ms,
          line.text,
          at,
          findings,
          ctx.now,
        );
        continue;
      }
      previousLog = emit(fromDraft(logEvent(log)), time.ms, line.text, at, findings, ctx.now);
    }
    return findings.batch();
  },
};

/** One line read: its event draft (and the sample's own time), or its problems. */
type LineRead = { readonly draft: Draft; readonly sampleTime?: number | undefined } | string[];

function fromMetric(sample: MetricSample | string[], log: string): LineRead {
  return Array.isArray(sample)
    ? sample
    : { draft: metricEvent(sample, log), sampleTime: sample.time };
}

function fromDraft(draft: Draft | string | string[]): LineRead {
  return typeof draft === 'string' ? [draft] : Array.isArray(draft) ? draft : { draft };
}

/** Clamps and emits one line's event, or reports its problems on the line. */
function emit(
  read: LineRead,
  lineTime: number | undefined,
  line: string,
  at: Location,
  findings: Findings,
  now: number,
): NormalisedEvent | undefined {
  if (Array.isArray(read)) {
    for (const reason of read) at.error(reason);
    return undefined;
  }
  // A metric's own epoch timestamp is UTC and beats the zone-less log4j time.
  const time = read.sampleTime ?? lineTime;
  // Lines carry no id; the line itself is the natural key (ingest-formats §9: host|line).
  const id = prefixedHashId('torchserve', line);
  const base: Draft = { ...read.draft, raw: line };
  const event =
    time === undefined
      ? { id, ...withReceiptTime(base, now) }
      : applyTimeClamp({ id, time, ...base }, now, at);
  findings.emit(event, at);
  return event;
}

function continueMessage(event: NormalisedEvent, text: string): void {
  const message = `${event.labels.message ?? ''}\n${text}`;
  event.labels.message = message.slice(0, MESSAGE_LIMIT);
  event.raw = `${String(event.raw)}\n${text}`.slice(0, MESSAGE_LIMIT * 2);
}
