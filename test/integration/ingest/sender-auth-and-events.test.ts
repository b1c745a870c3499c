/**
 * Sources that authenticate their senders their own way (Basic, static header, HMAC signature
 * with a replay window) through the HTTP API, and GET /v1/events finding deliveries again.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricValue,
  SAMPLES,
  TOKENS,
  type TestCordon,
  startWithConnectors,
} from '../../helpers/cordon.js';

let t: TestCordon;
const SECRETS = {
  BASIC_PW: 'basic-password-9f2c',
  HOOK_VALUE: 'static-hook-secret-77a1',
  HMAC_OLD: 'hmac-key-old-31d0',
  HMAC_NEW: 'hmac-key-new-52e4',
};

beforeAll(async () => {
  t = await startWithConnectors(
    'sender-auth',
    `apiVersion: cordon/v1
name: basic-am
type: alertmanager
auth:
  basic: { username: am, password: { env: BASIC_PW } }
---
apiVersion: cordon/v1
name: hooked
type: generic
auth:
  header: { name: Authorization, value: { env: HOOK_VALUE } }
---
apiVersion: cordon/v1
name: signed
type: generic
auth:
  hmac:
    secret: [{ env: HMAC_OLD }, { env: HMAC_NEW }]
    header: X-Grafana-Alerting-Signature
    timestamp_header: X-Grafana-Alerting-Signature-Timestamp
    window: 5m
---
apiVersion: cordon/v1
name: okta
type: okta
auth:
  header: { name: Authorization, value: { env: HOOK_VALUE } }
`,
    SECRETS,
  );
});
afterAll(async () => {
  await t.stop();
});

const login = (id: string, user: string, extra: object = {}) => ({
  id,
  kind: 'login',
  time: '2026-06-10T16:04:58.441Z',
  outcome: 'failure',
  entity: { user, ip: '203.0.113.7' },
  ...extra,
});

function post(source: string, body: unknown, headers: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url: `/v1/ingest/${source}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function sign(key: string, body: string, ts: number): Record<string, string> {
  const digest = createHmac('sha256', key).update(`${ts}:${body}`).digest('hex');
  return {
    'x-grafana-alerting-signature': digest,
    'x-grafana-alerting-signature-timestamp': String(ts),
  };
}

describe('sender credentials', () => {
  it('admits Basic credentials of the source, and only those', async () => {
    const alert = JSON.stringify({
      version: '4',
      receiver: 'r',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'A' },
          startsAt: '2026-06-10T16:00:00Z',
          fingerprint: 'f1',
        },
      ],
    });
    const good = `Basic ${Buffer.from(`am:${SECRETS.BASIC_PW}`).toString('base64')}`;
    const wrongUser = `Basic ${Buffer.from(`xx:${SECRETS.BASIC_PW}`).toString('base64')}`;
    expect((await post('basic-am', alert, { authorization: good })).statusCode).toBe(202);
    const refused = await post('basic-am', alert, { authorization: wrongUser });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toContain('not valid for source "basic-am"');
    // Another source's credential does not open this one.
    expect((await post('hooked', login('h0', 'x'), { authorization: good })).statusCode).toBe(401);
    expect(await metricValue(t, 'cordon_ingest_auth_failures_total{source="basic-am"}')).toBe(1);
  });

  it('admits a static header secret (Okta-style) and a Cordon bearer token alike', async () => {
    expect(
      (await post('hooked', login('h1', 'bob'), { authorization: SECRETS.HOOK_VALUE })).statusCode,
    ).toBe(202);
    expect(
      (await post('hooked', login('h2', 'bob'), { authorization: `Bearer ${TOKENS.ingest}` }))
        .statusCode,
    ).toBe(202);
    expect((await post('hooked', login('h3', 'bob'), { authorization: 'nope' })).statusCode).toBe(
      401,
    );
  });

  it('verifies an HMAC signature over the raw body with either rotated key, inside the replay window', async () => {
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify(login('s1', 'carol'));
    expect((await post('signed', body, sign(SECRETS.HMAC_OLD, body, now))).statusCode).toBe(202);
    const body2 = JSON.stringify(login('s2', 'carol'));
    expect((await post('signed', body2, sign(SECRETS.HMAC_NEW, body2, now))).statusCode).toBe(202);

    const tampered = await post(
      'signed',
      body2.replace('carol', 'mallory'),
      sign(SECRETS.HMAC_NEW, body2, now),
    );
    expect(tampered.statusCode).toBe(401);
    expect(tampered.json().message).toContain('does not match the body');

    const stale = await post('signed', body2, sign(SECRETS.HMAC_NEW, body2, now - 3600));
    expect(stale.statusCode).toBe(401);
    expect(stale.json().message).toContain('replay window');

    const unsigned = await post('signed', body2, {});
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().message).toContain('signature header is missing');
    // Refused bodies never reach the normaliser, so nothing of them is dead-lettered either.
    const letters = await t.call('GET', '/v1/deadletters?source=signed', TOKENS.analyst);
    expect(letters.json().deadLetters).toEqual([]);
  });

  it('does not reveal whether a source exists to an unauthenticated sender', async () => {
    const res = await post('no-such-source', login('x', 'y'), {});
    expect(res.statusCode).toBe(401);
  });
});

describe('Okta event hooks', () => {
  it('answers the one-time verification GET, then takes deliveries with the shared header', async () => {
    const verify = await t.app.inject({
      method: 'GET',
      url: '/v1/ingest/okta',
      headers: { authorization: SECRETS.HOOK_VALUE, 'x-okta-verification-challenge': 'chal-123' },
    });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toEqual({ verification: 'chal-123' });
    const stranger = await t.app.inject({
      method: 'GET',
      url: '/v1/ingest/okta',
      headers: { 'x-okta-verification-challenge': 'chal-123' },
    });
    expect(stranger.statusCode).toBe(401);
    // A source without a handshake says so.
    const none = await t.call('GET', '/v1/ingest/events', TOKENS.ingest);
    expect(none.statusCode).toBe(404);

    const delivery = readFileSync(
      join(SAMPLES, 'ingest', 'okta-eventhook-delivery-login-failure.json'),
      'utf8',
    );
    const res = await post('okta', delivery, { authorization: SECRETS.HOOK_VALUE });
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(1);
    const found = await t.call(
      'GET',
      '/v1/events?source=okta&kind=login&outcome=failure',
      TOKENS.analyst,
    );
    expect(found.json().events[0].event.entity).toMatchObject({
      user: 'alice@example.com',
      ip: '203.0.113.77',
    });
  });
});

describe('GET /v1/events', () => {
  it('lists accepted events newest first, filtered by source, kind, entity field and time, with cursor paging', async () => {
    const batch = [
      login('e1', 'dave', { time: '2026-06-10T10:00:00Z' }),
      login('e2', 'erin', {
        time: '2026-06-10T11:00:00Z',
        entity: { user: 'erin', geo: { region: 'eu-west' } },
      }),
      login('e3', 'dave', { time: '2026-06-10T12:00:00Z' }),
      { ...login('e4', 'dave', { time: '2026-06-10T13:00:00Z' }), kind: 'inference' },
    ];
    expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, batch)).statusCode).toBe(202);

    const dave = await t.call(
      'GET',
      '/v1/events?source=events&kind=login&entity.user=dave',
      TOKENS.analyst,
    );
    expect(dave.statusCode).toBe(200);
    expect(dave.json().events.map((e: { event: { id: string } }) => e.event.id)).toEqual([
      'e3',
      'e1',
    ]);

    const region = await t.call('GET', '/v1/events?entity.geo.region=eu-west', TOKENS.analyst);
    expect(region.json().events.map((e: { event: { id: string } }) => e.event.id)).toEqual(['e2']);

    const window = await t.call(
      'GET',
      '/v1/events?source=events&from=2026-06-10T10:30:00Z&to=2026-06-10T12:30:00Z',
      TOKENS.analyst,
    );
    expect(window.json().events.map((e: { event: { id: string } }) => e.event.id)).toEqual([
      'e3',
      'e2',
    ]);

    const first = await t.call('GET', '/v1/events?source=events&limit=2', TOKENS.analyst);
    expect(first.json().events).toHaveLength(2);
    const next = String(first.json().next);
    const second = await t.call(
      'GET',
      `/v1/events?source=events&limit=2&before=${next}`,
      TOKENS.analyst,
    );
    const ids = [...first.json().events, ...second.json().events].map(
      (e: { event: { id: string } }) => e.event.id,
    );
    expect(ids.slice(0, 4)).toEqual(['e4', 'e3', 'e2', 'e1']);
  });

  it('refuses a bad time and an unknown parameter by name, and readers only', async () => {
    const bad = await t.call('GET', '/v1/events?from=yesterday', TOKENS.analyst);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('querystring/from');
    const unknown = await t.call('GET', '/v1/events?colour=red', TOKENS.analyst);
    expect(unknown.statusCode).toBe(400);
    expect((await t.call('GET', '/v1/events', TOKENS.ingest)).statusCode).toBe(403);
  });
});
