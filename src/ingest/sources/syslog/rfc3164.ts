import { got } from '../../normalizers/json-values.js';
import { parseRfc3339 } from '../../normalizers/time.js';
import type { Problems } from '../lines/problems.js';
import { compileJavaPattern } from '../lines/java-date.js';
import { BSD_DATE, parseBsdDate } from './bsd-date.js';
import type { Priority } from './pri.js';
import { BOM } from './syslog-message.js';
import type { HeaderContext, SyslogMessage } from './syslog-message.js';

/** ISO 8601 in the BSD slot (rsyslog's RFC3339 template, many appliances). */
const ISO_SLOT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?= |$)/i;
/** `TAG[pid]:` or `TAG:` (RFC 3164 §4.1.3; the TAG is at most 32 characters by the RFC, we allow 48). */
const TAG = /^([^\s:[\]]{1,48})(?:\[([^\]\s]{1,128})\])?:(?: |$)/;

/**
 * The BSD part after an optional `<PRI>`: TIMESTAMP HOSTNAME TAG[pid]: MSG. Every piece is
 * optional in practice (PRI-less senders, no hostname from local daemons, ISO timestamps in
 * the date slot); what cannot be read as a header stays in MSG. A CEF/LEEF payload starts at
 * `stop` and is never taken for a hostname or a tag.
 */
export function parseRfc3164(
  text: string,
  start: number,
  pri: Priority | undefined,
  stop: number,
  ctx: HeaderContext,
  problems: Problems,
): SyslogMessage {
  let i = start;
  let time: number | undefined;
  const head = text.slice(i, stop);
  const bsd = BSD_DATE.exec(head);
  const iso = ISO_SLOT.exec(head);
  const looseDate = /^[A-Za-z]{3} +\d{1,2} \d{1,2}:\d{2}:\d{2}/.exec(head);
  if (bsd) {
    const parsed = parseBsdDate(bsd, ctx.now, ctx.zone);
    if (parsed.ok) time = parsed.ms;
    else problems.error(['timestamp'], parsed.reason);
    i += bsd[0].length + 1;
  } else if (iso) {
    time = readIso(iso[0], ctx, problems);
    i += iso[0].length + 1;
  } else if (looseDate) {
    problems.error(
      ['timestamp'],
      `must be "Mmm dd hh:mm:ss" with two-digit hours (RFC 3164); got ${got(looseDate[0])}.`,
    );
    i += looseDate[0].length + 1;
  }
  let hostname: string | undefined;
  let appName: string | undefined;
  let procId: string | undefined;
  if (time !== undefined || bsd || iso) {
    // After a date comes the hostname, unless the next token is already the TAG (local daemons).
    const rest = text.slice(i, stop);
    const token = /^(\S+)(?: |$)/.exec(rest)?.[1];
    if (token !== undefined && !TAG.test(rest) && i < stop) {
      hostname = token;
      i += token.length + 1;
    }
  }
  if (i < stop) {
    const tag = TAG.exec(text.slice(i, stop));
    if (tag) {
      appName = tag[1];
      procId = tag[2];
      i += tag[0].length;
    }
  }
  let msg = text.slice(Math.min(i, text.length));
  if (msg.startsWith(BOM)) msg = msg.slice(1);
  return {
    format: 'rfc3164',
    pri,
    time,
    hostname,
    appName,
    procId,
    msgId: undefined,
    structuredData: [],
    msg,
  };
}

function readIso(text: string, ctx: HeaderContext, problems: Problems): number | undefined {
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  if (hasZone) {
    const withColon = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
    const parsed = parseRfc3339(withColon);
    if (parsed.ok) return parsed.ms;
    problems.error(['timestamp'], parsed.reason);
    return undefined;
  }
  const naive = compileJavaPattern(
    text.includes('.') ? "yyyy-MM-dd'T'HH:mm:ss.SSS" : "yyyy-MM-dd'T'HH:mm:ss",
  );
  if (!naive.ok) return undefined;
  const parsed = naive.parse(text, ctx.zone);
  if (parsed.ok) return parsed.ms;
  problems.error(['timestamp'], parsed.reason);
  return undefined;
}
