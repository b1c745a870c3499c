/**
 * The start-time rename of the old untagged key layout (src/store/key-layout-migration.ts)
 * against a Redis that holds the old layout with live records in it.
 *
 * The old layout is made by running Cordon, then renaming every key of its prefix the way the
 * version before hash tags named it (git: src/store/keys.ts before a0b72b3 had
 * `<prefix>:inc:…`, `<prefix>:run:…`, `<prefix>:events:log`, `<prefix>:bull:<queue>:…` where
 * the current one has `<prefix>:{c}:…` and `<prefix>:{e0}:events:…`; the correlation
 * partitions `corr:{p<n>}`, the audit trail `{audit}` and the untagged one-at-a-time keys did
 * not move). Records left in every state that must survive an upgrade:
 * - key A: an incident and a playbook run waiting for an approval (all roles ran);
 * - key B: an incident whose run start is still a BullMQ job in the queue (no runner ran);
 * - key C: events in the log no correlator has read yet (only the api ran).
 * A start of this version must find all of it under the new names: the incident readable, the
 * waiting run resumed by its approval, the queued job processed, the log read by the correlator.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { migrateKeyLayout } from '../../../src/store/key-layout-migration.js';
import { Keys } from '../../../src/store/keys.js';
import { createLogger } from '../../../src/shared/logger.js';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';
import { createTestRedis, type TestRedis } from '../../helpers/redis.js';

const store = createTestRedis('migrate');
const both = createTestRedis('migrate-both');
afterAll(async () => {
  await store.cleanup();
  await both.cleanup();
});

/** More than 100 inference events within a minute: the shipped extraction rule fires. */
function overThreshold(apiKey: string): string {
  const start = Date.now() - 50_000;
  return Array.from({ length: 101 }, (_, i) =>
    JSON.stringify({
      id: `${apiKey}-${i}`,
      kind: 'inference',
      time: start + i * 100,
      name: 'chat.completions',
      entity: { api_key: apiKey, model: 'fraud-scorer' },
    }),
  ).join('\n');
}

async function ingest(t: TestCordon, apiKey: string): Promise<void> {
  const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, overThreshold(apiKey), {
    'content-type': 'application/x-ndjson',
  });
  expect(res.statusCode, res.body).toBe(202);
}

interface Incident {
  id: string;
  title: string;
  group: { api_key?: string };
}

async function incidentOf(t: TestCordon, apiKey: string): Promise<Incident | undefined> {
  const res = await t.call('GET', '/v1/incidents?limit=500', TOKENS.analyst);
  return (res.json().incidents as Incident[]).find((i) => i.group.api_key === apiKey);
}

async function runsOf(t: TestCordon, incidentId: string): Promise<Record<string, any>[]> {
  const res = await t.call('GET', `/v1/runs?incident=${incidentId}`, TOKENS.analyst);
  return res.json().runs as Record<string, any>[];
}

async function pendingApproval(
  t: TestCordon,
  incidentId: string,
): Promise<Record<string, any> | undefined> {
  const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
  return (res.json().approvals as Record<string, any>[]).find((a) => a.incidentId === incidentId);
}

async function keysOf(t: TestRedis): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await t.redis.scan(cursor, 'MATCH', `${t.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found.sort();
}

/** The name the version before hash tags gave a key of the current layout (see the header). */
function oldName(prefix: string, key: string): string {
  for (const tag of ['{c}', '{e0}'])
    if (key.startsWith(`${prefix}:${tag}:`))
      return `${prefix}:${key.slice(prefix.length + tag.length + 2)}`;
  return key;
}

async function start(roles: string): Promise<TestCordon> {
  return startTestCordon({ store, env: { CORDON_ROLES: roles } });
}

// Single Redis only (the `single` project): a cluster never held the old layout.
describe('upgrading a Redis that holds the old key layout', () => {
  let incidentA: Incident;
  let approvalA: Record<string, any>;
  let incidentB: Incident;
  let queuedB: string[];

  it('a start renames every record, and each one still works', { timeout: 120_000 }, async () => {
    const keys = new Keys(store.prefix);
    // Key A: all roles, up to the approval its run waits for.
    let t = await start('api,correlator,runner,worker');
    await ingest(t, 'mig-a');
    incidentA = await eventually(() => incidentOf(t, 'mig-a'), 'the incident of key A');
    approvalA = await eventually(() => pendingApproval(t, incidentA.id), 'the approval of key A');
    await t.cordon.stop();
    // Key B: the correlator opens the incident and queues the run's start; no runner takes it.
    t = await start('api,correlator');
    await ingest(t, 'mig-b');
    incidentB = await eventually(() => incidentOf(t, 'mig-b'), 'the incident of key B');
    queuedB = await eventually(async () => {
      const waiting = await store.redis.lrange(`${keys.bullPrefix}:runs:wait`, 0, -1);
      return waiting.length > 0 ? waiting : undefined;
    }, 'the run start of key B queued');
    await t.cordon.stop();
    // Key C: only the api: the events are in the log, unread.
    t = await start('api');
    await ingest(t, 'mig-c');
    await t.cordon.stop();

    // The old layout: every key renamed to its old name.
    const current = await keysOf(store);
    for (const key of current)
      if (oldName(store.prefix, key) !== key)
        await store.redis.rename(key, oldName(store.prefix, key));
    const old = await keysOf(store);
    const p = store.prefix;
    expect(old.filter((k) => k.includes(':{c}:') || k.includes(':{e0}:'))).toEqual([]);
    // Names as src/store/keys.ts had them before a0b72b3.
    for (const name of [
      `${p}:events:log`,
      `${p}:events:where`,
      `${p}:inc:index`,
      `${p}:inc:${incidentA.id}`,
      `${p}:run:index`,
      `${p}:apr:index`,
      `${p}:apr:${String(approvalA.id)}`,
      `${p}:lim:rules`,
      `${p}:bull:runs:meta`,
      `${p}:bull:runs:wait`,
      `${p}:bull:actions:meta`,
    ])
      expect(old, name).toContain(name);

    // This version's start migrates: first an api-only start, which consumes nothing, so the
    // keys are exactly the records' current names.
    t = await start('api');
    try {
      const renamed = await keysOf(store);
      expect(renamed.filter((k) => !current.includes(k))).toEqual([]);
      expect(current.filter((k) => !renamed.includes(k))).toEqual([]);
    } finally {
      await t.cordon.stop();
    }

    // Then every role works on the records.
    t = await start('api,correlator,runner,worker');
    try {
      const read = await t.call('GET', `/v1/incidents/${incidentA.id}`, TOKENS.analyst);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ id: incidentA.id, title: incidentA.title });
      const event = await t.call('GET', '/v1/events/events/mig-a-0', TOKENS.analyst);
      expect(event.statusCode, event.body).toBe(200);

      // The run of key A waited for its approval before the upgrade: approving resumes it.
      const approved = await t.call(
        'POST',
        `/v1/approvals/${String(approvalA.id)}/approve`,
        TOKENS.approver,
        { comment: 'after the upgrade' },
      );
      expect(approved.statusCode, approved.body).toBe(200);
      const doneA = await eventually(async () => {
        const [run] = await runsOf(t, incidentA.id);
        return run?.status === 'resolved' ? run : undefined;
      }, 'the run of key A resolved');
      expect(doneA.state).toBe('done');

      // The job queued under the old name is processed: key B's run starts and throttles it.
      const runB = await eventually(async () => {
        const [run] = await runsOf(t, incidentB.id);
        return run?.status === 'waiting' ? run : undefined;
      }, 'the run of key B waiting for its approval');
      expect(runB.context.steps.throttle).toMatchObject({ status: 'succeeded' });
      const stillWaiting = await store.redis.lrange(`${keys.bullPrefix}:runs:wait`, 0, -1);
      expect(stillWaiting.filter((id) => queuedB.includes(id))).toEqual([]);

      // The correlator reads the renamed log: key C's unread events open its incident.
      await eventually(() => incidentOf(t, 'mig-c'), 'the incident of key C');
    } finally {
      await t.cordon.stop();
    }

    // A second start finds nothing to rename and changes nothing.
    const before = await keysOf(store);
    const warnings: string[] = [];
    const logger = createLogger('warn', {
      write: (line: string) => {
        warnings.push(line);
      },
    });
    expect(await migrateKeyLayout(store.redis, keys, logger)).toBe(0);
    expect(await keysOf(store)).toEqual(before);
    expect(warnings).toEqual([]);
  });

  it('a key present under both names keeps the new one and leaves the old one', async () => {
    const p = both.prefix;
    const keys = new Keys(p);
    await both.redis.zadd(`${p}:inc:index`, 1, 'inc_old');
    await both.redis.zadd(keys.incidentIndex, 2, 'inc_new');
    await both.redis.set(`${p}:inc:inc_only_old`, 'old record');
    const warnings: string[] = [];
    const logger = createLogger('warn', {
      write: (line: string) => {
        warnings.push(line);
      },
    });

    expect(await migrateKeyLayout(both.redis, keys, logger)).toBe(1);
    expect(await both.redis.zrange(keys.incidentIndex, 0, -1)).toEqual(['inc_new']);
    expect(await both.redis.zrange(`${p}:inc:index`, 0, -1)).toEqual(['inc_old']);
    expect(await both.redis.get(keys.incident('inc_only_old'))).toBe('old record');
    expect(await both.redis.exists(`${p}:inc:inc_only_old`)).toBe(0);
    expect(warnings.join('')).toContain('1 old key(s) were kept');
  });
});
