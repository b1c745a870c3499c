/** What the built-in gateway did, per actor: totals, per wall second, and each attacker decision. */
export interface Tally {
  accepted: number;
  refused: number;
}

export class TrafficStats {
  readonly totals = new Map<string, Tally>();
  /** Wall-clock decisions of attackers (and key owners), for before/after containment counts. */
  readonly decisions = new Map<string, { at: number; accepted: boolean }[]>();
  #second = new Map<string, Tally>();

  record(actor: string, accepted: boolean, at: number): void {
    for (const map of [this.totals, this.#second]) {
      const t = map.get(actor) ?? { accepted: 0, refused: 0 };
      if (accepted) t.accepted += 1;
      else t.refused += 1;
      map.set(actor, t);
    }
    if (actor !== 'benign') {
      const list = this.decisions.get(actor) ?? [];
      list.push({ at, accepted });
      this.decisions.set(actor, list);
    }
  }

  /** The counts since the last call (one progress line a second). */
  takeSecond(): Map<string, Tally> {
    const out = this.#second;
    this.#second = new Map();
    return out;
  }

  /** An actor's decisions before and after a wall time. */
  split(actor: string, at: number): { before: Tally; after: Tally } {
    const before = { accepted: 0, refused: 0 };
    const after = { accepted: 0, refused: 0 };
    for (const d of this.decisions.get(actor) ?? []) {
      const t = d.at < at ? before : after;
      if (d.accepted) t.accepted += 1;
      else t.refused += 1;
    }
    return { before, after };
  }
}
