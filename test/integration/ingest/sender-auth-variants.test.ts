/**
 * The sender authentication variants of a source's `auth:` through the HTTP API, one source
 * each: a GitHub-style HMAC with the `sha256=` prefix (hex), an HMAC in base64, a Slack-style
 * signature (`v0=` over `v0:<ts>:<body>`, `X-Slack-Request-Timestamp`, 300 s replay window)
 * and a secret query parameter (Splunk's webhook action). Every refused body is checked to have
 * stayed out of the event log and out of the dead letters: it never reached a normaliser.
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
  SAV_GITHUB_KEY: 'github-style-key-5c1e',
  SAV_B64_KEY: 'base64-key-0a9d',
  SAV_SLACK_KEY: 'slack-signing-secret-8e37',
  SAV_QUERY_TOKEN: 'query-token-4b62f0',
};

beforeAll(async () => {
  t = await startWithConnectors(
    'sender-auth-variants',
    `apiVersion: cordon/v1
name: gh-signed
type: generic
auth:
  hmac:
    secret: { env: SAV_GITHUB_KEY }
    header: X-Hub-Signature-256
    prefix: "sha256="
    encoding: hex
---
apiVersion: cordon/v1
name: b64-signed
type: generic
auth:
  hmac:
    secret: { env: SAV_B64_KEY }
    header: X-Signature
    encoding: base64
---
apiVersion: cordon/v1
name: slack-signed
type: generic
auth:
  hmac:
    secret: { env: SAV_SLACK_KEY }
    header: X-Slack-Signature
    prefix: "v0="
    timestamp_header: X-Slack-Request-Timestamp
    payload: "v0:{timestamp}:{body}"
---
apiVersion: cordon/v1
name: splunk-query
type: splunk-webhook
auth:
  query: { name: token, value: { env: SAV_QUERY_TOKEN } }
`,
    SECRETS,
  );
});
afterAll(async () => {
  await t.stop();
});

const login = (id: string, user: string) => ({
  id,
  kind: 'login',
  time: '2026-06-10T16:04:58.441Z',
  outcome: 'failure',
  entity: { user, ip: '203.0.113.7' },
});

function post(url: string, body: string, headers: Record<string, string>) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: body,
  });
}

function hmac(key: string, signed: string, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', key).update(signed).digest(encoding);
}

/** Ids of the source's stored events (the event log as GET /v1/events reads it). */
async function storedIds(source: string): Promise<string[]> {
  const res = await t.call('GET', `/v1/events?source=${source}&limit=500`, TOKENS.analyst);
  expect(res.statusCode).toBe(200);
  return (res.json().events as { event: { id: string } }[]).map((e) => e.event.id);
}

async function deadLetterCount(source: string): Promise<number> {
  const res = await t.call('GET', `/v1/deadletters?source=${source}`, TOKENS.analyst);
  expect(res.statusCode).toBe(200);
  return (res.json().deadLetters as unknown[]).length;
}

/** Runs `refusals` and checks none of them changed the source's events or dead letters. */
async function expectNothingStored(source: string, refusals: () => Promise<void>): Promise<void> {
  const events = await storedIds(source);
  const letters = await deadLetterCount(source);
  const failures = await metricValue(t, `cordon_ingest_auth_failures_total{source="${source}"}`);
  await refusals();
  expect(await storedIds(source)).toEqual(events);
  expect(await deadLetterCount(source)).toBe(letters);
  expect(
    await metricValue(t, `cordon_ingest_auth_failures_total{source="${source}"}`),
  ).toBeGreaterThan(failures);
}

describe('GitHub-style HMAC: sha256= prefix, hex digest over the raw body', () => {
  const url = '/v1/ingest/gh-signed';
  const sign = (body: string, key = SECRETS.SAV_GITHUB_KEY): Record<string, string> => ({
    'x-hub-signature-256': `sha256=${hmac(key, body, 'hex')}`,
  });

  it('admits a body signed with the key and the prefix, over its exact bytes', async () => {
    // Pretty-printed: the signature is over the bytes as sent, not a re-serialisation.
    const body = JSON.stringify(login('gh-ok-1', 'ghost'), null, 2);
    const res = await post(url, body, sign(body));
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1 });
    expect(await storedIds('gh-signed')).toContain('gh-ok-1');
  });

  it('refuses a wrong key, a missing prefix, a tampered body and no signature, storing nothing', async () => {
    await expectNothingStored('gh-signed', async () => {
      const body = JSON.stringify(login('gh-bad-1', 'mallory'));
      const wrongKey = await post(url, body, sign(body, 'not-the-key'));
      expect(wrongKey.statusCode).toBe(401);
      expect(wrongKey.json().message).toContain('does not match the body');

      const bare = await post(url, body, {
        'x-hub-signature-256': hmac(SECRETS.SAV_GITHUB_KEY, body, 'hex'),
      });
      expect(bare.statusCode).toBe(401);
      expect(bare.json().message).toContain('must start with "sha256="');

      const tampered = await post(url, body.replace('mallory', 'trudy'), sign(body));
      expect(tampered.statusCode).toBe(401);
      expect(tampered.json().message).toContain('does not match the body');

      // The right digest in the other encoding is not the signature either.
      const asBase64 = await post(url, body, {
        'x-hub-signature-256': `sha256=${hmac(SECRETS.SAV_GITHUB_KEY, body, 'base64')}`,
      });
      expect(asBase64.statusCode).toBe(401);

      const unsigned = await post(url, body, {});
      expect(unsigned.statusCode).toBe(401);
      expect(unsigned.json().message).toContain('x-hub-signature-256 signature header is missing');
    });
    expect((await t.call('GET', '/v1/events/gh-signed/gh-bad-1', TOKENS.analyst)).statusCode).toBe(
      404,
    );
  });
});

describe('HMAC with encoding: base64 (no prefix)', () => {
  const url = '/v1/ingest/b64-signed';

  it('admits a base64 digest of the body', async () => {
    const body = JSON.stringify(login('b64-ok-1', 'bea'));
    const res = await post(url, body, {
      'x-signature': hmac(SECRETS.SAV_B64_KEY, body, 'base64'),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(await storedIds('b64-signed')).toContain('b64-ok-1');
  });

  it('refuses the same digest in hex and a base64 digest made with another key', async () => {
    await expectNothingStored('b64-signed', async () => {
      const body = JSON.stringify(login('b64-bad-1', 'bea'));
      const hex = await post(url, body, { 'x-signature': hmac(SECRETS.SAV_B64_KEY, body, 'hex') });
      expect(hex.statusCode).toBe(401);
      const wrongKey = await post(url, body, { 'x-signature': hmac('other', body, 'base64') });
      expect(wrongKey.statusCode).toBe(401);
      expect(wrongKey.json().message).toContain('does not match the body');
    });
  });
});

describe('Slack-style signature: v0= over "v0:<ts>:<body>", 300 s replay window', () => {
  const url = '/v1/ingest/slack-signed';
  const nowS = (): number => Math.floor(Date.now() / 1000);
  const slack = (body: string, ts: number, key = SECRETS.SAV_SLACK_KEY) => ({
    'x-slack-signature': `v0=${hmac(key, `v0:${ts}:${body}`, 'hex')}`,
    'x-slack-request-timestamp': String(ts),
  });

  it('admits a fresh signed request, and one signed 290 s ago (inside the window)', async () => {
    const body = JSON.stringify(login('slack-ok-1', 'sam'));
    const fresh = await post(url, body, slack(body, nowS()));
    expect(fresh.statusCode, fresh.body).toBe(202);
    const body2 = JSON.stringify(login('slack-ok-2', 'sam'));
    const older = await post(url, body2, slack(body2, nowS() - 290));
    expect(older.statusCode, older.body).toBe(202);
    expect(await storedIds('slack-signed')).toEqual(
      expect.arrayContaining(['slack-ok-1', 'slack-ok-2']),
    );
  });

  it('refuses a correctly signed request whose timestamp is outside 300 s, either way', async () => {
    await expectNothingStored('slack-signed', async () => {
      const body = JSON.stringify(login('slack-stale-1', 'sam'));
      const stale = await post(url, body, slack(body, nowS() - 310));
      expect(stale.statusCode).toBe(401);
      expect(stale.json().message).toContain('outside the 300 s replay window');
      const future = await post(url, body, slack(body, nowS() + 310));
      expect(future.statusCode).toBe(401);
      expect(future.json().message).toContain('replay window');
      // A replayed request: the signature still matches its old timestamp.
      const old = nowS() - 3600;
      const replay = await post(url, body, slack(body, old));
      expect(replay.statusCode).toBe(401);
    });
  });

  it('refuses a wrong signature, a Grafana-style payload, a changed timestamp and no timestamp', async () => {
    await expectNothingStored('slack-signed', async () => {
      const body = JSON.stringify(login('slack-bad-1', 'sam'));
      const ts = nowS();
      const wrongKey = await post(url, body, slack(body, ts, 'not-the-secret'));
      expect(wrongKey.statusCode).toBe(401);
      expect(wrongKey.json().message).toContain('does not match the body');

      // Signed over "<ts>:<body>" (no "v0:"): not this source's payload.
      const grafanaStyle = await post(url, body, {
        'x-slack-signature': `v0=${hmac(SECRETS.SAV_SLACK_KEY, `${ts}:${body}`, 'hex')}`,
        'x-slack-request-timestamp': String(ts),
      });
      expect(grafanaStyle.statusCode).toBe(401);

      // The timestamp is signed: moving it (to stay in the window) breaks the signature.
      const moved = await post(url, body, {
        ...slack(body, ts - 10),
        'x-slack-request-timestamp': String(ts),
      });
      expect(moved.statusCode).toBe(401);
      expect(moved.json().message).toContain('does not match the body');

      const { 'x-slack-signature': signature } = slack(body, ts);
      const noTimestamp = await post(url, body, { 'x-slack-signature': signature });
      expect(noTimestamp.statusCode).toBe(401);
      expect(noTimestamp.json().message).toContain('x-slack-request-timestamp');
    });
  });
});

describe('query: a secret query parameter (Splunk webhook action)', () => {
  const alert = (sid: string): string => {
    const sample = JSON.parse(
      readFileSync(join(SAMPLES, 'ingest', 'splunk-webhook-alert.json'), 'utf8'),
    ) as Record<string, unknown>;
    return JSON.stringify({ ...sample, sid });
  };

  it('admits the token in the query parameter and stores the alert', async () => {
    const before = await storedIds('splunk-query');
    const res = await post(
      `/v1/ingest/splunk-query?token=${encodeURIComponent(SECRETS.SAV_QUERY_TOKEN)}`,
      alert('sid-query-ok-1'),
      {},
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1 });
    const after = await storedIds('splunk-query');
    expect(after).toHaveLength(before.length + 1);
  });

  it('refuses a wrong, a missing, a misnamed or a header-borne token, storing nothing', async () => {
    await expectNothingStored('splunk-query', async () => {
      const base = '/v1/ingest/splunk-query';
      for (const [what, url, headers] of [
        ['wrong token', `${base}?token=not-it`, {}],
        ['no token', base, {}],
        ['other parameter name', `${base}?tok=${SECRETS.SAV_QUERY_TOKEN}`, {}],
        ['token as a header', base, { token: SECRETS.SAV_QUERY_TOKEN }],
        ['token as Bearer', base, { authorization: `Bearer ${SECRETS.SAV_QUERY_TOKEN}` }],
      ] as const) {
        const res = await post(url, alert(`sid-query-bad-${what}`), headers);
        expect(res.statusCode, what).toBe(401);
        expect(res.json().code, what).toBe('CORDON_ERR_API_UNAUTHENTICATED');
        expect(res.body, what).not.toContain(SECRETS.SAV_QUERY_TOKEN);
      }
    });
  });

  it("one source's query token does not open another source", async () => {
    const body = JSON.stringify(login('cross-1', 'x'));
    const res = await post(`/v1/ingest/events?token=${SECRETS.SAV_QUERY_TOKEN}`, body, {});
    expect(res.statusCode).toBe(401);
  });
});
