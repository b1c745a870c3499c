/**
 * Per-source event-time watermarks (correlation-anchors §3.1). A source's watermark trails the
 * latest event time it has sent by its bounded out-of-orderness O: W_s = maxT_s − O_s. Once a
 * source has been silent for its idle timeout (in processing time), its watermark moves on with
 * the clock, as if its next event were due now, so an idle source never holds windows open
 * forever. Watermarks never move backwards.
 *
 * Lateness is judged against the event's own source, so a slow source (hourly drift reports)
 * never makes another source's events late; a rule's windows close when every source that has
 * fed it has passed their end (the minimum over those sources).
 */
export interface SourceTiming {
  /** How far out of order the source's events may arrive, ms. */
  readonly outOfOrdernessMs: number;
  /** After this much processing time without an event, the watermark follows the clock. */
  readonly idleMs: number;
}

interface SourceMark {
  readonly timing: SourceTiming;
  maxT: number;
  lastArrival: number;
  /** Highest watermark handed out (monotone). */
  w: number;
}

export type EncodedWatermarks = Record<string, [number, number, number]>;

export class Watermarks {
  readonly #sources = new Map<string, SourceMark>();
  /** The last source observed: most events come in runs from one source. */
  #lastSource: string | undefined;
  #lastMark: SourceMark | undefined;

  constructor(
    private readonly defaults: SourceTiming,
    private readonly perSource: ReadonlyMap<string, SourceTiming> = new Map(),
  ) {}

  timing(source: string): SourceTiming {
    return this.perSource.get(source) ?? this.defaults;
  }

  /** Records an event; returns the source's watermark as it was just before it. */
  observe(source: string, t: number, now: number): number {
    let mark = source === this.#lastSource ? this.#lastMark : this.#sources.get(source);
    if (!mark) {
      const timing = this.timing(source);
      mark = { timing, maxT: t, lastArrival: now, w: t - timing.outOfOrdernessMs };
      this.#sources.set(source, mark);
      this.#lastSource = source;
      this.#lastMark = mark;
      return -Infinity;
    }
    this.#lastSource = source;
    this.#lastMark = mark;
    const before = this.compute(mark, now);
    if (t > mark.maxT) mark.maxT = t;
    if (now > mark.lastArrival) mark.lastArrival = now;
    this.compute(mark, now);
    return before;
  }

  /** The source's watermark at processing time `now` (−∞ for a source never seen). */
  get(source: string, now: number): number {
    const mark = this.#sources.get(source);
    return mark ? this.compute(mark, now) : -Infinity;
  }

  /** The minimum over `sources` (−∞ when empty): what a rule fed by them may close against. */
  min(sources: Iterable<string>, now: number): number {
    let w = Infinity;
    let any = false;
    for (const s of sources) {
      any = true;
      const ws = this.get(s, now);
      if (ws < w) w = ws;
    }
    return any ? w : -Infinity;
  }

  private compute(mark: SourceMark, now: number): number {
    const timing = mark.timing;
    const silent = now - mark.lastArrival;
    const advance = silent >= timing.idleMs ? silent : 0;
    const w = mark.maxT + advance - timing.outOfOrdernessMs;
    if (w > mark.w) mark.w = w;
    return mark.w;
  }

  encode(): EncodedWatermarks {
    const out: EncodedWatermarks = {};
    for (const [s, m] of this.#sources) out[s] = [m.maxT, m.lastArrival, m.w];
    return out;
  }

  restore(encoded: EncodedWatermarks): void {
    this.#sources.clear();
    this.#lastSource = undefined;
    this.#lastMark = undefined;
    for (const [s, [maxT, lastArrival, w]] of Object.entries(encoded))
      this.#sources.set(s, { timing: this.timing(s), maxT, lastArrival, w });
  }

  sources(): string[] {
    return [...this.#sources.keys()];
  }
}
