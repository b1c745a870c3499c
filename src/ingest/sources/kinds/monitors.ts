import type { AnySourceKind } from '../source-kind.js';
import { evidentlyKind } from '../evidently/index.js';
import { whylabsKind } from '../whylabs/index.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const MONITOR_KINDS: readonly AnySourceKind[] = [evidentlyKind, whylabsKind];
