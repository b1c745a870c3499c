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
import { readLine } from './read-line.js';
import type { Draft } from './read-line.js';
import { MESSAGE_LIMIT } from './ts-log-line.js';

/** `{timezone}`: the IANA zone the server's log4j times are written in (they carry none). */
export type TorchServeOptions = TimezoneOptions;

/**
 * TorchServe logs (ingest-formats §9): a chunk of lines from access_log, ts_log, ts_metrics,
 * model_metrics or model_log, in any mix, each line recognised by its shape (`read-line.ts`;
 * no selector needed: the layouts never look alike). Each line is one batch item: access lines →
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
      const read = readLine(line.text, ctx.options.timezone);
      if (read.kind === 'continuation') {
        if (previousLog !== undefined) continueMessage(previousLog, line.text);
        else
          at.error(
            `does not start with a log4j timestamp ("2024-06-10T16:04:58,117"), and no log line precedes it to continue; got ${JSON.stringify(line.text.slice(0, 60))}.`,
          );
        continue;
      }
      previousLog = undefined;
      if (read.kind === 'errors') {
        for (const reason of read.reasons) at.error(reason);
        continue;
      }
      const event = toEvent(read.draft, read.sampleTime ?? read.lineTime, line.text, at, ctx.now);
      findings.emit(event, at);
      if (read.continuable) previousLog = event;
    }
    return findings.batch();
  },
};

function toEvent(
  draft: Draft,
  time: number | undefined,
  line: string,
  at: Location,
  now: number,
): NormalisedEvent {
  // Lines carry no id; the line itself is the natural key (ingest-formats §9: host|line).
  const id = prefixedHashId('torchserve', line);
  const base: Draft = { ...draft, raw: line };
  return time === undefined
    ? { id, ...withReceiptTime(base, now) }
    : applyTimeClamp({ id, time, ...base }, now, at);
}

function continueMessage(event: NormalisedEvent, text: string): void {
  const message = `${event.labels.message ?? ''}\n${text}`;
  event.labels.message = message.slice(0, MESSAGE_LIMIT);
  event.raw = `${String(event.raw)}\n${text}`.slice(0, MESSAGE_LIMIT * 2);
}
