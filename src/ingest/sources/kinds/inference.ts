import { KSERVE_KIND } from '../kserve/index.js';
import { SELDON_KIND } from '../seldon/index.js';
import type { AnySourceKind } from '../source-kind.js';
import { TFSERVING_KIND } from '../tfserving/index.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const INFERENCE_KINDS: readonly AnySourceKind[] = [KSERVE_KIND, SELDON_KIND, TFSERVING_KIND];
