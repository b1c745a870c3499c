/**
 * The audit trail through the product: a contained incident (an automatic action, an approval
 * decided over the API, the gated action) leaves its entries, GET /v1/audit pages and filters
 * them for auditors only, token use is aggregated, the chain verifies, and no secret (API
 * tokens, a source connector's token, the customer key the playbook acted on) is in any entry.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/audit-entry.js';
import { verifyChain } from '../../src/audit/chain.js';
import { RedisAuditLog } from '../../src/store/audit-log.js';
import { Keys } from '../../src/store/keys.js';
import {
  eventually,
  inferenceEvents,
  startTestCordon,
  TOKENS,
  type TestCordon,
  repoContentCopy,
} from '../helpers/cordon.js';

const SOURCE_SECRET = 'src-secret-7f3a9c1e5b2d4f60';
const CUSTOMER_KEY = 'sk-live-audit-4c2e8a1f9b7d';
const SECRET_ENV = 'CORDON_TEST_AUDIT_SOURCE_TOKEN';

let t: TestCordon;
let contentDir: string;

beforeAll(async () => {
  contentDir = repoContentCopy('audit');
  writeFileSync(
    join(contentDir, 'connectors', 'secured.yaml'),
    [
      'apiVersion: cordon/v1',
      'name: secured',
      'type: generic',
      'description: A source with its own bearer token.',
      `auth: { bearer: { env: ${SECRET_ENV} } }`,
      '',
    ].join('\n'),
  );
  process.env[SECRET_ENV] = SOURCE_SECRET;
  t = await startTestCordon({ contentDir });
});
afterAll(async () => {
  await t.stop();
  delete process.env[SECRET_ENV];
  rmSync(contentDir, { recursive: true, force: true });
});

async function audit(query: string, token: string = TOKENS.auditor) {
  return t.call('GET', `/v1/audit${query}`, token);
}

async function entries(query: string): Promise<AuditRecord[]> {
  const res = await audit(query);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().entries as AuditRecord[];
}

describe('audit trail', () => {
  it('records the start, the actions and the approval of a contained incident', async () => {
    const ingest = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      inferenceEvents(CUSTOMER_KEY, 101, Date.now() - 30_000),
      { 'content-type': 'application/x-ndjson' },
    );
    expect(ingest.statusCode, ingest.body).toBe(202);
    const secured = await t.call('POST', '/v1/ingest/secured', SOURCE_SECRET, {
      kind: 'login',
      name: 'login',
      time: Date.now(),
    });
    expect(secured.statusCode, secured.body).toBe(202);

    const approval = await eventually(async () => {
      const res = await t.call('GET', '/v1/approvals?status=pending', TOKENS.approver);
      return (res.json().approvals as Record<string, string>[])[0];
    }, 'the pending approval');
    const approved = await t.call('POST', `/v1/approvals/${approval.id}/approve`, TOKENS.approver, {
      comment: 'scraping confirmed',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    await eventually(async () => {
      const res = await t.call('GET', `/v1/runs/${approval.runId}`, TOKENS.analyst);
      return res.json().status === 'resolved' ? true : undefined;
    }, 'the run to end');

    const started = await entries('?action=config.loaded');
    expect(started[0]).toMatchObject({
      seq: 1,
      actor: { id: 'system:start' },
      detail: { redisUrlSet: false, roles: ['api', 'correlator', 'runner', 'worker'] },
    });
    // Every shipped playbook, each with the version (hash prefix) runs pin to.
    const loaded = (await entries('?action=content.loaded'))[0]?.detail.playbooks as string[];
    expect(loaded.map((p) => p.replace(/@[0-9a-f]{12}$/, '@hash')).sort()).toEqual([
      'block-credential-stuffing@hash',
      'contain-abusive-key@hash',
      'respond-to-prompt-injection@hash',
      'rollback-poisoned-model@hash',
      'suspected-stolen-key@hash',
    ]);

    const [decided] = await entries('?action=approval.decided');
    expect(decided).toMatchObject({
      actor: { id: 'approver', roles: ['approver', 'analyst', 'responder'] },
      targets: { approvalId: approval.id, runId: approval.runId, incidentId: approval.incidentId },
      outcome: 'approved',
      detail: { role: 'approver', operation: 'ticket.open', comment: 'scraping confirmed' },
    });

    const actions = await entries('?action=action.*');
    expect(actions.map((a) => [a.action, a.detail.operation, a.outcome])).toEqual([
      ['action.applied', 'ratelimit.set', 'succeeded'],
      ['action.applied', 'ticket.open', 'succeeded'],
    ]);
    expect(actions[0]).toMatchObject({
      actor: { id: 'system:worker' },
      targets: { runId: approval.runId, incidentId: approval.incidentId },
      detail: { inputsHash: expect.stringMatching(/^[0-9a-f]{64}$/), attempt: 1 },
    });
    expect(actions[1]?.targets.approvalId).toBe(approval.id);
    // The approval precedes the action it let through.
    expect((decided as AuditRecord).seq).toBeLessThan((actions[1] as AuditRecord).seq);
  });

  it('pages by seq and filters by actor and time', async () => {
    const first = await audit('?limit=2');
    expect(first.json()).toMatchObject({ next: 2, head: { seq: expect.any(Number) } });
    expect(first.json().entries.map((e: AuditRecord) => e.seq)).toEqual([1, 2]);
    const second = await entries('?limit=2&after=2');
    expect(second.map((e) => e.seq)).toEqual([3, 4]);

    const byApprover = await entries('?actor=approver');
    expect(byApprover.map((e) => e.action)).toEqual(['approval.decided']);
    const all = await entries('?limit=500');
    const last = all[all.length - 1] as AuditRecord;
    expect((await entries(`?since=${last.time + 1}`)).length).toBe(0);
    expect((await entries(`?until=${(all[0] as AuditRecord).time}`)).length).toBe(0);
  });

  it('is for auditors (and admins) only, and names a bad filter', async () => {
    expect((await audit('', TOKENS.admin)).statusCode).toBe(200);
    const analyst = await audit('', TOKENS.analyst);
    expect(analyst.statusCode).toBe(403);
    expect((await audit('', TOKENS.approver)).statusCode).toBe(403);
    expect((await t.call('GET', '/v1/audit', undefined)).statusCode).toBe(401);
    const bad = await audit('?action=approval.maybe');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('action');
    // The auditor role opens nothing else.
    expect((await t.call('GET', '/v1/incidents', TOKENS.auditor)).statusCode).toBe(403);
  });

  it('after stop: token use is aggregated, the chain verifies, and no secret is in any entry', async () => {
    await t.cordon.stop(); // flushes the token-use counts of the current minute
    const log = new RedisAuditLog(t.store.redis, new Keys(t.store.prefix));
    const { head, length } = await log.snapshot();
    const report = await verifyChain(log.records(length), { head });
    expect(report).toMatchObject({ ok: true, count: length });

    const raws = await log.read(0, length);
    const records = raws.map((r) => JSON.parse(r) as AuditRecord);
    const used = records.filter((r) => r.action === 'token.used');
    const ingestUse = used.filter(
      (r) => r.actor.id === 'ingest' && r.targets.route === 'POST /v1/ingest/:source',
    );
    expect(ingestUse).toHaveLength(1);
    expect(ingestUse[0]?.detail).toMatchObject({ requests: 1, forbidden: 0 });
    expect(used.find((r) => r.actor.id === 'source:secured')).toBeDefined();
    const forbidden = used.find(
      (r) => r.actor.id === 'analyst' && r.targets.route === 'GET /v1/audit',
    );
    expect(forbidden).toMatchObject({ outcome: 'forbidden', detail: { forbidden: 1 } });
    // Polling the same route many times is still one entry per principal, route and minute.
    const keys = used.map(
      (r) => `${r.actor.id} ${r.targets.route} ${String(r.detail.windowStart)}`,
    );
    expect(new Set(keys).size).toBe(keys.length);

    const trail = raws.join('\n');
    for (const secret of [...Object.values(TOKENS), SOURCE_SECRET, CUSTOMER_KEY])
      expect(trail).not.toContain(secret);
  });
});
