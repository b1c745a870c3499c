import type { AnySourceKind } from '../source-kind.js';
import { INFERENCE_LOG_KINDS } from './inference-logs.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const INFERENCE_KINDS: readonly AnySourceKind[] = [...INFERENCE_LOG_KINDS];
