/**
 * Kill tests for the playbook runtime: the real CLI process is SIGKILLed inside a parallel
 * state (right after a branch's side effect, and right after a branch's transition is saved)
 * and during an undo (right after an undo took effect), and inside a step run in place by the
 * job of the step before (right after its effect), then started again on the same Redis.
 * Every side effect and every undo must happen exactly once: the limiter's own history says so.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/cordon.js';
import {
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

const CONTENT = fileURLToPath(new URL('../fixtures/content/kill-runtime/', import.meta.url));
const store = createTestRedis('killrt');
const running: CordonProcess[] = [];

afterAll(async () => {
  for (const p of running)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await store.cleanup();
});

interface Env {
  readonly home: string;
  readonly prefix: string;
  readonly port: number;
}

function spawn(env: Env, crashPoint?: string): CordonProcess {
  const proc = spawnCordon({
    ...env,
    env: {
      CORDON_CONTENT_DIR: CONTENT,
      ...(crashPoint ? { CORDON_CRASH_POINTS: crashPoint } : {}),
    },
  });
  running.push(proc);
  return proc;
}

async function theRun(
  url: string,
  token: string,
  want: (run: any) => boolean,
  what: string,
): Promise<any> {
  return eventually(
    async () => {
      const runs = (await http(url, 'GET', '/v1/runs', token)).json.runs as { id: string }[];
      if (runs.length === 0) return undefined;
      expect(runs).toHaveLength(1);
      const run = (await http(url, 'GET', `/v1/runs/${runs[0]?.id ?? ''}`, token)).json;
      return want(run) ? run : undefined;
    },
    what,
    30_000,
  );
}

async function history(url: string, token: string, key: string): Promise<string[]> {
  const res = await http(url, 'GET', `/v1/limiter/keys/${key}`, token);
  return ((res.json.history ?? []) as { op: string }[]).map((h) => h.op);
}

async function parallelScenario(crashPoint: string, user: string): Promise<void> {
  const env = { home: tempHome(), prefix: `${store.prefix}-${user}`, port: await freePort() };
  const first = spawn(env, crashPoint);
  await waitReady(first);
  const tokens = generatedTokens(env.home);
  await failLogins(first.url, tokens.ingest as string, user);
  const died = await first.exited();
  expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

  const second = spawn(env);
  await waitReady(second);
  const run = await theRun(
    second.url,
    tokens.analyst as string,
    (r) => r.status === 'resolved',
    'the parallel run to resolve after the restart',
  );
  expect(run.state).toBe('done');
  expect(run.context.branches.contain).toEqual({ gateway: 'resolved', case: 'resolved' });
  expect(await history(second.url, tokens.analyst as string, user)).toEqual(['set']);
  expect(await history(second.url, tokens.analyst as string, `ip-${user}`)).toEqual(['set']);
  const cases = (await http(second.url, 'GET', '/v1/cases', tokens.analyst as string)).json
    .cases as unknown[];
  expect(cases).toHaveLength(1);
  second.child.kill('SIGTERM');
  expect(await second.exited()).toEqual({ code: 0, signal: null });
}

describe('killed inside a parallel state', () => {
  it('after a branch took effect: every branch resumes, each effect once', async () => {
    await parallelScenario('action.after-effect', 'par-effect');
  }, 90_000);

  it('after a branch transition was saved: the other branch and the join still happen once', async () => {
    await parallelScenario('run.after-save', 'par-save');
  }, 90_000);
});

describe('killed during undo', () => {
  it('resumes the undo pass after the restart: each effect undone once, newest first', async () => {
    const user = 'undo-kill';
    const env = { home: tempHome(), prefix: `${store.prefix}-${user}`, port: await freePort() };
    const first = spawn(env, 'undo.after-effect');
    await waitReady(first);
    const tokens = generatedTokens(env.home);
    await failLogins(first.url, tokens.ingest as string, user);
    const waiting = await theRun(
      first.url,
      tokens.analyst as string,
      (r) => r.status === 'waiting',
      'the run to wait for its approval',
    );
    // The undo job may run (and kill the process) before the answer is written back.
    const cancelled = await http(
      first.url,
      'POST',
      `/v1/runs/${String(waiting.id)}/cancel`,
      tokens.approver as string,
      JSON.stringify({ comment: 'false positive' }),
    ).catch(() => ({ status: 200, json: {} }));
    expect(cancelled.status, JSON.stringify(cancelled.json)).toBe(200);
    const died = await first.exited();
    expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

    const second = spawn(env);
    await waitReady(second);
    const run = await theRun(
      second.url,
      tokens.analyst as string,
      (r) => r.status === 'cancelled',
      'the undo pass to finish after the restart',
    );
    const timeline = run.timeline as { type: string; state?: string; by?: string }[];
    expect(timeline.filter((e) => e.type === 'undo.succeeded').map((e) => e.state)).toEqual([
      'block_ip',
      'throttle',
    ]);
    expect(timeline.find((e) => e.type === 'cancelled')?.by).toBe('approver');
    // Newest first in the history: one set, one undo each, whatever the kill did.
    expect(await history(second.url, tokens.analyst as string, user)).toEqual(['undo', 'set']);
    expect(await history(second.url, tokens.analyst as string, `ip-${user}`)).toEqual([
      'undo',
      'set',
    ]);
    const approvals = run.approvals as { status: string }[];
    expect(approvals.map((a) => a.status)).toEqual(['cancelled']);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toEqual({ code: 0, signal: null });
  }, 90_000);
});

describe('killed inside a step held in place', () => {
  it('the holder job runs again after the restart and finishes the held step: each effect once', async () => {
    // throttle's job holds block_ip (the next automatic step) and dies right after its effect.
    const user = 'held-kill';
    const env = { home: tempHome(), prefix: `${store.prefix}-${user}`, port: await freePort() };
    const first = spawn(env, 'action.after-held-effect');
    await waitReady(first);
    const tokens = generatedTokens(env.home);
    await failLogins(first.url, tokens.ingest as string, user);
    const died = await first.exited();
    expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

    const second = spawn(env);
    await waitReady(second);
    const run = await theRun(
      second.url,
      tokens.analyst as string,
      (r) => r.status === 'waiting',
      'the run to reach its approval after the restart',
    );
    expect(run.state).toBe('ask');
    expect(run.context.steps.block_ip).toMatchObject({ status: 'succeeded' });
    expect(await history(second.url, tokens.analyst as string, user)).toEqual(['set']);
    expect(await history(second.url, tokens.analyst as string, `ip-${user}`)).toEqual(['set']);
    const timeline = run.timeline as { type: string; to?: string }[];
    // One transition per step: the held step's outcome was applied once, whatever the kill did.
    expect(timeline.filter((e) => e.type === 'transition').map((e) => e.to)).toEqual([
      'block_ip',
      'ask',
    ]);
    second.child.kill('SIGTERM');
    expect(await second.exited()).toEqual({ code: 0, signal: null });
  }, 90_000);
});
