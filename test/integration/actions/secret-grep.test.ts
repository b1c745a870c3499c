/**
 * No configured secret leaks: a playbook acts through Kong, Slack, PagerDuty and Jira
 * connectors whose credentials come from environment variables, with a throttled retry and a
 * failing call whose vendor answer echoes the credentials. Every log line (pino at debug, to a
 * buffer), the run's timeline, the incident, the approvals and the audit trail are searched
 * for each secret value and its encodings.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';
import {
  eventually,
  inferenceEvents,
  REPO_ROOT,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../../helpers/cordon.js';
import { jiraFake } from '../../../src/demo/fakes/jira.js';
import { kongFake } from '../../../src/demo/fakes/kong.js';
import { pagerdutyFake } from '../../../src/demo/fakes/pagerduty.js';
import { slackFake } from '../../../src/demo/fakes/slack.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SECRETS = {
  SECRETGREP_SLACK_PATH: '/services/T9/B9/slackHookSecretQ1w2e3',
  SECRETGREP_PD_KEY: 'PDROUTINGSECRET00000000000000001',
  SECRETGREP_KONG_TOKEN: 'kong-admin-secret-zx81',
  SECRETGREP_JIRA_TOKEN: 'jira-api-secret-Lm55',
};
const slack = slackFake(SECRETS.SECRETGREP_SLACK_PATH);
const pd = pagerdutyFake(SECRETS.SECRETGREP_PD_KEY);
const kong = kongFake(['key-grep'], SECRETS.SECRETGREP_KONG_TOKEN);
const jira = jiraFake('bot@example.com', SECRETS.SECRETGREP_JIRA_TOKEN);
const logs: string[] = [];
let t: TestCordon;

const PLAYBOOK = `apiVersion: cordon/v1
id: contain-at-kong
title: Contain at Kong and tell people
on:
  correlation: [model_extraction_by_query_volume]
start: throttle
states:
  throttle:
    action: ratelimit.set
    automatic: true
    with: { connector: kong, key: "{{ incident.group.api_key }}", limit: 10/m }
    undo: ratelimit.clear
    next: tell
  tell:
    action: notify.slack
    with: { connector: chat, text: "Throttled {{ incident.group.api_key }}" }
    next: page
  page:
    action: page.trigger
    with: { connector: oncall, summary: "{{ incident.title }}", severity: high }
    undo: page.resolve
    next: ticket
  ticket:
    action: ticket.open
    with: { connector: tickets, summary: "{{ incident.title }}", dedupe: "{{ incident.id }}" }
    on_failure: gave_up
    next: done
  done:
    end: resolved
  gave_up:
    end: failed
`;

function encodings(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
    Buffer.from(`bot@example.com:${secret}`).toString('base64'),
  ];
}

beforeAll(async () => {
  for (const f of [slack.server, pd.server, kong.server, jira.server]) await f.start();
  const dir = tempDir('secret-grep');
  cpSync(join(REPO_ROOT, 'correlations'), join(dir, 'correlations'), { recursive: true });
  mkdirSync(join(dir, 'connectors'));
  cpSync(join(REPO_ROOT, 'connectors', 'events.yaml'), join(dir, 'connectors', 'events.yaml'));
  mkdirSync(join(dir, 'playbooks'));
  const host = (url: string): string => new URL(url).host;
  writeFileSync(
    join(dir, 'connectors', 'actions.yaml'),
    [
      `name: kong\ntype: kong\nurl: ${kong.server.url}\nauth: { header: { name: Kong-Admin-Token, value: { env: SECRETGREP_KONG_TOKEN } } }`,
      `name: chat\ntype: slack\nurl: { env: SECRETGREP_SLACK_URL }\nallow_hosts: ["${host(slack.server.url)}"]`,
      `name: oncall\ntype: pagerduty\nurl: ${pd.server.url}\noptions: { routing_key: { env: SECRETGREP_PD_KEY } }`,
      `name: tickets\ntype: jira\nurl: ${jira.server.url}\nauth: { basic: { username: bot@example.com, password: { env: SECRETGREP_JIRA_TOKEN } } }\noptions: { project: SEC }`,
    ].join('\n---\n'),
  );
  writeFileSync(join(dir, 'playbooks', 'contain.yaml'), PLAYBOOK);
  Object.assign(process.env, SECRETS, {
    SECRETGREP_SLACK_URL: `${slack.server.url}${SECRETS.SECRETGREP_SLACK_PATH}`,
  });
  // Slack throttles once (a logged retry); Jira's search works, its create fails echoing credentials.
  slack.server.failNext({ status: 429, headers: { 'retry-after': '0' }, body: 'rate_limited' });
  jira.server.failNext(
    { status: 200, body: { issues: [], isLast: true } },
    {
      status: 400,
      body: {
        errorMessages: [
          `Bad request from ${SECRETS.SECRETGREP_JIRA_TOKEN} / Basic ${encodings(SECRETS.SECRETGREP_JIRA_TOKEN)[3] ?? ''}`,
        ],
        errors: {},
      },
    },
  );
  t = await startTestCordon({
    contentDir: dir,
    logger: createLogger('debug', { write: (line: string) => void logs.push(line) }),
  });
});

afterAll(async () => {
  await t.stop();
  for (const f of [slack.server, pd.server, kong.server, jira.server]) await f.stop();
  for (const k of [...Object.keys(SECRETS), 'SECRETGREP_SLACK_URL'])
    Reflect.deleteProperty(process.env, k);
});

describe('secrets never leave the connectors', () => {
  it('appear in no log line, API response, run timeline or audit entry', async () => {
    const ingest = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      inferenceEvents('key-grep', 101, Date.now() - 30_000),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(ingest.statusCode, ingest.body).toBe(202);
    const run = await eventually(
      async () => {
        const list = await t.call('GET', '/v1/runs?limit=50', TOKENS.analyst);
        const id = (list.json().runs as { id: string }[])[0]?.id;
        if (!id) return undefined;
        const res = await t.call('GET', `/v1/runs/${id}`, TOKENS.analyst);
        const body = res.json<{ status: string }>();
        return body.status === 'failed' ? res : undefined;
      },
      'the run to fail at the ticket step',
      60_000,
    );

    // The connectors really acted with the credentials; the failure at the ticket step then
    // took back what could be undone, newest first (the page resolved, the plugin removed).
    expect(kong.server.calls('POST', '/consumers/key-grep/plugins')).toHaveLength(1);
    expect(kong.plugins.filter((p) => p.consumer === 'key-grep')).toHaveLength(0);
    expect(slack.posts).toHaveLength(1);
    expect([...pd.alerts.values()][0]?.status).toBe('resolved');
    const runBody = run.json<{
      context: {
        steps: Record<string, { status: string; error?: { code: string; message: string } }>;
      };
    }>();
    expect(runBody.context.steps.ticket).toMatchObject({
      status: 'failed',
      error: { code: 'CORDON_ERR_ACTION_REJECTED' },
    });
    expect(runBody.context.steps.ticket?.error?.message).toContain('[redacted]');

    const surfaces = [
      run.body,
      (await t.call('GET', '/v1/runs?limit=50', TOKENS.analyst)).body,
      (await t.call('GET', '/v1/incidents?limit=50', TOKENS.analyst)).body,
      (await t.call('GET', '/v1/approvals', TOKENS.approver)).body,
      (await t.call('GET', '/v1/audit?limit=500', TOKENS.auditor)).body,
      logs.join(''),
    ];
    expect(logs.some((l) => l.includes('outbound call retried'))).toBe(true);
    expect(logs.some((l) => l.includes('action failed'))).toBe(true);
    for (const secret of [
      ...Object.values(SECRETS),
      `${slack.server.url}${SECRETS.SECRETGREP_SLACK_PATH}`,
    ])
      for (const form of encodings(secret))
        for (const [i, text] of surfaces.entries())
          expect(text.includes(form), `surface ${i} holds ${form}`).toBe(false);
  });
});
