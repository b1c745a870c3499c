/**
 * Triggers on later matches, over HTTP (in-process Cordon, real Redis, real BullMQ): a match
 * that joins an open incident starts the playbooks whose trigger it passes and that have no
 * run for the incident yet (`on.source` read from that match), and a playbook with
 * `on.every_match` runs once per match.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/later-match/', import.meta.url));
const store = createTestRedis('latermatch');
let t: TestCordon;

type Json = Record<string, any>;

beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT, store, env: { CORDON_LOG_LEVEL: 'error' } });
});
afterAll(async () => {
  await t.stop();
  await store.cleanup();
});

async function failLogin(source: string, user: string, offsetMs: number): Promise<void> {
  const event = {
    kind: 'login',
    time: Date.now() - 5_000 + offsetMs,
    outcome: 'failure',
    entity: { user },
  };
  const res = await t.call('POST', `/v1/ingest/${source}`, TOKENS.ingest, [event]);
  expect(res.statusCode, res.body).toBe(202);
}

async function incidentOf(user: string, matchCount: number): Promise<Json> {
  return eventually(async () => {
    const list = (await t.call('GET', '/v1/incidents?limit=200', TOKENS.analyst)).json()
      .incidents as Json[];
    const found = list.find((i) => i.group?.user === user);
    return found && found.matchCount >= matchCount ? found : undefined;
  }, `an incident for ${user} with ${matchCount} matches`);
}

async function runsOf(incidentId: string): Promise<Json[]> {
  return (await t.call('GET', `/v1/runs?limit=200&incident=${incidentId}`, TOKENS.analyst)).json()
    .runs as Json[];
}

/** The incident's runs by playbook, once `count` runs exist and every one ended. */
async function settledRuns(incidentId: string, count: number): Promise<Record<string, number>> {
  const list = await eventually(async () => {
    const runs = await runsOf(incidentId);
    return runs.length === count && runs.every((r) => r.status === 'resolved') ? runs : undefined;
  }, `${count} resolved runs of ${incidentId}`);
  const by: Record<string, number> = {};
  for (const r of list) by[r.playbookId] = (by[r.playbookId] ?? 0) + 1;
  return by;
}

describe('a later match joining an open incident', () => {
  it('starts what it passes and has not run, and every_match playbooks once per match', async () => {
    const user = 'later-ann';
    await failLogin('events', user, 0);
    const incident = await incidentOf(user, 1);
    // The opening match came through "events": from-feed-b does not start.
    expect(await settledRuns(incident.id, 2)).toEqual({ once: 1, 'every-match': 1 });

    await failLogin('feed-b', user, 1);
    await incidentOf(user, 2);
    // The joining match came through feed-b: from-feed-b starts now; once does not run again.
    expect(await settledRuns(incident.id, 4)).toEqual({
      once: 1,
      'every-match': 2,
      'from-feed-b': 1,
    });

    await failLogin('feed-b', user, 2);
    await incidentOf(user, 3);
    expect(await settledRuns(incident.id, 5)).toEqual({
      once: 1,
      'every-match': 3,
      'from-feed-b': 1,
    });
    const runs = await runsOf(incident.id);
    expect(new Set(runs.map((r) => r.id)).size).toBe(5);
    expect(runs.every((r) => r.initiator === 'correlation:admin_login_failure')).toBe(true);
  }, 60_000);
});

describe('a playbook a person started by hand for the incident', () => {
  it('is not started again by a later match that passes its trigger', async () => {
    const user = 'later-bob';
    await failLogin('events', user, 0);
    const incident = await incidentOf(user, 1);
    expect(await settledRuns(incident.id, 2)).toEqual({ once: 1, 'every-match': 1 });
    // Before any match from feed-b, an approver starts from-feed-b for the incident.
    const started = await t.call('POST', '/v1/runs', TOKENS.approver, {
      playbook: 'from-feed-b',
      incident: incident.id,
      comment: 'seen it first',
    });
    expect(started.statusCode, started.body).toBe(202);
    expect(await settledRuns(incident.id, 3)).toEqual({
      once: 1,
      'every-match': 1,
      'from-feed-b': 1,
    });

    await failLogin('feed-b', user, 1);
    await incidentOf(user, 2);
    // The joining match passes from-feed-b's trigger, but the playbook has run for the incident.
    expect(await settledRuns(incident.id, 4)).toEqual({
      once: 1,
      'every-match': 2,
      'from-feed-b': 1,
    });
    // The match's triggers all ran in one pass: a second from-feed-b run would be there by now.
    await new Promise((r) => setTimeout(r, 500));
    const byHand = (await runsOf(incident.id)).filter((r) => r.playbookId === 'from-feed-b');
    expect(byHand).toHaveLength(1);
    expect(byHand[0]?.initiator).not.toBe('correlation:admin_login_failure');
  }, 60_000);
});
