import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';

describe('ingest worker thread settings', () => {
  it('default to one thread fewer than the cores (at most 4), 64 KiB bodies, 64 waiting', () => {
    expect(loadConfig({}, '/x').ingest).toMatchObject({
      workers: Math.min(4, Math.max(0, availableParallelism() - 1)),
      workerMinBytes: 64 * 1024,
      workerQueue: 64,
    });
  });

  it('take 0 (every body on the main thread) and refuse a bad value by name', () => {
    expect(
      loadConfig(
        {
          CORDON_INGEST_WORKERS: '0',
          CORDON_INGEST_WORKER_MIN_BYTES: '0',
          CORDON_INGEST_WORKER_QUEUE: '8',
        },
        '/x',
      ).ingest,
    ).toMatchObject({ workers: 0, workerMinBytes: 0, workerQueue: 8 });
    expect(() => loadConfig({ CORDON_INGEST_WORKERS: 'two' }, '/x')).toThrow(
      /CORDON_INGEST_WORKERS must be a whole number from 0 to 64; got "two"/,
    );
  });
});
