import { got } from '../../normalizers/json-values.js';
import type { Problems } from '../lines/problems.js';

export interface Priority {
  readonly facility: number;
  readonly severity: number;
}

export const FACILITY_NAMES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'security',
  'console',
  'solaris-cron',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export const SEVERITY_NAMES = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
] as const;

const PRI = /^<([^>]{0,5})>/;

/**
 * `<PRI>` at the start of a message: facility·8 + severity, 0–191, 1–3 digits without a
 * leading zero (RFC 5424 §6.2.1). Returns the length consumed (0 = no PRI at all).
 */
export function readPri(
  text: string,
  problems: Problems,
): { readonly length: number; readonly pri: Priority | undefined } {
  if (!text.startsWith('<')) return { length: 0, pri: undefined };
  const m = PRI.exec(text);
  if (!m) {
    problems.error(
      ['pri'],
      `must be "<" + a number 0–191 + ">" (such as "<134>"); got ${got(text.slice(0, 8))}.`,
    );
    return { length: 0, pri: undefined };
  }
  const digits = m[1] ?? '';
  const length = m[0].length;
  if (!/^\d{1,3}$/.test(digits)) {
    problems.error(['pri'], `must be a number 0–191 between "<" and ">"; got ${got(m[0])}.`);
    return { length, pri: undefined };
  }
  if (digits.length > 1 && digits.startsWith('0')) {
    problems.error(
      ['pri'],
      `must not have leading zeros; got ${got(m[0])}. Send <${Number(digits)}>.`,
    );
    return { length, pri: undefined };
  }
  const value = Number(digits);
  if (value > 191) {
    problems.error(
      ['pri'],
      `must be at most 191 (facility 23 × 8 + severity 7); got ${value}. PRI is facility × 8 + severity.`,
    );
    return { length, pri: undefined };
  }
  return { length, pri: { facility: Math.floor(value / 8), severity: value % 8 } };
}
