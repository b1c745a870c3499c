/**
 * Slack incoming webhooks and PagerDuty Events v2 through their connectors, against local fakes
 * of the documented contracts: success bodies, plain-text and JSON errors, 429 + Retry-After,
 * dedup_key idempotency and resolve as the undo of trigger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { pagerdutyFake } from '../../../src/demo/fakes/pagerduty.js';
import { slackFake } from '../../../src/demo/fakes/slack.js';

const HOOK_PATH = '/services/T0001/B0002/s3cr3tWebhookPath9';
const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdef012345';
const slack = slackFake(HOOK_PATH);
const pd = pagerdutyFake(ROUTING_KEY);
let h: ConnectorHarness;

beforeAll(async () => {
  await slack.server.start();
  await pd.server.start();
  const instances = instancesFromYaml(
    `name: chat\ntype: slack\nurl: { env: SLACK_URL }\nallow_hosts: ["127.0.0.1:${new URL(slack.server.url).port}"]\nretry: { attempts: 3 }`,
    `name: oncall\ntype: pagerduty\nurl: ${pd.server.url}\noptions: { routing_key: { env: PD_KEY } }`,
  );
  h = connectorHarness(instances, {
    SLACK_URL: `${slack.server.url}${HOOK_PATH}`,
    PD_KEY: ROUTING_KEY,
  });
});

afterAll(async () => {
  await h.cleanup();
  await slack.server.stop();
  await pd.server.stop();
});

describe('notify.slack', () => {
  it('posts text and blocks and reads the plain-text ok', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*throttled*' } }];
    await expect(
      h.run('slack', 'notify.slack', { text: 'Key throttled', blocks }),
    ).resolves.toEqual({ posted: true });
    expect(slack.posts.at(-1)).toEqual({ text: 'Key throttled', blocks });
  });

  it('waits out a 429 Retry-After and posts once', async () => {
    const before = slack.posts.length;
    slack.server.failNext({ status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' });
    await h.run('slack', 'notify.slack', { text: 'after throttle' });
    expect(slack.posts.length).toBe(before + 1);
    expect(h.sleeps.at(-1)).toBe(2000);
  });

  it('does not retry a 500 (a retried post could double-post) and names no secret', async () => {
    slack.server.failNext({ status: 500, body: 'rollup_error' });
    const err = (await h
      .run('slack', 'notify.slack', { text: 'x' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_UNAVAILABLE');
    expect(err.message).toContain('rollup_error');
    expect(err.message).not.toContain('s3cr3tWebhookPath9');
  });

  it('classifies a 404 no_service as rejected (not retried)', async () => {
    slack.server.failNext({ status: 404, body: 'no_service' });
    const n = slack.server.requests.length;
    const err = (await h.run('slack', 'notify.slack', { text: 'x' }).catch((e: unknown) => e)) as {
      code: string;
    };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(slack.server.requests.length).toBe(n + 1);
  });

  it('answers a retried effect from the ledger without posting again', async () => {
    const before = slack.posts.length;
    await h.run('slack', 'notify.slack', { text: 'once' }, { effectKey: 'slack-once' });
    await h.run('slack', 'notify.slack', { text: 'once' }, { effectKey: 'slack-once' });
    expect(slack.posts.length).toBe(before + 1);
  });
});

describe('page.trigger / page.resolve', () => {
  it('triggers with dedup_key = incident id, merges repeats, and resolves as the undo', async () => {
    const first = await h.run(
      'pagerduty',
      'page.trigger',
      { summary: 'Model extraction', severity: 'high' },
      { incidentId: 'inc_pd_1' },
    );
    expect(first).toEqual({ dedupKey: 'inc_pd_1', action: 'trigger' });
    await h.run(
      'pagerduty',
      'page.trigger',
      { summary: 'Model extraction', severity: 'high' },
      { incidentId: 'inc_pd_1' },
    );
    expect(pd.alerts.get('inc_pd_1')).toMatchObject({
      status: 'triggered',
      triggers: 2,
      severity: 'error',
    });
    await h.run(
      'pagerduty',
      'page.resolve',
      { summary: 'Model extraction', severity: 'high' },
      {
        effectKey: 'pd-undo',
        undoOf: { effectKey: 'pd-1', operation: 'page.trigger', inputs: {}, result: first },
      },
    );
    expect(pd.alerts.get('inc_pd_1')?.status).toBe('resolved');
    const sent = pd.server.calls('POST').at(-1)?.json as Record<string, unknown>;
    expect(sent).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'inc_pd_1',
    });
  });

  it('retries 5xx with backoff (the dedup_key makes it safe) and 429', async () => {
    const n = h.sleeps.length;
    pd.server.failNext({ status: 503, body: {} }, { status: 429, body: {} });
    await h.run('pagerduty', 'page.trigger', { summary: 's' }, { incidentId: 'inc_pd_2' });
    expect(pd.alerts.get('inc_pd_2')?.triggers).toBe(1);
    expect(h.sleeps.length).toBe(n + 2);
  });

  it('never retries a 400 invalid event and keeps the routing key out of the error', async () => {
    pd.server.failNext({
      status: 400,
      body: {
        status: 'invalid event',
        message: `Event object is invalid for ${ROUTING_KEY}`,
        errors: ['bad'],
      },
    });
    const n = pd.server.requests.length;
    const err = (await h
      .run('pagerduty', 'page.trigger', { summary: 's' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(pd.server.requests.length).toBe(n + 1);
    expect(err.message).toContain('invalid event');
    expect(err.message).not.toContain(ROUTING_KEY);
  });
});
