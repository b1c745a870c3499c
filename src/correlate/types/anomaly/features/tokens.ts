import type { FeatureKind } from './feature-kind.js';

function amount(text: string): number {
  if (text === '') return 0;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export const tokens: FeatureKind<number> = {
  name: 'tokens',
  summary: 'sum of measures.tokens_in and measures.tokens_out in the window',
  reads: ['measures.tokens_in', 'measures.tokens_out'],
  unit: 1,
  start: () => 0,
  add: (sum, field) => sum + amount(field(0)) + amount(field(1)),
  value: (sum) => sum,
};
