import type { FeatureKind } from './feature-kind.js';

/** [events, errors]. */
type Counts = [number, number];

export const errorRatio: FeatureKind<Counts> = {
  name: 'error_ratio',
  summary: 'share of events with outcome failure or measures.status_code ≥ 400',
  reads: ['outcome', 'measures.status_code'],
  unit: 0.05,
  start: () => [0, 0],
  add(acc, field) {
    const status = Number(field(1));
    const failed = field(0) === 'failure' || (field(1) !== '' && status >= 400);
    acc[0] += 1;
    if (failed) acc[1] += 1;
    return acc;
  },
  value: ([n, errors]) => (n === 0 ? 0 : errors / n),
};
