/**
 * ServiceNow, GitHub Issues, Microsoft Teams and LiteLLM connectors against local fakes of
 * their documented contracts: dedupe re-checked, 403 rate limits, legacy vs Workflows answers,
 * key block/unblock confirmed and rpm limits restored by undo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correlationId } from '../../../src/actions/connectors/servicenow/index.js';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { githubFake } from '../../../src/demo/fakes/github.js';
import { litellmFake } from '../../../src/demo/fakes/litellm.js';
import { servicenowFake } from '../../../src/demo/fakes/servicenow.js';
import { teamsFake } from '../../../src/demo/fakes/teams.js';

const HASH = 'a'.repeat(64);
const snow = servicenowFake('cordon', 'snow-password-1');
const gh = githubFake('acme/security', 'ghp_tokenvalue123');
const teams = teamsFake('/webhookb2/teams-secret-path', 'workflows');
const legacy = teamsFake('/webhookb2/legacy-secret-path', 'legacy');
const llm = litellmFake('sk-master-key-99', { [HASH]: { rpm_limit: 100, tpm_limit: null } });
let h: ConnectorHarness;

beforeAll(async () => {
  for (const f of [snow.server, gh.server, teams.server, legacy.server, llm.server])
    await f.start();
  const hostOf = (u: string): string => new URL(u).host;
  h = connectorHarness(
    instancesFromYaml(
      `name: snow\ntype: servicenow\nurl: ${snow.server.url}\nauth: { basic: { username: cordon, password: { env: SNOW_PW } } }\ntimeout: 300ms`,
      `name: gh\ntype: github\nurl: ${gh.server.url}\nauth: { bearer: { env: GH_TOKEN } }\noptions: { repo: acme/security }`,
      `name: chan\ntype: teams\nurl: { env: TEAMS_URL }\nallow_hosts: ["${hostOf(teams.server.url)}"]`,
      `name: old-chan\ntype: teams\nurl: { env: LEGACY_URL }\nallow_hosts: ["${hostOf(legacy.server.url)}"]\noptions: { format: legacy }`,
      `name: proxy\ntype: litellm-proxy\nurl: ${llm.server.url}\nauth: { bearer: { env: LITELLM_MASTER_KEY } }`,
    ),
    {
      SNOW_PW: 'snow-password-1',
      GH_TOKEN: 'ghp_tokenvalue123',
      TEAMS_URL: `${teams.server.url}/webhookb2/teams-secret-path`,
      LEGACY_URL: `${legacy.server.url}/webhookb2/legacy-secret-path`,
      LITELLM_MASTER_KEY: 'sk-master-key-99',
    },
  );
});

afterAll(async () => {
  await h.cleanup();
  for (const f of [snow.server, gh.server, teams.server, legacy.server, llm.server]) await f.stop();
});

describe('ticket.open on ServiceNow', () => {
  it('creates with correlation_id and impact/urgency from severity, then reuses the open incident', async () => {
    const first = await h.run('servicenow', 'ticket.open', {
      summary: 'Key abuse',
      severity: 'critical',
      dedupe: 'inc-7',
    });
    expect(first).toMatchObject({
      created: true,
      number: 'INC0010001',
      correlationId: correlationId('inc-7'),
    });
    expect(snow.incidents[0]).toMatchObject({
      impact: '1',
      urgency: '1',
      correlation_id: correlationId('inc-7'),
    });
    await expect(
      h.run('servicenow', 'ticket.open', { summary: 'Key abuse', dedupe: 'inc-7' }),
    ).resolves.toMatchObject({ created: false, number: 'INC0010001' });
    expect(snow.incidents).toHaveLength(1);
  });

  it('re-checks correlation_id: an answer widened by a dropped query fragment is not a duplicate', async () => {
    // What ServiceNow returns when the correlation_id condition was silently dropped: other incidents.
    snow.server.failNext({
      status: 200,
      body: { result: [{ sys_id: 'x', number: 'INC0000001', correlation_id: 'someone-else' }] },
    });
    const result = await h.run('servicenow', 'ticket.open', { summary: 'Other', dedupe: 'inc-8' });
    expect(result).toMatchObject({ created: true });
    expect(snow.incidents).toHaveLength(2);
  });

  it('opens one incident when the create times out after ServiceNow made it', async () => {
    snow.server.delayNext(0);
    snow.server.delayNext(800);
    await expect(
      h.run(
        'servicenow',
        'ticket.open',
        { summary: 'Slow', dedupe: 'inc-9' },
        { effectKey: 'snow-slow' },
      ),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_TIMEOUT' });
    await expect(
      h.run(
        'servicenow',
        'ticket.open',
        { summary: 'Slow', dedupe: 'inc-9' },
        { effectKey: 'snow-slow' },
      ),
    ).resolves.toMatchObject({ created: false });
    expect(snow.incidents.filter((i) => i.correlation_id === correlationId('inc-9'))).toHaveLength(
      1,
    );
  });
});

describe('ticket.open on GitHub', () => {
  it('sends the required headers, labels for dedupe, and reuses an open issue', async () => {
    await expect(
      h.run('github', 'ticket.open', { summary: 'Abuse', severity: 'high', dedupe: 'inc-1' }),
    ).resolves.toMatchObject({ number: 1, created: true });
    const sent = gh.server.calls('POST').at(-1);
    expect(sent?.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'cordon',
    });
    await expect(
      h.run('github', 'ticket.open', { summary: 'Abuse', dedupe: 'inc-1' }),
    ).resolves.toMatchObject({ number: 1, created: false });
    expect(gh.issues).toHaveLength(1);
  });

  it('waits for x-ratelimit-reset on a 403 primary rate limit, then succeeds', async () => {
    const reset = String(Math.floor(h.clock.now() / 1000) + 5);
    gh.server.failNext({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      body: { message: 'API rate limit exceeded' },
    });
    const n = h.sleeps.length;
    await expect(
      h.run('github', 'ticket.open', { summary: 'Later', dedupe: 'inc-2' }),
    ).resolves.toMatchObject({ created: true });
    expect(h.sleeps[n]).toBeGreaterThan(4000);
    expect(h.sleeps[n]).toBeLessThanOrEqual(5000);
  });

  it('keeps a plain 403 unauthorized and a 422 rejected', async () => {
    gh.server.failNext(
      { status: 200, body: [] },
      { status: 403, body: { message: 'Resource not accessible by integration' } },
    );
    await expect(
      h.run('github', 'ticket.open', { summary: 'x', dedupe: 'inc-3' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_UNAUTHORIZED' });
    gh.server.failNext(
      { status: 200, body: [] },
      { status: 410, body: { message: 'Issues are disabled for this repo' } },
    );
    await expect(
      h.run('github', 'ticket.open', { summary: 'x', dedupe: 'inc-4' }),
    ).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_REJECTED' });
  });
});

describe('notify.teams', () => {
  it('posts an Adaptive Card envelope to a Workflows webhook (202)', async () => {
    await expect(
      h.run('teams', 'notify.teams', { text: 'Key throttled' }, { connector: 'chan' }),
    ).resolves.toEqual({ posted: true, status: 202 });
    expect(teams.posts.at(-1)).toMatchObject({
      type: 'message',
      attachments: [{ content: { type: 'AdaptiveCard', body: [{ text: 'Key throttled' }] } }],
    });
  });

  it('treats a legacy 200 whose body is not "1" as a failure, throttling as retryable', async () => {
    await expect(
      h.run('teams', 'notify.teams', { text: 'hi' }, { connector: 'old-chan' }),
    ).resolves.toEqual({ posted: true, status: 200 });
    legacy.server.failNext({
      status: 200,
      body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId ...',
    });
    const err = (await h
      .run('teams', 'notify.teams', { text: 'hi' }, { connector: 'old-chan' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_UNAVAILABLE');
    expect(err.message).not.toContain('legacy-secret-path');
  });
});

describe('LiteLLM key.block and ratelimit.set', () => {
  it('blocks by token hash, confirms with /key/info, records who changed it, and the undo unblocks', async () => {
    const result = await h.run(
      'litellm-proxy',
      'key.block',
      { key: HASH, reason: 'abuse' },
      { effectKey: 'llm-block' },
    );
    expect(result).toEqual({ key: HASH, blocked: true, propagating: true, wasBlocked: false });
    expect(llm.keys.get(HASH)).toMatchObject({ blocked: true, changedBy: ['cordon/run_1'] });
    await h.run(
      'litellm-proxy',
      'key.unblock',
      { key: HASH, reason: 'abuse' },
      { undoOf: { effectKey: 'llm-block', operation: 'key.block', inputs: {}, result } },
    );
    expect(llm.keys.get(HASH)?.blocked).toBe(false);
  });

  it('refuses a raw sk- key so it never travels', async () => {
    await expect(
      h.run('litellm-proxy', 'key.block', { key: 'sk-raw-user-key' }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_INPUT',
    });
  });

  it('lowers rpm_limit and the undo restores the exact previous limits', async () => {
    const result = await h.run('litellm-proxy', 'ratelimit.set', { key: HASH, limit: '10/m' });
    expect(result).toEqual({
      key: HASH,
      rpmLimit: 10,
      replaced: { rpm_limit: 100, tpm_limit: null },
    });
    expect(llm.keys.get(HASH)?.rpm_limit).toBe(10);
    await h.run(
      'litellm-proxy',
      'ratelimit.clear',
      { key: HASH },
      { undoOf: { effectKey: 'e', operation: 'ratelimit.set', inputs: {}, result } },
    );
    expect(llm.keys.get(HASH)).toMatchObject({ rpm_limit: 100, tpm_limit: null });
  });

  it('reports an unknown key as rejected with the proxy error', async () => {
    await expect(
      h.run('litellm-proxy', 'key.block', { key: 'b'.repeat(64) }),
    ).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
      message: expect.stringContaining('not found') as unknown,
    });
  });
});
