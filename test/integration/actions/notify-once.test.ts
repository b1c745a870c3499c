/**
 * Webhook notifications across job retries: a retried job never posts twice after an attempt
 * whose answer was lost (crash, timeout, 5xx), posts again after one that surely failed (4xx,
 * 429), and `on_unknown: repost` chooses at-least-once instead. 429 Retry-After is waited out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { slackFake } from '../../../src/demo/fakes/slack.js';
import { teamsFake } from '../../../src/demo/fakes/teams.js';

const HOOK = '/services/T0009/B0009/notifyOnceSecretPath';
const slack = slackFake(HOOK);
const teams = teamsFake('/webhookb2/teams-once-secret', 'workflows');
const legacy = teamsFake('/webhookb2/legacy-once-secret', 'legacy');
let h: ConnectorHarness;

beforeAll(async () => {
  for (const f of [slack.server, teams.server, legacy.server]) await f.start();
  const host = (u: string): string => new URL(u).host;
  h = connectorHarness(
    instancesFromYaml(
      `name: chat\ntype: slack\nurl: { env: SLACK_URL }\nallow_hosts: ["${host(slack.server.url)}"]\ntimeout: 300ms`,
      `name: chat-loud\ntype: slack\nurl: { env: SLACK_URL }\nallow_hosts: ["${host(slack.server.url)}"]\ntimeout: 300ms\noptions: { on_unknown: repost }`,
      `name: chan\ntype: teams\nurl: { env: TEAMS_URL }\nallow_hosts: ["${host(teams.server.url)}"]`,
      `name: old-chan\ntype: teams\nurl: { env: LEGACY_URL }\nallow_hosts: ["${host(legacy.server.url)}"]\noptions: { format: legacy }`,
    ),
    {
      SLACK_URL: `${slack.server.url}${HOOK}`,
      TEAMS_URL: `${teams.server.url}/webhookb2/teams-once-secret`,
      LEGACY_URL: `${legacy.server.url}/webhookb2/legacy-once-secret`,
    },
  );
});

afterAll(async () => {
  await h.cleanup();
  for (const f of [slack.server, teams.server, legacy.server]) await f.stop();
});

const post = (connector: string, effectKey: string, text = 'Key throttled') =>
  h.run('slack', 'notify.slack', { text }, { connector, effectKey });

describe('notify.slack across job retries', () => {
  it('does not post again after a post whose answer timed out (it had landed)', async () => {
    const before = slack.posts.length;
    // The fake posts at once and answers long after the 300 ms timeout: a margin wide enough
    // that a loaded machine cannot deliver the answer in time.
    slack.server.delayNext(3_000);
    await expect(post('chat', 'once-timeout')).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_TIMEOUT',
    });
    expect(slack.posts.length).toBe(before + 1);
    const retried = await post('chat', 'once-timeout');
    expect(retried).toMatchObject({ posted: 'unknown' });
    expect((retried as { reason: string }).reason).toContain('not sent again');
    expect(slack.posts.length).toBe(before + 1);
    expect(JSON.stringify(retried)).not.toContain('notifyOnceSecretPath');
  });

  it('does not post again after a crash between the post and the recorded result', async () => {
    // The state a crash leaves: the attempt marker kept with the effect, no result.
    await h.ledger.remember('once-crash', 'run_1', 'attempt:0', h.clock.now(), h.clock.now());
    const before = slack.posts.length;
    await expect(post('chat', 'once-crash')).resolves.toMatchObject({ posted: 'unknown' });
    expect(slack.posts.length).toBe(before);
  });

  it('does not post again after a 500 (Slack may have posted), but does after a 429 or 4xx', async () => {
    const before = slack.posts.length;
    slack.server.failNext({ status: 500, body: 'rollup_error' });
    await expect(post('chat', 'once-500')).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_UNAVAILABLE',
    });
    await expect(post('chat', 'once-500')).resolves.toMatchObject({ posted: 'unknown' });
    // Three 429s spend the in-call retries: surely not posted, so the job's retry posts.
    slack.server.failNext(
      ...Array.from({ length: 3 }, () => ({
        status: 429,
        headers: { 'retry-after': '1' },
        body: 'rate_limited',
      })),
    );
    await expect(post('chat', 'once-429')).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_UNAVAILABLE',
    });
    await expect(post('chat', 'once-429')).resolves.toEqual({ posted: true });
    slack.server.failNext({ status: 400, body: 'invalid_payload' });
    await expect(post('chat', 'once-400')).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_REJECTED',
    });
    await expect(post('chat', 'once-400')).resolves.toEqual({ posted: true });
    expect(slack.posts.length).toBe(before + 2);
  });

  it('on_unknown: repost posts again after a lost answer (at least once)', async () => {
    const before = slack.posts.length;
    slack.server.delayNext(3_000);
    await expect(post('chat-loud', 'loud-timeout')).rejects.toMatchObject({
      code: 'CORDON_ERR_ACTION_TIMEOUT',
    });
    await expect(post('chat-loud', 'loud-timeout')).resolves.toEqual({ posted: true });
    expect(slack.posts.length).toBe(before + 2);
  });

  it('refuses an unknown on_unknown value when the connector is loaded', () => {
    expect(() =>
      instancesFromYaml(
        'name: x\ntype: slack\nurl: { env: U }\nallow_hosts: [hooks.slack.com]\noptions: { on_unknown: maybe }',
      ),
    ).toThrow(/options\.on_unknown is skip .* or repost/);
  });
});

describe('notify.teams across retries', () => {
  it('waits out a 429 Retry-After and posts once', async () => {
    const n = h.sleeps.length;
    teams.server.failNext({
      status: 429,
      headers: { 'retry-after': '3' },
      body: 'Too many requests',
    });
    await expect(
      h.run('teams', 'notify.teams', { text: 'hi' }, { connector: 'chan' }),
    ).resolves.toEqual({ posted: true, status: 202 });
    expect(h.sleeps.slice(n)).toContain(3000);
    expect(teams.posts).toHaveLength(1);
  });

  it('posts on the job retry after a legacy throttled 200 (it surely did not post)', async () => {
    legacy.server.failNext({
      status: 200,
      body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId x',
    });
    const run = () =>
      h.run(
        'teams',
        'notify.teams',
        { text: 'hi' },
        { connector: 'old-chan', effectKey: 'legacy-429' },
      );
    await expect(run()).rejects.toMatchObject({ code: 'CORDON_ERR_ACTION_UNAVAILABLE' });
    await expect(run()).resolves.toEqual({ posted: true, status: 200 });
    expect(legacy.posts).toHaveLength(1);
  });
});
