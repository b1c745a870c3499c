import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareStreamIds } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import {
  eventually,
  metricValue,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../../helpers/cordon.js';

/**
 * Soak: the whole of Cordon in one process ingests at several times what the old trim could
 * remove (10,000 entries a minute, ~170/s), with a playbook writing every kind of record, and
 * everything Redis holds for it stays flat. Bounded: ~25 s of ingest; bench/retention-soak.mjs
 * is the longer variant over real HTTP.
 */
const CONTENT = fileURLToPath(new URL('../../fixtures/content/retention-soak/', import.meta.url));
const TICK_MS = 100;
const PER_TICK = 100; // 1,000 events/s, ~6x the old trim rate
const TICKS = 240;
const RETENTION_MS = 2_000;

interface Sample {
  readonly at: number;
  readonly logLength: number;
  readonly keys: number;
  readonly bytes: number;
  /** How long past its retention the oldest entry retention may delete has stayed (0: none). */
  readonly overdueMs: number;
  /** Keys of single records (an incident, a run, an effect, a case, a limited key). */
  readonly recordKeys: readonly string[];
}

/** The deletion may trail by a sweep interval and a busy event loop, not by the whole run. */
const SLACK_MS = 5_000;
const PARTITIONS = 16;

let t: TestCordon;
beforeAll(async () => {
  t = await startTestCordon({
    contentDir: CONTENT,
    env: {
      CORDON_EVENT_RETENTION_MS: String(RETENTION_MS),
      CORDON_DEDUPE_WINDOW_MS: String(RETENTION_MS),
      CORDON_CORRELATE_CHECKPOINT_MS: '200',
      CORDON_RETENTION_SWEEP_INTERVAL_MS: '250',
      CORDON_RETENTION_INCIDENTS_IDLE_MS: '1000',
      CORDON_RETENTION_INCIDENTS_RESOLVED_MS: '1000',
      CORDON_RETENTION_RUNS_MS: '1000',
      CORDON_RETENTION_EFFECTS_MS: '1000',
      CORDON_RETENTION_CASES_MS: '1000',
      CORDON_RETENTION_LIMITER_HISTORY_MS: '1000',
    },
  });
});
afterAll(async () => {
  await t?.stop();
});

/** Keys under the test's prefix except BullMQ's (its completed jobs keep their own retention). */
async function sample(keys: Keys, start: number): Promise<Sample> {
  const redis = t.store.redis;
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${keys.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch.filter((k) => !k.startsWith(keys.bullPrefix)));
  } while (cursor !== '0');
  const pipeline = redis.pipeline();
  for (const k of found) pipeline.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
  const sizes = (await pipeline.exec()) ?? [];
  const now = Date.now();
  const offsets = await Promise.all(
    Array.from({ length: PARTITIONS }, (_, p) => redis.hget(keys.partitionMeta(p), 'offset')),
  );
  const keepFrom = offsets
    .map((o) => o ?? '0-0')
    .reduce((a, b) => (compareStreamIds(a, b) <= 0 ? a : b));
  const [oldest] = await redis.xrange(keys.eventLog, '-', '+', 'COUNT', 1);
  const deletable = oldest !== undefined && compareStreamIds(oldest[0], keepFrom) <= 0;
  const oldestMs = oldest ? Number(oldest[0].split('-')[0]) : now;
  const record = new RegExp(
    `^${keys.prefix}:\\{c\\}:(inc:(?!index$|open$|bymatch)|run:(?!index$|active$)|apr:(?!index$|pending$)|effect:|case:(?!index$|dedupe$)|lim:(rule|history):)`,
  );
  return {
    at: now - start,
    logLength: await redis.xlen(keys.eventLog),
    keys: found.length,
    bytes: sizes.reduce((sum, [, size]) => sum + Number(size ?? 0), 0),
    overdueMs: deletable ? Math.max(0, now - RETENTION_MS - oldestMs) : 0,
    recordKeys: found.filter((k) => record.test(k)),
  };
}

function body(tick: number): string {
  const lines: string[] = [];
  const time = Date.now();
  // Two login failures of a new user each tick: an incident, a run, two effects, a limit, a case.
  for (const n of [0, 1])
    lines.push(
      JSON.stringify({
        id: `f-${tick}-${n}`,
        time,
        kind: 'login',
        outcome: 'failure',
        entity: { user: `attacker-${tick}`, ip: '203.0.113.7' },
      }),
    );
  for (let i = 2; i < PER_TICK; i += 1)
    lines.push(
      JSON.stringify({
        id: `i-${tick}-${i}`,
        time,
        kind: 'inference',
        entity: { api_key: `key-${i % 50}`, model: 'support-llm' },
        measures: { latency_ms: 40 + (i % 17), tokens_in: 300 + i, tokens_out: 80 },
        labels: { region: 'eu-west', route: '/v1/chat/completions' },
        text: { prompt: `Summarise ticket ${tick}-${i} for the customer in two sentences.` },
      }),
    );
  return `${lines.join('\n')}\n`;
}

describe('retention soak', () => {
  it('keeps every record bounded at ~1,000 events/s and deletes all of it once ingest stops, losing nothing', async () => {
    const keys = new Keys(t.store.prefix);
    const start = Date.now();
    const samples: Sample[] = [];
    let sent = 0;
    for (let tick = 0; tick < TICKS; tick += 1) {
      const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body(tick), {
        'content-type': 'application/x-ndjson',
      });
      expect(res.statusCode).toBe(202);
      sent += PER_TICK;
      if (tick % 10 === 9) samples.push(await sample(keys, start));
      const wait = start + (tick + 1) * TICK_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const seconds = (Date.now() - start) / 1000;
    const rate = sent / seconds;

    // Nothing accepted was lost: every attacker's incident was opened.
    await eventually(
      async () =>
        (await metricValue(t, 'cordon_incidents_opened_total')) >= TICKS ? true : undefined,
      `${TICKS} incidents`,
      30_000,
    );
    const removed = await metricValue(t, 'cordon_retention_removed_total');
    // Shown when an expectation fails: the run, sample by sample.
    const summary = [
      `${sent} events in ${seconds.toFixed(1)} s (${Math.round(rate)}/s); ${removed} records removed`,
      ...samples.map(
        (s) =>
          `${s.at} ms: log ${s.logLength}, keys ${s.keys} (records ${s.recordKeys.length}), ${s.bytes} bytes, overdue ${s.overdueMs} ms`,
      ),
    ].join('\n');

    // Bounded at any moment: no entry the log may drop outstays its retention by more than
    // the slack (without retention the oldest would be the whole run old), and single-record
    // keys stay under half of what the run leaves without retention (at least 8 a user: an
    // incident, its matches and runs, a run, its timeline and applied set, two effects, ...).
    for (const s of samples) expect(s.overdueMs, summary).toBeLessThanOrEqual(SLACK_MS);
    expect(Math.max(...samples.map((s) => s.recordKeys.length)), summary).toBeLessThan(
      (8 * TICKS) / 2,
    );
    expect(removed, summary).toBeGreaterThan(sent / 2);
    expect(await metricValue(t, 'cordon_retention_incidents_closed_total')).toBeGreaterThan(0);

    // Once ingest stops, every kind of record is deleted in turn: the log empties, no record
    // key is left, and memory falls far below its peak.
    const peak = Math.max(...samples.map((s) => s.bytes));
    const drained = await eventually(
      async () => {
        const s = await sample(keys, start);
        return s.logLength === 0 && s.recordKeys.length === 0 ? s : undefined;
      },
      'the records of the soak to be deleted',
      30_000,
    );
    expect(drained.bytes, summary).toBeLessThan(peak / 4);
  }, 90_000);
});
