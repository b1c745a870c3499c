import { thresholdTest } from '../../engine/aggregation.js';
import type { EncodedColumns, EncodedContribution } from '../../engine/contribution-buffer.js';
import {
  compareContributions,
  decodeContributions,
  encodeContributions,
} from '../../engine/contribution-buffer.js';
import {
  decodeRegisters,
  encodeRegisters,
  hllAdd,
  hllEstimate,
  hllMerge,
  newRegisters,
} from '../../engine/hyperloglog.js';
import type { Contribution, Fire, RuleRuntime } from '../../engine/runtime.js';
import { NO_FIRES } from '../../engine/runtime.js';
import type { SlidingState } from '../../engine/windows/sliding.js';
import type { CompiledCorrelation, ThresholdCondition } from '../../rule/types.js';

/** Sub-buckets per timespan: window edges are exact to 1/16 of the timespan. */
const SUB_BUCKETS = 16;
/** Evidence kept per sub-bucket (the match lists these refs). */
const REFS_PER_BUCKET = 4;

interface Bucket {
  n: number;
  regs: Uint8Array;
  refs: Contribution[];
}

export interface ApproxState {
  buckets: Map<number, Bucket>;
  partial: boolean;
  /** Merged sketch of buckets [from, to] (not encoded; rebuilt on demand). */
  cache?: { from: number; to: number; regs: Uint8Array };
}

type Encoded = { b: [number, number, string, EncodedColumns | EncodedContribution[]][]; p?: 1 };

/** Sliding distinct counts over sub-bucketed HyperLogLog sketches. */
export function approximateRuntime(
  rule: CompiledCorrelation,
): RuleRuntime<ApproxState> & { fromContributions(g: SlidingState): ApproxState } {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const size = Math.max(1, Math.floor(T / SUB_BUCKETS));
  const test = thresholdTest(rule.condition as ThresholdCondition | undefined);
  const reset = rule.action === 'reset';

  const addTo = (g: ApproxState, c: Contribution): number => {
    const k = Math.floor(c.t / size);
    let b = g.buckets.get(k);
    if (!b) {
      b = { n: 0, regs: newRegisters(), refs: [] };
      g.buckets.set(k, b);
    }
    b.n += 1;
    hllAdd(b.regs, c.value as string);
    if (b.refs.length < REFS_PER_BUCKET) b.refs.push(c);
    if (g.cache && k <= g.cache.to) delete g.cache;
    return k;
  };

  const estimate = (g: ApproxState, from: number, to: number): number => {
    // Buckets before the newest one change rarely: keep their merge, add the newest on top.
    if (!g.cache || g.cache.from !== from || g.cache.to !== to - 1) {
      const regs = newRegisters();
      for (let k = from; k < to; k += 1) {
        const b = g.buckets.get(k);
        if (b) hllMerge(regs, b.regs);
      }
      g.cache = { from, to: to - 1, regs };
    }
    const merged = Uint8Array.from(g.cache.regs);
    const newest = g.buckets.get(to);
    if (newest) hllMerge(merged, newest.regs);
    return hllEstimate(merged);
  };

  const runtime: RuleRuntime<ApproxState> = {
    rule,
    create: () => ({ buckets: new Map(), partial: false }),
    add(g, c) {
      const k = addTo(g, c);
      const newestK = Math.max(k, ...g.buckets.keys());
      const endT = Math.max(c.t, newestK * size);
      const from = Math.floor((endT - T) / size);
      let count = 0;
      for (let i = from; i <= newestK; i += 1) count += g.buckets.get(i)?.n ?? 0;
      // A window cannot hold more distinct values than events: skip the sketch merge when
      // even that could not meet the condition.
      if (monotone(rule) && !test(count)) return NO_FIRES;
      const distinct = estimate(g, from, newestK);
      if (!test(distinct)) return NO_FIRES;
      const refs: Contribution[] = [];
      for (let i = from; i <= newestK; i += 1) refs.push(...(g.buckets.get(i)?.refs ?? []));
      if (!refs.includes(c)) refs.push(c);
      refs.sort(compareContributions);
      const first = refs[0] as Contribution;
      const fire: Fire = {
        windowStart: endT - T,
        windowEnd: endT,
        contributions: refs,
        evaluation: { met: true, count, aggregate: { distinct }, approximate: true },
        windowKey: `${first.t}:${first.ref}`,
        partial: g.partial,
      };
      g.partial = false;
      if (reset) {
        for (let i = from; i <= newestK; i += 1) g.buckets.delete(i);
        delete g.cache;
      }
      return [fire];
    },
    nextClose: () => undefined,
    close: () => [],
    prune(g, watermark) {
      const horizon = Math.floor((watermark - L - T) / size);
      for (const k of g.buckets.keys()) if (k < horizon) g.buckets.delete(k);
      if (g.cache && g.cache.from < horizon) delete g.cache;
      return g.buckets.size === 0;
    },
    encode(g): Encoded {
      const b: Encoded['b'] = [...g.buckets.entries()].map(([k, v]) => [
        k,
        v.n,
        encodeRegisters(v.regs),
        encodeContributions(v.refs),
      ]);
      return g.partial ? { b, p: 1 } : { b };
    },
    decode(data) {
      const e = data as Encoded;
      const buckets = new Map<number, Bucket>();
      for (const [k, n, regs, refs] of e.b)
        buckets.set(k, { n, regs: decodeRegisters(regs), refs: decodeContributions(refs) });
      return { buckets, partial: e.p === 1 };
    },
  };

  return {
    ...runtime,
    fromContributions(exact) {
      const g = runtime.create();
      g.partial = exact.partial;
      for (const c of exact.buf.toArray()) addTo(g, c);
      return g;
    },
  };
}

function monotone(rule: CompiledCorrelation): boolean {
  const c = rule.condition;
  return c?.kind === 'threshold' && c.bounds.every((b) => b.op === 'gt' || b.op === 'gte');
}
