import type { DraftEvent } from '../lines/draft.js';
import { splitEnvelope } from '../lines/envelope.js';
import { normaliseLines } from '../lines/line-driver.js';
import { LINE_OPTIONS_SPEC } from '../lines/options.js';
import type { LineOptions } from '../lines/options.js';
import type { Problems } from '../lines/problems.js';
import type { SourceKind } from '../source-kind.js';
import { leefEvent } from './leef-event.js';

/** One line of a `leef` source: a LEEF 1.0/2.0 message, bare or behind a syslog header. */
export function readLeefLine(
  text: string,
  options: LineOptions,
  ctx: { readonly now: number },
  problems: Problems,
): DraftEvent | undefined {
  const split = splitEnvelope(text, 'LEEF', options, ctx.now, problems);
  if (split === undefined) return undefined;
  return leefEvent(split.payload, { syslog: split.syslog, line: text }, options, problems);
}

/** IBM QRadar LEEF 1.0 / 2.0 lines (ingest-formats §14.2). */
export const leefKind: SourceKind<LineOptions> = {
  type: 'leef',
  title: 'IBM QRadar Log Event Extended Format (LEEF 1.0/2.0) lines, optionally inside syslog',
  category: 'line',
  contentTypes: ['*'],
  hecEvent: 'line',
  auth: ['bearer', 'basic', 'header'],
  options: LINE_OPTIONS_SPEC,
  normalise: (request, ctx) => normaliseLines(request, ctx, 'LEEF message', readLeefLine),
};
