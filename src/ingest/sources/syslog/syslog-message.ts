import type { Zone } from '../lines/zoned-time.js';
import type { Priority } from './pri.js';
import type { SdElement } from './structured-data.js';

/** A syslog message's header and MSG, whichever RFC it followed. NILVALUE (`-`) = undefined. */
export interface SyslogMessage {
  readonly format: 'rfc5424' | 'rfc3164';
  readonly pri: Priority | undefined;
  /** Epoch ms; undefined when the header had no time (NILVALUE, or none at all). */
  readonly time: number | undefined;
  readonly hostname: string | undefined;
  readonly appName: string | undefined;
  readonly procId: string | undefined;
  readonly msgId: string | undefined;
  readonly structuredData: readonly SdElement[];
  /** MSG with a leading UTF-8 BOM removed. */
  readonly msg: string;
}

export interface HeaderContext {
  /** Receipt time: the year of a year-less BSD date is the one that puts it nearest. */
  readonly now: number;
  readonly zone: Zone;
}

export const BOM = '\uFEFF';

/** Splits the next space-delimited token at `i`: [token, index after it and its space]. */
export function nextToken(text: string, i: number, stop: number): [string, number] | undefined {
  if (i >= stop) return undefined;
  const space = text.indexOf(' ', i);
  const end = space < 0 || space > stop ? stop : space;
  const token = text.slice(i, end);
  return token === '' ? undefined : [token, end + 1];
}
