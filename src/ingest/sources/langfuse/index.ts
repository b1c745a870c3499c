import type { NormalisedEvent } from '../../canonical-event.js';
import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { getOwn, got, isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import { applyTimeClamp } from '../../normalizers/time-clamp.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind } from '../source-kind.js';
import { readGeneration } from './generation.js';
import { readItem, traceIdOf } from './item.js';
import type { IngestionItem } from './item.js';
import { readObservationLog } from './observation-log.js';
import { readScore } from './score.js';
import { readTrace } from './trace.js';
import { TraceContexts } from './trace-context.js';
import type { TraceContext } from './trace-context.js';

export { langfuseMultiStatus } from './multi-status.js';
export type { LangfuseMultiStatus } from './multi-status.js';

type Reader = (item: IngestionItem, trace: TraceContext | undefined) => NormalisedEvent | undefined;

/** Types that become events; trace-create is read first (its context), the rest are skipped. */
const READERS: ReadonlyMap<string, Reader> = new Map<string, Reader>([
  ['generation-create', readGeneration],
  ['generation-update', readGeneration],
  ['score-create', readScore],
  ['event-create', readObservationLog],
  ['span-create', readObservationLog],
]);

/** Why a known type makes no event, for the warning (never skipped silently). */
const SKIPPED: ReadonlyMap<string, string> = new Map([
  ['span-update', 'it repeats its span-create with an end time'],
  ['sdk-log', 'it is the SDK talking about itself'],
  ['observation-create', 'the legacy untyped observation; send generation-/span-/event-create'],
  ['observation-update', 'the legacy untyped observation; send generation-/span-/event-create'],
]);

/**
 * Langfuse's legacy ingestion API (`POST /api/public/ingestion`, ingest-formats §12.2):
 * `{batch: [{id, timestamp, type, body}], metadata}`. generation-create/-update → `llm`,
 * score-create → `feedback`, event-create/span-create → `log`. trace-create makes no event:
 * its user and session are remembered per trace id (ctx.memory, 6 h) and put on the events of
 * that trace, in this batch or later ones. An observation that arrives before its trace still
 * makes its event, without user/session: Langfuse SDKs batch by time, not by trace, so waiting
 * could hold events forever. Each batch item is refused on its own; `langfuseMultiStatus`
 * turns the result into Langfuse's 207 answer for a drop-in endpoint.
 */
export const langfuseKind: SourceKind<undefined> = {
  type: 'langfuse',
  title: 'Langfuse ingestion API batches (traces, generations, scores)',
  category: 'llm',
  contentTypes: ['application/json'],
  auth: ['basic', 'bearer'],
  async normalise(request, ctx): Promise<NormaliseResult> {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: 'a Langfuse ingestion batch ({"batch": [{id, timestamp, type, body}]})',
    });
    if (!parsed.ok) return findings.result([]);
    if (!isJsonObject(parsed.value)) {
      root.error(
        `must be a Langfuse ingestion batch, a JSON object {"batch": [...]}; got ${got(parsed.value)}.${Array.isArray(parsed.value) ? ' Wrap the array as {"batch": [...]}.' : ''}`,
      );
      return findings.result([]);
    }
    const batch = readBatch(parsed.value, root);
    if (batch === undefined) return findings.result([]);
    const sdk = sdkLabels(parsed.value, root);
    const contexts = new TraceContexts(ctx.memory);
    const items = batch.map((value, index) =>
      readItem(value, root.child('batch').batchItem(index)),
    );
    // Traces first, so a generation listed before its trace in the same batch still joins.
    for (const item of items)
      if (item?.type === 'trace-create') await rememberTrace(item, contexts);
    const skipped = new Map<string, number>();
    for (const item of items) {
      if (item === undefined || item.type === 'trace-create') continue;
      const reader = READERS.get(item.type);
      if (reader === undefined) {
        skipped.set(item.type, (skipped.get(item.type) ?? 0) + 1);
        continue;
      }
      const traceId = traceIdOf(item.body);
      const event = reader(
        item,
        traceId === undefined ? undefined : await contexts.recall(traceId),
      );
      // An incomplete item has errors already, so batch() drops its event; read for the reasons.
      if (event === undefined || !item.complete) continue;
      findings.emit(finish(event, sdk, ctx, item), item.at);
    }
    warnSkipped(skipped, root.child('batch'));
    return findings.batch();
  },
};

/** `batch` must be an array; a lone event object is still checked, so every fix comes at once. */
function readBatch(message: JsonObject, root: Location): unknown[] | undefined {
  const batch = getOwn(message, 'batch');
  const at = root.child('batch');
  if (Array.isArray(batch)) return batch as unknown[];
  if (batch === undefined) {
    at.error('is required: the array of ingestion events ({id, timestamp, type, body}).');
    return undefined;
  }
  at.error(
    `must be an array of ingestion events; got ${got(batch)}.${isJsonObject(batch) ? ' Wrap the event in [ ].' : ''}`,
  );
  if (isJsonObject(batch)) {
    const item = readItem(batch, at);
    const reader = item === undefined ? undefined : READERS.get(item.type);
    if (item !== undefined && reader !== undefined) reader(item, undefined);
    if (item?.type === 'trace-create') readTrace(item);
  }
  return undefined;
}

async function rememberTrace(item: IngestionItem, contexts: TraceContexts): Promise<void> {
  const trace = readTrace(item);
  if (!item.complete) return;
  if (trace?.traceId !== undefined && Object.keys(trace.context).length > 0)
    await contexts.remember(trace.traceId, trace.context);
}

/** `metadata.sdk_name`/`sdk_version` as labels: which client sent it helps when data looks off. */
function sdkLabels(message: JsonObject, root: Location): Record<string, string> {
  const metadata = getOwn(message, 'metadata');
  if (metadata === undefined || metadata === null) return {};
  if (!isJsonObject(metadata)) {
    root.child('metadata').warn(`is not an object (got ${got(metadata)}); it was ignored.`);
    return {};
  }
  const labels: Record<string, string> = {};
  for (const [key, label] of [
    ['sdk_name', 'sdk_name'],
    ['sdk_version', 'sdk_version'],
  ] as const) {
    const value = getOwn(metadata, key);
    if (typeof value === 'string' && value !== '') labels[label] = value;
  }
  return labels;
}

function finish(
  event: NormalisedEvent,
  sdk: Record<string, string>,
  ctx: SourceContext,
  item: IngestionItem,
): NormalisedEvent {
  for (const [key, value] of Object.entries(sdk)) event.labels[key] ??= value;
  return applyTimeClamp(event, ctx.now, item.at.child('timestamp'));
}

function warnSkipped(skipped: ReadonlyMap<string, number>, at: Location): void {
  for (const [type, count] of skipped) {
    const why = SKIPPED.get(type) ?? 'Cordon does not map this type (yet)';
    at.warn(`${count} "${type}" event(s) accepted without making Cordon events: ${why}.`);
  }
}
