import type { FeatureKind } from './feature-kind.js';

/**
 * Latencies are kept as a log histogram — bins 10 % wide, at most MAX_BIN — so a window's
 * memory is bounded whatever its volume, and the 95th percentile (the bin's midpoint) is within
 * about 5 % of the exact one. Bin → count, as pairs sorted by bin.
 */
const GROWTH = Math.log(1.1);
const MAX_BIN = 200;

type Histogram = [number, number][];

function binOf(ms: number): number {
  return Math.min(MAX_BIN, Math.floor(Math.log1p(ms) / GROWTH));
}

export const latencyP95: FeatureKind<Histogram> = {
  name: 'latency_p95',
  summary: '95th percentile of measures.latency_ms in the window (±5 %)',
  reads: ['measures.latency_ms'],
  unit: 1,
  start: () => [],
  add(hist, field) {
    const text = field(0);
    if (text === '') return hist;
    const ms = Number(text);
    if (!Number.isFinite(ms) || ms < 0) return hist;
    const bin = binOf(ms);
    let i = 0;
    while (i < hist.length && (hist[i] as [number, number])[0] < bin) i += 1;
    const at = hist[i];
    if (at && at[0] === bin) at[1] += 1;
    else hist.splice(i, 0, [bin, 1]);
    return hist;
  },
  value(hist) {
    let total = 0;
    for (const [, n] of hist) total += n;
    if (total === 0) return 0;
    const rank = Math.ceil(0.95 * total);
    let seen = 0;
    for (const [bin, n] of hist) {
      seen += n;
      if (seen >= rank) return Math.round(Math.expm1((bin + 0.5) * GROWTH));
    }
    return 0;
  },
};
