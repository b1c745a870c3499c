import type { CanonicalEvent } from '../ingest/canonical-event.js';
import { DERIVED_SOURCE } from '../ingest/canonical-event.js';
import { readCanonicalEvent } from '../ingest/normalizers/canonical-input.js';
import { Findings } from '../ingest/normalizers/findings.js';
import type { EngineOptions, Route } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import type { RuleStats } from './engine/rule-stats.js';
import type { Match, Retraction } from './match.js';
import { RecentRefs } from './recent-refs.js';
import { refHash, RoutedCursor, type RoutedBatch } from './routing/routed-batch.js';
import type { CompiledRuleSet } from './rule/types.js';

/**
 * Offline correlation: recorded events through the rules in memory, in the order given, with
 * each event's `received` time as the processing time (so watermarks, lateness and idle
 * sources behave as they did live), chained rules fed at once, and every window closed at the
 * end. The same engine as the live correlator, so a replay finds what live correlation would.
 */
export class Replay {
  readonly #engine: CorrelationEngine;
  /** Events taken in within the dedupe window (none kept when it is 0). */
  readonly #recent: RecentRefs | undefined;
  #last = 0;
  #advanced = -Infinity;
  events = 0;
  /** Events skipped as repeats of one already replayed (as ingest would have refused them). */
  duplicates = 0;
  /** Takes matches withdrawn by events replayed after them (see Retraction). */
  onRetraction: ((retraction: Retraction) => void) | undefined;

  /**
   * `dedupeWindowMs`: as ingest does, an event whose source and id were taken in within this
   * long (of processing time) before is a duplicate, skipped and counted; 0 keeps them all.
   * `expectedEvents`: about how many events will come (a hint that sizes the dedupe memory).
   */
  constructor(
    rules: CompiledRuleSet,
    options: Omit<EngineOptions, 'owned'>,
    private readonly onMatch: (match: Match) => void,
    private readonly dedupeWindowMs = 0,
    expectedEvents = 0,
  ) {
    this.#recent = dedupeWindowMs > 0 ? new RecentRefs(dedupeWindowMs, expectedEvents) : undefined;
    this.#engine = new CorrelationEngine(rules, {
      ...options,
      limits: { ...options.limits, partitions: 1 },
      checkpoints: false,
    });
  }

  push(event: CanonicalEvent): void {
    this.pushRouted(
      event.source,
      event.time,
      event.received,
      `${event.source}/${event.id}`,
      this.#engine.route(event),
    );
  }

  /**
   * The events of a routed batch (from replay workers), in order: a repeat is found without
   * making its ref string, the repeats of the whole batch at once (RecentRefs.seenBatch), and
   * the dedupe memory keeps the batch's joined refs rather than a string per event.
   */
  pushBatch(b: RoutedBatch): void {
    const recent = this.#recent;
    let repeats: Uint8Array | undefined;
    if (recent !== undefined) {
      const hashes = b.refHashes.length >= b.count ? b.refHashes : hashesOf(b);
      repeats = recent.seenBatch(b.refText, b.refEnds, hashes, b.received, b.count);
    }
    for (const e = new RoutedCursor(b); e.next();) {
      if (repeats !== undefined && repeats[e.index] === 1) {
        this.duplicates += 1;
        continue;
      }
      // An event routed nowhere needs no ref string (apply reads it only for its routes): most
      // events, when most lines match no rule.
      this.take(e.stream, e.time, e.received, e.routes.length === 0 ? '' : e.ref, e.routes);
    }
  }

  /** An event already routed elsewhere (a replay worker): only its routes are applied here. */
  pushRouted(
    source: string,
    time: number,
    received: number,
    ref: string,
    routes: readonly Route[],
    hash = refHash(ref),
  ): void {
    if (this.isDuplicate(ref, received, hash)) {
      this.duplicates += 1;
      return;
    }
    this.take(source, time, received, ref, routes);
  }

  private take(
    source: string,
    time: number,
    received: number,
    ref: string,
    routes: readonly Route[],
  ): void {
    this.events += 1;
    const now = received;
    if (now > this.#last) this.#last = now;
    this.#engine.apply(source, time, ref, routes, now);
    // Live correlation closes windows per batch too: deciding them a few seconds (of processing
    // time) later changes nothing, since nothing that could still enter them arrives meanwhile.
    const due = now - this.#advanced >= 5_000 || (this.events & 16383) === 0;
    this.drain(now, due);
  }

  private isDuplicate(ref: string, now: number, hash: number): boolean {
    return this.#recent !== undefined && this.#recent.seen(ref, now, hash);
  }

  /** End of input: every window closes. */
  finish(): void {
    for (let round = 0; round < 20; round += 1) {
      this.#engine.flush(this.#last);
      if (!this.drain(this.#last, false)) return;
    }
  }

  stats(): ReadonlyMap<string, RuleStats> {
    return this.#engine.stats();
  }

  /** Adds figures counted by the workers that routed events for this replay. */
  mergeStats(stats: ReadonlyMap<string, RuleStats>): void {
    this.#engine.mergeStats(stats);
  }

  /** Hands out matches and runs derived events (chains) at once; true if any were derived. */
  private drain(now: number, advance: boolean): boolean {
    let derived = false;
    for (;;) {
      if (advance) {
        this.#engine.advance(now);
        this.#advanced = now;
      }
      if (!this.#engine.hasOutput) return derived;
      const out = this.#engine.drain();
      for (const m of out.matches) this.onMatch(m);
      if (this.onRetraction) for (const r of out.retractions) this.onRetraction(r);
      if (out.derived.length === 0) return derived;
      derived = true;
      for (const d of out.derived) this.#engine.process(d, now);
    }
  }
}

export type RecordedLine =
  | { readonly ok: true; readonly event: CanonicalEvent }
  | { readonly ok: false; readonly reason: string }
  | { readonly ok: 'skip' };

const SOURCE = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * One line of recorded canonical NDJSON, as the generic source takes it, except that `source`
 * and `received` (what Cordon adds on acceptance, as in an export of the event log) are kept.
 * Cordon's own derived events (`source: cordon`) are skipped: the replay derives them again.
 */
export function readRecordedLine(line: string, now: number, defaultSource: string): RecordedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, reason: 'must be a JSON object (one event per line)' };
  const { source, received } = value as Record<string, unknown>;
  if (source === DERIVED_SOURCE) return { ok: 'skip' };
  if (source !== undefined && (typeof source !== 'string' || !SOURCE.test(source)))
    return {
      ok: false,
      reason: `source must be a connector name (lower-case letters, digits, -); got ${JSON.stringify(source)}`,
    };
  if (received !== undefined && (typeof received !== 'number' || !Number.isFinite(received)))
    return {
      ok: false,
      reason: `received must be epoch milliseconds; got ${JSON.stringify(received)}`,
    };
  const findings = new Findings();
  const event = readCanonicalEvent(value, findings.root(), now, true);
  if (findings.failed || !event) {
    const result = findings.result([]);
    return {
      ok: false,
      reason: result.ok
        ? 'not an event'
        : result.errors.map((e) => `${e.path || '/'} ${e.reason}`).join('; '),
    };
  }
  // One literal, not a spread: every event gets the same shape, which the engine reads fast.
  const recorded: CanonicalEvent = {
    id: event.id,
    time: event.time,
    received: received ?? event.time,
    source: source ?? defaultSource,
    kind: event.kind,
    name: event.name,
    severity: event.severity,
    outcome: event.outcome,
    entity: event.entity,
    measures: event.measures,
    labels: event.labels,
    ...(event.text ? { text: event.text } : {}),
  };
  return { ok: true, event: recorded };
}

/** `refHash` of each ref of a batch built without them. */
function hashesOf(b: RoutedBatch): Uint32Array {
  const hashes = new Uint32Array(b.count);
  let start = 0;
  for (let k = 0; k < b.count; k += 1) {
    const end = b.refEnds[k] as number;
    hashes[k] = refHash(b.refText.slice(start, end));
    start = end;
  }
  return hashes;
}
