/**
 * Token use reaches the audit trail aggregated: one entry per principal, route and window,
 * however many requests, so ingest traffic cannot flood the trail; a failed append loses nothing.
 */
import { describe, expect, it } from 'vitest';
import type { AuditInput } from '../../../src/audit/audit-entry.js';
import { TokenUseAggregator } from '../../../src/audit/token-use.js';
import type { Principal } from '../../../src/config/principals.js';
import { ManualClock } from '../../../src/shared/clock.js';

const ingest: Principal = { id: 'ingest', roles: ['ingest'], sources: ['*'] };
const analyst: Principal = { id: 'analyst', roles: ['analyst'], sources: [] };
const MINUTE = 60_000;

function setup(failures = 0) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const recorded: AuditInput[] = [];
  const errors: unknown[] = [];
  let failing = failures;
  const aggregator = new TokenUseAggregator(
    {
      async record(input) {
        if (failing > 0) {
          failing -= 1;
          throw new Error('Connection is closed.');
        }
        recorded.push(input);
      },
    },
    clock,
    (err) => errors.push(err),
  );
  return { clock, recorded, errors, aggregator };
}

describe('token use', () => {
  it('records one entry per principal and route per minute, with the request count', async () => {
    const { clock, recorded, aggregator } = setup();
    for (let i = 0; i < 5_000; i += 1) aggregator.note(ingest, 'POST /v1/ingest/:source', true);
    aggregator.note(analyst, 'GET /v1/incidents', true);
    aggregator.note(analyst, 'GET /v1/audit', false);
    await aggregator.flush(clock.now());
    expect(recorded).toEqual([]); // the minute is not over

    clock.advance(MINUTE);
    await aggregator.flush(clock.now());
    expect(recorded).toEqual([
      {
        actor: { id: 'ingest', roles: ['ingest'] },
        action: 'token.used',
        targets: { route: 'POST /v1/ingest/:source' },
        outcome: 'allowed',
        detail: {
          requests: 5_000,
          forbidden: 0,
          windowStart: Date.UTC(2026, 0, 1, 12),
          windowMs: MINUTE,
        },
      },
      expect.objectContaining({ targets: { route: 'GET /v1/incidents' }, outcome: 'allowed' }),
      expect.objectContaining({
        targets: { route: 'GET /v1/audit' },
        outcome: 'forbidden',
        detail: expect.objectContaining({ requests: 1, forbidden: 1 }),
      }),
    ]);
  });

  it('records a closed minute when the next one sees traffic, and everything on stop', async () => {
    const { clock, recorded, aggregator } = setup();
    aggregator.note(ingest, 'POST /v1/ingest/:source', true);
    clock.advance(MINUTE);
    aggregator.note(ingest, 'POST /v1/ingest/:source', true);
    aggregator.note(ingest, 'POST /v1/ingest/:source', true);
    await aggregator.flush(clock.now()); // waits for the flush the request queued
    expect(recorded.map((r) => r.detail.requests)).toEqual([1]);
    await aggregator.flush(Number.POSITIVE_INFINITY);
    expect(recorded.map((r) => r.detail.requests)).toEqual([1, 2]);
  });

  it('keeps the counts of a failed append for the next flush', async () => {
    const { clock, recorded, errors, aggregator } = setup(1);
    aggregator.note(ingest, 'POST /v1/ingest/:source', true);
    clock.advance(MINUTE);
    await aggregator.flush(clock.now());
    expect(errors).toHaveLength(1);
    expect(recorded).toEqual([]);
    await aggregator.flush(clock.now());
    expect(recorded.map((r) => r.detail.requests)).toEqual([1]);
  });
});
