import type { RedisClient } from '../store/redis.js';
import type { CanonicalEvent } from '../ingest/canonical-event.js';
import type { Clock } from '../shared/clock.js';
import type { CrashHook } from '../shared/crash-points.js';
import { CordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { EventLog, LoggedEvent } from '../store/event-log.js';
import { compareStreamIds } from '../store/event-log.js';
import {
  covers,
  maxPosition,
  minPosition,
  positionIds,
  qualifySeq,
} from '../store/log-position.js';
import { isRedisConnectionError } from '../store/redis.js';
import type { EngineOptions } from './engine/engine.js';
import { CorrelationEngine } from './engine/engine.js';
import { InlineLogReader } from './log-reader/inline-log-reader.js';
import type { LogBatch, LogReader } from './log-reader/log-reader.js';
import type { ReaderThreadOptions } from './log-reader/reader-thread-init.js';
import { ThreadedLogReader } from './log-reader/threaded-log-reader.js';
import {
  RoutedBatchBuilder,
  RoutedCursor,
  seqAt,
  type RoutedBatch,
} from './routing/routed-batch.js';
import type { Match, Retraction } from './match.js';
import { RuleMetricsExporter } from './rule-metrics.js';
import type { CompiledRuleSet } from './rule/types.js';
import type { CheckpointHead, CorrelationStateStore, Lease } from './state-store.js';

/**
 * Changed groups of one partition that trigger its checkpoint before its interval (bounds one
 * commit's size and the memory it takes).
 */
const MAX_CHANGED_GROUPS = 50_000;
/** Longest stretch of engine work between yields to the event loop. */
const SLICE_MS = 10;
/** Groups encoded between yields to the event loop while a checkpoint is being built. */
const ENCODE_CHUNK = 2_000;

/** Receives every match; must be idempotent by `matchId` (a replay after a crash resends). */
export type MatchSink = (match: Match) => Promise<void>;
export type RetractionSink = (retraction: Retraction) => Promise<void>;

/** Called for an event the engine failed on; it is then skipped (it stays in the log). */
export type PoisonHandler = (entry: LoggedEvent, error: unknown) => Promise<void>;

export interface CorrelatorOptions {
  /** This process's member name (stable across restarts). */
  readonly member: string;
  readonly partitions: number;
  readonly batchSize: number;
  readonly blockMs: number;
  /** How often owned partitions are checkpointed: the most a crash makes it re-read. */
  readonly checkpointMs: number;
  /** A partition whose holder stops renewing is taken over after this long. */
  readonly leaseMs: number;
  /** Derived events (inner matches of chained rules) are deduplicated this long. */
  readonly dedupeWindowMs: number;
  /** Matches handed to the sink at once. */
  readonly deliveryConcurrency?: number;
  /**
   * Takes matches withdrawn by events that arrived after them, after the matches of the same
   * batch; like the sink, it must be idempotent (a restart delivers them again). Without it
   * they are counted only.
   */
  readonly onRetraction?: RetractionSink;
  /**
   * Read, parse and route the log on a worker thread with its own connection (the default in
   * `cordon start`); without it, on this thread through `blockingRedis`.
   */
  readonly readerThread?: ReaderThreadOptions;
}

const EMPTY_BATCH: RoutedBatch = new RoutedBatchBuilder().build();
const EMPTY_PARTS = new Uint8Array(0);

/** Whether checkpoint offset `a` is before `b` (see restore). */
function earlier(a: string, b: string, n: number): boolean {
  if (n === 1) return compareStreamIds(a, b) < 0;
  const x = positionIds(a, n);
  const y = positionIds(b, n);
  const less = x.some((id, p) => compareStreamIds(id, y[p] as string) < 0);
  const more = x.some((id, p) => compareStreamIds(id, y[p] as string) > 0);
  return less && !more;
}

/** Batches the reader thread routes ahead of the one being applied. */
const READ_AHEAD = 2;

/**
 * The live correlator: owns some state partitions (leases in the state store, fenced by
 * epochs), reads the event log from their checkpointed offsets, runs the engine in memory,
 * hands matches to the sink, appends derived events (inner matches of chained rules) to the
 * log, and checkpoints its partitions every `checkpointMs`.
 *
 * Exactly-once matches without per-event bookkeeping: a checkpoint is taken only after every
 * match and derived event produced before it has been delivered, so after a crash (or any
 * failure in an iteration) the correlator restores the last checkpoint and re-reads the log
 * from its offset; the deterministic engine produces the same matches with the same ids, and
 * the sink records each id once.
 *
 * Any number of correlators share the partitions: each heartbeats into the store, and
 * partition p belongs to the (p mod n)-th live member in sorted order. A member that stops
 * heartbeating loses its partitions after `leaseMs`.
 */
export class Correlator {
  #engine: CorrelationEngine;
  readonly #leases = new Map<number, Lease>();
  readonly #offsets = new Map<number, string>();
  /** Fields of removed or edited rules found in a partition, deleted at its next checkpoint. */
  readonly #stale = new Map<number, string[]>();
  #position = '0-0';
  #read = 0;
  #stopping = false;
  #loop: Promise<void> | undefined;
  /** When each owned partition was last checkpointed (processing time). */
  readonly #committed = new Map<number, number>();
  /** The reader position at each partition's last checkpoint. */
  readonly #committedAt = new Map<number, string>();
  #lastMaintain = 0;
  /** Some partition this member should hold is still leased to another (maybe dead) member. */
  #waitingForLease = false;
  #lastLag = 0;
  #healthy = false;
  #wake: (() => void) | undefined;
  readonly #exporter: RuleMetricsExporter;
  /** The accept time of the event behind each match not yet drained, in the engine's order. */
  #received: (number | undefined)[] = [];
  readonly #reader: LogReader;

  constructor(
    private readonly rules: CompiledRuleSet,
    private readonly engineOptions: Omit<EngineOptions, 'owned'>,
    private readonly log: EventLog,
    /** A connection of its own for XREAD BLOCK; unused with a reader thread. */
    blockingRedis: RedisClient | undefined,
    private readonly store: CorrelationStateStore,
    private readonly sink: MatchSink,
    private readonly options: CorrelatorOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private readonly crash: CrashHook,
    private readonly onPoison: PoisonHandler,
  ) {
    this.#engine = this.newEngine([]);
    this.#exporter = new RuleMetricsExporter(metrics);
    this.#reader = this.newReader(blockingRedis);
  }

  private newReader(blockingRedis: RedisClient | undefined): LogReader {
    const { readerThread, batchSize, blockMs } = this.options;
    if (readerThread)
      return new ThreadedLogReader({
        ...readerThread,
        engineOptions: this.engineOptions,
        batchSize,
        blockMs,
        readAhead: READ_AHEAD,
      });
    if (!blockingRedis)
      throw new Error('Correlator: give it a blocking connection, or options.readerThread.');
    // Routing needs no state: an engine that owns no partition routes for all of them.
    const router = new CorrelationEngine(this.rules, {
      ...this.engineOptions,
      owned: [],
      checkpoints: false,
    });
    return new InlineLogReader(this.log, blockingRedis, router, batchSize, blockMs);
  }

  /** True once it holds its partitions and reads the log. */
  get ready(): boolean {
    return this.#healthy && !this.#stopping;
  }

  /** Log entries read so far (ever added to the log minus this is the lag). */
  get entriesRead(): number {
    return this.#read;
  }

  /** Live groups per rule now (the cordon_rule_groups gauge is sampled every few seconds). */
  groupCounts(): Map<string, number> {
    return this.#engine.groupCounts();
  }

  /** Partitions held now. */
  owned(): number[] {
    return [...this.#leases.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    // The reader thread loads while the partitions are leased and restored (stop() ends it).
    this.#reader.prepare?.();
    const configured = await this.store.partitionCount(this.options.partitions);
    if (configured !== this.options.partitions) {
      throw new CordonError(
        'CORDON_ERR_CONFIG_INVALID',
        `Correlation state in this Redis is split into ${configured} partitions, but CORDON_CORRELATE_PARTITIONS is ${this.options.partitions}. Set CORDON_CORRELATE_PARTITIONS=${configured}: the partition count decides where state lives and cannot change under existing state.`,
      );
    }
    this.initMetrics();
    await this.rebalance(this.clock.now(), false);
    this.#loop = this.run();
  }

  /** Finishes the batch in hand, checkpoints, gives up its partitions and stops. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    // Unblock a pending read at once.
    await this.#reader.close();
    await this.#loop;
    if (this.#healthy) {
      try {
        await this.checkpoint(this.clock.now());
        for (const lease of this.#leases.values())
          await this.store.release(lease, this.options.member);
        await this.store.leave(this.options.member);
      } catch (err) {
        this.logger.warn(
          { err },
          'could not checkpoint on stop; the next holder re-reads from the last checkpoint',
        );
      }
    }
  }

  private newEngine(owned: readonly number[]): CorrelationEngine {
    return new CorrelationEngine(this.rules, { ...this.engineOptions, owned });
  }

  private async run(): Promise<void> {
    while (!this.#stopping) {
      try {
        const now = this.clock.now();
        if (!this.#healthy) await this.rebalance(now, false);
        else if (now - this.#lastMaintain >= this.maintainEveryMs()) await this.maintain(now);
        const read = this.#leases.size === 0 ? await this.idle() : await this.#reader.next();
        const batch = read.batch;
        if (this.#stopping && batch.count === 0) break;
        const at = this.clock.now();
        this.#engine.mergeStats(batch.stats);
        if (batch.count > 0) await this.process(read, at);
        this.advanceTo(read);
        this.#engine.advance(at);
        await this.deliver(at);
        await this.checkpointDue(at);
        await this.housekeeping(at);
      } catch (err) {
        if (this.#stopping) break;
        // Whatever this iteration did in memory may not have reached Redis: start over from
        // the last checkpoint, which the log lets us replay exactly.
        this.#healthy = false;
        this.metrics.inc(
          'cordon_correlator_restores_total',
          'Restarts from the last checkpoint after a failure.',
        );
        // A Redis outage is logged once by the outage monitor, not here every second.
        if (isRedisConnectionError(err))
          this.logger.debug({ error: (err as Error).message }, 'Redis unavailable; retrying');
        else this.logger.error({ err }, 'correlation failed; restoring the last checkpoint');
        await this.pause(1_000);
      }
    }
  }

  /**
   * Runs a batch through the engine. Every SLICE_MS it hands out the matches so far and yields,
   * so a big batch neither delays the first match in it nor stalls the rest of the process
   * (ingest, playbook runs) for long.
   */
  private async process(read: LogBatch, now: number): Promise<void> {
    const batch = read.batch;
    const n = this.log.partitions;
    // Partitions just taken over may be behind the others: they skip what they already reflect.
    const behind = [...this.#offsets.values()].some((o) => o !== this.#position);
    let sliceStart = performance.now();
    let i = 0;
    for (const e = new RoutedCursor(batch); e.next();) {
      if ((i & 63) === 63 && performance.now() - sliceStart >= SLICE_MS) {
        await this.deliver(now);
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
      i += 1;
      const seq = behind ? this.seqOf(read, e.index) : '';
      const accept = behind
        ? (p: number): boolean => !covers(this.#offsets.get(p) ?? '0-0', seq, n)
        : undefined;
      const pending = this.#engine.pendingMatches;
      try {
        this.#engine.apply(e.stream, e.time, e.ref, e.routes, now, accept);
      } catch (err) {
        this.setAside(this.seqOf(read, e.index), e.ref, err);
      }
      this.attribute(pending, e.received);
    }
    this.metrics.inc('cordon_correlator_events_total', 'Log entries correlated.', {}, batch.count);
  }

  /** The log seq of event `i` of a read (it names its event-log partition). */
  private seqOf(read: LogBatch, i: number): string {
    return qualifySeq(read.partitions[i] ?? 0, seqAt(read.batch, i));
  }

  /**
   * Moves every owned partition's offset and the reader's position to the end of `read`
   * (also when it held only progress marks of quiet event-log partitions).
   */
  private advanceTo(read: LogBatch): void {
    if (read.position === this.#position) return;
    const n = this.log.partitions;
    for (const [p, offset] of this.#offsets)
      this.#offsets.set(p, maxPosition(offset, read.position, n));
    this.#position = read.position;
    this.#read += read.consumed;
  }

  /**
   * An event the engine failed on: the engine is deterministic, so it would fail again. It is
   * set aside (dead-lettered, read back from the log) and skipped, visibly.
   */
  private setAside(seq: string, ref: string, err: unknown): void {
    this.logger.error({ err, seq, ref }, 'event failed correlation; set aside and skipped');
    this.metrics.inc(
      'cordon_correlator_poison_events_total',
      'Events the engine failed on (see dead letters).',
    );
    void (async () => {
      const entry = await this.log.at(seq);
      if (entry) await this.onPoison(entry, err);
    })().catch((e: unknown) =>
      this.logger.error({ err: e }, 'could not dead-letter a poison event'),
    );
  }

  /**
   * Matches after the first `pending` came from the event accepted at `received` (the ones
   * before it that have no accept time came from windows closing).
   */
  private attribute(pending: number, received: number): void {
    while (this.#received.length < pending) this.#received.push(undefined);
    for (let i = pending; i < this.#engine.pendingMatches; i += 1) this.#received.push(received);
  }

  /** Appends derived events, then hands matches to the sink; throws if either fails. */
  private async deliver(now: number): Promise<void> {
    const { matches: drained, derived, retractions } = this.#engine.drain();
    const received = this.#received.splice(0);
    if (derived.length > 0) await this.appendDerived(derived, now);
    const matches = drained.map((m, i) => {
      const at = received[i];
      return at === undefined ? m : { ...m, received: at };
    });
    if (matches.length > 0) this.crash('correlate.before-deliver');
    const concurrency = this.options.deliveryConcurrency ?? 16;
    for (let i = 0; i < matches.length; i += concurrency) {
      await Promise.all(matches.slice(i, i + concurrency).map((m) => this.sink(m)));
    }
    // After the matches: a retraction may name a match of this very batch.
    const retract = this.options.onRetraction;
    if (retract) for (const r of retractions) await retract(r);
  }

  private async appendDerived(events: readonly CanonicalEvent[], now: number): Promise<void> {
    await this.log.append(events, now, this.options.dedupeWindowMs);
    this.metrics.inc(
      'cordon_correlator_derived_events_total',
      'Inner matches of chained rules appended to the event log.',
      {},
      events.length,
    );
  }

  /**
   * Checkpoints the partitions whose turn it is. Each partition is checkpointed every
   * `checkpointMs`, their turns spread over the interval, so each write (and the time Redis
   * spends on it) is a partition's share, not everything at once; when changes pile up faster
   * than that, a partition is checkpointed early, so a checkpoint's size stays bounded.
   */
  private async checkpointDue(now: number): Promise<void> {
    const due = [...this.#leases.keys()].filter(
      (p) =>
        this.#engine.changedGroups(p) >= MAX_CHANGED_GROUPS ||
        (now - (this.#committed.get(p) ?? 0) >= this.options.checkpointMs &&
          (this.#committedAt.get(p) !== this.#position || this.#engine.hasChanges(p))),
    );
    if (due.length > 0) await this.checkpoint(now, due);
  }

  /** Checkpoints `partitions` (default: every owned one). */
  private async checkpoint(now: number, partitions?: readonly number[]): Promise<void> {
    this.crash('correlate.before-checkpoint');
    const engine = this.#engine.meta();
    let lost = false;
    for (const p of partitions ?? [...this.#leases.keys()]) {
      const lease = this.#leases.get(p);
      if (!lease) continue;
      // Encoding yields now and then (ingest in this process keeps answering); nothing
      // changes the engine meanwhile, since only this loop does, so the delta is one instant.
      const groups: [string, string | null][] = [];
      for (const chunk of this.#engine.deltaGroups(p, ENCODE_CHUNK)) {
        groups.push(...chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const rules = this.#engine.takeRuleDelta(p);
      const stale = this.#stale.get(p) ?? [];
      this.#stale.delete(p);
      const offset = this.#offsets.get(p) ?? '0-0';
      const ok = await this.store.commit(
        lease,
        this.options.member,
        {
          offset,
          read: this.#read,
          engine,
          groups: [...groups, ...stale.map((f): [string, null] => [f, null])],
          rules,
          outbox: [],
        },
        now,
        this.options.leaseMs,
      );
      if (!ok) {
        lost = true;
        this.logger.warn(
          { partition: p },
          'lost the lease on a correlation partition; another correlator holds it now',
        );
      }
      this.#committed.set(p, now);
      this.#committedAt.set(p, offset);
      this.metrics.inc('cordon_correlator_checkpoints_total', 'Partition checkpoints written.');
    }
    if (lost) this.#healthy = false;
  }

  /** Heartbeat and lease renewal; a changed assignment or a lost lease rebalances. */
  private async maintain(now: number): Promise<void> {
    this.#lastMaintain = now;
    const members = await this.store.heartbeat(this.options.member, now, this.options.leaseMs);
    const desired = this.desired(members);
    let changed =
      this.#leases.size > 0 && [...this.#leases.keys()].some((p) => !desired.includes(p));
    for (const [p, lease] of this.#leases) {
      if (!(await this.store.renew(lease, this.options.member, now, this.options.leaseMs))) {
        this.#leases.delete(p);
        changed = true;
      }
    }
    // A partition still leased to another member is only worth a rebuild once it is free.
    const missing = desired.filter((p) => !this.#leases.has(p));
    if (!changed && missing.length > 0)
      for (const p of missing)
        if (await this.store.acquire(p, this.options.member, now, this.options.leaseMs)) {
          changed = true;
          break;
        }
    if (changed) await this.rebalance(now, true);
  }

  private desired(members: readonly string[]): number[] {
    const me = members.indexOf(this.options.member);
    if (me < 0) return [];
    const out: number[] = [];
    for (let p = 0; p < this.options.partitions; p += 1) if (p % members.length === me) out.push(p);
    return out;
  }

  /**
   * Takes the partitions this member should hold and rebuilds the engine from their
   * checkpoints. `healthy`: the in-memory state is good, so it is checkpointed first.
   */
  private async rebalance(now: number, healthy: boolean): Promise<void> {
    if (healthy) await this.checkpoint(now);
    const members = await this.store.heartbeat(this.options.member, now, this.options.leaseMs);
    this.#lastMaintain = now;
    const desired = new Set(this.desired(members));
    for (const [p, lease] of this.#leases) {
      if (desired.has(p)) continue;
      await this.store.release(lease, this.options.member);
      this.#leases.delete(p);
    }
    const heads = new Map<number, CheckpointHead>();
    this.#waitingForLease = false;
    for (const p of desired) {
      const got = await this.store.acquire(p, this.options.member, now, this.options.leaseMs);
      if (!got) {
        this.#leases.delete(p); // still held by a member that has not let go yet; retried soon
        this.#waitingForLease = true;
        continue;
      }
      this.#leases.set(p, got.lease);
      heads.set(p, got.head);
    }
    await this.restore(heads);
    this.#healthy = true;
    // Stagger the partitions' turns over one interval.
    const at = this.clock.now();
    const owned = this.owned();
    this.#committed.clear();
    this.#committedAt.clear();
    owned.forEach((p, i) => {
      this.#committed.set(p, at - (i / Math.max(1, owned.length)) * this.options.checkpointMs);
      this.#committedAt.set(p, this.#offsets.get(p) ?? '0-0');
    });
    this.metrics.set(
      'cordon_correlator_partitions_owned',
      'Correlation-state partitions held by this process.',
      {},
      this.#leases.size,
    );
    this.logger.info(
      { partitions: this.owned(), members: members.length, position: this.#position },
      'correlation partitions taken',
    );
  }

  private async restore(heads: ReadonlyMap<number, CheckpointHead>): Promise<void> {
    const owned = [...heads.keys()];
    const n = this.log.partitions;
    const engine = this.newEngine(owned);
    this.#received = [];
    this.#offsets.clear();
    this.#stale.clear();
    let earliest: CheckpointHead | undefined;
    for (const [p, head] of heads) {
      const stale = engine.restore(p, [], await this.store.rules(p));
      for await (const chunk of this.store.groups(p)) stale.push(...engine.restore(p, chunk, []));
      if (stale.length > 0) this.#stale.set(p, stale);
      this.#offsets.set(p, head.offset);
      if (!earliest || earlier(head.offset, earliest.offset, n)) earliest = head;
    }
    // Watermarks and the arrival sequence as of the earliest offset; re-reading the log from
    // there brings them (and every later partition) forward exactly as before. With several
    // event-log partitions the offsets are positions in the one merged order the log defines
    // (EventLog.readMerged), so they are ordered in every partition alike: the earliest is the
    // least in each, and re-reading from it repeats that order exactly.
    if (earliest?.engine) engine.restoreMeta(earliest.engine);
    this.#position =
      heads.size === 0
        ? '0-0'
        : minPosition(
            [...heads.values()].map((h) => h.offset),
            n,
          );
    if (earliest?.read !== undefined) {
      this.#read = earliest.read;
    } else {
      const { added, length } = await this.log.counters();
      this.#read = added - length;
    }
    this.#engine = engine;
    this.#exporter.rebase(engine.stats());
    this.#reader.seek(this.#position);
  }

  private async housekeeping(now: number): Promise<void> {
    this.#exporter.export(this.#engine.stats());
    if (now - this.#lastLag >= 5_000) {
      this.#lastLag = now;
      const { added } = await this.log.counters();
      const oldest = await this.log.firstTimeAfter(this.#position);
      if (this.log.partitions > 1) await this.partitionGauges(now);
      this.metrics.set(
        'cordon_correlator_lag_entries',
        'Log entries not yet correlated by this process.',
        {},
        Math.max(0, added - this.#read),
      );
      this.metrics.set(
        'cordon_correlator_oldest_pending_age_seconds',
        'Age of the oldest log entry not yet correlated by this process, seconds.',
        {},
        oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000),
      );
      for (const [rule, groups] of this.#engine.groupCounts())
        this.metrics.set(
          'cordon_rule_groups',
          'Live correlation groups per rule held by this process.',
          { rule },
          groups,
        );
    }
  }

  /**
   * Per event-log partition: entries held, and the age of the oldest one this process has not
   * read yet (a partition that lags shows here; the summed figures are the gauges above).
   */
  private async partitionGauges(now: number): Promise<void> {
    const [counters, firsts] = await Promise.all([
      this.log.partitionCounters(),
      this.log.firstTimesAfter(this.#position),
    ]);
    counters.forEach((c, p) =>
      this.metrics.set(
        'cordon_event_log_partition_entries',
        'Entries held in each event-log partition.',
        { log_partition: String(p) },
        c.length,
      ),
    );
    firsts.forEach((t, p) =>
      this.metrics.set(
        'cordon_correlator_partition_oldest_pending_age_seconds',
        'Age of the oldest entry of each event-log partition not yet correlated by this process, seconds.',
        { log_partition: String(p) },
        t === undefined ? 0 : Math.max(0, (now - t) / 1000),
      ),
    );
  }

  private initMetrics(): void {
    this.#exporter.export(this.#engine.stats());
    for (const [name, help] of [
      ['cordon_correlator_events_total', 'Log entries correlated.'],
      ['cordon_correlator_poison_events_total', 'Events the engine failed on (see dead letters).'],
      ['cordon_correlator_restores_total', 'Restarts from the last checkpoint after a failure.'],
      ['cordon_correlator_checkpoints_total', 'Partition checkpoints written.'],
      [
        'cordon_correlator_derived_events_total',
        'Inner matches of chained rules appended to the event log.',
      ],
    ] as const)
      this.metrics.inc(name, help, {}, 0);
    this.metrics.set(
      'cordon_correlator_lag_entries',
      'Log entries not yet correlated by this process.',
      {},
      0,
    );
    this.metrics.set(
      'cordon_correlator_oldest_pending_age_seconds',
      'Age of the oldest log entry not yet correlated by this process, seconds.',
      {},
      0,
    );
  }

  /**
   * Renewal every third of the lease; while waiting for a dead member's lease to lapse, every
   * half second, so its partitions are taken over as soon as they are free rather than up to a
   * third of a lease later.
   */
  private maintainEveryMs(): number {
    const renew = this.options.leaseMs / 3;
    return this.#waitingForLease ? Math.min(500, renew) : renew;
  }

  /** Holding no partition (more correlators than partitions): wait, and keep heartbeating. */
  private async idle(): Promise<LogBatch> {
    await this.pause(Math.min(1_000, this.maintainEveryMs()));
    return { batch: EMPTY_BATCH, position: this.#position, consumed: 0, partitions: EMPTY_PARTS };
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
