import { Findings } from '../../normalizers/findings.js';
import { isNdjsonContentType } from '../../normalizers/ndjson-type.js';
import { readUtf8Text } from '../../normalizers/utf8-text.js';
import { parseItems } from '../inference-common/parse-items.js';
import type { SourceKind } from '../source-kind.js';
import { readCall } from './call.js';
import { llmEvent } from './llm-event.js';
import { readStream } from './sse.js';

const SSE = 'text/event-stream';

/**
 * OpenAI-style chat completion logs (ingest-formats §12.3), as gateways and SDK wrappers
 * write them: JSON (one call, an array of calls, or NDJSON; each a response, a request or a
 * `{request, response}` envelope), or one SSE stream as `text/event-stream`. → `llm` events.
 */
export const OPENAI_KIND: SourceKind<undefined> = {
  type: 'openai',
  title: 'OpenAI-style chat completion logs (responses, request/response envelopes, SSE streams)',
  category: 'llm',
  contentTypes: ['application/json', 'application/x-ndjson', 'application/jsonl', SSE],
  auth: ['bearer', 'basic', 'hmac'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    const mislabelled = request.contentType !== SSE && startsWithData(request.body);
    if (mislabelled)
      root.warn(
        `is an SSE stream (data: lines) sent as ${request.contentType || 'no content type'}; it was read as ${SSE}.`,
      );
    if (request.contentType === SSE || mislabelled) {
      const text = readUtf8Text(request.body, root, 'send the stream UTF-8 encoded.');
      if (text === undefined) return findings.result([]);
      const response = readStream(text, root);
      if (response === undefined) return findings.result([]);
      return findings.result([
        llmEvent({ request: undefined, response, envelope: undefined }, root, ctx),
      ]);
    }
    const items = parseItems(request.body, findings, {
      expected: 'a chat completion log (a response, a request, or {request, response})',
      maxDepth: ctx.maxDepth,
      ndjson: isNdjsonContentType(request.contentType),
    });
    for (const { value, at } of items ?? []) {
      const call = readCall(value, at);
      if (call !== undefined) findings.emit(llmEvent(call, at, ctx), at);
    }
    return findings.batch();
  },
};

/** A stream logged as-is but labelled JSON starts with `data:` (after any SSE comment lines). */
function startsWithData(body: Buffer): boolean {
  const head = body
    .subarray(0, 256)
    .toString('utf8')
    .replace(/^(?::[^\n]*\n|\s)+/, '');
  return head.startsWith('data:');
}
