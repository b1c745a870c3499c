import { OPENAI_KIND } from '../openai/index.js';
import type { AnySourceKind } from '../source-kind.js';

/** OpenAI-style logs, kept apart from LLM_KINDS' other entries so their lists merge cleanly. */
export const OPENAI_KINDS: readonly AnySourceKind[] = [OPENAI_KIND];
