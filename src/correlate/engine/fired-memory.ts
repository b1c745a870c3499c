import type { Contribution, Withdrawal } from './runtime.js';

/**
 * Fires a group remembers so that an event arriving after them can withdraw them (see
 * RuleRuntime.withdraw): `[start, end, windowKey]` of the span the fire vouched for, oldest
 * first. Plain tuples, so they encode with the group's state as they are.
 *
 * How long: a fire can be withdrawn while its rule's watermark is at most its end + the
 * allowed lateness + the timespan, i.e. by an event up to one timespan later than lateness
 * allows; after that it is history. At most MAX_REMEMBERED_FIRES per group (the oldest go).
 */
export type FiredSpan = [start: number, end: number, windowKey: string];

export const MAX_REMEMBERED_FIRES = 32;

export function rememberFire(list: FiredSpan[], span: FiredSpan): void {
  // One match per window key (a rule that keeps its window may fire it again): once.
  if (list.some((f) => f[2] === span[2])) return;
  list.push(span);
  if (list.length > MAX_REMEMBERED_FIRES) list.splice(0, list.length - MAX_REMEMBERED_FIRES);
}

/**
 * Removes and returns, as withdrawals by `c`, the fires still withdrawable at `horizon` whose
 * span `inside` says `c` falls in; `reason` words each one.
 */
export function withdrawFires(
  list: FiredSpan[],
  c: Contribution,
  horizon: number,
  inside: (start: number, end: number, t: number) => boolean,
  reason: (start: number, end: number) => string,
): Withdrawal[] {
  const out: Withdrawal[] = [];
  for (let i = 0; i < list.length;) {
    const [start, end, windowKey] = list[i] as FiredSpan;
    if (end >= horizon && inside(start, end, c.t)) {
      out.push({ windowKey, by: c, reason: reason(start, end) });
      list.splice(i, 1);
    } else i += 1;
  }
  return out;
}

/** The end a fire must reach to be withdrawable while the rule's watermark is at `watermark`. */
export function firesHorizon(watermark: number, latenessMs: number, timespanMs: number): number {
  return watermark - latenessMs - timespanMs;
}

/** The fires still withdrawable at `horizon` (see firesHorizon). */
export function keptFires(list: FiredSpan[], horizon: number): FiredSpan[] {
  return list.length === 0 || (list[0] as FiredSpan)[1] >= horizon
    ? list
    : list.filter(([, end]) => end >= horizon);
}

/** An event time as people read it. */
export function isoTime(t: number): string {
  return new Date(t).toISOString();
}

/** Forgets the fire with this window key (its match was suppressed). */
export function forgetFire(list: FiredSpan[], windowKey: string): void {
  const i = list.findIndex((f) => f[2] === windowKey);
  if (i >= 0) list.splice(i, 1);
}
