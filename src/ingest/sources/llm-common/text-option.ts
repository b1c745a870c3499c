import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import type { OptionsSpec } from '../source-kind.js';

/**
 * `options.text` of the LLM kinds: `keep` (default) stores prompts and answers (capped) on the
 * event for injection and leak rules; `drop` stores none of them, in `text` or in `raw`, for
 * deployments that must not hold end-user conversations (ingest-formats §12.1: PII).
 */
export interface LlmTextOptions {
  readonly text: 'keep' | 'drop';
}

export const LLM_TEXT_DEFAULTS: LlmTextOptions = { text: 'keep' };

export const llmTextOptions: OptionsSpec<LlmTextOptions> = {
  keys: ['text'],
  compile(value, report) {
    if (value === undefined || value === null) return LLM_TEXT_DEFAULTS;
    if (!isJsonObject(value)) {
      report([], `must be a mapping such as {text: drop}; got ${got(value)}.`);
      return undefined;
    }
    let ok = true;
    for (const key of Object.keys(value))
      if (key !== 'text') {
        report([key], 'is not an option of this source; the only one is "text" (keep | drop).');
        ok = false;
      }
    const text = value.text ?? 'keep';
    if (text !== 'keep' && text !== 'drop') {
      report(['text'], `must be "keep" or "drop"; got ${got(text)}.`);
      ok = false;
    }
    return ok ? { text: text as 'keep' | 'drop' } : undefined;
  },
};

const DROPPED = '[omitted: text capture is off for this source]';

/** The raw item without its conversation fields, when text is dropped. */
export function withoutText(raw: JsonObject, keys: readonly string[]): JsonObject {
  const out: JsonObject = { ...raw };
  for (const key of keys) if (Object.hasOwn(out, key) && out[key] !== null) out[key] = DROPPED;
  return out;
}

/**
 * Applies `text: drop` to a finished event: no `text`, and the conversation fields of `raw`
 * (top-level `keys`, or those of `raw[nested]` for envelopes such as Langfuse's `body`) blanked.
 */
export function applyTextOption<
  T extends { text?: unknown; raw?: unknown; labels: Record<string, string> },
>(event: T, options: LlmTextOptions, keys: readonly string[], nested?: string): T {
  if (options.text === 'keep') return event;
  const out: T = { ...event, labels: { ...event.labels } };
  delete out.text;
  delete out.labels.text_truncated;
  if (isJsonObject(event.raw)) {
    const inner = nested === undefined ? undefined : event.raw[nested];
    out.raw =
      nested !== undefined && isJsonObject(inner)
        ? { ...event.raw, [nested]: withoutText(inner, keys) }
        : withoutText(event.raw, keys);
  }
  return out;
}
