import { prefixedHashId } from '../../normalizers/event-id.js';
import { cefEvent } from '../cef/cef-event.js';
import { syslogSeverity } from '../lines/classify.js';
import type { DraftEvent } from '../lines/draft.js';
import { EventParts } from '../lines/field-router.js';
import { leefEvent } from '../leef/leef-event.js';
import type { LineOptions } from '../lines/options.js';
import type { Problems } from '../lines/problems.js';
import { findPayload, parseSyslog } from './parse-syslog.js';
import { FACILITY_NAMES, SEVERITY_NAMES } from './pri.js';
import type { SyslogMessage } from './syslog-message.js';

/**
 * One syslog message of any kind: CEF or LEEF inside (found after the header) gets that
 * format's mapping, anything else becomes a `log` event.
 */
export function readSyslogLine(
  text: string,
  options: LineOptions,
  ctx: { readonly now: number },
  problems: Problems,
): DraftEvent | undefined {
  const header = { now: ctx.now, zone: options.zone };
  const full = parseSyslog(text, header);
  let syslog = full.message;
  let start = PAYLOAD.test(syslog.msg) ? text.length - syslog.msg.length : -1;
  if (start >= 0) {
    problems.list.push(...full.problems.list);
  } else {
    // A half header (`<PRI>1 TIMESTAMP HOST LEEF:…`, no APP-NAME…SD) is not RFC 5424, but
    // senders write it; a log line that merely mentions "CEF:0" further on stays a log line.
    const candidate = findPayload(text, 'any');
    if (candidate > 0 && HALF_HEADER.test(text.slice(0, candidate))) {
      start = candidate;
      const partial = parseSyslog(text, header, candidate);
      problems.list.push(...partial.problems.list);
      syslog = partial.message;
    } else {
      problems.list.push(...full.problems.list);
    }
  }
  if (start >= 0) {
    const payload = text.slice(start);
    const envelope = { syslog: start === 0 ? undefined : syslog, line: text };
    return payload.startsWith('CEF:')
      ? cefEvent(payload, envelope, options, problems)
      : leefEvent(payload, envelope, options, problems);
  }
  return logEvent(syslog, text, options, problems);
}

/** MSG that is a CEF or LEEF message. */
const PAYLOAD = /^(?:CEF:\d+\||LEEF:\d+(?:\.\d+)?\|)/;
/** `<PRI>`, an optional VERSION, then a date (BSD or one token) and at most two more tokens. */
const HALF_HEADER =
  /^(?:<\d{1,3}>)?(?:\d{1,2} )?(?:[A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)? |\S+ )?(?:\S+ ){0,2}$/;

function logEvent(
  syslog: SyslogMessage,
  line: string,
  options: LineOptions,
  problems: Problems,
): DraftEvent {
  const parts = new EventParts(options, problems);
  if (syslog.hostname !== undefined) parts.setEntity('host', syslog.hostname, ['hostname']);
  for (const element of syslog.structuredData)
    for (const [name, value] of element.params)
      parts.route(name, value, ['structured_data', element.id, name]);
  const header: [string, string | undefined][] = [
    ['app', syslog.appName],
    ['procid', syslog.procId],
    ['msgid', syslog.msgId],
    ['facility', syslog.pri === undefined ? undefined : FACILITY_NAMES[syslog.pri.facility]],
    ['syslog_severity', syslog.pri === undefined ? undefined : SEVERITY_NAMES[syslog.pri.severity]],
    ['message', syslog.msg],
  ];
  for (const [name, value] of header)
    if (value !== undefined && value !== '') parts.setLabel(name, value);
  return {
    id: prefixedHashId('syslog', line),
    time: syslog.time,
    kind: 'log',
    name: syslog.msgId ?? syslog.appName ?? 'syslog',
    severity: syslogSeverity(syslog.pri?.severity),
    outcome: 'unknown',
    entity: parts.entity,
    measures: parts.measures,
    labels: parts.labels,
  };
}
