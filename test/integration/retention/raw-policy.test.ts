import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import { DEFAULT_KEEP_POLICY } from '../../../src/ingest/keep-policy.js';
import type { RawPolicy } from '../../../src/ingest/keep-policy.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { DeadLetterStore } from '../../../src/store/dead-letters.js';
import { EventLog } from '../../../src/store/event-log.js';
import { SAMPLES } from '../../helpers/cordon.js';
import { useStoreRedis } from '../store/store-helpers.js';

/** CORDON_RETENTION_RAW: whether an event's original item is stored beside it. */
const env = useStoreRedis('ret-raw');
const FIRING = readFileSync(`${SAMPLES}ingest/alertmanager-webhook-firing.json`);
const NOW = Date.now();

function withoutRaw(event: object | undefined): object | undefined {
  if (!event) return event;
  const { raw: _raw, ...rest } = event as { raw?: unknown };
  return rest;
}

async function ingestFiring(policy: RawPolicy) {
  const keys = env.fresh(policy);
  const log = new EventLog(env.t.redis, keys);
  const service = new IngestService({
    sources: new Map([
      ['am', { name: 'am', type: 'alertmanager', keep: { ...DEFAULT_KEEP_POLICY, raw: policy } }],
    ]),
    log,
    deadLetters: new DeadLetterStore(env.t.redis, keys, {
      maxEntries: 10,
      bodyLimitBytes: 1024,
      maxBytes: 1 << 20,
      maxAgeMs: 86_400_000,
    }),
    clock: new ManualClock(NOW),
    metrics: new Metrics(),
    logger: createLogger('silent'),
    dedupeWindowMs: 86_400_000,
  });
  const outcome = await service.ingest(
    'am',
    { body: FIRING, contentType: 'application/json' },
    'test',
  );
  expect(outcome.accepted).toBeGreaterThan(0);
  return Promise.all(outcome.events.map(async (e) => (await log.get('am', e.id))?.event));
}

describe('raw retention policy', () => {
  it('keeps the original alert as raw by default, and stores the canonical event only on drop', async () => {
    const kept = await ingestFiring('always');
    const dropped = await ingestFiring('none');
    expect(kept.every((e) => e?.raw !== undefined)).toBe(true);
    expect(dropped.every((e) => e !== undefined && !('raw' in e))).toBe(true);
    // Everything a rule can read is the same either way.
    expect(dropped).toEqual(kept.map((e) => withoutRaw(e)));
  });
});
