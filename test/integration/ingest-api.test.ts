/**
 * POST /v1/ingest/{source} through the HTTP API: authentication and source scope, the three
 * wire formats with the shared samples, and bad input — 4xx naming the field, the body kept
 * as a dead letter readable through the API, and the rejection counted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricValue,
  SAMPLES,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';

let t: TestCordon;
const sample = (name: string): string => readFileSync(join(SAMPLES, 'ingest', name), 'utf8');

beforeAll(async () => {
  t = await startTestCordon({ env: { CORDON_INGEST_BODY_LIMIT_BYTES: String(256 * 1024) } });
});
afterAll(async () => {
  await t.stop();
});

const event = {
  kind: 'login',
  time: '2026-06-10T16:04:58.441Z',
  outcome: 'failure',
  entity: { user: 'alice', ip: '203.0.113.7' },
};

describe('authentication', () => {
  it('refuses a request without a token, with a challenge', async () => {
    const res = await t.call('POST', '/v1/ingest/events', undefined, event);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="cordon"');
    expect(res.json()).toEqual({
      code: 'CORDON_ERR_API_UNAUTHENTICATED',
      message: 'This endpoint needs "Authorization: Bearer <token>".',
    });
  });

  it('refuses a wrong token without saying which part was wrong', async () => {
    const res = await t.call('POST', '/v1/ingest/events', 'not-a-real-token', event);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('CORDON_ERR_API_UNAUTHENTICATED');
    expect(res.body).not.toContain('not-a-real-token');
  });

  it('refuses a valid token without the ingest role', async () => {
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.analyst, event);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CORDON_ERR_API_FORBIDDEN');
  });

  it('limits a source-scoped token to its sources', async () => {
    expect((await t.call('POST', '/v1/ingest/events', TOKENS.eventsOnly, event)).statusCode).toBe(
      202,
    );
    const other = await t.call(
      'POST',
      '/v1/ingest/alertmanager',
      TOKENS.eventsOnly,
      sample('alertmanager-webhook-firing.json'),
    );
    expect(other.statusCode).toBe(403);
    expect(other.json().message).toBe(
      'Principal "events-only" may not post to source "alertmanager".',
    );
  });

  it('authenticates every read endpoint too; probes and docs stay public', async () => {
    for (const url of [
      '/v1/incidents',
      '/v1/runs',
      '/v1/approvals',
      '/v1/cases',
      '/v1/deadletters',
      '/metrics',
      '/v1/limiter/check?key=k',
    ]) {
      expect((await t.call('GET', url, undefined)).statusCode, url).toBe(401);
    }
    const forbidden = await t.call('GET', '/v1/limiter/check?key=k', TOKENS.analyst);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({
      code: 'CORDON_ERR_API_FORBIDDEN',
      message: expect.stringContaining('gateway'),
    });
    expect((await t.call('GET', '/healthz', undefined)).json()).toEqual({ status: 'ok' });
    const ready = await t.call('GET', '/readyz', undefined);
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      checks: { redis: true, correlator: true, runner: true, worker: true },
    });
    const docs = await t.call('GET', '/docs', undefined);
    expect(docs.statusCode).toBe(200);
    const spec = docs.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/ingest/{source}',
        '/v1/approvals/{id}/approve',
        '/v1/runs/{id}',
        '/v1/limiter/check',
      ]),
    );
  });

  it('answers 404 for an unknown source, naming the known ones', async () => {
    const res = await t.call('POST', '/v1/ingest/nope', TOKENS.ingest, event);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'CORDON_ERR_INGEST_UNKNOWN_SOURCE' });
    expect(res.json().message).toContain('Sources: alertmanager, bulk, events, hec, otlp, splunk');
  });
});

describe('accepted formats', () => {
  it('accepts a canonical event and serves it back by source and id', async () => {
    const res = await t.call('POST', '/v1/ingest/events?ids=true', TOKENS.ingest, {
      ...event,
      id: 'login-1',
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      source: 'events',
      accepted: 1,
      duplicates: 0,
      events: [{ id: 'login-1', duplicate: false }],
    });
    const stored = await t.call('GET', '/v1/events/events/login-1', TOKENS.analyst);
    expect(stored.json().event).toMatchObject({
      id: 'login-1',
      source: 'events',
      kind: 'login',
      time: Date.parse(event.time),
      outcome: 'failure',
      entity: { user: 'alice' },
    });
    expect(typeof stored.json().event.received).toBe('number');
  });

  it('answers with the counts alone unless ids are asked for, ending in a newline', async () => {
    const body = { ...event, id: 'login-compact' };
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body);
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('{"source":"events","accepted":1,"duplicates":0}\n');
    const again = await t.call('POST', '/v1/ingest/events?ids=true', TOKENS.ingest, body);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(again.json().events).toEqual([
      { id: 'login-compact', seq: expect.stringMatching(/^\d+-\d+$/), duplicate: true },
    ]);
  });

  it('accepts the Alertmanager sample: one event per alert', async () => {
    const res = await t.call(
      'POST',
      '/v1/ingest/alertmanager?ids=true',
      TOKENS.ingest,
      sample('alertmanager-webhook-firing.json'),
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().accepted).toBe(2);
    const first = res.json().events[0];
    const stored = (
      await t.call('GET', `/v1/events/alertmanager/${String(first.id)}`, TOKENS.analyst)
    ).json().event;
    expect(stored).toMatchObject({
      kind: 'alert',
      name: 'InferenceLatencyP99High',
      severity: 'critical',
      outcome: 'firing',
      entity: { model: 'fraud-scorer', model_version: '3', host: '10.0.4.17:8002' },
    });
    // Alertmanager re-sends the group on every repeat_interval: the same alerts are not counted again.
    const again = await t.call(
      'POST',
      '/v1/ingest/alertmanager',
      TOKENS.ingest,
      sample('alertmanager-webhook-firing.json'),
    );
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('accepts the Splunk webhook sample', async () => {
    const res = await t.call(
      'POST',
      '/v1/ingest/splunk?ids=true',
      TOKENS.ingest,
      sample('splunk-webhook-alert.json'),
    );
    expect(res.statusCode, res.body).toBe(202);
    const stored = (
      await t.call('GET', `/v1/events/splunk/${String(res.json().events[0].id)}`, TOKENS.analyst)
    ).json().event;
    expect(stored).toMatchObject({
      kind: 'alert',
      name: 'LLM gateway - burst of 401s per API key',
      time: 1718035412000,
      entity: { user: 'svc-batch-scorer', ip: '198.51.100.23', api_key: '7f3c9a0e51b2' },
    });
  });
});

describe('bad input', () => {
  it('rejects a malformed payload with the field path and reason, and keeps it as a dead letter', async () => {
    const before = await metricValue(t, 'cordon_ingest_rejected_total');
    const body = sample('bad/alertmanager-bad-timestamps.json');
    const res = await t.call('POST', '/v1/ingest/alertmanager', TOKENS.ingest, body);
    expect(res.statusCode).toBe(400);
    const error = res.json();
    expect(error.code).toBe('CORDON_ERR_INGEST_INVALID_PAYLOAD');
    expect(error.details.errors).toEqual([expect.objectContaining({ path: '/alerts/0/startsAt' })]);
    expect(error.details.errors[0].reason).toContain('"2024-06-10 16:01:05"');
    expect(error.message).toContain(`dead letter ${String(error.details.deadLetterId)}`);

    const kept = await t.call(
      'GET',
      `/v1/deadletters/${String(error.details.deadLetterId)}`,
      TOKENS.analyst,
    );
    expect(kept.statusCode).toBe(200);
    expect(kept.json()).toMatchObject({
      source: 'alertmanager',
      reason: 'validate',
      principal: 'ingest',
      encoding: 'utf8',
      truncated: false,
      body,
      size: Buffer.byteLength(body),
    });
    const list = (
      await t.call('GET', '/v1/deadletters?source=alertmanager', TOKENS.analyst)
    ).json();
    expect(list.deadLetters[0].id).toBe(error.details.deadLetterId);
    expect(list.totals.alertmanager).toBeGreaterThanOrEqual(1);
    expect(await metricValue(t, 'cordon_ingest_rejected_total')).toBe(before + 1);
  });

  it('reports every problem of a payload at once', async () => {
    const res = await t.call(
      'POST',
      '/v1/ingest/alertmanager',
      TOKENS.ingest,
      sample('bad/alertmanager-wrong-types.json'),
    );
    expect(res.statusCode).toBe(400);
    const paths = (res.json().details.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/version', '/alerts']));
    expect(paths.length).toBeGreaterThan(3);
  });

  it('rejects truncated JSON with its position', async () => {
    const res = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      '{"kind": "login", "time": 17180',
      { 'content-type': 'application/json' },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().details.errors[0]).toMatchObject({ path: '' });
    expect(res.json().details.errors[0].reason).toMatch(/line 1/);
  });

  it('accepts a batch in part: an unknown field refuses its item alone, with a suggestion, kept as a dead letter', async () => {
    const good = { ...event, id: 'partial-good-1' };
    const batch = [good, { ...event, id: 'partial-bad-1', entity: { apikey: 'k-1' } }];
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, batch);
    expect(res.statusCode).toBe(202);
    const answer = res.json();
    expect(answer).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(answer.rejected).toEqual([
      { index: 1, errors: [expect.objectContaining({ path: '/1/entity/apikey' })] },
    ]);
    expect(answer.rejected[0].errors[0].reason).toContain('api_key');
    const kept = await t.call(
      'GET',
      `/v1/deadletters/${String(answer.deadLetterId)}`,
      TOKENS.analyst,
    );
    expect(kept.json()).toMatchObject({ reason: 'partial' });
    expect(kept.json().errors).toEqual([expect.objectContaining({ path: '/1/entity/apikey' })]);
    const stored = await t.call('GET', '/v1/events/events/partial-good-1', TOKENS.analyst);
    expect(stored.statusCode).toBe(200);
    const missing = await t.call('GET', '/v1/events/events/partial-bad-1', TOKENS.analyst);
    expect(missing.statusCode).toBe(404);
  });

  it('refuses the whole batch when no item is good', async () => {
    const batch = [{ ...event, entity: { apikey: 'k-1' } }];
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, batch);
    expect(res.statusCode).toBe(400);
    expect(res.json().details.errors).toEqual([
      expect.objectContaining({ path: '/0/entity/apikey' }),
    ]);
  });

  it('rejects a content type the source does not take (415), keeping the body', async () => {
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, 'kind=login', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('CORDON_ERR_INGEST_UNSUPPORTED_MEDIA_TYPE');
    const kept = await t.call(
      'GET',
      `/v1/deadletters/${String(res.json().details.deadLetterId)}`,
      TOKENS.analyst,
    );
    expect(kept.json()).toMatchObject({ reason: 'media-type', body: 'kind=login' });
  });

  it('rejects a body over the size limit with 413 before reading it all', async () => {
    const big = JSON.stringify({ ...event, labels: { pad: 'x'.repeat(300 * 1024) } });
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, big);
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('CORDON_ERR_INGEST_BODY_TOO_LARGE');
    // The limit is named with its value, so the sender knows how far to split.
    expect(res.json().details.limitBytes).toBeGreaterThan(0);
    expect(res.json().message).toContain(`${String(res.json().details.limitBytes)} bytes`);
    expect(res.json().message).toContain('CORDON_INGEST_BODY_LIMIT_BYTES');
  });

  it('rejects an empty body', async () => {
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, '', {
      'content-type': 'application/json',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('CORDON_ERR_INGEST_INVALID_PAYLOAD');
  });

  it('names the bad query parameter on read endpoints', async () => {
    const res = await t.call('GET', '/v1/incidents?status=closed', TOKENS.analyst);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'CORDON_ERR_API_INVALID_REQUEST',
      details: { errors: [{ path: 'querystring/status' }] },
    });
    const malformed = await t.call('GET', '/v1/incidents/inc_missing', TOKENS.analyst);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().details.errors[0].path).toBe('params/id');
    expect(
      (await t.call('GET', `/v1/incidents/inc_${'0'.repeat(24)}`, TOKENS.analyst)).statusCode,
    ).toBe(404);
    // Names that collide with index keys never reach Redis key names.
    expect((await t.call('GET', '/v1/runs/index', TOKENS.analyst)).statusCode).toBe(400);
    expect(
      (await t.call('POST', '/v1/approvals/pending/approve', TOKENS.approver)).statusCode,
    ).toBe(400);
    expect((await t.call('GET', '/v1/nothing-here', TOKENS.analyst)).json().code).toBe(
      'CORDON_ERR_API_NOT_FOUND',
    );
  });
});
