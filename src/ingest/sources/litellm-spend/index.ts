import { Findings } from '../../normalizers/findings.js';
import type { SourceKind } from '../source-kind.js';
import { readPayloadItems } from '../llm-common/payload-body.js';
import { readSpendRow } from './row.js';

/**
 * LiteLLM_SpendLogs rows (ingest-formats §12.1): one row, a JSON array of rows (the proxy's
 * `/spend/logs` answer) or NDJSON (a database export), each row one `llm` event. For
 * back-filling or for deployments that export spend instead of running a logging callback.
 */
export const litellmSpendKind: SourceKind<undefined> = {
  type: 'litellm-spend',
  title: 'LiteLLM_SpendLogs rows (one, a JSON array or NDJSON)',
  category: 'llm',
  contentTypes: ['application/json', 'application/x-ndjson', 'application/jsonl', 'text/plain'],
  auth: ['bearer', 'basic', 'header'],
  normalise(request, ctx) {
    const findings = new Findings();
    const items = readPayloadItems(request.body, findings.root(), {
      itemName: 'LiteLLM_SpendLogs row (a JSON object)',
      formatHint: 'send either one JSON array of rows or one row per line.',
      maxDepth: ctx.maxDepth,
    });
    if (items === undefined) return findings.result([]);
    for (const item of items) {
      const event = readSpendRow(item.value, item.at, ctx);
      if (event !== undefined) findings.emit(event, item.at);
    }
    return findings.batch();
  },
};
