import { Findings } from '../../normalizers/findings.js';
import type { SourceKind } from '../source-kind.js';
import { readPayloadItems } from '../llm-common/payload-body.js';
import { readLiteLlmPayload } from './payload.js';

/**
 * LiteLLM proxy logging through the `generic_api` callback (ingest-formats §12.1): each
 * StandardLoggingPayload, success or failure, becomes one `llm` event. All three `log_format`s
 * are detected from the body (json_array, the default; ndjson; single), since LiteLLM labels
 * them all application/json. No options: prompts and answers are kept, redacted or dropped by
 * the connector's `keep: {text: …}` policy, like every source's.
 */
export const litellmKind: SourceKind<undefined> = {
  type: 'litellm',
  title:
    'LiteLLM proxy StandardLoggingPayload (generic_api callback: json_array, ndjson or single)',
  category: 'llm',
  contentTypes: ['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'],
  auth: ['bearer', 'header', 'basic'],
  normalise(request, ctx) {
    const findings = new Findings();
    const items = readPayloadItems(request.body, findings.root(), {
      itemName: 'LiteLLM StandardLoggingPayload object',
      formatHint:
        'LiteLLM sends one format per request, so check what sits between it and Cordon, and set the callback\'s log_format to "json_array" or "ndjson".',
      maxDepth: ctx.maxDepth,
    });
    if (items === undefined) return findings.result([]);
    for (const item of items) {
      const event = readLiteLlmPayload(item.value, item.at, ctx);
      if (event !== undefined) findings.emit(event, item.at);
    }
    return findings.batch();
  },
};
