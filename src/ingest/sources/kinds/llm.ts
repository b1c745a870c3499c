import type { AnySourceKind } from '../source-kind.js';
import { OPENAI_KINDS } from './llm-openai.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const LLM_KINDS: readonly AnySourceKind[] = [...OPENAI_KINDS];
