import { got } from '../../normalizers/json-values.js';
import { findPayload, parseSyslog } from '../syslog/parse-syslog.js';
import type { SyslogMessage } from '../syslog/syslog-message.js';
import type { LineOptions } from './options.js';
import type { Problems } from './problems.js';

/**
 * Finds a CEF/LEEF payload in a line and reads the syslog header in front of it, if any.
 * undefined (reported) when the line holds no such payload.
 */
export function splitEnvelope(
  text: string,
  format: 'CEF' | 'LEEF',
  options: LineOptions,
  now: number,
  problems: Problems,
): { readonly payload: string; readonly syslog: SyslogMessage | undefined } | undefined {
  const start = findPayload(text, format);
  if (start < 0) {
    const example =
      format === 'CEF'
        ? '"CEF:0|Vendor|Product|1.0|100|Name|5|src=…"'
        : '"LEEF:2.0|Vendor|Product|1.0|EventID|^|src=…"';
    const continuation = /^\s|^[^<|]*$/.test(text)
      ? ` If it continues the previous line, that line held a raw line break: escape line breaks in values as \\n.`
      : '';
    problems.error(
      [],
      `is not a ${format} message: expected ${example}, optionally after a syslog header; got ${got(text)}.${continuation}`,
    );
    return undefined;
  }
  if (start === 0) return { payload: text, syslog: undefined };
  const parsed = parseSyslog(text, { now, zone: options.zone }, start);
  problems.list.push(...parsed.problems.list);
  return { payload: text.slice(start), syslog: parsed.message };
}
