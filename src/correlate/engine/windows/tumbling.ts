import type { CompiledCorrelation } from '../../rule/types.js';
import type { Accumulator, Aggregation, ScanResult } from '../aggregation.js';
import type { EncodedColumns, EncodedContribution } from '../contribution-buffer.js';
import { ContributionBuffer, decodeContributions } from '../contribution-buffer.js';
import type { Contribution, Fire, RuleRuntime, RuntimeContext } from '../runtime.js';
import { NO_FIRES } from '../runtime.js';

/**
 * Tumbling windows: epoch-aligned buckets [k·T, (k+1)·T). Eager rules fire in a bucket at the
 * event that satisfies it (again, after `reset`, with fresh events of the same bucket); on-close
 * rules evaluate a bucket once every source has passed its end plus the allowed lateness.
 */
interface Bucket {
  readonly k: number;
  /** Its events, as columns (see ContributionBuffer: no object per event outlives the add). */
  items: ContributionBuffer;
  acc: Accumulator | undefined;
  accValid: boolean;
  /** Matches fired in this bucket so far (part of the window key). */
  fired: number;
  partial: boolean;
}

export interface TumblingState {
  readonly buckets: Map<number, Bucket>;
}

type Encoded = [number, number, 0 | 1, EncodedColumns | EncodedContribution[]][];

export function tumblingRuntime(
  rule: CompiledCorrelation,
  aggregation: Aggregation,
): RuleRuntime<TumblingState> {
  const T = rule.timespanMs;
  const L = rule.allowedLatenessMs;
  const eager = rule.firing === 'eager';
  const reset = rule.action === 'reset';

  const bucketOf = (g: TumblingState, k: number): Bucket => {
    let b = g.buckets.get(k);
    if (!b) {
      b = {
        k,
        items: new ContributionBuffer(),
        acc: undefined,
        accValid: false,
        fired: 0,
        partial: false,
      };
      g.buckets.set(k, b);
    }
    return b;
  };

  const evaluate = (b: Bucket): ScanResult => {
    if (!b.accValid) {
      b.acc = aggregation.accumulator();
      if (b.acc) for (let i = 0; i < b.items.length; i += 1) b.acc.add(b.items.at(i));
      b.accValid = b.acc !== undefined;
    }
    return b.acc ? b.acc.result() : aggregation.scan(b.items.toArray());
  };

  const fire = (b: Bucket, result: ScanResult): Fire => {
    const used = result.used ?? b.items.toArray();
    const f: Fire = {
      windowStart: b.k * T,
      windowEnd: (b.k + 1) * T,
      contributions: used,
      evaluation: result,
      windowKey: `b${b.k}:${b.fired}`,
      partial: b.partial,
    };
    b.fired += 1;
    b.partial = false;
    return f;
  };

  const insert = (b: Bucket, c: Contribution, ctx: RuntimeContext): void => {
    b.items.insert(c, true);
    if (b.accValid) b.acc?.add(c);
    const cap = rule.limits.maxEventsPerGroup ?? ctx.maxEventsPerGroup;
    if (b.items.length > cap) {
      b.items.dropFront(b.items.length - cap);
      b.accValid = false;
      b.partial = true;
    }
  };

  return {
    rule,
    create: () => ({ buckets: new Map() }),
    add(g, c, ctx) {
      const b = bucketOf(g, Math.floor(c.t / T));
      insert(b, c, ctx);
      if (!eager) return NO_FIRES;
      if (aggregation.completes && !aggregation.completes(c)) return NO_FIRES;
      const result = evaluate(b);
      if (!result.met) return NO_FIRES;
      const f = fire(b, result);
      if (reset) {
        b.items.clear();
        b.accValid = false;
      }
      return [f];
    },
    nextClose(g) {
      if (eager) return undefined;
      let next: number | undefined;
      for (const b of g.buckets.values()) {
        const at = (b.k + 1) * T + L;
        if (next === undefined || at < next) next = at;
      }
      return next;
    },
    close(g, watermark) {
      if (eager) return NO_FIRES;
      const fires: Fire[] = [];
      for (const k of [...g.buckets.keys()].sort((a, b) => a - b)) {
        if ((k + 1) * T + L > watermark) break;
        const b = g.buckets.get(k) as Bucket;
        const result = evaluate(b);
        if (result.met && b.items.length > 0) fires.push(fire(b, result));
        g.buckets.delete(k);
      }
      return fires;
    },
    forget(g, ref) {
      const removed: Contribution[] = [];
      for (const b of g.buckets.values()) {
        const gone = b.items.removeRef(ref);
        if (gone.length === 0) continue;
        b.accValid = false;
        removed.push(...gone);
      }
      return removed;
    },
    prune(g, watermark) {
      // No event older than watermark − L can still arrive: buckets ending before it are final.
      for (const k of g.buckets.keys()) if ((k + 1) * T <= watermark - L) g.buckets.delete(k);
      return g.buckets.size === 0;
    },
    encode(g): Encoded {
      return [...g.buckets.values()].map((b) => [
        b.k,
        b.fired,
        b.partial ? 1 : 0,
        b.items.encode(),
      ]);
    },
    decode(data) {
      const buckets = new Map<number, Bucket>();
      for (const [k, fired, partial, items] of data as Encoded) {
        buckets.set(k, {
          k,
          fired,
          partial: partial === 1,
          items: new ContributionBuffer(decodeContributions(items)),
          acc: undefined,
          accValid: false,
        });
      }
      return { buckets };
    },
  };
}
