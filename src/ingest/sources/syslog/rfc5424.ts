import { got } from '../../normalizers/json-values.js';
import { parseRfc3339 } from '../../normalizers/time.js';
import type { Problems } from '../lines/problems.js';
import type { Priority } from './pri.js';
import { readStructuredData } from './structured-data.js';
import type { SdElement } from './structured-data.js';
import { BOM, nextToken } from './syslog-message.js';
import type { SyslogMessage } from './syslog-message.js';

const FIELDS = [
  ['hostname', 255],
  ['app_name', 48],
  ['procid', 128],
  ['msgid', 32],
] as const;

/**
 * The RFC 5424 part after `<PRI>` (`text[i]` is the VERSION). A CEF/LEEF payload may start
 * at `stop` right after the hostname (senders that write a half 5424 header): the fields
 * from there on are absent rather than errors.
 */
export function parseRfc5424(
  text: string,
  start: number,
  pri: Priority | undefined,
  stop: number,
  problems: Problems,
): SyslogMessage {
  let i = start;
  const version = nextToken(text, i, stop);
  if (version !== undefined) {
    if (version[0] !== '1')
      problems.error(
        ['version'],
        `must be 1 (RFC 5424); got ${got(version[0])}. Only syslog protocol version 1 exists.`,
      );
    i = version[1];
  }
  let time: number | undefined;
  const stamp = nextToken(text, i, stop);
  if (stamp !== undefined) {
    time = readTimestamp(stamp[0], problems);
    i = stamp[1];
  } else if (i < stop) {
    problems.error(
      ['timestamp'],
      'is missing: RFC 5424 needs a TIMESTAMP or "-" after the version.',
    );
  }
  const values: (string | undefined)[] = [];
  for (const [name, max] of FIELDS) {
    const token = nextToken(text, i, stop);
    if (token === undefined) {
      if (i < stop)
        problems.error([name], `is missing: RFC 5424 needs ${name.toUpperCase()} or "-" here.`);
      values.push(undefined);
      continue;
    }
    i = token[1];
    if (token[0].length > max || /[^\x21-\x7e]/.test(token[0]))
      problems.error(
        [name],
        `must be 1–${max} printable ASCII characters or "-"; got ${got(token[0])}.`,
      );
    values.push(token[0] === '-' ? undefined : token[0]);
  }
  let structuredData: SdElement[] = [];
  if (i < stop) {
    if (text[i] === '-') {
      i += 1;
    } else if (text[i] === '[') {
      const sd = readStructuredData(text, i, problems);
      i = sd?.end ?? stop;
      structuredData = sd?.elements ?? [];
    } else {
      problems.error(
        ['structured_data'],
        `must be "-" or [id param="value"] elements; got ${got(text.slice(i, i + 20))}.`,
      );
      i = stop;
    }
    if (i < stop && text[i] !== ' ')
      problems.error(
        ['structured_data'],
        `must be followed by a space and the message; got ${got(text.slice(i, i + 20))}.`,
      );
  }
  const msgStart = Math.min(i < stop ? i + 1 : stop, text.length);
  let msg = text.slice(msgStart);
  if (msg.startsWith(BOM)) msg = msg.slice(1);
  const [hostname, appName, procId, msgId] = values;
  return { format: 'rfc5424', pri, time, hostname, appName, procId, msgId, structuredData, msg };
}

/** RFC 3339 with an offset and at most 6 fractional digits (RFC 5424 §6.2.3), or `-`. */
function readTimestamp(token: string, problems: Problems): number | undefined {
  if (token === '-') return undefined;
  const fraction = /\.(\d+)/.exec(token)?.[1];
  if (fraction !== undefined && fraction.length > 6) {
    problems.error(
      ['timestamp'],
      `may have at most 6 fractional second digits (RFC 5424 §6.2.3); got ${fraction.length} in ${got(token)}. Send microseconds at most.`,
    );
    return undefined;
  }
  const parsed = parseRfc3339(token);
  if (parsed.ok) return parsed.ms;
  problems.error(['timestamp'], parsed.reason);
  return undefined;
}
