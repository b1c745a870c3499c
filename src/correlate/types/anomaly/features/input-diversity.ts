import type { FeatureKind } from './feature-kind.js';

/** Smallest hashes kept per window: exact below this many distinct inputs, estimated above. */
const K = 256;
const TWO_32 = 0x1_0000_0000;

/** [events with an input hash, the K smallest 32-bit hashes of their inputs, ascending]. */
type Sketch = [number, number[]];

/**
 * Share of a window's inputs that were different (`labels.input_hash`: LLM sources set it from
 * the prompt; senders may set their own): near 1 when every request asks something new, as an
 * extraction or enumeration sweep does; low for retries, health checks and fixed evaluation
 * prompts. Distinct inputs are counted exactly up to 256 and estimated past that from the
 * 256 smallest hashes (k-minimum values, Bar-Yossef et al. 2002), which is order-independent.
 * Events without an input hash do not count; a window with none is 0.
 */
export const inputDiversity: FeatureKind<Sketch> = {
  name: 'input_diversity',
  summary: 'distinct inputs ÷ requests with an input (labels.input_hash), 0–1',
  reads: ['labels.input_hash'],
  unit: 0.05,
  start: () => [0, []],
  add(acc, field) {
    const value = field(0);
    if (value === '') return acc;
    acc[0] += 1;
    insertSmallest(acc[1], fnv1a(value));
    return acc;
  },
  value([n, mins]) {
    if (n === 0) return 0;
    const last = mins[mins.length - 1] as number;
    const distinct = mins.length < K ? mins.length : ((K - 1) * TWO_32) / (last + 1);
    return Math.min(1, distinct / n);
  },
};

function insertSmallest(mins: number[], h: number): void {
  let lo = 0;
  let hi = mins.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((mins[mid] as number) < h) lo = mid + 1;
    else hi = mid;
  }
  if (mins[lo] === h) return;
  if (mins.length >= K && lo >= mins.length) return;
  mins.splice(lo, 0, h);
  if (mins.length > K) mins.pop();
}

/** FNV-1a over UTF-16 code units, 32-bit: input hashes are already hashes, so this only spreads them. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
