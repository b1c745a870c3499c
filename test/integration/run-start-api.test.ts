/**
 * Triggers narrowed by source, tags and group fields, and POST /v1/runs (a playbook started by
 * hand, for an incident or ad hoc) over HTTP: in-process Cordon, real Redis, real BullMQ.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deterministicId } from '../../src/shared/hash.js';
import { Keys } from '../../src/store/keys.js';
import { eventually, startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import { createTestRedis } from '../helpers/redis.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/manual-start/', import.meta.url));
const store = createTestRedis('runstart');
let t: TestCordon;

type Json = Record<string, any>;

beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT, store, env: { CORDON_LOG_LEVEL: 'error' } });
});
afterAll(async () => {
  await t.stop();
  await store.cleanup();
});

async function failLogins(user: string): Promise<void> {
  const now = Date.now();
  const events = [0, 1, 2].map((i) => ({
    kind: 'login',
    time: now - 5_000 + i,
    outcome: 'failure',
    entity: { user },
  }));
  expect((await t.call('POST', '/v1/ingest/events', TOKENS.ingest, events)).statusCode).toBe(202);
}

async function runs(query = ''): Promise<Json[]> {
  return (await t.call('GET', `/v1/runs?limit=200${query}`, TOKENS.analyst)).json().runs as Json[];
}

async function incidentOf(user: string): Promise<Json> {
  return eventually(async () => {
    const list = (await t.call('GET', '/v1/incidents?limit=200', TOKENS.analyst)).json()
      .incidents as Json[];
    return list.find((i) => i.group?.user === user);
  }, `an incident for ${user}`);
}

async function ended(id: string): Promise<Json> {
  return eventually(async () => {
    const r = await t.call('GET', `/v1/runs/${id}`, TOKENS.analyst);
    if (r.statusCode !== 200) return undefined;
    const run = r.json();
    return ['resolved', 'failed', 'cancelled'].includes(run.status) ? run : undefined;
  }, `run ${id} to end`);
}

async function limiterOps(key: string): Promise<string[]> {
  const res = await t.call('GET', `/v1/limiter/keys/${key}`, TOKENS.analyst);
  return res.statusCode === 200 ? (res.json().history as { op: string }[]).map((h) => h.op) : [];
}

function start(body: unknown, token: string = TOKENS.approver, key?: string) {
  return t.call('POST', '/v1/runs', token, body, key ? { 'idempotency-key': key } : {});
}

describe('on: source, tags and group filters', () => {
  it('start only the playbooks whose filters accept the incident', async () => {
    await failLogins('src-ann');
    await failLogins('tag-bob');
    const ann = await incidentOf('src-ann');
    const bob = await incidentOf('tag-bob');
    const annRuns = await eventually(async () => {
      const found = await runs(`&incident=${ann.id}`);
      return found.length > 0 ? found : undefined;
    }, 'a run for src-ann');
    const bobRuns = await eventually(async () => {
      const found = await runs(`&incident=${bob.id}`);
      return found.length > 0 ? found : undefined;
    }, 'a run for tag-bob');
    // Both incidents are in; whatever else was to start for them was queued with the first.
    await ended(annRuns[0]?.id);
    await ended(bobRuns[0]?.id);
    expect((await runs(`&incident=${ann.id}`)).map((r) => r.playbookId)).toEqual(['by-source']);
    expect((await runs(`&incident=${bob.id}`)).map((r) => r.playbookId)).toEqual(['by-tag']);
    expect(annRuns[0]?.initiator).toBe('correlation:login_failures_per_user');
    expect(await limiterOps('auto-src-ann')).toEqual(['set']);
  });
});

describe('POST /v1/runs', () => {
  it('needs the responder (or admin) role', async () => {
    const res = await start({ playbook: 'manual-block', inputs: { user: 'x' } }, TOKENS.analyst);
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CORDON_ERR_API_FORBIDDEN');
  });

  it('answers 404 naming an unknown playbook or incident', async () => {
    const playbook = await start({ playbook: 'no-such-playbook', inputs: {} });
    expect(playbook.statusCode).toBe(404);
    expect(playbook.json().message).toContain('"no-such-playbook"');
    const incident = await start({
      playbook: 'incident-only',
      incident: 'inc_000000000000000000000000',
    });
    expect(incident.statusCode).toBe(404);
    expect(incident.json()).toMatchObject({
      code: 'CORDON_ERR_API_NOT_FOUND',
      message: 'No incident inc_000000000000000000000000.',
    });
  });

  it('refuses an ad-hoc start of a playbook that declares no inputs, saying what to do', async () => {
    const res = await start({ playbook: 'incident-only' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('CORDON_ERR_RUN_START');
    expect(res.json().message).toContain('give "incident"');
  });

  it('checks inputs against the declaration: unknown and missing ones are named', async () => {
    const unknown = await start({ playbook: 'manual-block', inputs: { user: 'u', reasn: 'r' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'CORDON_ERR_RUN_INPUTS',
      message:
        'Playbook "manual-block" has no input "reasn"; did you mean "reason"?; it declares user, reason.',
      details: { field: '/inputs/reasn' },
    });
    const missing = await start({ playbook: 'manual-block', inputs: { reason: 'r' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('CORDON_ERR_RUN_INPUTS');
    expect(missing.json().message).toContain('requires input "user"');
    const none = await start({
      playbook: 'incident-only',
      incident: (await incidentOf('src-ann')).id,
      inputs: { user: 'u' },
    });
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toContain('declares no inputs');
    const body = await start({ playbook: 'manual-block', inputs: { user: 'u' }, extra: 1 });
    expect(body.statusCode).toBe(400);
  });

  it('starts an ad-hoc run once per Idempotency-Key, initiated by the principal, in the timeline and audit trail', async () => {
    const body = { playbook: 'manual-block', inputs: { user: 'adhoc-1' }, comment: 'by hand' };
    const first = await start(body, TOKENS.approver, 'key-1');
    expect(first.statusCode, first.body).toBe(202);
    const queued = first.json();
    expect(queued).toMatchObject({
      playbookId: 'manual-block',
      incidentId: '',
      initiator: 'approver',
      status: 'queued',
    });
    const run = await ended(queued.id);
    expect(run).toMatchObject({ status: 'resolved', initiator: 'approver', incidentId: '' });
    expect(run.timeline[0]).toMatchObject({
      type: 'started',
      initiator: 'approver',
      comment: 'by hand',
    });
    expect((await runs()).find((r) => r.id === queued.id)?.initiator).toBe('approver');

    const again = await start(body, TOKENS.approver, 'key-1');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: queued.id, status: 'resolved' });
    expect(await limiterOps('manual-adhoc-1')).toEqual(['set']);

    const other = await start({ ...body, inputs: { user: 'adhoc-2' } }, TOKENS.admin, 'key-1');
    expect(other.statusCode, 'the key is per principal').toBe(202);
    expect(other.json().id).not.toBe(queued.id);
    await ended(other.json().id);

    const mismatch = await start(
      { playbook: 'reads-incident', inputs: {} },
      TOKENS.approver,
      'key-1',
    );
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json()).toMatchObject({
      code: 'CORDON_ERR_RUN_IDEMPOTENCY',
      details: { runId: queued.id },
    });

    const audit = (await t.call('GET', '/v1/audit?action=run.started', TOKENS.auditor)).json()
      .entries as Json[];
    const mine = audit.filter((e) => e.targets.runId === queued.id);
    expect(mine).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ id: 'approver' }),
        targets: { runId: queued.id },
        detail: expect.objectContaining({
          playbookId: 'manual-block',
          inputs: ['user'],
          comment: 'by hand',
          inputsSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
      }),
    ]);
    expect(JSON.stringify(mine), 'input values stay out of the audit trail').not.toContain(
      'adhoc-1',
    );
  });

  it('a burst of repeats before the run exists starts one run and writes one audit entry', async () => {
    const body = { playbook: 'manual-block', inputs: { user: 'adhoc-burst' } };
    const answers = await Promise.all(
      [0, 1, 2, 3, 4].map(() => start(body, TOKENS.approver, 'key-burst')),
    );
    const ids = new Set(answers.map((a) => a.json().id as string));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.statusCode === 202 || a.statusCode === 200)).toBe(true);
    const [id] = [...ids] as [string];
    await ended(id);
    const audit = (await t.call('GET', '/v1/audit?action=run.started', TOKENS.auditor)).json()
      .entries as Json[];
    expect(audit.filter((e) => e.targets.runId === id)).toHaveLength(1);
    expect(await limiterOps('manual-adhoc-burst')).toEqual(['set']);
  });

  it('a repeat writes the audit entry a first request that failed after queueing did not', async () => {
    const keys = new Keys(t.store.prefix);
    const runStarted = async (id: string): Promise<Json[]> =>
      (
        (await t.call('GET', '/v1/audit?action=run.started&limit=500', TOKENS.auditor)).json()
          .entries as Json[]
      ).filter((e) => e.targets.runId === id);
    // The trail refuses every append while its head is missing: the first request binds its key
    // and queues the start, then fails writing its entry (as one that died there would).
    const aside = `${keys.auditHead}:aside`; // same hash tag: RENAME stays in one slot
    await t.store.redis.rename(keys.auditHead, aside);
    const body = { playbook: 'manual-block', inputs: { user: 'adhoc-died' } };
    const first = await start(body, TOKENS.approver, 'key-died');
    await t.store.redis.rename(aside, keys.auditHead);
    expect(first.statusCode, first.body).toBeGreaterThanOrEqual(500);
    expect(first.body).toContain('CORDON_ERR_AUDIT_BROKEN');
    const repeats = await Promise.all(
      [0, 1, 2].map(() => start(body, TOKENS.approver, 'key-died')),
    );
    const ids = new Set(repeats.map((r) => r.json().id as string));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    await ended(id);
    const entries = await runStarted(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: { id: 'approver' }, targets: { runId: id } });
    // Once written, a later repeat (the run exists now) writes nothing more.
    expect((await start(body, TOKENS.approver, 'key-died')).statusCode).toBe(200);
    expect(await runStarted(id)).toHaveLength(1);
  });

  it('a repeat of a start bound before once-keys writes no second run.started', async () => {
    // A binding as an older version wrote it (no `audit` mark): its first request wrote its
    // entry without a once-key, so the trail cannot tell, and a repeat must not write one.
    const keys = new Keys(t.store.prefix);
    const id = deterministicId('run', 'manual', 'approver', 'key-old');
    const inputs = { user: 'adhoc-old' };
    const start0 = { runId: id, incident: {}, initiator: 'approver', inputs };
    const hash = (await t.call('GET', '/v1/playbooks', TOKENS.analyst))
      .json()
      .playbooks.find((p: Json) => p.id === 'manual-block').hash as string;
    const binding = {
      playbookId: 'manual-block',
      playbookHash: hash,
      incidentId: '',
      start: start0,
    };
    await t.store.redis.set(keys.runIdempotency(id), JSON.stringify(binding), 'PX', 60_000);
    const res = await start({ playbook: 'manual-block', inputs }, TOKENS.approver, 'key-old');
    expect(res.json().id).toBe(id);
    await ended(id);
    const audit = (
      await t.call('GET', '/v1/audit?action=run.started&limit=500', TOKENS.auditor)
    ).json().entries as Json[];
    expect(audit.filter((e) => e.targets.runId === id)).toHaveLength(0);
  });

  it('a key reused for another playbook is refused at once, even while the run is queued', async () => {
    const [a, b] = await Promise.all([
      start(
        { playbook: 'manual-block', inputs: { user: 'adhoc-race' } },
        TOKENS.approver,
        'key-race',
      ),
      start({ playbook: 'reads-incident', inputs: {} }, TOKENS.approver, 'key-race'),
    ]);
    // Whichever came first started its run; the other is refused naming it.
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([202, 409]);
    const won = a.statusCode === 202 ? a : b;
    const lost = a.statusCode === 202 ? b : a;
    expect(lost.json()).toMatchObject({
      code: 'CORDON_ERR_RUN_IDEMPOTENCY',
      details: { runId: won.json().id },
    });
    const run = await ended(won.json().id);
    expect(run.playbookId).toBe(won.json().playbookId);
    const audit = (await t.call('GET', '/v1/audit?action=run.started', TOKENS.auditor)).json()
      .entries as Json[];
    expect(audit.filter((e) => e.targets.runId === run.id)).toHaveLength(1);
  });

  it('starts a new run on every call without an Idempotency-Key', async () => {
    const body = { playbook: 'manual-block', inputs: { user: 'adhoc-3' } };
    const a = await start(body);
    const b = await start(body);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(a.json().id).not.toBe(b.json().id);
    await ended(a.json().id);
    await ended(b.json().id);
  });

  it('starts a playbook for an incident whatever its trigger says; the run belongs to the incident', async () => {
    const ann = await incidentOf('src-ann');
    const res = await start({ playbook: 'incident-only', incident: ann.id }, TOKENS.admin);
    expect(res.statusCode, res.body).toBe(202);
    const run = await ended(res.json().id);
    expect(run).toMatchObject({ status: 'resolved', incidentId: ann.id, initiator: 'admin' });
    expect(await limiterOps('hand-src-ann')).toEqual(['set']);
    expect((await runs(`&incident=${ann.id}`)).map((r) => r.playbookId).sort()).toEqual([
      'by-source',
      'incident-only',
    ]);
    const audit = (await t.call('GET', '/v1/audit?action=run.started', TOKENS.auditor)).json()
      .entries as Json[];
    expect(audit.find((e) => e.targets.runId === run.id)?.targets).toEqual({
      runId: run.id,
      incidentId: ann.id,
    });
  });

  it('fails an ad-hoc run at the step that reads the incident, saying what has no value', async () => {
    const res = await start({ playbook: 'reads-incident', inputs: {} });
    expect(res.statusCode).toBe(202);
    const run = await ended(res.json().id);
    expect(run.status).toBe('failed');
    expect(JSON.stringify(run.timeline)).toContain('{{ incident.group.user }} has no value');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/docs/openapi.json', undefined)).json();
    const op = doc.paths['/v1/runs'].post;
    expect(op.operationId).toBe('startRun');
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '202', '403', '409']));
  });
});
