/**
 * The anomaly type on a generated stream with planted anomalies of known kinds: they rank on
 * top with explanations naming the planted feature; scores are the same on any partitioning
 * and arrival order; a group's state stops growing.
 */
import { describe, expect, it } from 'vitest';
import type { Match } from '../../../src/correlate/match.js';
import { anomalyRuntime } from '../../../src/correlate/types/anomaly/runtime.js';
import type { AnomalyParams } from '../../../src/correlate/types/anomaly/settings.js';
import { anomalyRules, generateDataset } from '../../helpers/anomaly-dataset.js';
import {
  TEST_LIMITS,
  compileRules,
  runInMemory,
  runOnTwoWorkers,
} from '../../helpers/correlation-harness.js';

const data = generateDataset({ keys: 30, windows: 40, windowMs: 300_000, seed: 7 });
const rules = compileRules(anomalyRules());

function scores(matches: readonly Match[]): Map<string, number> {
  return new Map(matches.map((m) => [m.matchId, m.aggregate.score as number]));
}

describe('anomaly on a stream with planted anomalies', () => {
  const result = runInMemory(rules, data.events);
  const ranked = [...result.matches].sort(
    (a, b) => (b.aggregate.score as number) - (a.aggregate.score as number),
  );

  it('ranks the planted windows on top, each explained by the planted feature', () => {
    const top = ranked.slice(0, data.plants.length);
    for (const plant of data.plants) {
      const start = top.find(
        (m) =>
          m.group.api_key === plant.key &&
          m.windowStart === m.windowEnd - 300_000 &&
          m.refs.every((r) => data.positives.has(r)),
      );
      expect(start, `${plant.kind} on ${plant.key} in the top ${top.length}`).toBeDefined();
      const explanation = (start as Match).aggregate.explanation as { feature: string }[];
      const named = explanation.slice(0, 2).map((e) => e.feature);
      // Volume moves tokens too; every other kind is the first reason.
      if (plant.kind === 'requests') expect(named).toContain('requests');
      else expect(named[0], `${plant.kind}: ${JSON.stringify(explanation)}`).toBe(plant.kind);
    }
  });

  it('scores ordinary windows low: a planted window outscores 95 % of them', () => {
    const planted = ranked.filter((m) => m.refs.every((r) => data.positives.has(r)));
    const ordinary = ranked.filter((m) => !m.refs.some((r) => data.positives.has(r)));
    expect(ordinary.length).toBeGreaterThan(500);
    const lowestPlanted = Math.min(...planted.map((m) => m.aggregate.score as number));
    const above = ordinary.filter((m) => (m.aggregate.score as number) >= lowestPlanted).length;
    expect(above / ordinary.length).toBeLessThan(0.05);
  });

  it('gives the same scores on 1, 4 and two workers of 8 partitions, and out of order', () => {
    const base = scores(result.matches);
    const four = scores(runInMemory(rules, data.events, { ...TEST_LIMITS, partitions: 4 }).matches);
    const two = scores(
      runOnTwoWorkers(rules, data.events, { ...TEST_LIMITS, partitions: 8 }).matches,
    );
    // Arrival order shuffled within 20 s (inside the 30 s out-of-orderness), event times kept.
    const shuffled = data.events
      .map((e, i) => ({ e, at: e.time + ((i * 7919) % 20_000) }))
      .sort((a, b) => a.at - b.at)
      .map(({ e, at }) => ({ ...e, received: at }));
    const late = scores(runInMemory(rules, shuffled).matches);
    expect(base.size).toBeGreaterThan(500);
    expect(four).toEqual(base);
    expect(two).toEqual(base);
    expect(late).toEqual(base);
  });

  it('population baseline with top_k: the same matches on any partitioning and arrival order', () => {
    const pop = compileRules(anomalyRules(0.01, '  baseline: { scope: population }\n  top_k: 3\n'));
    const one = runInMemory(pop, data.events).matches;
    const base = scores(one);
    const four = scores(runInMemory(pop, data.events, { ...TEST_LIMITS, partitions: 4 }).matches);
    const two = scores(
      runOnTwoWorkers(pop, data.events, { ...TEST_LIMITS, partitions: 8 }).matches,
    );
    const shuffled = data.events
      .map((e, i) => ({ e, at: e.time + ((i * 7919) % 20_000) }))
      .sort((a, b) => a.at - b.at)
      .map(({ e, at }) => ({ ...e, received: at }));
    const late = scores(runInMemory(pop, shuffled).matches);
    expect(four).toEqual(base);
    expect(two).toEqual(base);
    expect(late).toEqual(base);
    // At most three per window period, ranked 1..n by score; judged against the population.
    const periods = new Map<number, Match[]>();
    for (const m of one) periods.set(m.windowStart, [...(periods.get(m.windowStart) ?? []), m]);
    expect(periods.size).toBeGreaterThan(20);
    // Thirty keys over a 0.01 threshold: the cap, not the threshold, decides.
    expect([...periods.values()].filter((ms) => ms.length === 3).length).toBeGreaterThan(20);
    for (const ms of periods.values()) {
      expect(ms.length).toBeLessThanOrEqual(3);
      const byRank = [...ms].sort(
        (a, b) => (a.aggregate.rank as number) - (b.aggregate.rank as number),
      );
      expect(byRank.map((m) => m.aggregate.rank)).toEqual(byRank.map((_, i) => i + 1));
      for (let i = 1; i < byRank.length; i += 1)
        expect(byRank[i]?.aggregate.score as number).toBeLessThanOrEqual(
          byRank[i - 1]?.aggregate.score as number,
        );
      for (const m of ms) expect(m.aggregate.baseline).toBe('population');
    }
  });

  it('a different seed gives different (still ranking) scores; the same seed the same', () => {
    const other = compileRules(anomalyRules(0.01, '  model: { seed: 99 }\n'));
    const a = scores(runInMemory(other, data.events).matches);
    const b = scores(runInMemory(other, data.events).matches);
    expect(a).toEqual(b);
    expect(a).not.toEqual(scores(result.matches));
  });
});

describe('anomaly group state', () => {
  it('stops growing: a group after 400 windows encodes no larger than after 100', () => {
    const rule = compileRules(anomalyRules()).correlations[0];
    if (!rule) throw new Error('no rule');
    const runtime = anomalyRuntime(rule, rule.params as unknown as AnomalyParams);
    const g = runtime.create();
    const ctx = { maxEventsPerGroup: 10_000, maxDistinctExact: 1_000 };
    const sizes: number[] = [];
    for (let w = 0; w < 400; w += 1) {
      for (let e = 0; e < 20; e += 1) {
        runtime.add(
          g,
          {
            t: w * 300_000 + e * 1_000,
            ref: `gw/${w}-${e}`,
            input: 0,
            // reads: entity.model, outcome, measures.status_code, tokens_in/out, latency, region
            value: [`m${e % 3}`, 'success', '', String(100 + e), '', String(50 + e), `r${w}`].join(
              '\u001f',
            ),
            late: false,
          },
          ctx,
        );
      }
      runtime.close(g, (w + 1) * 300_000, ctx);
      if (w === 99 || w === 399) sizes.push(JSON.stringify(runtime.encode(g)).length);
    }
    expect(rule.params.reads).toEqual([
      'entity.model',
      'outcome',
      'measures.status_code',
      'measures.tokens_in',
      'measures.tokens_out',
      'measures.latency_ms',
      'entity.geo.region',
    ]);
    const [at100, at400] = sizes as [number, number];
    expect(at400).toBeLessThanOrEqual(at100 * 1.05);
    // 64 vectors of 6 figures, the baseline, 64 remembered regions: a few kB.
    expect(at400).toBeLessThan(12_000);
  });
});
