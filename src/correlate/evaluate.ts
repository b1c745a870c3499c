/**
 * Detection quality of a rule set on labelled events (`cordon eval`), pure. An event is
 * predicted positive when some match lists it among its contributing events; its score is the
 * highest `aggregate.score` (anomaly rules) of the matches listing it, 1 for a match without a
 * score, 0 when none does. Precision and recall are over events; ROC AUC ranks events by score
 * (the Mann–Whitney statistic, ties counted half).
 */
export interface Evaluation {
  readonly events: number;
  readonly positives: number;
  readonly predicted: number;
  readonly truePositives: number;
  readonly precision: number | null;
  readonly recall: number | null;
  /** Null when the labels are all one class. */
  readonly auc: number | null;
}

export interface ScoredMatch {
  readonly refs: readonly string[];
  readonly aggregate: Readonly<Record<string, unknown>>;
}

/** The score each listed event takes from the matches. */
export function eventScores(matches: Iterable<ScoredMatch>): Map<string, number> {
  const scores = new Map<string, number>();
  for (const m of matches) {
    const s = typeof m.aggregate.score === 'number' ? m.aggregate.score : 1;
    for (const ref of m.refs) if (!((scores.get(ref) ?? -1) >= s)) scores.set(ref, s);
  }
  return scores;
}

export function evaluate(
  labels: ReadonlyMap<string, boolean>,
  scores: ReadonlyMap<string, number>,
): Evaluation {
  let positives = 0;
  let predicted = 0;
  let truePositives = 0;
  const pos: number[] = [];
  const neg: number[] = [];
  for (const [ref, label] of labels) {
    const s = scores.get(ref);
    if (label) positives += 1;
    if (s !== undefined) {
      predicted += 1;
      if (label) truePositives += 1;
    }
    (label ? pos : neg).push(s ?? 0);
  }
  return {
    events: labels.size,
    positives,
    predicted,
    truePositives,
    precision: predicted === 0 ? null : truePositives / predicted,
    recall: positives === 0 ? null : truePositives / positives,
    auc: rocAuc(pos, neg),
  };
}

/** P(score of a random positive > a random negative), ties half: O((P + N) log(P + N)). */
export function rocAuc(pos: readonly number[], neg: readonly number[]): number | null {
  if (pos.length === 0 || neg.length === 0) return null;
  const all = [...pos.map((s) => [s, 1] as const), ...neg.map((s) => [s, 0] as const)].sort(
    (a, b) => a[0] - b[0],
  );
  // Sum of the positives' (mid-)ranks.
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (
      j < all.length &&
      (all[j] as readonly [number, number])[0] === (all[i] as readonly [number, number])[0]
    )
      j += 1;
    const mid = (i + 1 + j) / 2;
    for (let k = i; k < j; k += 1)
      if ((all[k] as readonly [number, number])[1] === 1) rankSum += mid;
    i = j;
  }
  const P = pos.length;
  return (rankSum - (P * (P + 1)) / 2) / (P * neg.length);
}

/** A label value read as positive: anything but absent, false, 0, "", "0", "false", "benign", "normal", "none". */
export function isPositiveLabel(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0) return false;
  if (typeof value === 'string')
    return !['', '0', 'false', 'benign', 'normal', 'none'].includes(value.trim().toLowerCase());
  return true;
}
