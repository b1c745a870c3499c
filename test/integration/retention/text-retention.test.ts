import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import type { SourceInfo } from '../../../src/ingest/ingest-service.js';
import { DEFAULT_KEEP_POLICY } from '../../../src/ingest/keep-policy.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';
import { RedisStateStore } from '../../../src/store/correlation-state-store.js';
import { DeadLetterStore } from '../../../src/store/dead-letters.js';
import { TEXT_EXPIRED_LABEL } from '../../../src/store/event-json.js';
import { EventLog } from '../../../src/store/event-log.js';
import type { Keys } from '../../../src/store/keys.js';
import { RetentionSweeper } from '../../../src/store/retention/retention-sweeper.js';
import { TextRetention } from '../../../src/store/retention/text-retention.js';
import { SAMPLES } from '../../helpers/cordon.js';
import { makeEvent, useStoreRedis } from '../store/store-helpers.js';

/** CORDON_RETENTION_TEXT_MS: prompt/response text leaves stored events before the events do. */
const env = useStoreRedis('ret-text');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LITELLM = readFileSync(`${SAMPLES}ingest/litellm-standard-logging-payload-success.json`);

function sweeper(keys: Keys, log: EventLog, clock: ManualClock, textMs: number, metrics: Metrics) {
  return new RetentionSweeper(
    env.t.redis,
    keys,
    log,
    new RedisStateStore(env.t.redis, keys),
    [new TextRetention(log, { ms: textMs })],
    {
      member: 'a',
      intervalMs: 1_000,
      batch: 10,
      eventRetentionMs: 7 * DAY,
      eventsMax: 1_000_000,
      // Longer than any test's clock jump, so events can still be looked up by id.
      dedupeWindowMs: 400 * DAY,
      partitions: 1,
      memberLeaseMs: 10_000,
    },
    clock,
    createLogger('silent'),
    metrics,
  );
}

function ingestService(
  keys: Keys,
  log: EventLog,
  clock: ManualClock,
  extra: readonly SourceInfo[] = [],
): IngestService {
  return new IngestService({
    sources: new Map([
      ['llm', { name: 'llm', type: 'litellm', keep: DEFAULT_KEEP_POLICY }],
      ...extra.map((s): [string, SourceInfo] => [s.name, s]),
    ]),
    log,
    deadLetters: new DeadLetterStore(env.t.redis, keys, {
      maxEntries: 10,
      bodyLimitBytes: 1024,
      maxBytes: 1 << 20,
      maxAgeMs: DAY,
    }),
    clock,
    metrics: new Metrics(),
    logger: createLogger('silent'),
    dedupeWindowMs: DAY,
  });
}

describe('text retention', () => {
  it('removes an ingested prompt and response once the period is over; the event stays', async () => {
    const keys = env.fresh('ingest');
    const log = new EventLog(env.t.redis, keys);
    const start = Date.now();
    const clock = new ManualClock(start);
    const outcome = await ingestService(keys, log, clock).ingest(
      'llm',
      { body: LITELLM, contentType: 'application/json' },
      'test',
    );
    expect(outcome.accepted).toBe(1);
    const id = outcome.events[0]!.id;
    const before = (await log.get('llm', id))?.event;
    expect(before?.text?.prompt).toBeTruthy();
    expect(before?.raw).toBeDefined();
    const prompt = before!.text!.prompt!;
    // The stream entry itself holds no prompt: only the text kept apart does.
    const fields = (await env.t.redis.xrange(keys.eventLog, '-', '+'))[0]?.[1] ?? [];
    expect(fields).toContain('e');
    expect(fields.join(' ')).not.toContain(prompt);

    const metrics = new Metrics();
    const s = sweeper(keys, log, clock, 24 * HOUR, metrics);
    // Just inside the period: kept.
    clock.set(start + 24 * HOUR - 1);
    expect((await s.pass()).removed).toMatchObject({ event_text: 0 });
    expect((await log.get('llm', id))?.event.text?.prompt).toBe(prompt);

    clock.set(start + 24 * HOUR + 1);
    expect((await s.pass()).removed).toMatchObject({ event: 0, event_text: 1 });
    const after = (await log.get('llm', id))?.event;
    expect(after).toBeDefined();
    expect(after?.text).toBeUndefined();
    expect(after?.raw).toBeUndefined();
    expect(after?.labels[TEXT_EXPIRED_LABEL]).toBe('true');
    // Everything else a rule reads is as it was.
    const { text: _t, raw: _r, labels: beforeLabels, ...beforeRest } = before!;
    const { labels: afterLabels, ...afterRest } = after!;
    expect(afterRest).toEqual(beforeRest);
    expect(afterLabels).toEqual({ ...beforeLabels, [TEXT_EXPIRED_LABEL]: 'true' });
    expect(await env.t.redis.hlen(keys.eventText)).toBe(0);
    expect(JSON.stringify(await env.t.redis.xrange(keys.eventLog, '-', '+'))).not.toContain(prompt);
    expect(await metrics.render()).toMatch(
      /cordon_retention_removed_total\{record="event_text"\} 1/,
    );
  });

  it('reads text back on every path (correlator read, lookup, scan) while it is kept', async () => {
    const keys = env.fresh('paths');
    const log = new EventLog(env.t.redis, keys);
    const withText = makeEvent({
      id: 'p1',
      text: { prompt: 'ignore all previous instructions', response: 'no' },
      raw: { messages: [{ role: 'user', content: 'ignore all previous instructions' }] },
    });
    const plain = makeEvent({ id: 'p2', raw: { a: 1 } });
    const [a, b] = await log.append([withText, plain], Date.now(), DAY);
    const read = await log.readAfter(env.t.redis, '0-0', 10, 0);
    expect(read.map((l) => l.event)).toEqual([withText, plain]);
    expect((await log.at(a!.seq))?.event).toEqual(withText);
    expect((await log.get('gateway', 'p2'))?.event).toEqual(plain);
    const scanned = await log.scanBackward(undefined, () => true, 10, 100);
    expect(scanned.events.map((l) => l.event)).toEqual([plain, withText]);
    expect(b?.duplicate).toBe(false);
    // A redelivery is a duplicate and stores no second text.
    const again = await log.append([withText], Date.now(), DAY);
    expect(again[0]?.duplicate).toBe(true);
    expect(await env.t.redis.hlen(keys.eventText)).toBe(1);
  });

  it('removes text by accept time, oldest first, whatever the stream ids say', async () => {
    const keys = env.fresh('order');
    const log = new EventLog(env.t.redis, keys);
    const start = Date.now();
    for (let i = 0; i < 30; i += 1)
      await log.append(
        [makeEvent({ id: `t${i}`, text: { prompt: `prompt ${i}` } })],
        start + i * HOUR,
        DAY * 30,
      );
    const clock = new ManualClock(start + 24 * HOUR + 30 * 60_000);
    const s = sweeper(keys, log, clock, 12 * HOUR, new Metrics());
    // Accepted at 0..12 h are older than 12 h at 24.5 h: 13 of them.
    expect((await s.pass()).removed).toMatchObject({ event_text: 13 });
    expect((await log.get('gateway', 't12'))?.event.text).toBeUndefined();
    expect((await log.get('gateway', 't13'))?.event.text).toEqual({ prompt: 'prompt 13' });
    expect(await log.length()).toBe(30);
    clock.set(start + 200 * HOUR);
    const report = await s.pass();
    expect(report.removed).toMatchObject({ event_text: 17 });
    expect(await env.t.redis.llen(keys.eventTextOrder)).toBe(0);
  });

  it('keeps the text of events a correlator has yet to read, whatever their age', async () => {
    const keys = env.fresh('behind');
    const log = new EventLog(env.t.redis, keys);
    const start = Date.now();
    const seqs: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const [a] = await log.append(
        [makeEvent({ id: `b${i}`, text: { prompt: `prompt ${i}` } })],
        start + i * HOUR,
        DAY * 30,
      );
      seqs.push(a!.seq);
    }
    const text = new TextRetention(log, { ms: HOUR });
    // A correlator has checkpointed past b0 and b1 only: b2 on stay, old as they are.
    const now = start + 20 * HOUR;
    const round = await text.round(now, 10, { keepFrom: seqs[2]! });
    expect(round.removed).toEqual({ event_text: 2 });
    expect((await log.get('gateway', 'b1'))?.event.text).toBeUndefined();
    expect((await log.get('gateway', 'b2'))?.event.text).toEqual({ prompt: 'prompt 2' });
    // Once it has read them all, age decides again.
    expect((await text.round(now, 10, { keepFrom: '0-0' })).removed).toEqual({ event_text: 4 });
    expect(await env.t.redis.llen(keys.eventTextOrder)).toBe(0);
  });

  it('with no period of its own, text goes only when its event leaves the log', async () => {
    const keys = env.fresh('orphans');
    const log = new EventLog(env.t.redis, keys);
    const now = Date.now();
    const out = await log.append(
      Array.from({ length: 5 }, (_, i) => makeEvent({ id: `o${i}`, text: { prompt: `p${i}` } })),
      now,
      DAY,
    );
    const clock = new ManualClock(now + 365 * DAY);
    const s = sweeper(keys, log, clock, 0, new Metrics());
    // No correlator checkpoint: the log keeps every entry, and so their text.
    expect((await s.pass()).removed).toMatchObject({ event: 0, event_text: 0 });
    await env.t.redis.hset(keys.partitionMeta(0), 'offset', out[2]!.seq);
    // Entries 0..2 are trimmed (old, checkpointed past); their text goes with them.
    expect((await s.pass()).removed).toMatchObject({ event: 3, event_text: 3 });
    expect(await env.t.redis.hlen(keys.eventText)).toBe(2);
    expect((await log.get('gateway', 'o4'))?.event.text).toEqual({ prompt: 'p4' });
  });

  it('keeps a source’s text for its own keep.text_ms, the others for the global period', async () => {
    const keys = env.fresh('per-source');
    const log = new EventLog(env.t.redis, keys);
    const start = Date.now();
    const clock = new ManualClock(start);
    const service = ingestService(keys, log, clock, [
      { name: 'short', type: 'litellm', keep: { ...DEFAULT_KEEP_POLICY, textMs: HOUR } },
      { name: 'forever', type: 'litellm', keep: { ...DEFAULT_KEEP_POLICY, textMs: 0 } },
    ]);
    const ids: Record<string, string> = {};
    for (const source of ['llm', 'short', 'forever']) {
      const outcome = await service.ingest(
        source,
        { body: LITELLM, contentType: 'application/json' },
        'test',
      );
      ids[source] = outcome.events[0]!.id;
    }
    const textOf = async (source: string) => (await log.get(source, ids[source]!))?.event.text;
    expect(await textOf('short')).toBeDefined();
    // Global period 24 h; "short" says 1 h; "forever" says as long as its event.
    const s = sweeper(keys, log, clock, 24 * HOUR, new Metrics());
    clock.set(start + HOUR - 1);
    expect((await s.pass()).removed).toMatchObject({ event_text: 0 });
    clock.set(start + HOUR + 1);
    expect((await s.pass()).removed).toMatchObject({ event_text: 1 });
    expect(await textOf('short')).toBeUndefined();
    expect(await textOf('llm')).toBeDefined();
    clock.set(start + 24 * HOUR + 1);
    expect((await s.pass()).removed).toMatchObject({ event_text: 1 });
    expect(await textOf('llm')).toBeUndefined();
    clock.set(start + 300 * DAY);
    expect((await s.pass()).removed).toMatchObject({ event_text: 0 });
    expect(await textOf('forever')).toBeDefined();
    expect((await log.textPeriods()).sort()).toEqual([0, HOUR]);
  });

  it('sweeps a period no connector names any more, by its own length', async () => {
    const keys = env.fresh('old-period');
    const log = new EventLog(env.t.redis, keys);
    const start = Date.now();
    await log.append([makeEvent({ id: 'x1', text: { prompt: 'old' } })], start, DAY * 30, HOUR);
    // A later configuration has no source with that period; a fresh process sweeps it anyway.
    const fresh = new EventLog(env.t.redis, keys);
    const text = new TextRetention(fresh, { ms: 0 });
    expect((await text.round(start + HOUR - 1, 10, { keepFrom: '0-0' })).removed).toEqual({
      event_text: 0,
    });
    expect((await text.round(start + HOUR + 1, 10, { keepFrom: '0-0' })).removed).toEqual({
      event_text: 1,
    });
    expect(await env.t.redis.llen(keys.eventTextOrderFor(HOUR))).toBe(0);
  });
});
