import { compareStreamIds } from './stream-id.js';

/**
 * Positions in an event log split into N partitions (CORDON_EVENT_LOG_PARTITIONS).
 *
 * - An entry's seq names its partition: `<ms>-<n>` in partition 0 (so with one partition every
 *   seq is the plain stream entry id, as before partitions existed) and `<p>.<ms>-<n>` in
 *   partition p > 0 (`.` needs no escaping in a URL path or query).
 * - A position (a correlator checkpoint's offset, GET /v1/events' cursor, retention's floor) is
 *   the last entry id reflected in each partition: the plain id with one partition, else the N
 *   ids joined by `,`. A plain id read with N > 1 is partition 0's (a log written before it was
 *   split: those entries stay in partition 0, the new partitions start empty).
 */
const NONE = '0-0';

export function qualifySeq(partition: number, id: string): string {
  return partition === 0 ? id : `${partition}.${id}`;
}

/** The partition and stream entry id a seq names; undefined when it is not one. */
export function parseSeq(seq: string): { partition: number; id: string } | undefined {
  const m = /^(?:(\d{1,4})\.)?(\d{1,20}-\d{1,20})$/.exec(seq);
  if (!m) return undefined;
  return { partition: m[1] === undefined ? 0 : Number(m[1]), id: m[2] as string };
}

/** A position's per-partition ids (`n` of them; '0-0' where it says nothing). */
export function positionIds(position: string, n: number): string[] {
  const parts = position.split(',');
  const out = new Array<string>(n);
  for (let p = 0; p < n; p += 1) out[p] = parts[p] || NONE;
  return out;
}

export function formatPosition(ids: readonly string[]): string {
  return ids.length === 1 ? (ids[0] as string) : ids.join(',');
}

/** Whether `position` already reflects the entry `seq` (it is at or before the position). */
export function covers(position: string, seq: string, n: number): boolean {
  const at = parseSeq(seq);
  if (!at) return false;
  if (n === 1) return compareStreamIds(at.id, position) <= 0;
  return compareStreamIds(at.id, positionIds(position, n)[at.partition] ?? NONE) <= 0;
}

/** Each partition's id the later of the two. */
export function maxPosition(a: string, b: string, n: number): string {
  if (n === 1) return compareStreamIds(a, b) >= 0 ? a : b;
  const x = positionIds(a, n);
  const y = positionIds(b, n);
  return formatPosition(
    x.map((id, p) => (compareStreamIds(id, y[p] as string) >= 0 ? id : (y[p] as string))),
  );
}

/** Each partition's id the earliest of them ('0-0' for none): what nobody has passed yet. */
export function minPosition(positions: readonly string[], n: number): string {
  if (positions.length === 0) return formatPosition(new Array<string>(n).fill(NONE));
  const lists = positions.map((p) => positionIds(p, n));
  const out = new Array<string>(n);
  for (let p = 0; p < n; p += 1)
    out[p] = lists
      .map((l) => l[p] as string)
      .reduce((a, b) => (compareStreamIds(a, b) <= 0 ? a : b));
  return formatPosition(out);
}

/** True when `a` is at or before `b` in every partition. */
export function positionAtOrBefore(a: string, b: string, n: number): boolean {
  const x = positionIds(a, n);
  const y = positionIds(b, n);
  return x.every((id, p) => compareStreamIds(id, y[p] as string) <= 0);
}
