/**
 * The event log split into partitions (CORDON_EVENT_LOG_PARTITIONS) against real Redis: events
 * spread by their partition key, dedupe stays exact, look-ups by seq and by id find events in
 * any partition, GET /v1/events' scan pages newest-first across partitions, the correlators'
 * merged read is one order that does not depend on how it is read, and a quiet or lagging
 * partition neither stalls the others nor lets them run ahead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../../src/ingest/canonical-event.js';
import { partitionOf, partitionRoute } from '../../../src/ingest/event-partition.js';
import { EventLog } from '../../../src/store/event-log.js';
import { Keys } from '../../../src/store/keys.js';
import { parseSeq } from '../../../src/store/log-position.js';
import { compareStreamIds } from '../../../src/store/stream-id.js';
import { keySlot } from '../../../src/store/key-slot.js';
import { masterOf } from '../../../src/store/redis.js';
import { createTestRedis, TEST_REDIS_IS_CLUSTER } from '../../helpers/redis.js';

const env = createTestRedis('event-log-partitions');
afterAll(() => env.cleanup());
let n = 0;
const freshKeys = (): Keys => new Keys(`${env.prefix}-${(n += 1)}`);
const DAY = 86_400_000;

function event(id: string, user: string, time = Date.now(), source = 'gw'): CanonicalEvent {
  return {
    id,
    time,
    received: time,
    source,
    kind: 'login',
    name: 'login',
    severity: 'info',
    outcome: 'success',
    entity: { user },
    measures: {},
    labels: {},
  };
}

/** Users whose events land in each of the 4 partitions (found by the partition function). */
function usersPerPartition(partitions: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.filter(Boolean).length < partitions && i < 1_000; i += 1) {
    const u = `u${i}`;
    const p = partitionOf(partitionRoute(event('x', u)), partitions);
    out[p] ??= u;
  }
  return out;
}

/** Every entry of the merged read from the start, `count` at a time. */
async function readAll(log: EventLog, count: number): Promise<string[]> {
  const seqs: string[] = [];
  let position = '0-0';
  // A round can hand out nothing yet move on: held back by quiet partitions, it marks them, and
  // the next round goes past the marks. Two rounds in a row without progress: all is read.
  let still = 0;
  for (let rounds = 0; rounds < 1_000; rounds += 1) {
    const read = await log.readMerged(env.redis, position, count, 0);
    seqs.push(...read.entries.map((e) => e.seq));
    still = read.position === position ? still + 1 : 0;
    if (still === 2) return seqs;
    position = read.position;
  }
  throw new Error('the merged read never caught up');
}

function sortKey(seq: string): [string, number] {
  const at = parseSeq(seq);
  if (!at) throw new Error(`not a seq: ${seq}`);
  return [at.id, at.partition];
}

describe('EventLog with partitions', () => {
  it('keeps the single-partition keys and seqs of earlier versions', async () => {
    const keys = freshKeys();
    expect(keys.eventPartition(0).log).toBe(keys.eventLog);
    expect(keys.eventLog).toBe(`${keys.prefix}:{e0}:events:log`);
    expect(keys.eventPartition(3).log).toBe(`${keys.prefix}:{e3}:events:log`);
    const log = new EventLog(env.redis, keys);
    const [a] = await log.append([event('a', 'u1')], Date.now(), DAY);
    expect(a?.seq).toMatch(/^\d+-\d+$/);
    expect(await env.redis.xlen(keys.eventLog)).toBe(1);
  });

  it('puts the partitions in different cluster slots, on different masters of a cluster', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const slots = [0, 1, 2, 3].map((p) => keySlot(keys.eventPartition(p).log));
    expect(new Set(slots).size).toBe(4);
    // A 3-master cluster made as redis-cli makes it serves 3 equal slot ranges: the 4
    // partitions' slots fall in all three.
    expect(new Set(slots.map((s) => Math.floor((s * 3) / 16_384))).size).toBe(3);
    const users = usersPerPartition(4);
    await log.append(
      users.map((u, i) => event(`m${i}`, u)),
      Date.now(),
      DAY,
    );
    if (!TEST_REDIS_IS_CLUSTER) return;
    // On the cluster (the `cluster` project): each partition's stream is on its master, and
    // the masters are three.
    const nodes = await Promise.all(
      [0, 1, 2, 3].map((p) => masterOf(env.redis, keys.eventPartition(p).log)),
    );
    expect(new Set(nodes.map((n) => `${n.options.host}:${n.options.port}`)).size).toBe(3);
    for (const [p, node] of nodes.entries())
      expect(await node.xlen(keys.eventPartition(p).log)).toBe(1);
  });

  it('spreads events by their primary entity, and deduplicates each id in its partition', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const users = usersPerPartition(4);
    const events = users.map((u, i) => event(`e${i}`, u));
    const first = await log.append(events, Date.now(), DAY);
    expect(first.map((o) => parseSeq(o.seq)?.partition)).toEqual([0, 1, 2, 3]);
    for (let p = 0; p < 4; p += 1) expect(await env.redis.xlen(keys.eventPartition(p).log)).toBe(1);
    // A resend: every id found again, in its own partition, with the first seq.
    const again = await log.append(events, Date.now(), DAY);
    expect(again.every((o) => o.duplicate)).toBe(true);
    expect(again.map((o) => o.seq)).toEqual(first.map((o) => o.seq));
    expect(await log.length()).toBe(4);
    expect((await log.counters()).added).toBe(4);
    // Look-ups by seq (it names its partition) and by id (every partition's memory asked).
    for (const [i, o] of first.entries()) {
      expect((await log.at(o.seq))?.event.id).toBe(`e${i}`);
      expect((await log.get('gw', `e${i}`))?.seq).toBe(o.seq);
    }
    const many = await log.getMany(['gw/e3', 'gw/missing', 'gw/e0']);
    expect(many.map((l) => l?.event.id)).toEqual(['e3', undefined, 'e0']);
  });

  it('places an event by the field its source names, else by its id', () => {
    const a = event('same-id', 'alice');
    const b = { ...event('same-id', 'bob'), entity: { user: 'bob', host: 'h1' } };
    const c = { ...event('other', 'carol'), entity: { user: 'carol', host: 'h1' } };
    // partition_by: entity.host puts b and c together whatever their users.
    expect(partitionRoute(b, 'host')).toBe(partitionRoute(c, 'host'));
    expect(partitionRoute(a)).not.toBe(partitionRoute(b));
    // Without the field: by id, so a resend lands where the first copy did.
    const bare = { ...a, entity: {} };
    expect(partitionRoute(bare, 'host')).toBe(partitionRoute({ ...bare }, 'host'));
    expect(partitionRoute(bare)).not.toBe(partitionRoute({ ...bare, id: 'another' }));
  });

  it('pages GET /v1/events newest-first across partitions with a cursor', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const users = usersPerPartition(4);
    const all: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const [o] = await log.append([event(`e${i}`, users[(i * 7) % 4] as string)], Date.now(), DAY);
      all.push(o?.seq as string);
    }
    const newestFirst = [...all].sort((x, y) => {
      const [a, pa] = sortKey(x);
      const [b, pb] = sortKey(y);
      return compareStreamIds(b, a) || pb - pa;
    });
    const pages: string[] = [];
    let before: string | undefined;
    for (let i = 0; i < 20; i += 1) {
      const page = await log.scanBackward(before, () => true, 7, 1_000);
      pages.push(...page.events.map((e) => e.seq));
      if (page.next === undefined) break;
      expect(page.next).toMatch(/^\d+-\d+(,\d+-\d+){3}$/);
      before = page.next;
    }
    expect(pages).toEqual(newestFirst);
    // Events appended after the first page never show up on later pages.
    const first = await log.scanBackward(undefined, () => true, 5, 1_000);
    await log.append([event('late', users[1] as string)], Date.now(), DAY);
    const rest = await log.scanBackward(first.next, () => true, 100, 1_000);
    expect([...first.events, ...rest.events].map((e) => e.seq)).toEqual(newestFirst);
  });

  it('reads every partition in one order, the same however it is read', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const users = usersPerPartition(4);
    for (let i = 0; i < 12; i += 1)
      await log.append(
        Array.from({ length: 10 }, (_, j) => event(`e${i}-${j}`, users[(i + j) % 4] as string)),
        Date.now(),
        DAY,
      );
    const small = await readAll(log, 3);
    const large = await readAll(log, 500);
    expect(small).toHaveLength(120);
    expect(new Set(small).size).toBe(120);
    expect(small).toEqual(large);
    const sorted = [...small].sort((x, y) => {
      const [a, pa] = sortKey(x);
      const [b, pb] = sortKey(y);
      return compareStreamIds(a, b) || pa - pb;
    });
    expect(small).toEqual(sorted);
  });

  it('goes on past quiet partitions, and holds the others back behind a lagging one', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const users = usersPerPartition(4);
    // Only partition 2 has events: the others are quiet, and must not stall the read.
    const only = await log.append(
      Array.from({ length: 5 }, (_, i) => event(`q${i}`, users[2] as string)),
      Date.now(),
      DAY,
    );
    expect(await readAll(log, 100)).toEqual(only.map((o) => o.seq));
    // The quiet partitions got progress marks, which are no events.
    expect(await env.redis.xlen(keys.eventPartition(0).log)).toBeGreaterThan(0);
    expect((await log.scanBackward(undefined, () => true, 100, 1_000)).events).toHaveLength(5);

    // Partition 1 has a backlog (appended first); the read of 3 at a time never hands out a
    // later entry of another partition before partition 1's earlier ones.
    const keys2 = freshKeys();
    const log2 = new EventLog(env.redis, keys2, undefined, 4);
    const backlog = await log2.append(
      Array.from({ length: 20 }, (_, i) => event(`b${i}`, users[1] as string)),
      Date.now(),
      DAY,
    );
    await new Promise((r) => setTimeout(r, 5));
    const later = await log2.append([event('later', users[3] as string)], Date.now(), DAY);
    // The first read marks the quiet partitions 0 and 2 (nothing can be handed out before).
    const marking = await log2.readMerged(env.redis, '0-0', 3, 0);
    expect(marking.entries).toEqual([]);
    const first = await log2.readMerged(env.redis, marking.position, 3, 0);
    expect(first.entries.map((e) => e.seq)).toEqual(backlog.slice(0, 3).map((o) => o.seq));
    expect(await readAll(log2, 3)).toEqual([...backlog, ...later].map((o) => o.seq));
  });

  it('trims and forgets per partition, never past a checkpointed position', async () => {
    const keys = freshKeys();
    const log = new EventLog(env.redis, keys, undefined, 4);
    const users = usersPerPartition(4);
    const t = Date.now();
    const out = await log.append(
      users.map((u, i) => event(`t${i}`, u)),
      t,
      DAY,
    );
    // A position that has read partition 0's entry only: the others' entries stay.
    const at0 = parseSeq(out[0]?.seq as string)?.id as string;
    const keepFrom = [at0, '0-0', '0-0', '0-0'].join(',');
    expect(await log.trim(t + 10 * DAY, DAY, keepFrom)).toBe(1);
    expect(await log.length()).toBe(3);
    expect(await log.at(out[0]?.seq as string)).toBeUndefined();
    expect((await log.at(out[1]?.seq as string))?.event.id).toBe('t1');
    expect(await log.forget(t + 2 * DAY, 100, t + 2 * DAY)).toBe(4);
  });
});
