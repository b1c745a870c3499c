import { KSERVE_KIND } from '../kserve/index.js';
import { SELDON_KIND } from '../seldon/index.js';
import type { AnySourceKind } from '../source-kind.js';
import { TFSERVING_KIND } from '../tfserving/index.js';
import { INFERENCE_LOG_KINDS } from './inference-logs.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const INFERENCE_KINDS: readonly AnySourceKind[] = [
  ...INFERENCE_LOG_KINDS,
  KSERVE_KIND,
  SELDON_KIND,
  TFSERVING_KIND,
];
