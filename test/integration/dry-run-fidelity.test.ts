/**
 * The dry run (cordon plan, playbook tests) against the real thing: the shipped playbook run by
 * the real runner on real Redis takes the path the interpreter predicts for the same incident
 * and decisions, and the approval binds exactly the inputs plan and tests show for that call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CompiledPlaybook } from '../../src/playbook/definition/compile-playbook.js';
import { planRun } from '../../src/playbook/tooling/plan.js';
import { simulate } from '../../src/playbook/tooling/simulate.js';
import {
  eventually,
  inferenceEvents,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';
import { buildFile } from '../unit/playbook/kinds/helpers.js';

let t: TestCordon;
let compiled: CompiledPlaybook;

beforeAll(async () => {
  t = await startTestCordon();
  compiled = buildFile('playbooks/contain-abusive-key.yaml');
});
afterAll(async () => {
  await t.stop();
});

it('the real run follows the simulated path, with the inputs plan shows', async () => {
  const key = 'key-fidelity';
  const posted = await t.call(
    'POST',
    '/v1/ingest/events',
    TOKENS.ingest,
    inferenceEvents(key, 101, Date.now() - 30_000),
    { 'content-type': 'application/x-ndjson' },
  );
  expect(posted.statusCode, posted.body).toBe(202);
  const approval = await eventually(async () => {
    const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
    return (res.json().approvals as Record<string, any>[]).find(
      (a) => a.message?.includes(key) === true,
    );
  }, 'the pending approval');
  const decided = await t.call(
    'POST',
    `/v1/approvals/${String(approval.id)}/approve`,
    TOKENS.approver,
    {
      comment: 'fidelity check',
    },
  );
  expect(decided.statusCode, decided.body).toBe(200);
  const run = await eventually(async () => {
    const res = await t.call('GET', `/v1/runs/${String(approval.runId)}`, TOKENS.analyst);
    return res.json().status === 'resolved' ? res.json<Record<string, any>>() : undefined;
  }, 'the run to end');

  const timeline = run.timeline as { type: string; state?: string; to?: string }[];
  const realPath = [
    timeline.find((e) => e.type === 'started')?.state,
    ...timeline.filter((e) => e.type === 'transition').map((e) => e.to),
  ];
  const steps = run.context.steps as Record<string, { result: unknown }>;
  const simulated = simulate(compiled, {
    incident: run.context.incident,
    replies: Object.fromEntries(
      Object.entries(steps).map(([state, s]) => [state, [{ ok: true as const, result: s.result }]]),
    ),
    script: [{ approve: 'ask_case', by: ['approver'] }],
    startAt: Date.now(),
  });
  expect(simulated.problems).toEqual([]);
  // The timeline records the states a run rests at; the choices it passed inside a transition
  // (the shipped playbook's escalate) are in context.choices, and must match the simulation's.
  const passed = (run.context.choices ?? {}) as Record<string, { next: string }>;
  expect(realPath).toEqual(simulated.path.filter((s) => !(s in passed)));
  expect(passed).toEqual(simulated.context.choices ?? {});
  expect(passed.escalate?.next).toBe('done');
  expect(simulated.status).toBe(run.status);

  // What the approver was shown (and bound by hash) is what the dry run renders for that call.
  const openCase = simulated.calls.find((c) => c.state === 'open_case');
  expect(approval.gated.inputs).toEqual(openCase?.inputs);
  const planned = planRun(compiled, run.context.incident).paths[0]?.calls.find(
    (c) => c.state === 'open_case',
  );
  expect(planned?.inputs).toEqual(approval.gated.inputs);
  expect(planned?.gate).toEqual({ approval: 'ask_case' });
  // The throttle ran with the key the dry run renders.
  expect(simulated.calls[0]?.inputs.key).toBe(key);
  expect(steps.throttle?.result).toMatchObject({ key, applied: true });
});
