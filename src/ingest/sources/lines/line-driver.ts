import { Findings } from '../../normalizers/findings.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import type { SourceContext, SourceRequest } from '../source-kind.js';
import { splitBody } from './body-framing.js';
import type { DraftEvent } from './draft.js';
import type { LineOptions } from './options.js';
import { Problems, reportProblems } from './problems.js';

/** `raw` keeps the message; one absurdly long line must not bloat the event log. */
export const RAW_LIMIT = 16 * 1024;

export type ReadMessage = (
  text: string,
  options: LineOptions,
  ctx: { readonly now: number },
  problems: Problems,
) => DraftEvent | undefined;

/**
 * The body of a line-format source: messages framed by newlines or octet counting, each one
 * batch item, so a bad line refuses only itself. Paths are `/<line index>/<field>` (0-based,
 * like NDJSON) and reasons start with `line N:` (1-based) or `frame N:`.
 */
export function normaliseLines(
  request: SourceRequest,
  ctx: SourceContext<LineOptions>,
  expected: string,
  read: ReadMessage,
): NormaliseResult {
  const findings = new Findings();
  const root = findings.root();
  const framed = splitBody(request.body);
  if (framed.items.length === 0 && framed.errors.length === 0) {
    root.error(`must contain at least one ${expected}, one per line; got an empty body.`);
    return findings.result([]);
  }
  const noun = framed.mode === 'lines' ? 'line' : 'frame';
  for (const error of framed.errors)
    root.batchItem(error.index, `${noun} ${error.index + 1}: `).error(error.reason);
  for (const item of framed.items) {
    const at = root.batchItem(item.index, `${noun} ${item.index + 1}: `);
    const problems = new Problems();
    const draft = read(item.text, ctx.options, ctx, problems);
    reportProblems(problems.list, at);
    if (draft === undefined || problems.failed) continue;
    const raw = item.text.length > RAW_LIMIT ? `${item.text.slice(0, RAW_LIMIT)}…` : item.text;
    const event =
      draft.time === undefined
        ? { ...withReceiptTime(draft, ctx.now), raw }
        : { ...draft, time: draft.time, raw };
    findings.emit(applyTimeClamp(event, ctx.now, at), at);
  }
  return findings.batch();
}
