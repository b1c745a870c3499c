import type { DraftEvent } from '../lines/draft.js';
import { splitEnvelope } from '../lines/envelope.js';
import type { LineOptions } from '../lines/options.js';
import type { Problems } from '../lines/problems.js';
import { cefEvent } from './cef-event.js';

/** One line of a `cef` source: a CEF message, bare or behind a syslog header. */
export function readCefLine(
  text: string,
  options: LineOptions,
  ctx: { readonly now: number },
  problems: Problems,
): DraftEvent | undefined {
  const split = splitEnvelope(text, 'CEF', options, ctx.now, problems);
  if (split === undefined) return undefined;
  return cefEvent(split.payload, { syslog: split.syslog, line: text }, options, problems);
}
