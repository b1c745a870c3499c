import type { NormalisedEvent, Severity } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import { Findings } from '../../normalizers/findings.js';
import { applyTimeClamp } from '../../normalizers/time-clamp.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { TIMEZONE_OPTIONS } from '../monitors-common/local-time.js';
import type { TimezoneOptions } from '../monitors-common/local-time.js';
import { decodeUtf8Text, lineAt, splitLines } from '../monitors-common/text-lines.js';
import { readHeader } from './header.js';
import type { TritonHeader } from './header.js';
import { modelOfMessage, unquoteMessage } from './message.js';

const SEVERITY: Readonly<Record<string, Severity>> = {
  I: 'info',
  V: 'info',
  W: 'medium',
  E: 'high',
};
const LEVEL_NAME: Readonly<Record<string, string>> = {
  I: 'info',
  V: 'verbose',
  W: 'warning',
  E: 'error',
};
/** Longest message kept; startup tables continue on later lines. */
const MESSAGE_LIMIT = 8000;

/**
 * NVIDIA Triton server logs (ingest-formats §10), default or ISO8601 format: each line a
 * `log` event (one batch item), message unquoted, model in entity.model where the message
 * names it. Lines without a header (startup tables) continue the previous message. Default
 * lines have no year (inferred from receipt, December lines read in January go to the year
 * before) and no zone (`options.timezone`, default UTC, which is what Triton writes).
 */
export const tritonLogKind: SourceKind<TimezoneOptions> = {
  type: 'triton-log',
  title: 'NVIDIA Triton Inference Server log (default or ISO8601 format)',
  category: 'inference',
  contentTypes: ['*'],
  auth: ['bearer', 'basic', 'hmac'],
  options: TIMEZONE_OPTIONS,
  normalise(request: SourceRequest, ctx: SourceContext<TimezoneOptions>): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const text = decodeUtf8Text(request.body, root);
    if (text === undefined) return findings.result([]);
    const lines = splitLines(text);
    if (lines.length === 0) {
      root.error('the body is empty; send Triton log lines (one per line).');
      return findings.result([]);
    }
    let previous: NormalisedEvent | undefined;
    for (const line of lines) {
      const at = lineAt(root, line);
      const read = readHeader(line.text, ctx.options.timezone, ctx.now);
      if (read.kind === 'none') {
        if (previous !== undefined) continueMessage(previous, line.text);
        else
          at.error(
            `does not start with a Triton log header ("I0610 16:04:51.210442 1 file.cc:123]") and no log line precedes it to continue; got ${JSON.stringify(line.text.slice(0, 60))}.`,
          );
        continue;
      }
      previous = undefined;
      if (read.kind === 'bad') {
        for (const reason of read.reasons) at.error(reason);
        continue;
      }
      const message = unquoteMessage(read.header.message);
      if (typeof message !== 'string') {
        at.error(message.reason);
        continue;
      }
      const event = applyTimeClamp(toEvent(read.header, message, line.text), ctx.now, at);
      findings.emit(event, at);
      previous = event;
    }
    return findings.batch();
  },
};

function toEvent(header: TritonHeader, message: string, line: string): NormalisedEvent {
  const target = modelOfMessage(message);
  const entity: NormalisedEvent['entity'] = {};
  if (target !== undefined) {
    entity.model = target.model;
    if (target.version !== undefined) entity.model_version = target.version;
  }
  return {
    id: prefixedHashId('triton', line),
    time: header.ms,
    kind: 'log',
    name: header.file,
    severity: SEVERITY[header.level] ?? 'info',
    outcome: 'unknown',
    entity,
    measures: {},
    labels: {
      level: LEVEL_NAME[header.level] ?? header.level,
      pid: header.pid,
      file: header.file,
      file_line: header.fileLine,
      message: message.slice(0, MESSAGE_LIMIT),
    },
    raw: line,
  };
}

function continueMessage(event: NormalisedEvent, text: string): void {
  const before = event.labels.message ?? '';
  event.labels.message = (before === '' ? text : `${before}\n${text}`).slice(0, MESSAGE_LIMIT);
  event.raw = `${String(event.raw)}\n${text}`.slice(0, MESSAGE_LIMIT);
}
