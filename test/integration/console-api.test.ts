/**
 * The console's read endpoints through inject(): who am I, rules with hit counts and their YAML,
 * sources with counters, and each one's role checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  inferenceEvents,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon();
});
afterAll(async () => {
  await t.stop();
});

const RULE = 'model_extraction_by_query_volume';

describe('GET /v1/whoami', () => {
  it('answers any authenticated token with its principal and roles; 401 without one', async () => {
    const res = await t.call('GET', '/v1/whoami', TOKENS.approver);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      principal: 'approver',
      roles: ['approver', 'analyst', 'responder'],
    });
    expect((await t.call('GET', '/v1/whoami', TOKENS.gateway)).json()).toEqual({
      principal: 'gateway',
      roles: ['gateway'],
    });
    expect((await t.call('GET', '/v1/whoami', undefined)).statusCode).toBe(401);
    expect((await t.call('GET', '/v1/whoami', 'not-a-token')).statusCode).toBe(401);
  });
});

describe('GET /v1/rules', () => {
  it('lists every loaded rule; a match counts as a hit in the current sparkline bucket and an incident', async () => {
    const before = (await t.call('GET', '/v1/rules', TOKENS.analyst)).json().rules as any[];
    const rule = before.find((r) => r.id === RULE);
    expect(rule).toMatchObject({
      title: expect.any(String),
      level: 'high',
      file: expect.stringMatching(/correlations\/model-extraction\.yaml$/),
      alerts: true,
      hits: 0,
      incidents: 0,
    });
    expect(rule.type).not.toBe('detection');
    expect(rule.tags.some((tag: string) => /atlas|attack/i.test(tag))).toBe(true);
    expect(rule.sparkline).toHaveLength(48);
    expect(rule.sparkline.every((n: number) => n === 0)).toBe(true);
    expect(before.some((r) => r.type === 'detection')).toBe(true);
    expect(rule).not.toHaveProperty('yaml');

    const res = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      inferenceEvents('key-rules', 101, Date.now() - 30_000),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(res.statusCode).toBe(202);
    const after = await eventually(async () => {
      const r = ((await t.call('GET', '/v1/rules', TOKENS.analyst)).json().rules as any[]).find(
        (x) => x.id === RULE,
      );
      return r.hits > 0 ? r : undefined;
    }, 'a hit on the rule');
    expect(after.hits).toBe(1);
    expect(after.incidents).toBe(1);
    expect(after.sparkline.at(-1)).toBe(1);
    expect(after.sparkline.slice(0, -1).every((n: number) => n === 0)).toBe(true);
  });

  it('one rule adds its YAML as written and the names of its rule tests', async () => {
    const res = await t.call('GET', `/v1/rules/${RULE}`, TOKENS.analyst);
    expect(res.statusCode).toBe(200);
    const rule = res.json();
    expect(rule.yaml).toContain(`name: ${RULE}`);
    expect(rule.yaml).not.toContain('\n---');
    expect(rule.yaml.split('\nname: ')).toHaveLength(2);
    expect(rule.tests.length).toBeGreaterThan(0);
    expect(rule.tests.every((n: unknown) => typeof n === 'string' && n.length > 0)).toBe(true);
  });

  it('404 for an unknown rule, 400 for a malformed id, 403 without a read role', async () => {
    expect((await t.call('GET', '/v1/rules/no_such_rule', TOKENS.analyst)).statusCode).toBe(404);
    expect((await t.call('GET', '/v1/rules/bad%20id', TOKENS.analyst)).statusCode).toBe(400);
    expect((await t.call('GET', '/v1/rules', TOKENS.gateway)).statusCode).toBe(403);
    expect((await t.call('GET', '/v1/rules', undefined)).statusCode).toBe(401);
  });
});

describe('GET /v1/sources', () => {
  it('counts accepted, duplicate and refused items per source, persisted in Redis', async () => {
    const body = inferenceEvents('key-sources', 3, Date.now() - 10_000);
    const post = (payload: string) =>
      t.call('POST', '/v1/ingest/events', TOKENS.ingest, payload, {
        'content-type': 'application/x-ndjson',
      });
    const start = (
      (await t.call('GET', '/v1/sources', TOKENS.analyst)).json().sources as any[]
    ).find((s) => s.name === 'events');
    expect(start).toMatchObject({ type: expect.any(String), deadLetters: expect.any(Number) });
    expect((await post(body)).statusCode).toBe(202);
    expect((await post(body)).json().duplicates).toBe(3);
    expect((await post('{"kind": 12}\n')).statusCode).toBe(400);
    const now = await eventually(async () => {
      const s = ((await t.call('GET', '/v1/sources', TOKENS.analyst)).json().sources as any[]).find(
        (x) => x.name === 'events',
      );
      return s.refused > (start.refused ?? 0) && s.duplicates >= (start.duplicates ?? 0) + 3
        ? s
        : undefined;
    }, 'the counters');
    expect(now.accepted - (start.accepted ?? 0)).toBe(3);
    expect(now.duplicates - (start.duplicates ?? 0)).toBe(3);
    expect(now.refused - (start.refused ?? 0)).toBe(1);
    expect(now.deadLetters - start.deadLetters).toBe(1);
    expect(now.lastAcceptedAt).toBeGreaterThan(Date.now() - 60_000);
    expect((await t.call('GET', '/v1/sources', TOKENS.ingest)).statusCode).toBe(403);
  });
});

describe('GET /v1/incidents/{id}/events', () => {
  it("resolves the matches' contributing events, lists the ones gone as missing, and gives each match its window and times", async () => {
    const incidents = (await t.call('GET', '/v1/incidents?limit=500', TOKENS.analyst)).json()
      .incidents as any[];
    const incident = await eventually(
      async () => incidents.find((i) => i.group.api_key === 'key-rules'),
      'the incident of the rules test',
    );
    const full = await t.call(
      'GET',
      `/v1/incidents/${incident.id}/events?limit=1000`,
      TOKENS.analyst,
    );
    expect(full.statusCode, full.body).toBe(200);
    const evidence = full.json();
    expect(evidence.rule).toMatchObject({ id: RULE, condition: { kind: 'threshold' } });
    expect(evidence.rule.timespanMs).toBeGreaterThan(0);
    const [match] = evidence.matches;
    expect(match.refs.length).toBeGreaterThan(5);
    expect(evidence.events).toHaveLength(match.refs.length);
    expect(evidence.missing).toEqual([]);
    expect(evidence.truncated).toBe(false);
    for (const e of evidence.events) expect(e.event.entity.api_key).toBe('key-rules');
    expect(match.eventTimes).toHaveLength(match.refs.length);
    expect([...match.eventTimes].sort((a: number, b: number) => a - b)).toEqual(match.eventTimes);
    expect(match.eventTimes[0]).toBeGreaterThanOrEqual(match.windowStart);
    expect(match.eventTimes.at(-1)).toBeLessThanOrEqual(match.windowEnd);

    // One event the log no longer knows: listed as missing, the rest still resolve.
    const { Keys } = await import('../../src/store/keys.js');
    await t.store.redis.hdel(new Keys(t.store.prefix).eventWhere, match.refs[0]);
    const cut = (
      await t.call('GET', `/v1/incidents/${incident.id}/events?limit=5`, TOKENS.analyst)
    ).json();
    expect(cut.missing).toEqual([match.refs[0]]);
    expect(cut.events).toHaveLength(4);
    expect(cut.truncated).toBe(true);
    expect(cut.matches[0].eventTimes).toHaveLength(4);

    expect(
      (await t.call('GET', `/v1/incidents/${incident.id}/events`, TOKENS.gateway)).statusCode,
    ).toBe(403);
    expect(
      (await t.call('GET', '/v1/incidents/inc_000000000000000000000000/events', TOKENS.analyst))
        .statusCode,
    ).toBe(404);
    expect(
      (await t.call('GET', `/v1/incidents/${incident.id}/events?limit=0`, TOKENS.analyst))
        .statusCode,
    ).toBe(400);
  });
});
