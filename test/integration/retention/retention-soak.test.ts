import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
}

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
  return {
    at: Date.now() - start,
    logLength: await redis.xlen(keys.eventLog),
    keys: found.length,
    bytes: sizes.reduce((sum, [, size]) => sum + Number(size ?? 0), 0),
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
  it('keeps the log, the key count and the memory flat at ~1,000 events/s, losing nothing', async () => {
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
      ...samples.map((s) => `${s.at} ms: log ${s.logLength}, keys ${s.keys}, ${s.bytes} bytes`),
    ].join('\n');

    // The log holds about the retention's worth of events (plus a sweep and a checkpoint),
    // not the 24,000 sent.
    const third = Math.floor(samples.length / 3);
    const middle = samples.slice(third, 2 * third);
    const last = samples.slice(2 * third);
    const max = (list: Sample[], f: (s: Sample) => number): number => Math.max(...list.map(f));
    expect(
      max(last, (s) => s.logLength),
      summary,
    ).toBeLessThan(rate * (RETENTION_MS / 1000) * 2 + 1_000);
    // Flat: the last third of the run holds no more than the middle third (with a margin for
    // the correlation windows, a minute long, that are still filling), where without
    // retention every record would have grown by half again.
    expect(
      max(last, (s) => s.keys),
      summary,
    ).toBeLessThan(max(middle, (s) => s.keys) * 1.25 + 50);
    expect(
      max(last, (s) => s.bytes),
      summary,
    ).toBeLessThan(max(middle, (s) => s.bytes) * 1.25);
    expect(removed, summary).toBeGreaterThan(sent / 2);
    expect(await metricValue(t, 'cordon_retention_incidents_closed_total')).toBeGreaterThan(0);
  }, 90_000);
});
