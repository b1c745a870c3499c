/**
 * What the simulated platform produces: requests that pass the built-in gateway (and, when
 * served, become canonical events for Cordon) and reports that go straight to Cordon (a drift
 * monitor's findings are not requests anyone could refuse).
 */
export interface SimEvent {
  readonly kind: 'inference' | 'llm' | 'login' | 'drift';
  readonly name: string;
  readonly outcome?: string;
  readonly severity?: string;
  readonly entity: Readonly<Record<string, unknown>>;
  readonly measures?: Readonly<Record<string, number>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly text?: Readonly<Record<string, string>>;
}

export interface SimRequest {
  /** Simulated event time, epoch ms. */
  readonly time: number;
  /** Who sends it, for the traffic counts: `benign`, or `<scenario>:attacker` / `<scenario>:owner`. */
  readonly actor: string;
  /** The key the gateway asks Cordon's limiter about; undefined: not a gated request. */
  readonly limiterKey: string | undefined;
  readonly event: SimEvent;
}

/**
 * The times of a steady stream with one item every `periodMs` (first at `phaseMs`), that fall
 * in [from, to): ticks of any length cut the same stream.
 */
export function periodicTimes(from: number, to: number, periodMs: number, phaseMs = 0): number[] {
  const times: number[] = [];
  const first = Math.ceil((from - phaseMs) / periodMs);
  for (let i = Math.max(0, first); phaseMs + i * periodMs < to; i += 1) {
    const t = phaseMs + i * periodMs;
    if (t >= from) times.push(t);
  }
  return times;
}
