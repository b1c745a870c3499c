import { Findings } from '../../normalizers/findings.js';
import { isNdjsonContentType } from '../../normalizers/ndjson-type.js';
import { parseItems } from '../inference-common/parse-items.js';
import type { SourceKind } from '../source-kind.js';
import { predictionLogEvent } from './prediction-log.js';

/**
 * TensorFlow Serving PredictionLog records (ingest-formats §11.1) in proto3 JSON: one object,
 * an array, or NDJSON (one record per line, as a TFRecord-to-JSON shipper writes them). TF
 * Serving itself writes binary protobuf to files; a shipper converts and posts them. Each
 * record of a batch is accepted or refused on its own.
 */
export const TFSERVING_KIND: SourceKind<undefined> = {
  type: 'tfserving',
  title: 'TensorFlow Serving prediction logs (PredictionLog as proto3 JSON)',
  category: 'inference',
  contentTypes: ['application/json', 'application/x-ndjson', 'application/jsonl'],
  auth: ['bearer', 'basic', 'hmac'],
  normalise(request, ctx) {
    const findings = new Findings();
    const items = parseItems(request.body, findings, {
      expected: 'TF Serving PredictionLog records (a JSON object, an array of them, or NDJSON)',
      maxDepth: ctx.maxDepth,
      ndjson: isNdjsonContentType(request.contentType),
    });
    for (const { value, at } of items ?? []) {
      const event = predictionLogEvent(value, at, ctx);
      if (event !== undefined) findings.emit(event, at);
    }
    return findings.batch();
  },
};
