/**
 * Choice and wait states through the real runner on real Redis (BullMQ delayed jobs as
 * timers): each user name in the fixture's playbook takes another path. The pause path also
 * survives a restart: the first Cordon stops while the run waits, a second one on the same
 * Redis fires the timer and finishes the run, with the throttle set exactly once.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/kinds/', import.meta.url));
const store = createTestRedis('kinds');
let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT, store });
});
afterAll(async () => {
  await t.stop();
  await store.cleanup();
});

async function failLogins(user: string, count = 3): Promise<void> {
  const now = Date.now();
  const events = Array.from({ length: count }, (_, i) => ({
    kind: 'login',
    time: now - 5_000 + i,
    outcome: 'failure',
    entity: { user },
  }));
  expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
}

async function runOf(user: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const res = await t.call('GET', '/v1/runs?limit=100', TOKENS.analyst);
    const runs = res.json().runs as Record<string, any>[];
    const found = runs.find((r) => r.context?.incident?.group?.user === user);
    if (!found) return undefined;
    const detail: Record<string, any> = (
      await t.call('GET', `/v1/runs/${found.id}`, TOKENS.analyst)
    ).json();
    return detail;
  }, `a run for ${user}`);
}

async function runIn(user: string, state: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const run = await runOf(user);
    return run.state === state ? run : undefined;
  }, `the run for ${user} to reach ${state}`);
}

async function limiterHistory(user: string): Promise<unknown[]> {
  return (await t.call('GET', `/v1/limiter/keys/${user}`, TOKENS.analyst)).json()
    .history as unknown[];
}

describe('choice', () => {
  it('takes the default when no condition holds, and records the branch', async () => {
    await failLogins('mallory');
    const run = await runIn('mallory', 'done');
    expect(run.status).toBe('resolved');
    expect(run.context.choices.route).toEqual({ branch: 'default', next: 'block' });
    expect(await limiterHistory('mallory')).toHaveLength(1);
  });
});

describe('wait: changes', () => {
  it('rests waiting until a new match changes the incident, then moves on', async () => {
    await failLogins('watch-eve');
    const waiting = await runIn('watch-eve', 'watch');
    expect(waiting.status).toBe('waiting');
    expect(waiting.context.choices.route).toEqual({ branch: 1, next: 'watch' });
    expect(await limiterHistory('watch-eve')).toEqual([]);

    await failLogins('watch-eve', 3);
    const run = await runIn('watch-eve', 'done');
    expect(run.context.waits.watch).toMatchObject({ outcome: 'changed' });
    expect(run.context.incident.matchCount).toBeGreaterThan(waiting.context.incident.matchCount);
    expect(await limiterHistory('watch-eve')).toHaveLength(1);
  });

  it('takes on_timeout when nothing changes', async () => {
    await failLogins('idle-trudy');
    const run = await runIn('idle-trudy', 'gave_up');
    expect(run.status).toBe('cancelled');
    expect(run.context.waits.idle).toMatchObject({ outcome: 'timeout' });
    expect(await limiterHistory('idle-trudy')).toEqual([]);
  });
});

describe('wait: for, across a restart', () => {
  it('keeps its timer in Redis: a new process fires it and the action runs once', async () => {
    await failLogins('pause-oscar');
    const waiting = await runIn('pause-oscar', 'pause');
    expect(waiting.status).toBe('waiting');
    const set = (waiting.timeline as Record<string, any>[]).find((e) => e.type === 'timer.set');
    expect(set?.fireAt - set?.at).toBe(2_000);

    await t.stop();
    t = await startTestCordon({ contentDir: CONTENT, store });

    const run = await runIn('pause-oscar', 'done');
    expect(run.status).toBe('resolved');
    expect(run.context.waits.pause).toMatchObject({ outcome: 'elapsed' });
    expect(await limiterHistory('pause-oscar')).toHaveLength(1);
  });
});
