/**
 * Kill tests: the real CLI process is SIGKILLed at the worst moments (named crash points),
 * then started again on the same Redis. The run must resume and finish, and no side effect may
 * happen twice: the limiter's own history must show exactly one throttle.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, inferenceEvents } from '../helpers/cordon.js';
import {
  freePort,
  generatedTokens,
  http,
  spawnCordon,
  tempHome,
  waitReady,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';

const store = createTestRedis('restart');
const running: CordonProcess[] = [];

afterAll(async () => {
  for (const p of running)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await store.cleanup();
});

async function scenario(crashPoint: string, apiKey: string): Promise<void> {
  const home = tempHome();
  const prefix = `${store.prefix}-${crashPoint.replace(/\W/g, '')}`;
  const port = await freePort();

  const first = spawnCordon({ home, prefix, port, env: { CORDON_CRASH_POINTS: crashPoint } });
  running.push(first);
  await waitReady(first);
  const tokens = generatedTokens(home);
  const posted = await http(
    first.url,
    'POST',
    '/v1/ingest/events',
    tokens.ingest as string,
    inferenceEvents(apiKey, 101, Date.now() - 30_000),
    'application/x-ndjson',
  ).catch((err: unknown) => {
    // The correlator may read the appended events and reach its crash point before the 202 is
    // written back (same process): the connection then closes. The events were appended first;
    // the restarted process must still find them and correlate them exactly once.
    if (crashPoint.startsWith('correlate.')) return { status: 202, json: {} };
    throw err;
  });
  expect(posted.status).toBe(202);
  // 202 came before the crash: the events must survive it.
  const died = await first.exited();
  expect(died.signal, `process output:\n${first.output()}`).toBe('SIGKILL');

  const second = spawnCordon({ home, prefix, port });
  running.push(second);
  await waitReady(second);

  const approval = await eventually(
    async () => {
      const res = await http(
        second.url,
        'GET',
        '/v1/approvals?status=pending',
        tokens.approver as string,
      );
      return (res.json.approvals as Record<string, any>[])[0];
    },
    'the approval after the restart',
    30_000,
  );

  // Exactly one incident, one run, one approval, one throttle.
  const incidents = (await http(second.url, 'GET', '/v1/incidents', tokens.analyst as string)).json
    .incidents as Record<string, any>[];
  expect(incidents).toHaveLength(1);
  expect(incidents[0]).toMatchObject({
    group: { api_key: apiKey },
    matchCount: 1,
    eventCount: 101,
  });
  const runs = (await http(second.url, 'GET', '/v1/runs', tokens.analyst as string)).json
    .runs as Record<string, any>[];
  expect(runs).toHaveLength(1);
  const approvals = (await http(second.url, 'GET', '/v1/approvals', tokens.analyst as string)).json
    .approvals as unknown[];
  expect(approvals).toHaveLength(1);
  const limiter = (
    await http(second.url, 'GET', `/v1/limiter/keys/${apiKey}`, tokens.analyst as string)
  ).json;
  expect(limiter.history.filter((h: { op: string }) => h.op === 'set')).toHaveLength(1);
  expect(limiter.rule).toMatchObject({ key: apiKey, mode: 'throttle', count: 10 });

  const decided = await http(
    second.url,
    'POST',
    `/v1/approvals/${String(approval.id)}/approve`,
    tokens.approver as string,
    JSON.stringify({ comment: 'after restart' }),
  );
  expect(decided.status).toBe(200);
  const run = await eventually(
    async () => {
      const r = (
        await http(second.url, 'GET', `/v1/runs/${String(runs[0]?.id)}`, tokens.analyst as string)
      ).json;
      return r.status === 'resolved' ? r : undefined;
    },
    'the run to end',
    30_000,
  );
  expect(run.state).toBe('done');
  const cases = (await http(second.url, 'GET', '/v1/cases', tokens.analyst as string)).json
    .cases as unknown[];
  expect(cases).toHaveLength(1);
  // Still one throttle after the whole run.
  const after = (
    await http(second.url, 'GET', `/v1/limiter/keys/${apiKey}`, tokens.analyst as string)
  ).json;
  expect(after.history).toHaveLength(1);

  second.child.kill('SIGTERM');
  expect(await second.exited()).toEqual({ code: 0, signal: null });
}

describe('crash and restart', () => {
  it('resumes after a crash right after the throttle took effect, without throttling twice', async () => {
    await scenario('action.after-effect', 'key-crash-effect');
  }, 90_000);

  it('resumes after a crash between saving a transition and creating its approval', async () => {
    await scenario('run.after-save', 'key-crash-save');
  }, 90_000);

  it('resumes after a crash between a trigger creating its run and queueing its first action', async () => {
    await scenario('run.after-create', 'key-crash-create');
  }, 90_000);

  it('resumes after a crash between a match and its incident, without losing it', async () => {
    await scenario('correlate.before-deliver', 'key-crash-deliver');
  }, 90_000);

  it('resumes after a crash between recording an incident and checkpointing correlation state, without a second incident', async () => {
    await scenario('correlate.before-checkpoint', 'key-crash-checkpoint');
  }, 90_000);
});
