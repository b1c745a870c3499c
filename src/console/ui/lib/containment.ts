import type { Containment, ContainmentHolder, LimitCleared } from './types';

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
 * The run's undo of this holder failed after its retries and left the containment in force
 * (its run page can try the undo again); whatever the run's status (an undo on expiry fails
 * in a resolved run too). A cancelled run whose step declared no undo has nothing to retry.
 */
export function undoFailed(holder: Pick<ContainmentHolder, 'undo'>): boolean {
  return holder.undo === 'undo-failed';
}

// Runs still going undo what they applied if they are cancelled or fail.
const GOING: ReadonlySet<string> = new Set(['running', 'waiting', 'undoing']);

/**
 * Whether a run may still undo this holder: its undo is running, failed (a retry on request
 * lifts it), or is declared in a run still going. A resolved run undoes nothing any more, and a
 * holder with no undo (none declared, or a person set it) has none.
 */
function mayUndo(h: Pick<ContainmentHolder, 'undo' | 'runStatus'>): boolean {
  return (
    h.undo === 'undoing' ||
    h.undo === 'undo-failed' ||
    (h.undo === 'applied' && GOING.has(h.runStatus))
  );
}

/**
 * When the containment lifts: at its expiry; with none, "on undo" while every holder without
 * an expiry has a run that may still undo it, else "on release" (only an explicit release lifts it).
 */
export function liftsWhen(
  item: Pick<Containment, 'expiresAt' | 'holders'>,
): { at: number } | 'on undo' | 'on release' {
  if (item.expiresAt !== null) return { at: item.expiresAt };
  const forGood = item.holders.filter((h) => h.expiresAt === null && !mayUndo(h));
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

/** What a lift did, in words: lifted, or nothing was in force any more (an undo or expiry won). */
export function liftedText(cleared: Pick<LimitCleared, 'key' | 'existed'>): string {
  return cleared.existed
    ? `Lifted ${cleared.key}.`
    : `Nothing was in force on ${cleared.key} any more.`;
}
