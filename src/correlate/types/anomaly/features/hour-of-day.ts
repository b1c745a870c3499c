import type { FeatureKind } from './feature-kind.js';

export const hourOfDay: FeatureKind<number> = {
  name: 'hour_of_day',
  summary: "the window's UTC hour (0–23; the model sees it on a line, so 23 and 0 are far apart)",
  reads: [],
  unit: 1,
  start: () => 0,
  add: (n) => n,
  value: (_n, windowStart) => new Date(windowStart).getUTCHours(),
};
