import { parentPort, workerData } from 'node:worker_threads';
import { getSourceKind } from '../sources/registry.js';
import type { SourceMemory } from '../sources/source-kind.js';
import { packStoredEvents } from '../../store/event-log.js';
import { storedEvents } from '../stored-batch.js';
import type { PreparedBatch } from '../stored-batch.js';
import type { PoolJob, PoolReply, PoolSource, PoolWorkerInit } from './pool-protocol.js';

/**
 * An ingest worker thread: reads big bodies of stateless kinds (parse, normalise, keep
 * policy, stored JSON) and sends back only text, which the main thread appends. See
 * ingest-pool.ts.
 */
const init = workerData as PoolWorkerInit;
const sources = new Map<string, PoolSource>(init.sources.map((s) => [s.name, s]));

/** Offloaded kinds keep nothing between requests (SourceKind.offload); a use is a bug. */
const NO_MEMORY: SourceMemory = {
  swap: () => Promise.reject(new Error('source memory is not available on an ingest worker')),
  take: () => Promise.reject(new Error('source memory is not available on an ingest worker')),
};

async function prepare(job: PoolJob): Promise<PreparedBatch> {
  const source = sources.get(job.source);
  const kind = source === undefined ? undefined : getSourceKind(source.type);
  if (source === undefined || kind === undefined)
    throw new Error(`the ingest worker does not know source "${job.source}"`);
  const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  const result = await kind.normalise(
    {
      body,
      contentType: job.contentType,
      headers: job.headers,
      ...(job.endpoint === undefined ? {} : { endpoint: job.endpoint }),
      ...(job.query === undefined ? {} : { query: job.query }),
    },
    {
      contentType: job.contentType,
      now: job.now,
      source: source.name,
      maxDepth: init.maxDepth,
      options: source.options,
      memory: NO_MEMORY,
    },
  );
  const carried = kind.offload?.carry?.(body);
  const extra = carried === undefined ? {} : { carried };
  if (!result.ok) return { ok: false, errors: result.errors, ...extra };
  return {
    ok: true,
    events: packStoredEvents(
      source.name,
      storedEvents(
        result.events,
        source.keep,
        { source: source.name, received: job.now },
        kind.category === 'canonical',
        source.partitionBy,
      ),
    ),
    warnings: result.warnings,
    rejected: result.rejected ?? [],
    ...extra,
  };
}

parentPort?.on('message', (job: PoolJob) => {
  prepare(job).then(
    (result) =>
      parentPort?.postMessage(
        { id: job.id, result } satisfies PoolReply,
        // The events' bytes move to the main thread without a copy.
        result.ok && !Array.isArray(result.events)
          ? [result.events.bytes.buffer as ArrayBuffer]
          : [],
      ),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort?.postMessage({
        id: job.id,
        failure: { name: e.name, message: e.message },
      } satisfies PoolReply);
    },
  );
});
