import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { eventually, startTestCordon, TOKENS, type TestCordon } from './cordon.js';

/** The fixture whose playbook asks "Block <user>?" after three failed logins, with a short timeout. */
export function startShortTimeoutCordon(): Promise<TestCordon> {
  return startTestCordon({
    contentDir: fileURLToPath(new URL('../fixtures/content/short-timeout/', import.meta.url)),
  });
}

/** Three failed logins for `user`, then the pending approval the fixture's playbook opens. */
export async function failLogins(t: TestCordon, user: string): Promise<Record<string, any>> {
  const now = Date.now();
  const events = [0, 1, 2].map((i) => ({
    kind: 'login',
    time: now - 5_000 + i,
    outcome: 'failure',
    entity: { user },
  }));
  expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
  return eventually(async () => {
    const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
    return (res.json().approvals as Record<string, any>[]).find(
      (a) => a.message === `Block ${user}?`,
    );
  }, 'the approval');
}
