/**
 * One feature an anomaly rule can compute per group and window (`cordon.features`). Each kind
 * is one module in this folder, listed once in index.ts. Its window accumulator and its group
 * memory are plain JSON data (checkpointed with the group), and every accumulator is
 * order-independent: the same events in any arrival order give the same value.
 */
export interface FeatureKind<A = unknown, M = unknown> {
  readonly name: string;
  /** One line, for messages and the README. */
  readonly summary: string;
  /** Canonical event paths it reads (read as text; missing ones as ""). */
  readonly reads: readonly string[];
  /** The smallest meaningful change: the floor of the deviation its z-score divides by. */
  readonly unit: number;
  /** A fresh window accumulator. */
  start(): A;
  /** Adds one event: `field(i)` is the text of `reads[i]` ("" when absent). */
  add(acc: A, field: (i: number) => string): A;
  /** The feature's value for a closed window starting at `windowStart` (epoch ms). */
  value(acc: A, windowStart: number, memory: M | undefined): number;
  /** What the group remembers after the window (kinds that compare with the group's past). */
  learn?(acc: A, memory: M | undefined, windowStart: number): M;
}

/** At most this many distinct values are kept per window and feature. */
export const MAX_DISTINCT_PER_WINDOW = 256;
/** At most this many values a group has seen are remembered per feature (oldest dropped). */
export const MAX_REMEMBERED = 64;

/** Adds `value` to a set kept as a sorted array (order-independent, capped). */
export function addDistinct(set: string[], value: string): string[] {
  if (value === '') return set;
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((set[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  if (set[lo] === value) return set;
  // Past the cap, keep the smallest values: the same whatever order they came in.
  if (set.length >= MAX_DISTINCT_PER_WINDOW && lo >= set.length) return set;
  // A push at the end: splice would also make an array of what it removed (nothing).
  if (lo === set.length) set.push(value);
  else set.splice(lo, 0, value);
  if (set.length > MAX_DISTINCT_PER_WINDOW) set.pop();
  return set;
}

/**
 * A distinct-values feature: how many distinct values of one field the window has (models,
 * endpoints), or (`novel`) how many of them the group had not seen in earlier windows.
 */
export function distinctFeature(
  name: string,
  path: string,
  summary: string,
  novel: boolean,
): FeatureKind<string[], string[]> {
  return {
    name,
    summary,
    reads: [path],
    // A group that never saw anything new: its first new value stands out.
    unit: novel ? 0.1 : 1,
    start: () => [],
    add: (acc, field) => addDistinct(acc, field(0)),
    value(acc, _start, memory) {
      if (!novel) return acc.length;
      // A group with nothing learned yet has nothing to be new to.
      if (memory === undefined) return 0;
      const known = new Set(memory);
      return acc.filter((v) => !known.has(v)).length;
    },
    ...(novel
      ? {
          learn(acc: string[], memory: string[] | undefined): string[] {
            // Most recently seen last; re-seen values move to the end; the oldest drop first.
            const seen = new Set(acc);
            const kept = (memory ?? []).filter((v) => !seen.has(v));
            const next = [...kept, ...acc];
            return next.slice(Math.max(0, next.length - MAX_REMEMBERED));
          },
        }
      : {}),
  };
}
