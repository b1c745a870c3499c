import type { FeatureKind } from './feature-kind.js';

export const requests: FeatureKind<number> = {
  name: 'requests',
  summary: 'events in the window (request rate)',
  reads: [],
  unit: 1,
  start: () => 0,
  add: (n) => n + 1,
  value: (n) => n,
};
