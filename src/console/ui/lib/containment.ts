import type { Containment, ContainmentHolder } from './types';

const KIND_WORD: Readonly<Record<string, string>> = {
  throttle: 'throttled',
  block: 'blocked',
  ratelimit: 'rate limited',
  key: 'key blocked',
  access: 'access denied',
};

/** The kind of containment in words; a kind this console does not know yet shows as sent. */
export function kindText(kind: string): string {
  return KIND_WORD[kind] ?? kind;
}

/** Where the target is contained: the connector, or Cordon's own limiter (null connector). */
export function whereText(item: Pick<Containment, 'connector'>): string {
  return item.connector ?? 'built-in limiter';
}

/**
 * A cancelled or failed run still holding means its undo failed and left the containment in
 * force (its run page can try the undo again). A resolved run still holding is normal.
 */
export function undoFailed(holder: Pick<ContainmentHolder, 'runStatus'>): boolean {
  return holder.runStatus === 'cancelled' || holder.runStatus === 'failed';
}

// Runs that may still undo what they hold: going on (a cancel or failure undoes), undoing now,
// or ended with an undo that failed (retry-undo). A resolved run undoes nothing any more, and an
// unknown holder (run gone, or a person set it) has no run to undo it.
const MAY_UNDO: ReadonlySet<string> = new Set([
  'running',
  'waiting',
  'undoing',
  'cancelled',
  'failed',
]);

/**
 * When the containment lifts: at its expiry; with none, "on undo" while every holder without
 * an expiry has a run that may still undo it, else "on release" (only an explicit release lifts it).
 */
export function liftsWhen(
  item: Pick<Containment, 'expiresAt' | 'holders'>,
): { at: number } | 'on undo' | 'on release' {
  if (item.expiresAt !== null) return { at: item.expiresAt };
  const forGood = item.holders.filter((h) => h.expiresAt === null && !MAY_UNDO.has(h.runStatus));
  return item.holders.length > 0 && forGood.length === 0 ? 'on undo' : 'on release';
}

export function holdersText(count: number): string {
  return `${count} holder${count === 1 ? '' : 's'}`;
}

/** The identity of a contained target: one row per connector, kind and key. */
export function containmentId(item: Pick<Containment, 'connector' | 'kind' | 'key'>): string {
  return JSON.stringify([item.connector, item.kind, item.key]);
}

/**
 * The rows after one more page, in the API's order. The list can move between pages (a cursor
 * then repeats a target): a target already shown keeps its place, with the newer answer's data.
 */
export function appendPage(
  shown: readonly Containment[],
  more: readonly Containment[],
): Containment[] {
  const fresh = new Map(more.map((i) => [containmentId(i), i]));
  const seen = new Set<string>();
  return [...shown.map((i) => fresh.get(containmentId(i)) ?? i), ...more].filter((i) => {
    const id = containmentId(i);
    return !seen.has(id) && !!seen.add(id);
  });
}
