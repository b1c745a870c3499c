/**
 * GET /v1/stream on a real port: an incident opened by ingested events arrives live, approving
 * sends the approval and the run's changes, a reconnect with Last-Event-ID gets what was
 * missed, and the stream's limits (roles, per-principal cap, shutdown) hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  inferenceEvents,
  startTestCordon,
  TOKENS,
  type TestCordon,
} from '../helpers/cordon.js';
import { compareCursors } from '../../src/store/change-feed.js';
import { openSse, type SseClient } from '../helpers/sse.js';

let t: TestCordon;
let base: string;
const clients: SseClient[] = [];

async function open(token: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(`${base}/v1/stream`, token, headers);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  t = await startTestCordon({
    listen: true,
    env: { CORDON_STREAM_HEARTBEAT_MS: '200', CORDON_STREAMS_PER_PRINCIPAL: '3' },
  });
  base = t.cordon.url ?? '';
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t.stop();
});

async function ingest(body: string): Promise<void> {
  const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body, {
    'content-type': 'application/x-ndjson',
  });
  expect(res.statusCode, res.body).toBe(202);
}

describe('GET /v1/stream', () => {
  it('sends the incident live, then the approval and run changes of approving; a resume gets what was missed', async () => {
    const stream = await open(TOKENS.approver);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const ready = await stream.waitFor((e) => e.event === 'ready', 'ready');
    expect(ready.data.cursor).toBe(ready.id);

    const key = 'key-stream';
    await ingest(inferenceEvents(key, 101, Date.now() - 30_000));
    const opened = await stream.waitFor(
      (e) => e.event === 'incident' && e.data.group?.api_key === key,
      'the incident event',
    );
    // The same shape as an item of GET /v1/incidents.
    const listed = (await t.call('GET', '/v1/incidents?limit=500', TOKENS.analyst))
      .json()
      .incidents.find((i: { id: string }) => i.id === opened.data.id);
    expect(Object.keys(opened.data).sort()).toEqual(Object.keys(listed).sort());
    expect(opened.data).toMatchObject({
      status: 'open',
      severity: 'high',
      rule: 'model_extraction_by_query_volume',
    });
    expect(opened.id).toMatch(/^\d+-\d+$/);

    const asked = await stream.waitFor(
      (e) => e.event === 'approval' && e.data.incidentId === opened.data.id,
      'the approval event',
    );
    expect(asked.data.status).toBe('pending');
    const waiting = await stream.waitFor(
      (e) =>
        e.event === 'run' && e.data.incidentId === opened.data.id && e.data.status === 'waiting',
      'the run waiting',
    );
    // Run items leave out the internals GET /v1/runs leaves out.
    expect(waiting.data).not.toHaveProperty('pendingEffects');
    expect(waiting.data).not.toHaveProperty('version');

    // A second client drops here; what happens next it gets on resume.
    const second = await open(TOKENS.analyst);
    const lastSeen = (await second.waitFor((e) => e.event === 'ready', 'ready')).id ?? '';
    second.close();

    const approved = await t.call(
      'POST',
      `/v1/approvals/${String(asked.data.id)}/approve`,
      TOKENS.approver,
      { comment: 'seen live' },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    await stream.waitFor(
      (e) => e.event === 'approval' && e.data.id === asked.data.id && e.data.status === 'approved',
      'the approval decided',
    );
    const resolved = await stream.waitFor(
      (e) => e.event === 'run' && e.data.id === waiting.data.id && e.data.status === 'resolved',
      'the run resolved',
    );

    const resumed = await open(TOKENS.analyst, { 'last-event-id': lastSeen });
    await resumed.waitFor(
      (e) => e.event === 'run' && e.data.id === waiting.data.id && e.data.status === 'resolved',
      'the resolved run on resume',
    );
    const decided = await resumed.waitFor(
      (e) => e.event === 'approval' && e.data.id === asked.data.id,
      'the decided approval on resume',
    );
    expect(decided.data.status).toBe('approved');
    // Nothing from before the resume point comes again.
    expect(resumed.events.some((e) => e.event === 'incident' && e.id === opened.id)).toBe(false);
    expect(
      resumed.events.every(
        (e) => e.event === 'ready' || compareCursors(e.id ?? '0-0', lastSeen) > 0,
      ),
    ).toBe(true);
    expect(resolved.id).toBeDefined();
    // Heartbeats keep it open (200 ms in this test, 15 s by default).
    await eventually(
      async () => (resumed.comments.includes('ping') ? true : undefined),
      'a heartbeat',
    );
    for (const c of [stream, resumed]) c.close();
  });

  it('a resume point the feed no longer holds gets `reset` with a fresh cursor', async () => {
    const stream = await open(TOKENS.analyst, { 'last-event-id': '99999999999999-0' });
    const reset = await stream.waitFor((e) => e.event === 'reset', 'reset');
    expect(reset.data.reason).toContain('reload the lists');
    const ready = await stream.waitFor((e) => e.event === 'ready', 'ready');
    expect(ready.id).toBe(reset.data.cursor);
    stream.close();
  });

  it('refuses without a token (401), without a read role (403), a bad cursor (400), past the per-principal cap (429)', async () => {
    expect((await t.call('GET', '/v1/stream', undefined)).statusCode).toBe(401);
    const forbidden = await t.call('GET', '/v1/stream', TOKENS.gateway);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('CORDON_ERR_API_FORBIDDEN');
    const bad = await t.call('GET', '/v1/stream?after=yesterday', TOKENS.analyst);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('querystring/after');

    const held = [
      await open(TOKENS.approver2),
      await open(TOKENS.approver2),
      await open(TOKENS.approver2),
    ];
    for (const h of held) expect(h.status).toBe(200);
    const over = await fetch(`${base}/v1/stream`, {
      headers: { authorization: `Bearer ${TOKENS.approver2}` },
    });
    expect(over.status).toBe(429);
    expect(((await over.json()) as { code: string }).code).toBe('CORDON_ERR_API_STREAM_LIMIT');
    // Another principal is not affected; a closed stream frees its slot.
    const other = await open(TOKENS.analyst);
    expect(other.status).toBe(200);
    other.close();
    held[0]?.close();
    await eventually(async () => {
      const again = await open(TOKENS.approver2);
      if (again.status === 200) return true;
      return undefined;
    }, 'a freed slot');
  });

  it('stopping Cordon ends open streams instead of waiting on them', async () => {
    const extra = await startTestCordon({ listen: true });
    const stream = await openSse(`${extra.cordon.url ?? ''}/v1/stream`, TOKENS.analyst);
    clients.push(stream);
    await stream.waitFor((e) => e.event === 'ready', 'ready');
    await extra.stop();
    await stream.ended;
  });
});
