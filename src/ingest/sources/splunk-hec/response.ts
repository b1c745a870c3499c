import type { NormaliseResult } from '../../normalizers/types.js';

/** HEC's reply body (`{"text":"Success","code":0}`) and the HTTP status that goes with it. */
export interface HecReply {
  readonly status: number;
  readonly body: {
    readonly text: string;
    readonly code: number;
    readonly 'invalid-event-number'?: number;
  };
}

const FIRST_SEGMENT = /^\/(\d+)(?:\/|$)/;

/**
 * Turns a result into what HEC clients expect: success, or the first refused object's index
 * as `invalid-event-number` with HEC's code (12 event missing, 13 event blank, 5 no data,
 * else 6 invalid data format). Clients (Splunk forwarders, logging libraries) read only
 * these; Cordon's located reasons go in the response the lead's route adds beside them.
 */
export function hecResponse(result: NormaliseResult): HecReply {
  if (result.ok && (result.rejected === undefined || result.rejected.length === 0))
    return { status: 200, body: { text: 'Success', code: 0 } };
  const errors = result.ok
    ? (result.rejected?.[0]?.errors ?? []).map((e) => ({ ...e }))
    : result.errors;
  const first = errors.find((e) => FIRST_SEGMENT.test(e.path)) ??
    errors[0] ?? { path: '', reason: '' };
  if (first.path === '' && first.reason.includes('HEC code 5'))
    return { status: 400, body: { text: 'No data', code: 5 } };
  const index = result.ok
    ? (result.rejected?.[0]?.index ?? 0)
    : Number(FIRST_SEGMENT.exec(first.path)?.[1] ?? '0');
  const own = errors.filter((e) => FIRST_SEGMENT.exec(e.path)?.[1] === String(index));
  const code = own.some((e) => e.reason.includes('HEC code 12'))
    ? { text: 'Event field is required', code: 12 }
    : own.some((e) => e.reason.includes('HEC code 13'))
      ? { text: 'Event field cannot be blank', code: 13 }
      : { text: 'Invalid data format', code: 6 };
  return { status: 400, body: { ...code, 'invalid-event-number': index } };
}
