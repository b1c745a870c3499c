/**
 * Kill test for the call state: the real CLI process is SIGKILLed right after a sub-run ended
 * and was saved, before its parent was told (`call.before-resume`), then started again on the
 * same Redis. The parent must resume exactly once: one `call.ended` transition, the child's
 * throttle set once and its case opened once.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/cordon.js';
import {
  exitedWithin,
  failLogins,
  freePort,
  generatedTokens,
  http,
  spawnCordon,
  tempHome,
  waitReady,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/call-runtime/', import.meta.url));
const store = createTestRedis('killcall');
const running: CordonProcess[] = [];

afterAll(async () => {
  for (const p of running)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await store.cleanup();
});

function spawn(
  env: { home: string; prefix: string; port: number },
  crashPoint?: string,
  roles?: string,
) {
  const proc = spawnCordon({
    ...env,
    env: {
      CORDON_CONTENT_DIR: CONTENT,
      ...(crashPoint ? { CORDON_CRASH_POINTS: crashPoint } : {}),
      ...(roles ? { CORDON_ROLES: roles } : {}),
    },
  });
  running.push(proc);
  return proc;
}

describe('killed between a sub-run’s end and its parent’s resume', () => {
  it('resumes the parent once after the restart', async () => {
    const user = 'kill-call';
    const env = { home: tempHome(), prefix: `${store.prefix}-${user}`, port: await freePort() };
    const first = spawn(env, 'call.before-resume');
    await waitReady(first);
    const tokens = generatedTokens(env.home);
    await failLogins(first.url, tokens.ingest as string, user);
    // Bounded, with the process's output: a run that never reaches the crash point (once in a
    // full CI run on the cluster, not reproduced since) fails here saying what it did.
    const died = await exitedWithin(first, 45_000, 'the kill at call.before-resume');
    expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

    const second = spawn(env);
    await waitReady(second);
    const analyst = tokens.analyst as string;
    const runs = await eventually(
      async () => {
        const list = (await http(second.url, 'GET', '/v1/runs', analyst)).json.runs as any[];
        const parent = list.find((r) => r.playbookId === 'contain-by-call');
        return parent?.status === 'resolved' ? list : undefined;
      },
      'the parent to resolve after the restart',
      30_000,
    );
    expect(runs).toHaveLength(2);
    const parent = runs.find((r) => r.playbookId === 'contain-by-call');
    const child = runs.find((r) => r.playbookId === 'block-user');
    expect(child).toMatchObject({ status: 'resolved', parent: { runId: parent.id } });
    const detail = (await http(second.url, 'GET', `/v1/runs/${String(parent.id)}`, analyst)).json;
    const resumed = (detail.timeline as { type: string; event?: string }[]).filter(
      (e) => e.type === 'transition' && e.event === 'call.ended',
    );
    expect(resumed).toHaveLength(1);
    expect(detail.context.steps.contain.result.outcome).toBe('resolved');
    const history = (await http(second.url, 'GET', `/v1/limiter/keys/call-${user}`, analyst)).json
      .history as { op: string }[];
    expect(history.map((h) => h.op)).toEqual(['set']);
    const cases = (await http(second.url, 'GET', '/v1/cases', analyst)).json.cases as unknown[];
    expect(cases).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await exitedWithin(second, 20_000, 'a clean stop after SIGTERM')).toEqual({
      code: 0,
      signal: null,
    });
  }, 150_000);
});

describe('a parent cancelled before its sub-run’s start job ran', () => {
  it('the sub-run, started later by a runner, does nothing and the parent’s cancel ends', async () => {
    const user = 'early-cancel';
    const env = { home: tempHome(), prefix: `${store.prefix}-${user}`, port: await freePort() };
    // Killed right after the trigger created the parent at its call, before the call's effect
    // (queueing the sub-run's start) was performed.
    const first = spawn(env, 'run.after-create');
    await waitReady(first);
    const tokens = generatedTokens(env.home);
    await failLogins(first.url, tokens.ingest as string, user);
    const died = await exitedWithin(first, 45_000, 'the kill at run.after-create');
    expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

    // An API without a runner: the cancel performs the parent's pending call (the sub-run's
    // start job is queued, and no runner takes it), then cancels; the pass waits for that start.
    const api = spawn({ ...env, port: await freePort() }, undefined, 'api');
    await waitReady(api);
    const analyst = tokens.analyst as string;
    const list = (await http(api.url, 'GET', '/v1/runs', analyst)).json.runs as any[];
    const parent = list.find((r) => r.playbookId === 'contain-by-call');
    expect(parent).toMatchObject({ state: 'contain' });
    const cancelled = await http(
      api.url,
      'POST',
      `/v1/runs/${String(parent.id)}/cancel`,
      tokens.admin as string,
      JSON.stringify({ comment: 'false positive' }),
    );
    expect(cancelled.status, JSON.stringify(cancelled.json)).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'undoing' });

    // A runner comes up: the sub-run's start finds the parent gone from the call.
    // (No API there, so no /readyz to wait for: the parent's end below says it ran.)
    const runner = spawn({ ...env, port: await freePort() }, undefined, 'runner,worker');
    const done = await eventually(
      async () => {
        const runs = (await http(api.url, 'GET', '/v1/runs', analyst)).json.runs as any[];
        const p = runs.find((r) => r.playbookId === 'contain-by-call');
        return p?.status === 'cancelled' ? runs : undefined;
      },
      'the parent’s cancel to end once the sub-run’s start ran',
      30_000,
    );
    const child = done.find((r) => r.playbookId === 'block-user');
    expect(child).toMatchObject({ status: 'cancelled', parent: { runId: parent.id } });
    const detail = (await http(api.url, 'GET', `/v1/runs/${String(child.id)}`, analyst)).json;
    expect(detail.timeline).toContainEqual(
      expect.objectContaining({ type: 'cancelled', beforeStart: true }),
    );
    // The sub-run never throttled the user.
    const limiter = await http(api.url, 'GET', `/v1/limiter/keys/call-${user}`, analyst);
    expect(limiter.status === 404 || (limiter.json.history as unknown[]).length === 0).toBe(true);
    for (const p of [api, runner]) p.child.kill('SIGTERM');
    for (const p of [api, runner])
      expect(await exitedWithin(p, 20_000, 'a clean stop after SIGTERM')).toEqual({
        code: 0,
        signal: null,
      });
  }, 150_000);
});
