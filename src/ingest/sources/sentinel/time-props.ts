import { readRfc3339Field } from '../siem-common/rfc3339-field.js';
import type { Prop } from './props.js';

/** A Sentinel time (`…TimeUtc`, `TimeGenerated`): RFC 3339; the .NET zero time means "not set". */
export function readTime(prop: Prop | undefined): number | undefined | null {
  if (prop === undefined) return undefined;
  const t = readRfc3339Field(prop.value, prop.at, { required: false, zero: true });
  return t === 'zero' ? undefined : t;
}

/** The raw text of a time, for ids (a resend keeps the same text). */
export function timeText(prop: Prop | undefined): string {
  return typeof prop?.value === 'string' ? prop.value : '';
}
