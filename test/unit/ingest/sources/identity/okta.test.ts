import { describe, expect, it } from 'vitest';
import { parseHttpRequestFile } from '../../../../../src/ingest/sources/http-request-file.js';
import { parseMapText } from '../../../../../src/ingest/sources/okta/debug-data.js';
import { oktaKind } from '../../../../../src/ingest/sources/okta/index.js';
import { itIsRegistered, itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial, expectWarnings } from '../../ingest-test-helpers.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, unknown>;
const S = 'samples/ingest/';
const sample = (name: string): Buffer => fixtureBytes(`${S}${name}`);
const sampleJson = (name: string): Json => JSON.parse(sample(name).toString('utf8')) as Json;
const HOOK = 'okta-eventhook-delivery-login-failure.json';
const SINGLE = 'okta-systemlog-event-login-success.json';
const ARRAY = 'okta-systemlog-array.json';
const BAD = 'bad/okta-eventhook-empty-and-missing-outcome.json';

function hookEvent(): Json {
  const data = sampleJson(HOOK).data as { events: Json[] };
  return data.events[0] ?? {};
}

function delivery(events: unknown[]): string {
  return JSON.stringify({ ...sampleJson(HOOK), data: { events } });
}

describe('okta kind: samples', () => {
  itIsRegistered(oktaKind);
  itMapsSamplesToGoldens(oktaKind, [
    { sample: `${S}${HOOK}`, golden: 'okta/eventhook-delivery-login-failure.json' },
    { sample: `${S}${SINGLE}`, golden: 'okta/systemlog-event-login-success.json' },
    { sample: `${S}${ARRAY}`, golden: 'okta/systemlog-array.json' },
  ]);

  it('maps the failed hook login field by field', async () => {
    const [event] = okEvents(await runKind(oktaKind, sample(HOOK)));
    expect(event).toMatchObject({
      id: 'f3a2b1c0-1e2d-11ef-9a8b-7c6d5e4f3a2b',
      time: Date.UTC(2024, 5, 10, 16, 4, 58, 441),
      kind: 'login',
      name: 'user.session.start',
      severity: 'medium',
      outcome: 'failure',
      entity: {
        user: 'alice@example.com',
        ip: '203.0.113.77',
        user_agent: 'python-requests/2.31.0',
        geo: { country: 'Brazil', region: 'Sao Paulo', city: 'Sao Paulo' },
      },
    });
    // "unknown" is Okta's placeholder, not a session id.
    expect(event?.entity.session).toBeUndefined();
    expect(event?.labels).toMatchObject({
      user_id: '00u1abcd2EFGH3ijk4l5',
      reason: 'INVALID_CREDENTIALS',
      outcome_result: 'FAILURE',
      as_number: '64500',
      isp: 'example transit',
      threat_suspected: 'false',
      request_id: 'ZmcBq3kN2cQ0a8b1c2d3eAAAAA8',
      hook_event_id: 'b9f1c3e2-5d4a-4e7b-8c6f-0a1b2c3d4e5f',
    });
    expect(event?.labels).not.toHaveProperty('client_zone');
    expect(event?.raw).toEqual(hookEvent());
  });

  it('prefers the first ipChain hop and splits risk and behaviors into labels', async () => {
    const [event] = okEvents(await runKind(oktaKind, sample(SINGLE)));
    expect(event?.entity.ip).toBe('198.51.100.23');
    expect(event?.entity.session).toBe('102bZDNFfWaQSyEZQuDgWt-uQ');
    expect(event?.kind).toBe('login');
    expect(event?.labels).toMatchObject({
      ip_chain: '198.51.100.23, 192.0.2.10',
      risk_level: 'MEDIUM',
      risk_reasons: 'New Geo-Location, New Device',
      behavior_new_geo_location: 'POSITIVE',
      behavior_new_ip: 'NEGATIVE',
      factor: 'OKTA_VERIFY_PUSH',
      mfa_used: 'true',
    });
  });

  it('maps an array: audit for non-login types, DENY → failure, CHALLENGE → unknown', async () => {
    const [lock, challenge] = okEvents(await runKind(oktaKind, sample(ARRAY)));
    expect(lock).toMatchObject({ kind: 'audit', outcome: 'failure', severity: 'medium' });
    expect(challenge).toMatchObject({ kind: 'login', outcome: 'unknown', severity: 'info' });
    expect(challenge?.labels).toMatchObject({ outcome_result: 'CHALLENGE', user_unknown: 'true' });
    expect(challenge?.entity).toMatchObject({ ip: '2001:db8::42' });
    expect(challenge?.entity.user).toBeUndefined();
  });
});

describe('okta kind: mapping rules', () => {
  it.each([
    ['SUCCESS', 'success'],
    ['ALLOW', 'success'],
    ['FAILURE', 'failure'],
    ['DENY', 'failure'],
    ['SKIPPED', 'unknown'],
    ['UNKNOWN', 'unknown'],
  ])('maps outcome %s to %s', async (result, outcome) => {
    const body = delivery([{ ...hookEvent(), outcome: { result } }]);
    expect(okEvents(await runKind(oktaKind, body))[0]?.outcome).toBe(outcome);
  });

  it.each([
    ['DEBUG', 'info'],
    ['INFO', 'info'],
    ['WARN', 'medium'],
    ['ERROR', 'high'],
  ])('maps severity %s to %s', async (severity, level) => {
    const body = delivery([{ ...hookEvent(), severity }]);
    expect(okEvents(await runKind(oktaKind, body))[0]?.severity).toBe(level);
  });

  it('warns about an unknown severity and uses info', async () => {
    const result = await runKind(oktaKind, delivery([{ ...hookEvent(), severity: 'SEVERE' }]));
    expect(okEvents(result)[0]?.severity).toBe('info');
    expect(expectWarnings(result)).toEqual([
      expect.stringContaining('/data/events/0/severity: "SEVERE" is not an Okta severity'),
    ]);
  });

  it('stamps the receipt time when published is missing, and keeps the uuid as id', async () => {
    const { published: _published, ...rest } = hookEvent();
    const result = await runKind(oktaKind, delivery([rest]));
    const [event] = okEvents(result);
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels['cordon.time_missing']).toBe('true');
    expect(event?.id).toBe('f3a2b1c0-1e2d-11ef-9a8b-7c6d5e4f3a2b');
  });

  it('gives a deterministic hash id when uuid is missing', async () => {
    const { uuid: _uuid, ...rest } = hookEvent();
    const a = okEvents(await runKind(oktaKind, delivery([rest])))[0]?.id;
    const b = okEvents(await runKind(oktaKind, delivery([rest]), { now: SAMPLE_NOW + 1000 }))[0]
      ?.id;
    expect(a).toMatch(/^okta_[0-9a-f]{32}$/);
    expect(a).toBe(b);
  });

  it('parses Okta map text, keeping commas inside values', () => {
    expect(parseMapText('{level=HIGH, reasons=Anomalous Device, Anomalous Location}')).toEqual([
      ['level', 'HIGH'],
      ['reasons', 'Anomalous Device, Anomalous Location'],
    ]);
    expect(parseMapText('{}')).toEqual([]);
    expect(parseMapText('level=HIGH')).toBeUndefined();
  });
});

describe('okta kind: bad input', () => {
  it('refuses the empty event and the event without outcome, each with its reason', async () => {
    expectErrorsAt(await runKind(oktaKind, sample(BAD)), {
      '/data/events/0': 'is an empty LogEvent',
      '/data/events/1/outcome': 'is required',
    });
  });

  it('accepts the good events of a batch and rejects the bad one by index', async () => {
    const bad = {
      ...hookEvent(),
      published: '2024-06-10 16:04:58',
      client: { ipAddress: '999.1.1.1' },
    };
    const result = await runKind(oktaKind, delivery([hookEvent(), bad]));
    expectPartial(result, 1, {
      '/data/events/1/published': ['RFC 3339', 'put "T" between the date and the time'],
      '/data/events/1/client/ipAddress': ['IPv4 or IPv6', '"999.1.1.1"'],
    });
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1]);
  });

  it.each([
    ['{"data": {"events": {}}}', '/data/events', 'Wrap the event in [ ]'],
    ['{"data": {"events": []}}', '/data/events', 'is empty'],
    ['{"eventType": "com.okta.event_hook"}', '/data', 'must be an object holding "events"'],
    ['[]', '', 'empty array'],
    ['"hello"', '', 'an Okta event-hook delivery'],
  ])('refuses the envelope %s', async (body, path, phrase) => {
    expectErrorsAt(await runKind(oktaKind, body), { [path]: phrase });
  });

  it('reports wrong types inside an event at their paths', async () => {
    const bad = { ...hookEvent(), outcome: { result: 1 }, actor: 'alice', eventType: 7 };
    expectErrorsAt(await runKind(oktaKind, delivery([bad])), {
      '/data/events/0/outcome/result': 'must be a string',
      '/data/events/0/actor': 'must be an object',
      '/data/events/0/eventType': 'must be a string',
    });
  });

  it('survives random and damaged bodies', async () => {
    await fuzzKind(oktaKind, [sample(HOOK), sample(SINGLE), sample(ARRAY), sample(BAD)]);
  });
});

describe('okta kind: verification handshake', () => {
  const file = parseHttpRequestFile(
    sample('okta-eventhook-verification.http.txt').toString('utf8'),
  );
  if (!file.ok) throw new Error(file.reason);
  const { method, headers } = file.request;

  it('answers the challenge of the sample GET', () => {
    expect(oktaKind.handshake?.({ method, headers, query: {} }, undefined)).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: { verification: 'Yd8Hh3q1Xz0bQ7oNnT5sVf9kLcR2uW6a' },
    });
  });

  it('is not a handshake without the header, or for a POST', () => {
    expect(
      oktaKind.handshake?.({ method: 'GET', headers: {}, query: {} }, undefined),
    ).toBeUndefined();
    expect(oktaKind.handshake?.({ method: 'POST', headers, query: {} }, undefined)).toBeUndefined();
  });
});
