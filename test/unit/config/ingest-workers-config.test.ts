import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultIngestWorkers, loadConfig } from '../../../src/config/load-config.js';

describe('ingest worker thread settings', () => {
  it('default to none below four cores, else cores − 2 (at most 4); 64 KiB bodies, 64 waiting', () => {
    const cores = availableParallelism();
    expect(loadConfig({}, '/x').ingest).toMatchObject({
      workers: cores >= 4 ? Math.min(4, cores - 2) : 0,
      workerMinBytes: 64 * 1024,
      workerQueue: 64,
    });
  });

  it('give a process that only serves the API every core but one (at least 2, at most 4; none on one core)', () => {
    const cores = availableParallelism();
    const apiOnly = cores <= 1 ? 0 : Math.min(4, Math.max(2, cores - 1));
    expect(loadConfig({ CORDON_ROLES: 'api' }, '/x').ingest.workers).toBe(apiOnly);
    expect(loadConfig({ CORDON_ROLES: 'api,correlator' }, '/x').ingest.workers).toBe(
      cores >= 4 ? Math.min(4, cores - 2) : 0,
    );
    expect([1, 2, 3, 4, 5, 8].map((n) => defaultIngestWorkers(['api'], n))).toEqual([
      0, 2, 2, 3, 4, 4,
    ]);
    expect([2, 3, 4, 6, 8].map((n) => defaultIngestWorkers(['api', 'runner'], n))).toEqual([
      0, 0, 2, 4, 4,
    ]);
    expect(defaultIngestWorkers(['correlator'], 2)).toBe(0);
    expect(loadConfig({ CORDON_ROLES: 'api,api' }, '/x').ingest.workers).toBe(apiOnly);
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
