import { Problems } from '../lines/problems.js';
import { readPri } from './pri.js';
import { parseRfc3164 } from './rfc3164.js';
import { parseRfc5424 } from './rfc5424.js';
import type { HeaderContext, SyslogMessage } from './syslog-message.js';

/** `<PRI>` followed by a one- or two-digit VERSION and a space: RFC 5424; else BSD. */
const VERSION = /^\d{1,2} /;

/**
 * Parses one syslog message (RFC 5424 or RFC 3164, told apart by the VERSION after PRI).
 * `stop` is where an embedded CEF/LEEF payload starts (header fields end there).
 */
export function parseSyslog(
  text: string,
  ctx: HeaderContext,
  stop: number = text.length,
): { readonly message: SyslogMessage; readonly problems: Problems } {
  const problems = new Problems();
  const { length, pri } = readPri(text, problems);
  const message =
    length > 0 && VERSION.test(text.slice(length))
      ? parseRfc5424(text, length, pri, stop, problems)
      : parseRfc3164(text, length, pri, stop, ctx, problems);
  return { message, problems };
}

/** Where a CEF or LEEF payload starts inside a line (0 = no syslog header), or -1. */
export function findPayload(text: string, marker: 'CEF' | 'LEEF' | 'any'): number {
  const re =
    marker === 'CEF'
      ? /(?:^|[\s:\]])(CEF:\d)/
      : marker === 'LEEF'
        ? /(?:^|[\s:\]])(LEEF:\d)/
        : /(?:^|[\s:\]])((?:CEF|LEEF):\d)/;
  const m = re.exec(text);
  if (!m) return -1;
  return m.index + m[0].length - (m[1]?.length ?? 0);
}
