import { Findings } from '../../normalizers/findings.js';
import type { SourceKind } from '../source-kind.js';
import { JSON_AND_NDJSON, readJsonItems } from '../json-map/json-items.js';
import { readEcsDocument } from './ecs-document.js';

/**
 * Elastic Common Schema documents (ingest-formats §15.2): what Elastic Agent, Beats and
 * ECS-logging libraries produce, forwarded by a webhook or a pipeline. One document, a JSON
 * array of them or NDJSON; each document is a batch item.
 */
export const ecsKind: SourceKind<undefined> = {
  type: 'ecs',
  title: 'Elastic Common Schema documents (JSON object, array or NDJSON)',
  category: 'mapped',
  contentTypes: JSON_AND_NDJSON,
  auth: ['bearer', 'basic', 'hmac', 'header'],
  normalise(request, ctx) {
    const findings = new Findings();
    const items = readJsonItems(request.body, ctx.contentType, findings.root(), {
      expected: 'an ECS document (a JSON object), a JSON array of them, or NDJSON',
      maxDepth: ctx.maxDepth,
    });
    for (const { value, at } of items) {
      const event = readEcsDocument(value, at, ctx.now);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};
