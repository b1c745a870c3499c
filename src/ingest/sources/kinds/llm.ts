import { langfuseKind } from '../langfuse/index.js';
import { litellmSpendKind } from '../litellm-spend/index.js';
import { litellmKind } from '../litellm/index.js';
import type { AnySourceKind } from '../source-kind.js';
import { OPENAI_KINDS } from './llm-openai.js';

/** Source kinds of this category, in the order `cordon parse --list` shows them. */
export const LLM_KINDS: readonly AnySourceKind[] = [
  litellmKind,
  litellmSpendKind,
  langfuseKind,
  ...OPENAI_KINDS,
];
