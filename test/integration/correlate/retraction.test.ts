/**
 * Retractions end to end, through the whole of Cordon: an absence is reported (an incident
 * opens), then the expected event arrives, too late to count but inside the absence's window.
 * The incident records the withdrawn match and says every match behind it was withdrawn; the
 * rule's retraction counter moves; it stays open (people decide); a run waiting on the
 * incident's `retracted` field moves on.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  REPO_ROOT,
  TOKENS,
  eventually,
  metricValue,
  startTestCordon,
  type TestCordon,
} from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

const RULES = join(REPO_ROOT, 'test', 'fixtures', 'correlations', 'unapproved-key.yaml');

const dir = tempDir('retraction');
let t: TestCordon;

beforeAll(async () => {
  for (const sub of ['correlations', 'connectors', 'playbooks'])
    mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(RULES, join(dir, 'correlations', 'rules.yaml'));
  // A playbook that holds its containment until the incident is withdrawn.
  writeFileSync(
    join(dir, 'playbooks', 'hold.yaml'),
    `apiVersion: cordon/v1
id: hold-until-withdrawn
on: { correlation: [unapproved_key] }
start: watch
states:
  watch:
    wait: { changes: incident.retracted, timeout: 30m }
    next: withdrawn
    on_timeout: kept
  withdrawn: { end: resolved }
  kept: { end: failed }
`,
  );
  // The shipped NDJSON source (/v1/ingest/events).
  copyFileSync(
    join(REPO_ROOT, 'connectors', 'events.yaml'),
    join(dir, 'connectors', 'events.yaml'),
  );
  t = await startTestCordon({ contentDir: dir });
});

afterAll(async () => {
  await t?.stop();
});

function audit(id: string, name: string, time: number): string {
  return JSON.stringify({ id, kind: 'audit', name, time, entity: { user: 'alice' } });
}

it('an expected event arriving after the absence was reported withdraws it on the incident', async () => {
  // Recent enough for its playbook to start (older matches only open incidents).
  const t0 = Date.now() - 8 * 60_000;
  const ingest = async (lines: string[]): Promise<void> => {
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, lines.join('\n'), {
      'content-type': 'application/x-ndjson',
    });
    expect(res.statusCode, res.body).toBe(202);
  };
  // The key is created; a later event moves the source's watermark past t0 + 5m.
  await ingest([audit('c1', 'key_created', t0), audit('tick', 'login_page', t0 + 6 * 60_000)]);
  const incident = await eventually(async () => {
    const res = await t.call('GET', '/v1/incidents', TOKENS.analyst);
    return res
      .json<{ incidents: { id: string; rule: string }[] }>()
      .incidents.find((i) => i.rule === 'unapproved_key');
  }, 'the absence incident');

  // Its playbook's run rests in the wait.
  const runId = await eventually(async () => {
    const res = await t.call('GET', `/v1/incidents/${incident.id}`, TOKENS.analyst);
    const [id] = res.json<{ runs: string[] }>().runs;
    if (!id) return undefined;
    const run = await t.call('GET', `/v1/runs/${id}`, TOKENS.analyst);
    return run.json<{ state: string }>().state === 'watch' ? id : undefined;
  }, 'the run waiting on the incident');

  // The approval, at t0 + 2m, arrives now: too late to count, inside the absence's window.
  await ingest([audit('a1', 'key_approved', t0 + 2 * 60_000)]);
  const detail = await eventually(async () => {
    const res = await t.call('GET', `/v1/incidents/${incident.id}`, TOKENS.analyst);
    const body = res.json<{ retracted: boolean }>();
    return body.retracted ? body : undefined;
  }, 'the retraction on the incident');
  expect(detail).toMatchObject({
    status: 'open',
    matchCount: 1,
    retractionCount: 1,
    retracted: true,
    retractions: [
      {
        rule: 'unapproved_key',
        group: { user: 'alice' },
        time: t0 + 2 * 60_000,
        tooLate: true,
        reason: expect.stringContaining('key_approved matched at'),
      },
    ],
  });
  const [retraction] = (detail as unknown as { retractions: { matchId: string; ref: string }[] })
    .retractions;
  const matches = (detail as unknown as { matches: { matchId: string }[] }).matches;
  expect(retraction?.matchId).toBe(matches[0]?.matchId);
  expect(retraction?.ref).toMatch(/\/a1$/);
  // Rule figures are exported after the batch that produced them.
  await eventually(
    async () => ((await metricValue(t, 'cordon_rule_retractions_total')) === 1 ? true : undefined),
    'the retraction counter',
  );

  // The run waiting on the incident saw it withdrawn and moved on.
  const run = await eventually(async () => {
    const res = await t.call('GET', `/v1/runs/${runId}`, TOKENS.analyst);
    const body = res.json<{ status: string }>();
    return body.status === 'running' || body.status === 'waiting' ? undefined : body;
  }, 'the waiting run to end');
  expect(run).toMatchObject({ status: 'resolved', state: 'withdrawn' });
});
