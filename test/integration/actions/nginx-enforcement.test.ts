/**
 * Real enforcement: a real nginx (the Debian package) stands in front of a small model
 * endpoint and asks Cordon's built-in limiter about every request through `auth_request`. A
 * playbook throttles a key when an extraction incident opens for it; nginx then refuses that
 * key with 429 while another key passes, and cancelling the run (its undo clears the limit)
 * lets the key through again.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  inferenceEvents,
  REPO_ROOT,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../../helpers/cordon.js';
import { Keys } from '../../../src/store/keys.js';
import { LimiterStore } from '../../../src/store/limiter-store.js';
import { startNginx, type NginxProcess } from '../../helpers/nginx.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ABUSER = 'key-nginx-abuser';
const BYSTANDER = 'key-nginx-bystander';

// 2 per day, not per minute: the limiter counts in fixed windows, and a minute boundary
// falling between two requests of this test would reset the count.
const PLAYBOOK = `apiVersion: cordon/v1
id: throttle-at-nginx
title: Throttle an extracting key where nginx enforces it
on:
  correlation: [model_extraction_by_query_volume]
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with:
      connector: gateway
      key: "{{ incident.group.api_key }}"
      limit: 2/d
      reason: "{{ incident.title }}"
    undo: ratelimit.clear
    next: review
  review:
    approval:
      roles: [approver]
      quorum: 1
      timeout: 30m
      message: Keep the throttle on {{ incident.group.api_key }}?
    on: { approved: done, rejected: done, timeout: done }
  done:
    end: resolved
`;

/**
 * The site under test, as an operator would write it: every request is first checked with
 * Cordon (the key from X-Api-Key, Cordon's gateway token, no body); a 403 from the check is a
 * throttle (style=nginx) or a block, told apart by X-Cordon-Decision.
 */
function site(
  port: number,
  cordon: string,
  model: string,
  check = 'key=$http_x_api_key&style=nginx',
): string {
  return `  server {
    listen 127.0.0.1:${port};
    location = /_cordon_check {
      internal;
      proxy_pass ${cordon}/v1/limiter/check?${check};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Authorization "Bearer ${TOKENS.gateway}";
    }
    location / {
      auth_request /_cordon_check;
      auth_request_set $cordon_decision $upstream_http_x_cordon_decision;
      auth_request_set $cordon_retry_after $upstream_http_retry_after;
      error_page 403 = @throttled;
      proxy_pass ${model};
    }
    location @throttled {
      if ($cordon_decision = block) { return 403; }
      add_header Retry-After $cordon_retry_after always;
      add_header X-Cordon-Decision $cordon_decision always;
      return 429;
    }
  }`;
}

let t: TestCordon;
let nginx: NginxProcess | undefined;
let modelCalls = 0;
let cordonUrl = '';
let modelUrl = '';
const model: Server = createServer((_req, res) => {
  modelCalls += 1;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ model: 'fraud-scorer', score: 0.12 }));
});

async function infer(key: string): Promise<{ status: number; headers: Headers; body: string }> {
  const res = await fetch(`${nginx?.url ?? ''}/v1/models/fraud-scorer:predict`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [[1, 2, 3]] }),
  });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

/** `n` requests with `key`, one after another; their statuses. */
async function statuses(key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i += 1) out.push((await infer(key)).status);
  return out;
}

beforeAll(async () => {
  const dir = tempDir('nginx-content');
  cpSync(join(REPO_ROOT, 'correlations'), join(dir, 'correlations'), { recursive: true });
  mkdirSync(join(dir, 'connectors'));
  for (const file of ['events.yaml', 'gateway.yaml'])
    cpSync(join(REPO_ROOT, 'connectors', file), join(dir, 'connectors', file));
  mkdirSync(join(dir, 'playbooks'));
  writeFileSync(join(dir, 'playbooks', 'throttle-at-nginx.yaml'), PLAYBOOK);
  t = await startTestCordon({ contentDir: dir });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const cordonPort = (t.app.server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
  const modelPort = (model.address() as AddressInfo).port;
  cordonUrl = `http://127.0.0.1:${cordonPort}`;
  modelUrl = `http://127.0.0.1:${modelPort}`;
  nginx = await startNginx((port) => site(port, cordonUrl, modelUrl));
}, 30_000);

afterAll(async () => {
  await nginx?.stop();
  await new Promise<void>((resolve) => model.close(() => resolve()));
  await t?.stop();
});

describe('a real nginx enforcing the built-in limiter through auth_request', () => {
  it('refuses a key the playbook throttles, passes other keys, and lets it through after the undo', async () => {
    const explain = (): string => `nginx output:\n${nginx?.output() ?? ''}`;
    // No limit yet: both keys reach the model.
    const before = await infer(ABUSER);
    expect(before.status, explain()).toBe(200);
    expect(JSON.parse(before.body)).toEqual({ model: 'fraud-scorer', score: 0.12 });
    expect((await infer(BYSTANDER)).status).toBe(200);

    const ingest = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      inferenceEvents(ABUSER, 101, Date.now() - 30_000),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(ingest.statusCode, ingest.body).toBe(202);
    const run = await eventually(
      async () => {
        const list = await t.call('GET', '/v1/runs?limit=10', TOKENS.analyst);
        const id = (list.json().runs as { id: string }[])[0]?.id;
        if (!id) return undefined;
        const res = await t.call('GET', `/v1/runs/${id}`, TOKENS.analyst);
        const body = res.json<{ id: string; status: string; state: string }>();
        return body.status === 'waiting' ? body : undefined;
      },
      'the run to throttle the key and wait for its review',
      60_000,
    );
    expect(run.state).toBe('review');

    // Throttled to 2 a day: two more requests pass, then nginx answers 429 without calling
    // the model, with Cordon's Retry-After and decision.
    const callsBefore = modelCalls;
    expect(await statuses(ABUSER, 2), explain()).toEqual([200, 200]);
    const refused = await infer(ABUSER);
    expect(refused.status, explain()).toBe(429);
    expect(refused.headers.get('x-cordon-decision')).toBe('throttle');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await statuses(ABUSER, 2)).toEqual([429, 429]);
    expect(modelCalls - callsBefore).toBe(2);
    // Another key is not touched by the throttle.
    expect(await statuses(BYSTANDER, 4)).toEqual([200, 200, 200, 200]);

    // Cancelling the run undoes its effects: ratelimit.clear lifts the limit at once.
    const cancelled = await t.call('POST', `/v1/runs/${run.id}/cancel`, TOKENS.approver, {
      comment: 'false positive: a load test',
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await eventually(
      async () => {
        const res = await t.call('GET', `/v1/runs/${run.id}`, TOKENS.analyst);
        return res.json<{ status: string }>().status === 'cancelled' ? true : undefined;
      },
      'the undo pass to finish',
      30_000,
    );
    const history = await t.call('GET', `/v1/limiter/keys/${ABUSER}`, TOKENS.analyst);
    expect(history.json()).toMatchObject({ rule: null });
    expect((history.json().history as { op: string }[]).map((h) => h.op)).toEqual(['undo', 'set']);
    expect(await statuses(ABUSER, 3), explain()).toEqual([200, 200, 200]);
  }, 90_000);

  it('answers 403 for a blocked key, and fails closed when Cordon refuses the gateway token', async () => {
    const blocked = 'key-nginx-blocked';
    const limiter = new LimiterStore(t.store.redis, new Keys(t.store.prefix));
    await limiter.set(
      'nginx-test-block',
      blocked,
      { mode: 'block', count: 0, windowMs: 0 },
      0,
      'test',
      'blocked by hand',
      Date.now(),
    );
    const callsBefore = modelCalls;
    const res = await infer(blocked);
    expect(res.status, `nginx output:\n${nginx?.output() ?? ''}`).toBe(403);
    expect(modelCalls).toBe(callsBefore);

    // A site configured with a token Cordon does not know: the check answers 401, which
    // auth_request passes on as 401; the model is never reached.
    const wrong = await startNginx((port) =>
      site(port, cordonUrl, modelUrl).replace(TOKENS.gateway, 'not-a-cordon-token'),
    );
    try {
      const res2 = await fetch(`${wrong.url}/v1/models/fraud-scorer:predict`, {
        headers: { 'x-api-key': BYSTANDER },
      });
      expect(res2.status, wrong.output()).toBe(401);
      expect(modelCalls).toBe(callsBefore);
    } finally {
      await wrong.stop();
    }
  }, 30_000);

  it('works with key_header too: the check reads X-Api-Key from the headers nginx forwards', async () => {
    const byHeader = await startNginx((port) =>
      site(port, cordonUrl, modelUrl, 'key_header=x-api-key&style=nginx'),
    );
    const ask = async (headers: Record<string, string>): Promise<number> =>
      (await fetch(`${byHeader.url}/v1/models/fraud-scorer:predict`, { headers })).status;
    try {
      const callsBefore = modelCalls;
      expect(await ask({ 'x-api-key': BYSTANDER }), byHeader.output()).toBe(200);
      // Blocked by the test before.
      expect(await ask({ 'x-api-key': 'key-nginx-blocked' })).toBe(403);
      // No key: Cordon answers 400, which auth_request turns into a 500. Closed, not open.
      expect(await ask({})).toBe(500);
      expect(modelCalls - callsBefore).toBe(1);
    } finally {
      await byHeader.stop();
    }
  }, 30_000);
});
