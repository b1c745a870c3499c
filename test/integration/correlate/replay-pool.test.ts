/**
 * The replay pool's threads (real worker threads, built code) on the shipped pack: however many
 * threads get chunks, and however that number changes during a replay, the matches are those of
 * a replay on one thread, in the same order.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import { loadContent, type Content } from '../../../src/content.js';
import { engineOptions } from '../../../src/correlate/engine-options.js';
import { Replay, readRecordedLine } from '../../../src/correlate/replay.js';
import { ReplayPool } from '../../../src/correlate/replay-pool.js';
import type { RuleStats } from '../../../src/correlate/engine/rule-stats.js';
import type { ThreadAdvice, ThreadChange } from '../../../src/correlate/thread-demand.js';
import { REPO_ROOT } from '../../helpers/cordon.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const KEYS = 30;

/** One chunk per key: 101 requests within a minute (the extraction rule's threshold). */
function chunks(): string[] {
  return Array.from(
    { length: KEYS },
    (_, k) =>
      Array.from({ length: 101 }, (_, i) =>
        JSON.stringify({
          id: `k${k}-${i}`,
          time: T0 + k * 1_000 + i * 500,
          kind: 'inference',
          name: 'predict',
          entity: { api_key: `key-${k}`, model: 'm1' },
        }),
      ).join('\n') + '\n',
  );
}

function replayOf(content: Content, onMatch: (id: string) => void): Replay {
  const options = engineOptions(loadConfig({}, REPO_ROOT).correlate, content.connectors, 1);
  return new Replay(content.rules, options, (m) => onMatch(m.matchId), 0);
}

/** Begins `pool` on the shipped pack's settings, with `sources` for its threads. */
function beginPool(
  pool: ReplayPool,
  content: Content,
  replay: Replay,
  rules?: Content['rules'],
  sources: Content['ruleSources'] = content.ruleSources,
): void {
  const options = engineOptions(loadConfig({}, REPO_ROOT).correlate, content.connectors, 1);
  pool.begin({ sources, options, now: T0, defaultSource: 'replay' }, replay, rules);
}

async function throughPool(
  content: Content,
  pool: ReplayPool,
  input: readonly string[],
  rules?: Content['rules'],
): Promise<string[]> {
  const ids: string[] = [];
  const replay = replayOf(content, (id) => ids.push(id));
  beginPool(pool, content, replay, rules);
  for (const text of input) {
    const bytes = new TextEncoder().encode(text);
    await pool.send(bytes.buffer, bytes.length, 'events.ndjson');
  }
  await pool.finish();
  replay.finish();
  return ids;
}

/** Sends every chunk of `input` through `pool`, then finishes it and `replay`. */
async function sendAll(pool: ReplayPool, replay: Replay, input: readonly string[]): Promise<void> {
  for (const text of input) {
    const bytes = new TextEncoder().encode(text);
    await pool.send(bytes.buffer, bytes.length, 'events.ndjson');
  }
  await pool.finish();
  replay.finish();
}

/** The matches of a replay of `input` read line by line on this thread, no pool. */
function serialIds(content: Content, input: readonly string[]): string[] {
  return serial(content, input).ids;
}

function serial(content: Content, input: readonly string[]): { ids: string[]; replay: Replay } {
  const ids: string[] = [];
  const inline = replayOf(content, (id) => ids.push(id));
  for (const text of input)
    for (const line of text.split('\n').filter(Boolean)) {
      const read = readRecordedLine(line, T0, 'replay');
      if (read.ok === true) inline.push(read.event);
    }
  inline.finish();
  expect(ids.length).toBeGreaterThanOrEqual(KEYS);
  return { ids, replay: inline };
}

/** A replay's per-rule figures, without the timings (which differ from run to run). */
function counts(replay: Replay): Record<string, Omit<RuleStats, 'evalMs'>> {
  return Object.fromEntries(
    [...replay.stats()].map(([rule, { evalMs: _, ...rest }]) => [rule, rest]),
  );
}

/** A demand that asks for the given change at the given chunks, and records the thread count. */
function scripted(
  at: Readonly<Record<number, ThreadChange>>,
  seen: number[],
  pool: () => ReplayPool,
): ThreadAdvice {
  let n = 0;
  return {
    applied(): ThreadChange {
      seen.push(pool().threads);
      n += 1;
      return at[n] ?? 'same';
    },
    grew(): void {},
  };
}

describe('replay pool', () => {
  it('finds the same matches in the same order while the threads it uses change', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    const input = chunks();
    const serial = serialIds(content, input);

    // Two threads; one fewer after the 5th chunk applied, one more after the 15th.
    const seen: number[] = [];
    const pool: ReplayPool = new ReplayPool(2, {
      least: 1,
      maxInFlight: 2,
      demand: scripted({ 5: 'fewer', 15: 'more' }, seen, () => pool),
    });
    try {
      expect(await throughPool(content, pool, input)).toEqual(serial);
    } finally {
      await pool.close();
    }
    expect(seen.slice(0, 5)).toEqual([2, 2, 2, 2, 2]);
    expect(seen.slice(5, 15)).toEqual(Array(10).fill(1));
    expect(seen.slice(15).every((t) => t === 2)).toBe(true);
    expect(pool.handed.reduce((a, b) => a + b, 0)).toBe(KEYS);
    // Two in flight alternate between two threads; the ten or so sent while one was in use all
    // went to the first (about 20 against 10; alternating throughout would be 15 and 15).
    const [first = 0, second = 0] = pool.handed;
    expect(second).toBeGreaterThan(0);
    expect(first - second).toBeGreaterThanOrEqual(6);
  });

  it('keeps to one thread when told so from the start, and never below `least`', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    const seen: number[] = [];
    const pool: ReplayPool = new ReplayPool(2, {
      least: 1,
      maxInFlight: 2,
      demand: scripted({ 1: 'fewer', 2: 'fewer', 3: 'fewer' }, seen, () => pool),
    });
    try {
      await throughPool(content, pool, chunks());
    } finally {
      await pool.close();
    }
    expect(pool.threads).toBe(1);
    // Two in flight would alternate; only what was sent before the first chunk was applied
    // went to the second thread.
    expect(pool.handed[1]).toBeLessThanOrEqual(2);
    expect(pool.handed[0]).toBeGreaterThanOrEqual(KEYS - 2);
  });

  it('fails, rather than waits forever, when a thread stops', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    const pool = new ReplayPool(2, { maxInFlight: 2 });
    const replay = replayOf(content, () => undefined);
    // Rules that do not build: each thread throws as it starts and stops.
    const broken = [{ file: 'bad.yaml', text: 'title: [unclosed' }];
    beginPool(pool, content, replay, undefined, broken);
    // Let them stop first: a chunk asked for after a thread failed must fail too, not wait.
    await new Promise((resolve) => setTimeout(resolve, 500));
    try {
      const sending = (async (): Promise<void> => {
        for (const text of chunks()) {
          const bytes = new TextEncoder().encode(text);
          await pool.send(bytes.buffer, bytes.length, 'events.ndjson');
        }
        await pool.finish();
      })();
      await expect(sending).rejects.toThrow(/rules do not build|replay thread stopped/);
    } finally {
      await pool.close();
    }
  });

  it('when it can route here, leaves out a thread that fails before its first chunk, however late', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    const input = chunks();
    const serial = serialIds(content, input);
    // Rules the threads cannot build (each fails as it starts); this thread has good ones.
    const broken = [{ file: 'bad.yaml', text: 'title: [unclosed' }];
    for (const waitMs of [0, 500]) {
      const pool = new ReplayPool(2, { maxInFlight: 2, routeHere: true });
      const ids: string[] = [];
      const replay = replayOf(content, (id) => ids.push(id));
      try {
        beginPool(pool, content, replay, content.rules, broken);
        // Before or after the threads failed: the same outcome.
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        await sendAll(pool, replay, input);
      } finally {
        await pool.close();
      }
      expect(ids).toEqual(serial);
      expect(pool.routedHere).toBe(KEYS);
      expect(pool.ready).toBe(0);
    }
  });

  it('routes a chunk longer than one decoded slice whole: UTF-8, long lines, bad-line numbers', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    // ~2,400 lines, ~400 kB: the worker decodes it in several slices (SLICE_BYTES, 96 KiB). A
    // model name in UTF-8 on every 7th line, a line of ~200 kB (longer than a slice), and
    // bad lines on either side of it.
    const lines = Array.from({ length: 2_400 }, (_, i) =>
      JSON.stringify({
        id: `e${i}`,
        time: T0 + i * 100,
        kind: 'inference',
        name: 'predict',
        entity: { api_key: `key-${i % 3}`, model: i % 7 === 0 ? 'modèle-été' : 'm1' },
        ...(i === 1_200 ? { labels: { note: 'x'.repeat(200_000) } } : {}),
      }),
    );
    lines[700] = 'not json';
    lines[2_100] = '{"id": "half';
    const text = `${lines.join('\n')}\n`;
    expect(new TextEncoder().encode(text).length).toBeGreaterThan(4 * 96 * 1024);

    const serial: string[] = [];
    const inline = replayOf(content, (id) => serial.push(id));
    for (const line of lines) {
      const read = readRecordedLine(line, T0, 'replay');
      if (read.ok === true) inline.push(read.event);
    }
    inline.finish();
    expect(inline.events).toBe(2_398);
    expect(serial.length).toBeGreaterThan(0);

    const pool = new ReplayPool(1);
    const ids: string[] = [];
    const replay = replayOf(content, (id) => ids.push(id));
    try {
      beginPool(pool, content, replay);
      const bytes = new TextEncoder().encode(text);
      await pool.send(bytes.buffer, bytes.length, 'events.ndjson');
      await pool.finish();
      replay.finish();
    } finally {
      await pool.close();
    }
    expect(replay.events).toBe(2_398);
    expect(ids).toEqual(serial);
    // Numbered by line in the file, across slices.
    expect(pool.bad.map((b) => b.split(': ')[0])).toEqual([
      'events.ndjson:701',
      'events.ndjson:2101',
    ]);
  });

  it('refuses a thread count that is not a whole number of 0 or more', () => {
    expect(() => new ReplayPool(-1)).toThrow(RangeError);
    expect(() => new ReplayPool(1.5)).toThrow(RangeError);
  });

  it('routes every chunk on this thread when it has no threads, with the same matches', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    // Events without the key the rules group by are counted apart (withoutGroup) by the
    // engine that routes them: the figures of the thread that routed come back too.
    const input = [
      ...chunks(),
      `${JSON.stringify({ id: 'nokey', time: T0 + 60_000, kind: 'inference', name: 'predict', entity: { model: 'm1' } })}\n`,
    ];
    const alone = serial(content, input);
    const pool = new ReplayPool(0);
    const ids: string[] = [];
    const replay = replayOf(content, (id) => ids.push(id));
    try {
      beginPool(pool, content, replay, content.rules);
      await sendAll(pool, replay, input);
    } finally {
      await pool.close();
    }
    expect(ids).toEqual(alone.ids);
    expect(Object.values(counts(alone.replay)).some((c) => c.withoutGroup > 0)).toBe(true);
    expect(counts(replay)).toEqual(counts(alone.replay));
    expect(pool.routedHere).toBe(KEYS + 1);
    expect(pool.handed).toEqual([]);
    // Without the rules it has nothing to route with.
    const bare = new ReplayPool(0);
    expect(() => beginPool(bare, content, replay)).toThrow(/needs the rules/);
  });

  it('routes chunks on this thread until a thread has its rules, then hands them over', async () => {
    const { content } = await loadContent(REPO_ROOT, { playbooks: false });
    if (!content) throw new Error('the shipped content does not load');
    const input = chunks();
    const serial = serialIds(content, input);
    const pool = new ReplayPool(2, { maxInFlight: 4, routeHere: true });
    const ids: string[] = [];
    const replay = replayOf(content, (id) => ids.push(id));
    try {
      beginPool(pool, content, replay, content.rules);
      const send = async (text: string): Promise<void> => {
        const bytes = new TextEncoder().encode(text);
        await pool.send(bytes.buffer, bytes.length, 'events.ndjson');
      };
      // Sent before a thread could have said it is ready (that takes a turn of the event
      // loop at least): routed here. Then the threads take the rest.
      await send(input[0] as string);
      await send(input[1] as string);
      expect(pool.routedHere).toBe(2);
      while (pool.ready === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      for (const text of input.slice(2)) await send(text);
      await pool.finish();
      replay.finish();
    } finally {
      await pool.close();
    }
    expect(ids).toEqual(serial);
    expect(pool.routedHere).toBe(2);
    expect(pool.handed.reduce((a, b) => a + b, 0)).toBe(KEYS - 2);
  });
});
