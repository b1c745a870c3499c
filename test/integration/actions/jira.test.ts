/**
 * Jira Cloud v3 through the jira connector against a fake of the documented contract: ADF
 * bodies, label dedupe searched with /search/jql before create, comments, transitions, error
 * shapes, and no duplicate issue when a create times out after Jira made it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeLabel } from '../../../src/actions/connectors/jira/index.js';
import { Keys } from '../../../src/store/keys.js';
import {
  connectorHarness,
  instancesFromYaml,
  type ConnectorHarness,
} from '../../helpers/action-connectors.js';
import { jiraFake } from '../../../src/demo/fakes/jira.js';

const TOKEN = 'atlassian-api-token-XYZ123';
const fake = jiraFake('bot@example.com', TOKEN);
let h: ConnectorHarness;

beforeAll(async () => {
  await fake.server.start();
  h = connectorHarness(
    instancesFromYaml(
      `name: tickets\ntype: jira\nurl: ${fake.server.url}\nauth: { basic: { username: bot@example.com, password: { env: JIRA_TOKEN } } }\ntimeout: 300ms\noptions: { project: SEC, labels: [cordon] }`,
    ),
    { JIRA_TOKEN: TOKEN },
  );
});

afterAll(async () => {
  await h.cleanup();
  await fake.server.stop();
});

describe('ticket.open on Jira', () => {
  it('creates an issue with an ADF description and the dedupe label, then reuses it', async () => {
    const first = (await h.run('jira', 'ticket.open', {
      summary: 'Abusive key',
      description: 'Line one\nline two',
      severity: 'high',
      dedupe: 'inc-1',
    })) as Record<string, unknown>;
    expect(first).toMatchObject({ issueKey: 'SEC-1', created: true, label: dedupeLabel('inc-1') });
    const issue = fake.issues[0];
    expect(issue?.labels).toEqual(['cordon', dedupeLabel('inc-1')]);
    expect(issue?.description).toMatchObject({ type: 'doc', version: 1 });
    const again = await h.run('jira', 'ticket.open', { summary: 'Abusive key', dedupe: 'inc-1' });
    expect(again).toMatchObject({ issueKey: 'SEC-1', created: false });
    expect(fake.issues).toHaveLength(1);
    expect(fake.server.calls('POST', '/rest/api/3/search/jql').at(-1)?.json).toMatchObject({
      jql: `labels = "${dedupeLabel('inc-1')}" ORDER BY created ASC`,
    });
  });

  it('creates no duplicate when the create times out after Jira made the issue', async () => {
    const count = fake.issues.length;
    fake.server.delayNext(0); // the search answers at once
    fake.server.delayNext(800); // the create lands, its answer comes after the 300 ms timeout
    const err = (await h
      .run(
        'jira',
        'ticket.open',
        { summary: 'Slow', dedupe: 'inc-slow' },
        { effectKey: 'jira-slow' },
      )
      .catch((e: unknown) => e)) as { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_TIMEOUT');
    expect(fake.issues.length).toBe(count + 1);
    const retried = await h.run(
      'jira',
      'ticket.open',
      { summary: 'Slow', dedupe: 'inc-slow' },
      { effectKey: 'jira-slow' },
    );
    expect(retried).toMatchObject({ created: false, issueKey: fake.issues.at(-1)?.key });
    expect(fake.issues.length).toBe(count + 1);
  });

  it('reports Jira field errors as rejected, with the vendor message and no credentials', async () => {
    fake.server.failNext(
      { status: 200, body: { issues: [], isLast: true } },
      {
        status: 400,
        body: {
          errorMessages: [],
          errors: {
            description:
              'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
          },
        },
      },
    );
    const err = (await h
      .run('jira', 'ticket.open', { summary: 'x', dedupe: 'inc-400' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('Atlassian Document');
    expect(err.message).not.toContain(TOKEN);
    expect(err.message).not.toContain(Buffer.from(`bot@example.com:${TOKEN}`).toString('base64'));
  });

  it('classifies a 401 as unauthorized', async () => {
    const bad = connectorHarness(
      instancesFromYaml(
        `name: tickets\ntype: jira\nurl: ${fake.server.url}\nauth: { basic: { username: bot@example.com, password: { env: JIRA_TOKEN } } }\noptions: { project: SEC }`,
      ),
      { JIRA_TOKEN: 'wrong-token-value' },
    );
    const err = (await bad
      .run('jira', 'ticket.open', { summary: 'x' })
      .catch((e: unknown) => e)) as Error & { code: string };
    await bad.cleanup();
    expect(err.code).toBe('CORDON_ERR_ACTION_UNAUTHORIZED');
    expect(err.message).not.toContain('wrong-token-value');
  });
});

describe('ticket.comment and ticket.transition on Jira', () => {
  it('comments once per effect, even when retried after the comment landed', async () => {
    const first = await h.run(
      'jira',
      'ticket.comment',
      { ticket: 'SEC-1', body: 'Throttled at 10/m' },
      { effectKey: 'c-1' },
    );
    expect(first).toMatchObject({ ticket: 'SEC-1', created: true });
    // A new attempt that lost the ledger record (crash before recording) finds its own comment.
    await h.redis.redis.del(new Keys(h.redis.prefix).effect('c-1'));
    const second = await h.run(
      'jira',
      'ticket.comment',
      { ticket: 'SEC-1', body: 'Throttled at 10/m' },
      { effectKey: 'c-1' },
    );
    expect(second).toMatchObject({ created: false });
    expect(fake.issues[0]?.comments).toHaveLength(1);
  });

  it('transitions through the listed workflow and treats "already there" as success', async () => {
    await expect(
      h.run('jira', 'ticket.transition', { ticket: 'SEC-1', status: 'Done' }),
    ).resolves.toEqual({ ticket: 'SEC-1', status: 'Done', changed: true });
    expect(fake.issues[0]?.status).toBe('Done');
    await expect(
      h.run('jira', 'ticket.transition', { ticket: 'SEC-1', status: 'done' }),
    ).resolves.toMatchObject({ changed: false });
  });

  it('names the available transitions when the target is not reachable, and 404s unknown issues', async () => {
    const err = (await h
      .run('jira', 'ticket.transition', { ticket: 'SEC-1', status: 'In Progress' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(err.message).toContain('available: To Do');
    const missing = (await h
      .run('jira', 'ticket.transition', { ticket: 'SEC-999', status: 'Done' })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(missing.code).toBe('CORDON_ERR_ACTION_REJECTED');
    expect(missing.message).toContain('404');
  });
});
