import type { CanonicalEvent } from '../../ingest/canonical-event.js';
import {
  DERIVED_SOURCE,
  PRIMARY_ENTITY,
  compileFieldGetter,
  type FieldGetter,
} from '../../ingest/canonical-event.js';
import { deterministicId } from '../../shared/hash.js';
import type { Match, Retraction } from '../match.js';
import { correlationType } from '../types/registry.js';
import type { CompiledCorrelation, CompiledDetection, CompiledRuleSet } from '../rule/types.js';
import { MinHeap } from './min-heap.js';
import { partitionOf } from './partitioning.js';
import type { RuleStats } from './rule-stats.js';
import { emptyStats } from './rule-stats.js';
import type {
  Contribution,
  Fire,
  RuleRuntime,
  RuntimeContext,
  SharedRuleState,
} from './runtime.js';
import type { EncodedWatermarks, SourceTiming } from './watermarks.js';
import { Watermarks } from './watermarks.js';

/**
 * The correlation engine: pure and synchronous. Events go in with the processing time at which
 * they are handled; matches (for incidents) and derived events (inner matches of chained rules)
 * come out. All state is in memory, split into partitions by (rule, group); a driver owns some
 * partitions, checkpoints their dirty groups and restores them (the live correlator, against
 * Redis), or owns them all and keeps nothing (`cordon replay`, `cordon test`).
 *
 * The same events in the same order give the same state and the same match ids, which is what
 * makes checkpoint-and-replay exactly-once: after a crash a driver restores the last checkpoint
 * and re-reads the log from its offset.
 */

export { DERIVED_SOURCE };

/** Derived events carry the reserved source; their watermark is that of their inner rule. */
const DERIVED_PREFIX = `${DERIVED_SOURCE}:`;

function derivedStream(rule: string): string {
  return `${DERIVED_PREFIX}${rule}`;
}

/** The stream an event belongs to for watermarks: its source, or its chained rule's matches. */
export function streamOf(event: CanonicalEvent): string {
  return event.source === DERIVED_SOURCE ? derivedStream(event.name) : event.source;
}

function isDerivedStream(source: string): boolean {
  return source.startsWith(DERIVED_PREFIX);
}

export interface EngineLimits {
  /** Number of state partitions (fixed for a deployment: it decides where state lives). */
  readonly partitions: number;
  readonly maxGroupsPerRule: number;
  readonly maxEventsPerGroup: number;
  readonly maxDistinctExact: number;
  readonly maxRefsPerMatch: number;
}

export interface EngineOptions {
  readonly limits: EngineLimits;
  /** Watermark settings of sources without their own. */
  readonly timing: SourceTiming;
  readonly sourceTiming?: ReadonlyMap<string, SourceTiming>;
  /** Partitions this engine keeps state for (default: all). */
  readonly owned?: Iterable<number>;
  /** Track changes for checkpoints (default true; a replay keeps nothing and says false). */
  readonly checkpoints?: boolean;
}

export interface EngineOutput {
  readonly matches: Match[];
  readonly derived: CanonicalEvent[];
  readonly retractions: Retraction[];
}

/**
 * Groups checked for garbage per rule, partition and advance() call: a few always, plus one per
 * group lookup since that rule's last sweep there (so sweeping costs O(1) per contribution however
 * often advance runs, and a rule's groups are swept as fast as it makes them), up to a cap.
 */
const SWEEP_MIN = 16;
/** Groups looked at to pick one to evict at the cap. */
const EVICTION_SAMPLE = 32;
/** One contribution in this many is timed for the per-rule evaluation time (an estimate). */
const TIMING_SAMPLE = 16;
/** How long a group that only holds suppressed matches is kept after its suppression ends. */
const SUPPRESSED_KEPT_MS = 86_400_000;
const SWEEP_MAX = 2_000;

interface SlotInfo {
  readonly index: number;
  readonly key: string;
  readonly title: string;
  readonly type: string;
  readonly level: Match['level'];
  readonly tags: readonly string[];
  readonly alerts: boolean;
  readonly chained: boolean;
  readonly suppressMs: number;
  readonly latenessMs: number;
  readonly groupNames: readonly string[] | undefined;
  readonly caseInsensitive: boolean;
  readonly runtime: RuleRuntime | undefined;
  readonly onClose: boolean;
  readonly maxGroups: number;
  /**
   * Every group of the rule lives in one partition (its runtime keeps rule-level state
   * across groups: SharedRuleState), chosen by the rule alone.
   */
  readonly colocated: boolean;
  /**
   * Of a rule that reads correlations: how long after a match an inner match it counted may
   * still be withdrawn (the longest inner timespan plus its lateness); 0 for the others.
   */
  readonly innerSpanMs: number;
  /** Fields in checkpoints carry it: state of an edited rule is not reused. */
  readonly stateKey: string;
  readonly correlation: CompiledCorrelation | undefined;
  /** The rule's figures (the same object the stats map holds). */
  readonly stats: RuleStats;
}

interface GroupRecord {
  /** Its key in the slot's `groups` (a sweep walks the records, not [key, record] pairs). */
  readonly key: string;
  state: unknown;
  /** Group-by values as first seen (shown in matches; the key may be case-folded). */
  readonly values: readonly string[];
  suppressUntil: number;
  suppressed: number;
  /** The group was evicted at the cap and recreated: its first match may be incomplete. */
  partial: boolean;
  touched: number;
  closeAt: number | undefined;
  /** Changed since the last checkpoint (its key is in its slot's `changed`). */
  dirty: boolean;
  /**
   * Of a rule that reads correlations: its recent matches and the inner matches each counted
   * ([window key, last event time, inner match ids]), so an inner match withdrawn later
   * withdraws them too. Kept while an inner match could still be withdrawn.
   */
  chained: ChainedFire[] | undefined;
}

type ChainedFire = [windowKey: string, at: number, inner: string[]];

/** Chained fires remembered per group at most (the oldest go first). */
const MAX_CHAINED_FIRES = 32;
/**
 * A derived event with an id of this prefix withdraws the inner match it names: the rules
 * that read that inner rule withdraw their matches that counted it.
 */
const WITHDRAWN_PREFIX = 'withdrawn-';
const WITHDRAWN_REF = `${DERIVED_SOURCE}/${WITHDRAWN_PREFIX}`;

interface Slot {
  readonly groups: Map<string, GroupRecord>;
  /**
   * Keys of groups changed or deleted since the last checkpoint, each listed when it first
   * changes (a flag on the group says so), so noting a change costs a flag test, not a hash.
   */
  changed: string[];
  readonly timers: MinHeap;
  readonly evicted: Set<string>;
  touch: number;
  /** `touch` at the last sweep. */
  sweptAt: number;
  sweep: Iterator<GroupRecord> | undefined;
  /** The rule-level state of a colocated rule (created when its partition is). */
  shared: unknown;
}

class Partition {
  readonly slots: Slot[];
  readonly dirtyRules = new Set<number>();

  constructor(runtimes: readonly (RuleRuntime | undefined)[]) {
    this.slots = runtimes.map((runtime) => ({
      groups: new Map(),
      changed: [],
      timers: new MinHeap(),
      evicted: new Set(),
      touch: 0,
      sweptAt: 0,
      sweep: undefined,
      shared: runtime?.shared?.create(),
    }));
  }
}

/** How one correlation reads one of its inputs. */
interface InputPlan {
  readonly slot: number;
  readonly input: number;
  readonly group: readonly FieldGetter[];
  readonly field: readonly FieldGetter[];
  readonly value: CompiledCorrelation['value'];
}

/** What one event means to one rule: its group (and value), decided without state. */
export interface Route {
  /** The rule (engine slot): a correlation, or a detection alerting on its own. */
  readonly slot: number;
  /** Which of the correlation's rules the event matched. */
  readonly input: number;
  readonly key: string;
  /** Group-by values as seen (standalone detections: the names, then the values). */
  readonly values: readonly string[];
  readonly value: number | string | undefined;
  readonly partition: number;
}

/** Checkpoint data of one partition: changed groups (null: deleted) and rule metadata. */
export interface PartitionDelta {
  readonly groups: [string, string | null][];
  readonly rules: [string, string][];
}

export interface EngineMeta {
  readonly watermarks: EncodedWatermarks;
}

export class CorrelationEngine {
  readonly #infos: SlotInfo[] = [];
  readonly #byKind = new Map<string, CompiledDetection[]>();
  readonly #anyKind: CompiledDetection[] = [];
  readonly #consumers = new Map<string, InputPlan[]>();
  readonly #detectionSlot = new Map<string, number>();
  /** Correlation rule key → slot. */
  readonly #slotByKey = new Map<string, number>();
  readonly #detectionGroup = new Map<string, readonly FieldGetter[]>();
  readonly #partitions: (Partition | undefined)[];
  readonly #watermarks: Watermarks;
  readonly #ctx: RuntimeContext;
  readonly #limits: EngineLimits;
  readonly #stats = new Map<string, RuleStats>();
  readonly #checkpoints: boolean;
  /** Counts contributions: one in TIMING_SAMPLE is timed (timing each costs as much as the work). */
  #tick = 0;
  /**
   * Per rule, every source that has fed it (in any partition, owned or not): its windows close
   * only when all of them have passed, whichever partition a group lives in.
   */
  readonly #sources: Set<string>[] = [];
  #matches: Match[] = [];
  #derived: CanonicalEvent[] = [];
  #retractions: Retraction[] = [];
  /**
   * Per rule (engine slot) that can withdraw fires: the highest watermark the rule had reached
   * before a new source began feeding it (a new source can lower the rule's watermark). Fires
   * are withdrawable against the higher of this and the current one, so a fire a sweep forgot
   * is never one a later event could withdraw: the outcome never depends on when sweeps ran.
   */
  readonly #firesHigh: number[] = [];

  constructor(
    readonly rules: CompiledRuleSet,
    options: EngineOptions,
  ) {
    this.#limits = options.limits;
    this.#checkpoints = options.checkpoints ?? true;
    this.#ctx = {
      maxEventsPerGroup: options.limits.maxEventsPerGroup,
      maxDistinctExact: options.limits.maxDistinctExact,
    };
    this.#watermarks = new Watermarks(options.timing, options.sourceTiming);
    const P = Math.max(1, options.limits.partitions);
    const share = (max: number): number => Math.max(1, Math.ceil(max / P));

    const innerSpans = new Map<string, number>();
    for (const corr of rules.correlations) {
      const module = correlationType(corr.type);
      if (!module)
        throw new Error(`Rule ${corr.key}: no runtime for correlation type ${corr.type}.`);
      const index = this.#infos.length;
      this.#slotByKey.set(corr.key, index);
      const innerSpanMs = innerSpanOf(corr, rules.correlations, innerSpans);
      const runtime = module.runtime(corr, { ...this.#ctx, innerSpanMs });
      // A colocated rule's groups all live in one partition: its cap is not shared out.
      const maxGroups = corr.limits.maxGroups ?? options.limits.maxGroupsPerRule;
      this.#infos.push({
        index,
        key: corr.key,
        title: corr.title,
        type: corr.type,
        level: corr.level,
        tags: corr.tags,
        alerts: corr.alerts,
        chained: corr.chained,
        suppressMs: corr.suppressMs,
        latenessMs: corr.allowedLatenessMs,
        groupNames: corr.groupBy.map((g) => g.name),
        caseInsensitive: corr.groupCaseInsensitive,
        runtime,
        onClose: corr.firing === 'on-close',
        maxGroups: runtime.shared ? maxGroups : share(maxGroups),
        colocated: runtime.shared !== undefined,
        innerSpanMs,
        stateKey: `${corr.key}\u0000${corr.stateVersion}`,
        correlation: corr,
        stats: this.statsOf(corr.key),
      });
      corr.inputs.forEach((input, i) => {
        const plans = this.#consumers.get(input.key) ?? [];
        plans.push({
          slot: index,
          input: i,
          group: input.groupPaths.map(compileFieldGetter),
          field: input.fieldPaths.map(compileFieldGetter),
          value: corr.value,
        });
        this.#consumers.set(input.key, plans);
      });
    }
    for (const d of rules.detections.values()) {
      this.#stats.set(d.key, emptyStats());
      if (d.alerts) {
        const index = this.#infos.length;
        this.#detectionSlot.set(d.key, index);
        this.#infos.push({
          index,
          key: d.key,
          title: d.title,
          type: 'detection',
          level: d.level,
          tags: d.tags,
          alerts: true,
          chained: false,
          suppressMs: d.suppressMs,
          latenessMs: 0,
          groupNames: d.groupBy?.map((g) => g.name),
          caseInsensitive: false,
          runtime: undefined,
          onClose: false,
          maxGroups: share(options.limits.maxGroupsPerRule),
          colocated: false,
          innerSpanMs: 0,
          stateKey: `${d.key}\u0000${d.stateVersion}`,
          correlation: undefined,
          stats: this.statsOf(d.key),
        });
        if (d.groupBy)
          this.#detectionGroup.set(
            d.key,
            d.groupBy.map((g) => compileFieldGetter(g.path)),
          );
      }
      if (!d.alerts && !this.#consumers.has(d.key)) continue; // nothing would use its matches
      if (d.eventKind === null) continue;
      if (d.eventKind === undefined) this.#anyKind.push(d);
      else this.#byKind.set(d.eventKind, [...(this.#byKind.get(d.eventKind) ?? []), d]);
    }
    for (const info of this.#infos)
      if (!this.#stats.has(info.key)) this.#stats.set(info.key, emptyStats());
    for (let i = 0; i < this.#infos.length; i += 1) this.#sources.push(new Set());

    const owned = options.owned ? new Set(options.owned) : undefined;
    this.#partitions = Array.from({ length: P }, (_, p) =>
      !owned || owned.has(p) ? new Partition(this.#infos.map((i) => i.runtime)) : undefined,
    );
  }

  get partitionCount(): number {
    return this.#partitions.length;
  }

  /** Partitions this engine holds state for. */
  owned(): number[] {
    return this.#partitions.flatMap((p, i) => (p ? [i] : []));
  }

  /**
   * Takes state for `partitions` and drops the rest. New partitions start empty; a driver
   * restores them from its checkpoint before feeding events.
   */
  setOwned(partitions: Iterable<number>): void {
    const want = new Set(partitions);
    for (let p = 0; p < this.#partitions.length; p += 1) {
      if (!want.has(p)) this.#partitions[p] = undefined;
      else this.#partitions[p] ??= new Partition(this.#infos.map((i) => i.runtime));
    }
  }

  stats(): ReadonlyMap<string, RuleStats> {
    return this.#stats;
  }

  private statsOf(rule: string): RuleStats {
    let stats = this.#stats.get(rule);
    if (!stats) {
      stats = emptyStats();
      this.#stats.set(rule, stats);
    }
    return stats;
  }

  /**
   * Runs one event through every rule. `now` is the processing time (the clock for live
   * correlation, the event's `received` time in a replay). `accept`, when given, says which
   * partitions take this event (a driver catching one partition up skips the others).
   */
  process(event: CanonicalEvent, now: number, accept?: (partition: number) => boolean): void {
    this.apply(
      streamOf(event),
      event.time,
      `${event.source}/${event.id}`,
      this.route(event),
      now,
      accept,
    );
  }

  /**
   * The stateless half of process(): which rules an event matters to, with its group key and
   * value for each. Needs no state, so drivers may run it in parallel (replay workers).
   */
  route(event: CanonicalEvent): Route[] {
    const routes: Route[] = [];
    if (event.source === DERIVED_SOURCE) {
      // A withdrawal names the match it takes back: it carries no figures and needs none.
      const withdrawal = event.id.startsWith(WITHDRAWN_PREFIX);
      for (const plan of this.#consumers.get(event.name) ?? [])
        this.routeInput(plan, event, routes, withdrawal);
      return routes;
    }
    const kinded = this.#byKind.get(event.kind);
    if (kinded) for (const d of kinded) this.detect(d, event, routes);
    for (const d of this.#anyKind) this.detect(d, event, routes);
    return routes;
  }

  /**
   * The stateful half of process(): advances the source's watermark and applies the routes,
   * in log order. `source`, `time` and `ref` are the event's.
   */
  apply(
    source: string,
    time: number,
    ref: string,
    routes: readonly Route[],
    now: number,
    accept?: (partition: number) => boolean,
  ): void {
    const derived = isDerivedStream(source);
    const watermark = derived
      ? this.watermarkOf(source, now)
      : this.#watermarks.observe(source, time, now);
    const withdrawing = derived && ref.startsWith(WITHDRAWN_REF);
    // Index loops here and below: this runs per route, and an array iterator the optimiser
    // leaves in place is an allocation per loop (a tenth of the apply thread's garbage).
    for (let i = 0; i < routes.length; i += 1) {
      const r = routes[i] as Route;
      const sources = this.#sources[r.slot] as Set<string>;
      if (!sources.has(source)) {
        if (this.#infos[r.slot]?.runtime?.withdraw)
          this.#firesHigh[r.slot] = this.firesWatermark(r.slot, now);
        sources.add(source);
        for (const p of this.#partitions) p?.dirtyRules.add(r.slot);
      }
      const part = this.#partitions[r.partition];
      if (!part || (accept && !accept(r.partition))) continue;
      const info = this.#infos[r.slot] as SlotInfo;
      if (withdrawing) this.withdrawChained(part, info, r, ref, time, now);
      else if (info.runtime) this.contribute(part, info, r, source, time, ref, watermark, now);
      else this.standalone(part, info, r, source, time, ref, watermark, now);
    }
  }

  /**
   * The figures counted so far that are not zero, then zeroes them: what an engine that only
   * routes (a reader thread) hands the one that applies, batch by batch.
   */
  takeStats(): [string, RuleStats][] {
    const out: [string, RuleStats][] = [];
    for (const [rule, s] of this.#stats) {
      if (!Object.values(s).some((v) => v !== 0)) continue;
      out.push([rule, { ...s }]);
      for (const k of Object.keys(s) as (keyof RuleStats)[]) s[k] = 0;
    }
    return out;
  }

  /** Adds figures counted elsewhere (replay workers route; this engine applies). */
  mergeStats(other: Iterable<readonly [string, RuleStats]>): void {
    for (const [rule, s] of other) {
      const mine = this.#stats.get(rule);
      if (!mine) continue;
      for (const k of Object.keys(s) as (keyof RuleStats)[]) mine[k] += s[k];
    }
  }

  /**
   * Decides windows the watermarks have passed (on-close rules, absence deadlines) and
   * forgets state that can no longer matter. Call after each batch and when idle.
   */
  advance(now: number): void {
    this.closeWindows((sources) => {
      let w = Infinity;
      for (const s of sources) w = Math.min(w, this.watermarkOf(s, now));
      return w === Infinity ? -Infinity : w;
    }, now);
  }

  /**
   * End of input (replay, tests): every window closes as if all sources had moved on. State is
   * kept (not swept), so the matches this produces can still feed the rules that chain them.
   */
  flush(now: number): void {
    this.closeWindows(() => Infinity, now);
  }

  /**
   * The watermark of a source, or of a derived stream: the matches of one inner rule, which
   * can be no older than its own watermark minus its lateness (and, for a window decided when
   * it closes, minus its timespan). So a derived stream is never late merely because its
   * inner rule waits for its windows to close, and never idles ahead of what it can still send.
   */
  private watermarkOf(source: string, now: number, depth = 0): number {
    if (!isDerivedStream(source)) return this.#watermarks.get(source, now);
    const slot = this.#slotByKey.get(source.slice(DERIVED_PREFIX.length));
    const info = slot === undefined ? undefined : this.#infos[slot];
    if (slot === undefined || !info || depth > 12) return -Infinity;
    let w = Infinity;
    for (const s of this.#sources[slot] as Set<string>)
      w = Math.min(w, this.watermarkOf(s, now, depth + 1));
    if (w === Infinity || w === -Infinity) return -Infinity;
    const span = info.onClose ? (info.correlation?.timespanMs ?? 0) + 1 : 0;
    return w - info.latenessMs - span;
  }

  /** Matches waiting for drain() (a driver attributes new ones to the event it just ran). */
  get pendingMatches(): number {
    return this.#matches.length;
  }

  /** Whether drain() has anything to hand out (a driver asking after every event skips it). */
  get hasOutput(): boolean {
    return this.#matches.length + this.#derived.length + this.#retractions.length > 0;
  }

  /** Matches, derived events and retractions produced since the last call. */
  drain(): EngineOutput {
    const out = { matches: this.#matches, derived: this.#derived, retractions: this.#retractions };
    this.#matches = [];
    this.#derived = [];
    this.#retractions = [];
    return out;
  }

  private detect(d: CompiledDetection, event: CanonicalEvent, routes: Route[]): void {
    if (!d.matches(event)) return;
    (this.#stats.get(d.key) as RuleStats).events += 1;
    const slot = this.#detectionSlot.get(d.key);
    if (slot !== undefined) this.routeStandalone(d, slot, event, routes);
    const plans = this.#consumers.get(d.key);
    if (plans) for (const plan of plans) this.routeInput(plan, event, routes);
  }

  /** A detection that alerts on its own: grouped by its group-by, else the primary entity. */
  private routeStandalone(
    d: CompiledDetection,
    slot: number,
    event: CanonicalEvent,
    routes: Route[],
  ): void {
    const info = this.#infos[slot] as SlotInfo;
    let names: readonly string[] = [];
    let values: string[] = [];
    const getters = this.#detectionGroup.get(d.key);
    if (getters) {
      names = info.groupNames ?? [];
      for (const get of getters) {
        const v = scalar(get(event));
        if (v === undefined) {
          // Never drop an alert for a missing group field: it goes ungrouped, counted.
          (this.#stats.get(d.key) as RuleStats).withoutGroup += 1;
          values = [];
          names = [];
          break;
        }
        values.push(v);
      }
    } else {
      const entity = event.entity as Record<string, unknown>;
      const field = PRIMARY_ENTITY.find((f) => typeof entity[f] === 'string' && entity[f] !== '');
      names = field ? [field] : [];
      values = field ? [entity[field] as string] : [];
    }
    const key = names.map((n, i) => `${n}=${values[i] ?? ''}`).join('\u001f');
    routes.push({
      slot,
      input: 0,
      key,
      values: names.length === 0 ? [] : [...names, ...values],
      value: undefined,
      partition: partitionOf(d.key, key, this.#partitions.length),
    });
  }

  private routeInput(
    plan: InputPlan,
    event: CanonicalEvent,
    routes: Route[],
    withdrawal = false,
  ): void {
    const info = this.#infos[plan.slot] as SlotInfo;
    const values: string[] = [];
    let key = '';
    for (let i = 0; i < plan.group.length; i += 1) {
      const v = scalar((plan.group[i] as FieldGetter)(event));
      if (v === undefined) {
        // Events without a value for a group-by field belong to no group of this rule.
        info.stats.withoutGroup += 1;
        return;
      }
      values.push(v);
      const k = info.caseInsensitive ? v.toLowerCase() : v;
      key = i === 0 ? k : `${key}\u001f${k}`;
    }
    let value: number | string | undefined;
    if (plan.value !== 'none' && !withdrawal) {
      value = readValue(plan, event);
      if (value === undefined) {
        info.stats.withoutValue += 1;
        return;
      }
    }
    routes.push({
      slot: plan.slot,
      input: plan.input,
      key,
      values,
      value,
      partition: partitionOf(info.key, info.colocated ? '' : key, this.#partitions.length),
    });
  }

  private standalone(
    part: Partition,
    info: SlotInfo,
    r: Route,
    source: string,
    time: number,
    ref: string,
    watermark: number,
    now: number,
  ): void {
    // Standalone routes carry the group-by names, then their values.
    const half = r.values.length / 2;
    const names = r.values.slice(0, half);
    const values = r.values.slice(half);
    const c: Contribution = { t: time, ref, input: 0, value: undefined, late: time < watermark };
    const fire: Fire = {
      windowStart: time,
      windowEnd: time,
      contributions: [c],
      evaluation: { met: true, count: 1, aggregate: {} },
      windowKey: ref,
      partial: false,
    };
    if (info.suppressMs <= 0) {
      this.emit(info, undefined, names, values, r.key, fire, now);
      return;
    }
    const slot = part.slots[info.index] as Slot;
    const rec = this.group(slot, info, r.key, { values });
    this.emit(info, rec, names, rec.values, r.key, fire, now);
    this.markChanged(slot, r.key, rec);
  }

  private contribute(
    part: Partition,
    info: SlotInfo,
    r: Route,
    source: string,
    time: number,
    ref: string,
    watermark: number,
    now: number,
  ): void {
    const stats = info.stats;
    const runtime = info.runtime as RuleRuntime;
    const slot = part.slots[info.index] as Slot;
    if (time < watermark - info.latenessMs) {
      stats.lateDropped += 1;
      // Too late to count, not too late to show a match it would have prevented was wrong.
      const rec = runtime.withdraw ? slot.groups.get(r.key) : undefined;
      if (rec) {
        const c: Contribution = { t: time, ref, input: r.input, value: r.value, late: true };
        this.retract(slot, info, rec, r.key, runtime, c, now, true);
      }
      return;
    }
    const timed = (this.#tick += 1) % TIMING_SAMPLE === 0;
    const started = timed ? performance.now() : 0;
    stats.events += 1;
    const late = time < watermark;
    if (late) stats.late += 1;
    const rec = this.group(slot, info, r.key, r);
    const c: Contribution = { t: time, ref, input: r.input, value: r.value, late };
    // Any event may disprove an earlier match: a late one usually, but an on-time one too when
    // its source is new to the rule (it held nothing open).
    if (runtime.withdraw) this.retract(slot, info, rec, r.key, runtime, c, now, false);
    const fires = runtime.add(rec.state, c, this.#ctx);
    this.markChanged(slot, r.key, rec);
    if (info.onClose) this.schedule(slot, runtime, r.key, rec);
    for (let i = 0; i < fires.length; i += 1)
      this.emit(info, rec, info.groupNames ?? [], rec.values, r.key, fires[i] as Fire, now);
    if (timed) stats.evalMs += (performance.now() - started) * TIMING_SAMPLE;
  }

  /**
   * The group `key` of a rule, created if new with the values `from` holds (read only then: a
   * route read off a batch builds them on demand).
   */
  private group(
    slot: Slot,
    info: SlotInfo,
    key: string,
    from: { readonly values: readonly string[] },
  ): GroupRecord {
    slot.touch += 1;
    let rec = slot.groups.get(key);
    if (rec) {
      rec.touched = slot.touch;
      return rec;
    }
    if (slot.groups.size >= info.maxGroups) this.evictStalest(slot, info);
    rec = {
      key,
      state: info.runtime ? info.runtime.create() : undefined,
      values: from.values,
      suppressUntil: -Infinity,
      suppressed: 0,
      partial: slot.evicted.has(key),
      touched: slot.touch,
      closeAt: undefined,
      dirty: false,
      chained: undefined,
    };
    slot.groups.set(key, rec);
    return rec;
  }

  /**
   * Evicts the stalest of the oldest groups (approximate LRU, as Redis does it): groups are
   * kept in creation order, and of the first EVICTION_SAMPLE the least recently touched goes.
   * Touching a group costs one write of a number; only eviction, which is rare, looks around.
   */
  private evictStalest(slot: Slot, info: SlotInfo): void {
    let victim: string | undefined;
    let touched = Infinity;
    let n = 0;
    for (const [key, rec] of slot.groups) {
      if (rec.touched < touched) {
        touched = rec.touched;
        victim = key;
      }
      if ((n += 1) >= EVICTION_SAMPLE) break;
    }
    if (victim === undefined) return;
    slot.groups.delete(victim);
    this.markChanged(slot, victim, undefined);
    slot.evicted.add(victim);
    // Remember recently evicted groups only: enough to flag a returning group's first match.
    if (slot.evicted.size > 10_000)
      slot.evicted.delete(slot.evicted.values().next().value as string);
    info.stats.evictedGroups += 1;
  }

  /** The watermark a rule's fires are withdrawable against (see #firesHigh). */
  private firesWatermark(slot: number, now: number): number {
    let w = Infinity;
    for (const s of this.#sources[slot] as Set<string>) w = Math.min(w, this.watermarkOf(s, now));
    return Math.max(this.#firesHigh[slot] ?? -Infinity, w === Infinity ? -Infinity : w);
  }

  /** Emits a retraction for each earlier fire of this group that `c` withdraws. */
  private retract(
    slot: Slot,
    info: SlotInfo,
    rec: GroupRecord,
    key: string,
    runtime: RuleRuntime,
    c: Contribution,
    now: number,
    tooLate: boolean,
  ): void {
    // Only alerting rules' matches reach incidents, and chained rules' reach the rules that
    // read them: nothing to withdraw for the others.
    if (!info.alerts && !info.chained) return;
    const withdrawals = runtime.withdraw?.(rec.state, c, () =>
      this.firesWatermark(info.index, now),
    );
    if (!withdrawals || withdrawals.length === 0) return;
    this.markChanged(slot, key, rec);
    for (const w of withdrawals)
      this.withdrawMatch(
        info,
        key,
        rec.values,
        w.windowKey,
        w.by.ref,
        w.by.t,
        w.reason,
        now,
        tooLate,
      );
  }

  /**
   * Withdraws one earlier match of a group: a retraction for an alerting rule, and for a
   * chained one a derived event that withdraws what the rules reading it built on it.
   */
  private withdrawMatch(
    info: SlotInfo,
    key: string,
    values: readonly string[],
    windowKey: string,
    ref: string,
    time: number,
    reason: string,
    now: number,
    tooLate: boolean,
  ): void {
    const matchId = deterministicId('m', info.key, key, windowKey);
    const group = groupOf(info.groupNames ?? [], values);
    if (info.alerts) {
      info.stats.retracted += 1;
      this.#retractions.push({
        matchId,
        rule: info.key,
        ruleTitle: info.title,
        groupKey: JSON.stringify(values),
        group,
        ref,
        time,
        reason,
        retractedAt: now,
        tooLate,
      });
    }
    if (info.chained) this.#derived.push(withdrawalEvent(info, matchId, group, time, now));
  }

  /**
   * A derived event withdrawing an inner match reached a rule that reads it: the match leaves
   * the group's open windows (RuleRuntime.forget), and the group's matches that counted it are
   * withdrawn (and, for a chained rule, what was built on them).
   */
  private withdrawChained(
    part: Partition,
    info: SlotInfo,
    r: Route,
    ref: string,
    time: number,
    now: number,
  ): void {
    const slot = part.slots[info.index] as Slot;
    const rec = slot.groups.get(r.key);
    if (!rec) return;
    const inner = ref.slice(DERIVED_SOURCE.length + 1 + WITHDRAWN_PREFIX.length);
    const runtime = info.runtime;
    if (runtime?.forget) {
      // Windows the rule's watermark has passed are decided with the match (they fire now, if
      // met, as the next advance() would have, and are withdrawn below): when a batch ends
      // must not change what they decide. Only the windows still open lose it.
      if (info.onClose && !runtime.shared) this.closeDue(slot, info, runtime, r.key, rec, now);
      const removed = runtime.forget(rec.state, `${DERIVED_SOURCE}/${inner}`);
      if (removed.length > 0) {
        this.markChanged(slot, r.key, rec);
        if (info.onClose) this.schedule(slot, runtime, r.key, rec);
        // An eager window the match kept from firing (a sequence's `until` step) fires now.
        const fires = runtime.refire?.(rec.state, removed, this.#ctx) ?? [];
        for (let i = 0; i < fires.length; i += 1)
          this.emit(info, rec, info.groupNames ?? [], rec.values, r.key, fires[i] as Fire, now);
      }
    }
    if (!rec.chained) return;
    const hit = rec.chained.filter((f) => f[2].includes(inner));
    if (hit.length === 0) return;
    const kept = rec.chained.filter((f) => !f[2].includes(inner));
    rec.chained = kept.length > 0 ? kept : undefined;
    this.markChanged(slot, r.key, rec);
    for (const [windowKey] of hit) {
      // Its own withdraw memory must not withdraw it a second time.
      info.runtime?.forgetFire?.(rec.state, windowKey);
      this.withdrawMatch(
        info,
        r.key,
        rec.values,
        windowKey,
        ref,
        time,
        `the inner match ${inner} it counted was withdrawn`,
        now,
        false,
      );
    }
  }

  /** Closes one group's windows its rule's watermark has passed (as closeWindows does). */
  private closeDue(
    slot: Slot,
    info: SlotInfo,
    runtime: RuleRuntime,
    key: string,
    rec: GroupRecord,
    now: number,
  ): void {
    let watermark = Infinity;
    for (const s of this.#sources[info.index] as Set<string>)
      watermark = Math.min(watermark, this.watermarkOf(s, now));
    if (watermark === Infinity || rec.closeAt === undefined || rec.closeAt > watermark) return;
    rec.closeAt = undefined; // its timer, still queued, is skipped as superseded
    const fires = runtime.close(rec.state, watermark, this.#ctx);
    this.markChanged(slot, key, rec);
    for (const fire of fires)
      this.emit(info, rec, info.groupNames ?? [], rec.values, key, fire, now);
    this.schedule(slot, runtime, key, rec);
  }

  private schedule(slot: Slot, runtime: RuleRuntime, key: string, rec: GroupRecord): void {
    const at = runtime.nextClose(rec.state);
    if (at === rec.closeAt) return;
    rec.closeAt = at;
    if (at !== undefined) slot.timers.push(at, key);
  }

  private emit(
    info: SlotInfo,
    rec: GroupRecord | undefined,
    names: readonly string[],
    values: readonly string[],
    key: string,
    fire: Fire,
    now: number,
  ): void {
    const stats = info.stats;
    let firstTime = Infinity;
    let lastTime = -Infinity;
    let late = false;
    for (const c of fire.contributions) {
      if (c.t < firstTime) firstTime = c.t;
      if (c.t > lastTime) lastTime = c.t;
      late ||= c.late;
    }
    if (fire.contributions.length === 0) {
      firstTime = fire.windowStart;
      lastTime = fire.windowEnd;
    }
    let suppressedCount = 0;
    let partial = fire.partial;
    let suppressed = false;
    if (rec) {
      if (info.suppressMs > 0 && lastTime < rec.suppressUntil) {
        suppressed = true;
      } else {
        if (info.suppressMs > 0) rec.suppressUntil = lastTime + info.suppressMs;
        suppressedCount = rec.suppressed;
        rec.suppressed = 0;
        partial ||= rec.partial;
        rec.partial = false;
      }
    }
    const group = groupOf(names, values);
    const groupKey =
      info.type === 'detection' && info.groupNames === undefined
        ? JSON.stringify(group)
        : JSON.stringify(values);
    const refs: string[] = [];
    for (const c of fire.contributions) {
      if (refs.length >= this.#limits.maxRefsPerMatch) break;
      refs.push(c.ref);
    }
    // Beyond the refs' cap, the sources of every contribution (playbook triggers' on.source).
    const sources =
      fire.contributions.length > refs.length ? sourcesOf(fire.contributions) : undefined;
    const matchId =
      info.type === 'detection'
        ? deterministicId('m', info.key, fire.windowKey)
        : deterministicId('m', info.key, key, fire.windowKey);
    const match: Match = {
      matchId,
      rule: info.key,
      ruleTitle: info.title,
      ruleType: info.type,
      level: fire.evaluation.level ?? info.level,
      tags: info.tags,
      groupKey,
      group,
      count: fire.evaluation.count,
      firstTime,
      lastTime,
      windowStart: fire.windowStart,
      windowEnd: fire.windowEnd,
      firedAt: now,
      late,
      partial,
      approximate: fire.evaluation.approximate === true,
      suppressedCount,
      aggregate: fire.evaluation.aggregate,
      refs,
      ...(sources ? { sources } : {}),
    };
    // Suppression quiets alerts, not signals: a chained rule still sees every match.
    if (info.chained) this.#derived.push(derivedEvent(match, now));
    if (suppressed && rec) {
      // A suppressed match reaches no incident: nothing a later event could withdraw.
      info.runtime?.forgetFire?.(rec.state, fire.windowKey);
      rec.suppressed += 1;
      stats.suppressed += 1;
      return;
    }
    stats.matches += 1;
    if (info.alerts) this.#matches.push(match);
    if (info.innerSpanMs > 0 && rec) rememberChained(rec, fire, lastTime);
  }

  private closeWindows(watermarkOf: (sources: Iterable<string>) => number, now: number): void {
    for (const part of this.#partitions) {
      if (!part) continue;
      part.slots.forEach((slot, index) => {
        const info = this.#infos[index] as SlotInfo;
        const runtime = info.runtime;
        // A colocated rule may hold fires across groups after its groups are gone.
        if (slot.groups.size === 0 && !runtime?.shared) return;
        const watermark = watermarkOf(this.#sources[index] as Set<string>);
        if (runtime && info.onClose) {
          for (
            let at = slot.timers.peekTime();
            at !== undefined && at <= watermark;
            at = slot.timers.peekTime()
          ) {
            const [time, key] = slot.timers.pop() as [number, string];
            const rec = slot.groups.get(key);
            if (!rec || rec.closeAt !== time) continue; // superseded or gone
            rec.closeAt = undefined;
            const at = runtime.shared
              ? { shared: slot.shared, key, values: rec.values }
              : undefined;
            const fires = runtime.close(rec.state, watermark, this.#ctx, at);
            this.markChanged(slot, key, rec);
            if (at) part.dirtyRules.add(index);
            for (const fire of fires)
              this.emit(info, rec, info.groupNames ?? [], rec.values, key, fire, now);
            this.schedule(slot, runtime, key, rec);
          }
          if (runtime.shared) this.flushShared(part, slot, info, runtime.shared, watermark, now);
        }
        this.sweep(part, slot, info, watermark);
      });
    }
  }

  /** Emits the fires a colocated rule chose across its groups once the watermark allows. */
  private flushShared(
    part: Partition,
    slot: Slot,
    info: SlotInfo,
    shared: SharedRuleState,
    watermark: number,
    now: number,
  ): void {
    if (watermark === -Infinity) return;
    const chosen = shared.flush(slot.shared, watermark);
    if (chosen.length === 0) return;
    part.dirtyRules.add(info.index);
    for (const { key, values, fire } of chosen) {
      // The group may have been forgotten since its window closed: the match still stands.
      const rec = slot.groups.get(key);
      this.emit(info, rec, info.groupNames ?? [], rec?.values ?? values, key, fire, now);
      if (rec) this.markChanged(slot, key, rec);
    }
  }

  /** Forgets groups that nothing can change any more, a budget's worth per call. */
  private sweep(part: Partition, slot: Slot, info: SlotInfo, watermark: number): void {
    if (watermark === -Infinity || watermark === Infinity) return;
    const budget = Math.min(SWEEP_MAX, SWEEP_MIN + slot.touch - slot.sweptAt);
    slot.sweptAt = slot.touch;
    // Records, not entries(): an entry is a [key, record] array made per group swept.
    slot.sweep ??= slot.groups.values();
    for (let n = 0; n < budget; n += 1) {
      const next = slot.sweep.next();
      if (next.done) {
        slot.sweep = undefined;
        return;
      }
      const rec = next.value;
      const key = rec.key;
      const empty = info.runtime ? info.runtime.prune(rec.state, watermark) : true;
      if (rec.chained) {
        // Past every inner match's withdrawal: nothing can withdraw these any more.
        const horizon = watermark - info.innerSpanMs - info.latenessMs;
        const kept = rec.chained.filter(([, at]) => at >= horizon);
        if (kept.length !== rec.chained.length) {
          rec.chained = kept.length > 0 ? kept : undefined;
          this.markChanged(slot, key, rec);
        }
      }
      // Suppression state outlives the period while it holds folded matches, so the next
      // match still reports them (for a day at most).
      const suppressing =
        rec.suppressUntil >= watermark - info.latenessMs ||
        (rec.suppressed > 0 && rec.suppressUntil + SUPPRESSED_KEPT_MS >= watermark);
      if (empty && !suppressing && rec.closeAt === undefined && !rec.chained) {
        slot.groups.delete(key);
        this.markChanged(slot, key, undefined);
      }
    }
  }

  // --- checkpoints --------------------------------------------------------------------------

  meta(): EngineMeta {
    return { watermarks: this.#watermarks.encode() };
  }

  restoreMeta(meta: EngineMeta): void {
    this.#watermarks.restore(meta.watermarks);
  }

  /** Groups changed since the last checkpoint, in one partition (default: all owned ones). */
  changedGroups(partition?: number): number {
    const parts = partition === undefined ? this.#partitions : [this.#partitions[partition]];
    let n = 0;
    for (const p of parts) if (p) for (const s of p.slots) n += s.changed.length;
    return n;
  }

  /** Whether a partition (default: any owned one) has changes a checkpoint would write. */
  hasChanges(partition?: number): boolean {
    const parts = partition === undefined ? this.#partitions : [this.#partitions[partition]];
    return parts.some(
      (p) =>
        p !== undefined && (p.dirtyRules.size > 0 || p.slots.some((s) => s.changed.length > 0)),
    );
  }

  /**
   * Notes that a group changed (`rec`) or was deleted (undefined), for the next checkpoint;
   * nothing to note when none are taken.
   */
  private markChanged(slot: Slot, key: string, rec: GroupRecord | undefined): void {
    if (!this.#checkpoints) return;
    if (rec === undefined) slot.changed.push(key);
    else if (!rec.dirty) {
      rec.dirty = true;
      slot.changed.push(key);
    }
  }

  /** Groups and rule metadata of `partition` changed since the last call (then forgotten). */
  takeDelta(partition: number): PartitionDelta {
    const groups: [string, string | null][] = [];
    for (const chunk of this.deltaGroups(partition, Infinity))
      for (const g of chunk) groups.push(g);
    return { groups, rules: this.takeRuleDelta(partition) };
  }

  /**
   * The changed groups of `partition`, encoded `size` at a time, each forgotten as it is
   * encoded. A driver may yield between chunks (so a big checkpoint does not block its event
   * loop), provided it changes nothing in this engine until the last one.
   */
  *deltaGroups(partition: number, size: number): Generator<[string, string | null][]> {
    const part = this.#partitions[partition];
    if (!part) return;
    let chunk: [string, string | null][] = [];
    for (const [index, slot] of part.slots.entries()) {
      const info = this.#infos[index] as SlotInfo;
      const changed = slot.changed;
      slot.changed = [];
      // A key is listed again when its group was deleted and made anew: it is written once.
      const written = new Set<string>();
      for (const key of changed) {
        if (written.has(key)) continue;
        const rec = slot.groups.get(key);
        if (rec && !rec.dirty) continue; // listed before it was deleted, and written since
        written.add(key);
        if (rec) rec.dirty = false;
        chunk.push([`${info.stateKey}\u0000${key}`, rec ? this.encodeGroup(info, rec) : null]);
        if (chunk.length >= size) {
          yield chunk;
          chunk = [];
        }
      }
    }
    if (chunk.length > 0) yield chunk;
  }

  /** Rule metadata of `partition` changed since the last call (then forgotten). */
  takeRuleDelta(partition: number): [string, string][] {
    const part = this.#partitions[partition];
    if (!part) return [];
    const rules: [string, string][] = [];
    for (const index of part.dirtyRules) {
      const info = this.#infos[index] as SlotInfo;
      const high = this.#firesHigh[index];
      const shared = info.runtime?.shared;
      rules.push([
        info.stateKey,
        JSON.stringify({
          sources: [...(this.#sources[index] as Set<string>)],
          ...(high === undefined || high === -Infinity ? {} : { firesHigh: high }),
          ...(shared ? { shared: shared.encode((part.slots[index] as Slot).shared) } : {}),
        }),
      ]);
    }
    part.dirtyRules.clear();
    return rules;
  }

  /**
   * Loads a partition's checkpoint. Returns the fields that belong to no current rule (state of
   * removed or edited rules), for the driver to delete.
   */
  restore(
    partition: number,
    groups: Iterable<[string, string]>,
    rules: Iterable<[string, string]>,
  ): string[] {
    const part = this.#partitions[partition];
    if (!part) throw new Error(`Partition ${partition} is not owned by this engine.`);
    const byStateKey = new Map(this.#infos.map((i) => [i.stateKey, i]));
    const stale: string[] = [];
    for (const [field, json] of rules) {
      const info = byStateKey.get(field);
      if (!info) {
        stale.push(field);
        continue;
      }
      const { sources, firesHigh, shared } = JSON.parse(json) as {
        sources: string[];
        firesHigh?: number;
        shared?: unknown;
      };
      for (const s of sources) (this.#sources[info.index] as Set<string>).add(s);
      if (shared !== undefined && info.runtime?.shared)
        (part.slots[info.index] as Slot).shared = info.runtime.shared.decode(shared);
      if (firesHigh !== undefined)
        this.#firesHigh[info.index] = Math.max(this.#firesHigh[info.index] ?? -Infinity, firesHigh);
    }
    for (const [field, json] of groups) {
      const sep = field.indexOf('\u0000', field.indexOf('\u0000') + 1);
      const info = sep < 0 ? undefined : byStateKey.get(field.slice(0, sep));
      if (!info) {
        stale.push(field);
        continue;
      }
      const key = field.slice(sep + 1);
      const slot = part.slots[info.index] as Slot;
      const rec = this.decodeGroup(info, key, json, slot.touch);
      slot.groups.set(key, rec);
      if (info.runtime && info.onClose) {
        rec.closeAt = undefined;
        this.schedule(slot, info.runtime, key, rec);
      }
    }
    return stale;
  }

  private encodeGroup(info: SlotInfo, rec: GroupRecord): string {
    return JSON.stringify([
      info.runtime ? info.runtime.encode(rec.state) : null,
      rec.values,
      rec.suppressUntil === -Infinity ? null : rec.suppressUntil,
      rec.suppressed,
      rec.partial ? 1 : 0,
      ...(rec.chained ? [rec.chained] : []),
    ]);
  }

  private decodeGroup(info: SlotInfo, key: string, json: string, touch: number): GroupRecord {
    const [state, values, suppressUntil, suppressed, partial, chained] = JSON.parse(json) as [
      unknown,
      string[],
      number | null,
      number,
      0 | 1,
      ChainedFire[] | undefined,
    ];
    return {
      key,
      state: info.runtime ? info.runtime.decode(state) : undefined,
      values,
      suppressUntil: suppressUntil ?? -Infinity,
      suppressed,
      partial: partial === 1,
      touched: touch,
      closeAt: undefined,
      dirty: false,
      chained,
    };
  }

  /** Live groups per rule key, over owned partitions (metrics, tests). */
  groupCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const part of this.#partitions) {
      if (!part) continue;
      part.slots.forEach((slot, i) => {
        const key = (this.#infos[i] as SlotInfo).key;
        out.set(key, (out.get(key) ?? 0) + slot.groups.size);
      });
    }
    return out;
  }
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function readValue(plan: InputPlan, event: CanonicalEvent): number | string | undefined {
  if (plan.value === 'fields') {
    let text = '';
    for (let i = 0; i < plan.field.length; i += 1) {
      const v = scalar((plan.field[i] as FieldGetter)(event)) ?? '';
      text = i === 0 ? v : `${text}\u001f${v}`;
    }
    return text;
  }
  if (plan.value === 'number') {
    const getter = plan.field[0];
    const v = getter ? getter(event) : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '') {
      const n = Number(v);
      return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
  }
  let text: string | undefined;
  for (const getter of plan.field) {
    const v = scalar(getter(event));
    if (v === undefined) return undefined;
    text = text === undefined ? v : `${text}\u001f${v}`;
  }
  return text;
}

/** A match as the event a chained correlation reads: group values under `labels`. */
function derivedEvent(match: Match, now: number): CanonicalEvent {
  const measures: Record<string, number> = { count: match.count };
  for (const [k, v] of Object.entries(match.aggregate))
    if (typeof v === 'number' && Number.isFinite(v)) measures[k] = v;
  return {
    id: match.matchId,
    time: match.lastTime,
    received: now,
    source: DERIVED_SOURCE,
    kind: 'alert',
    name: match.rule,
    severity: match.level,
    outcome: 'firing',
    entity: {},
    measures,
    labels: { ...match.group },
  };
}

/** The slot info type, for drivers that report on rules. */
export type { SlotInfo as EngineRuleInfo };
export type { CompiledCorrelation };

/** Group-by values by field name, as matches and retractions carry them. */
function groupOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const group: Record<string, string> = {};
  names.forEach((n, i) => {
    group[n] = values[i] ?? '';
  });
  return group;
}

/** The distinct sources (`<source>/` of each ref) of a window's contributions. */
function sourcesOf(contributions: readonly { readonly ref: string }[]): string[] {
  const out = new Set<string>();
  let last = '';
  for (const c of contributions) {
    // Most windows hold one or two sources: skip the slice while the prefix repeats.
    if (last !== '' && c.ref.startsWith(last)) continue;
    const slash = c.ref.indexOf('/');
    if (slash <= 0) continue;
    last = c.ref.slice(0, slash + 1);
    out.add(c.ref.slice(0, slash));
  }
  return [...out];
}

/** The derived event that withdraws a chained rule's match from the rules reading it. */
function withdrawalEvent(
  info: SlotInfo,
  matchId: string,
  group: Record<string, string>,
  time: number,
  now: number,
): CanonicalEvent {
  return {
    id: `${WITHDRAWN_PREFIX}${matchId}`,
    time,
    received: now,
    source: DERIVED_SOURCE,
    kind: 'alert',
    name: info.key,
    severity: info.level,
    outcome: 'resolved',
    entity: {},
    measures: {},
    labels: { ...group },
  };
}

/** Notes which inner matches a rule's match counted (its derived contributions). */
function rememberChained(rec: GroupRecord, fire: Fire, lastTime: number): void {
  const inner: string[] = [];
  const prefix = `${DERIVED_SOURCE}/`;
  for (const c of fire.contributions)
    if (c.ref.startsWith(prefix)) inner.push(c.ref.slice(prefix.length));
  if (inner.length === 0) return;
  const list = (rec.chained ??= []);
  list.push([fire.windowKey, lastTime, inner]);
  if (list.length > MAX_CHAINED_FIRES) list.splice(0, list.length - MAX_CHAINED_FIRES);
}

/**
 * How long after its match a rule's inner matches may still be withdrawn: the longest
 * timespan plus lateness of the correlations it reads, each with its own inner span added (a
 * withdrawal two levels down reaches this rule through the one between); 0 when it reads none.
 * Chains are at most 10 deep (longer ones are refused when rules load).
 */
function innerSpanOf(
  corr: CompiledCorrelation,
  all: readonly CompiledCorrelation[],
  known = new Map<string, number>(),
  depth = 0,
): number {
  const done = known.get(corr.key);
  if (done !== undefined) return done;
  if (depth > 12) return 0;
  let span = 0;
  for (const input of corr.inputs) {
    const inner = all.find((c) => c.key === input.key);
    if (inner)
      span = Math.max(
        span,
        inner.timespanMs + inner.allowedLatenessMs + innerSpanOf(inner, all, known, depth + 1),
      );
  }
  known.set(corr.key, span);
  return span;
}
