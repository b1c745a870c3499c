/**
 * `cordon_ingest_rejected_items_total{source}` through the HTTP API: a batch accepted in part
 * adds one per refused item to its own source's series (and nobody else's), the refused items
 * are kept together as one dead letter listed by GET /v1/deadletters, and a body refused whole
 * counts one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startTestCordon();
});
afterAll(async () => {
  await t.stop();
});

const ITEMS = 'cordon_ingest_rejected_items_total';
const itemsOf = (source: string): Promise<number> => metricValue(t, `${ITEMS}{source="${source}"}`);
const payloadsOf = (source: string, reason: string): Promise<number> =>
  metricValue(t, `cordon_ingest_rejected_total{source="${source}",reason="${reason}"}`);

const login = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  kind: 'login',
  time: '2026-06-10T16:04:58.441Z',
  outcome: 'failure',
  entity: { user: 'rita', ip: '203.0.113.7' },
  ...extra,
});

interface DeadLetter {
  id: string;
  source: string;
  reason: string;
  errors: { path: string; reason: string }[];
  body?: string;
}

describe('cordon_ingest_rejected_items_total', () => {
  it('adds 2 for a batch of 5 with 2 bad items, for that source only; the dead letter holds both', async () => {
    const before = {
      events: await itemsOf('events'),
      alertmanager: await itemsOf('alertmanager'),
      partial: await payloadsOf('events', 'partial'),
    };
    const batch = [
      login('rim-good-0'),
      login('rim-bad-1', { entity: { user: 'rita', apikey: 'k-1' } }),
      login('rim-good-2'),
      login('rim-bad-3', { entity: { user: 'rita', ip: '999.10.10.10' } }),
      login('rim-good-4'),
    ];
    const body = JSON.stringify(batch);
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body);
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json();
    expect(answer).toMatchObject({ accepted: 3, duplicates: 0 });
    expect(answer.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    expect(answer.deadLetterId).toEqual(expect.any(String));

    expect(await itemsOf('events')).toBe(before.events + 2);
    expect(await itemsOf('alertmanager')).toBe(before.alertmanager);
    const scrape = (await t.call('GET', '/metrics', TOKENS.analyst)).body;
    expect(scrape).toMatch(new RegExp(`^# TYPE ${ITEMS} counter$`, 'm'));
    // One body, one dead letter: the payload counter moves by one, the item counter by two.
    expect(await payloadsOf('events', 'partial')).toBe(before.partial + 1);

    const list = await t.call('GET', '/v1/deadletters?source=events&limit=50', TOKENS.analyst);
    expect(list.statusCode).toBe(200);
    const listed = (list.json().deadLetters as DeadLetter[]).find(
      (d) => d.id === answer.deadLetterId,
    );
    expect(listed).toMatchObject({ source: 'events', reason: 'partial' });
    const paths = (listed?.errors ?? []).map((e) => e.path);
    expect(paths.some((p) => p.startsWith('/1/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('/3/'))).toBe(true);
    expect(paths.every((p) => p.startsWith('/1/') || p.startsWith('/3/'))).toBe(true);

    const kept = await t.call('GET', `/v1/deadletters/${answer.deadLetterId}`, TOKENS.analyst);
    expect(kept.statusCode).toBe(200);
    expect(kept.json<DeadLetter>().body).toBe(body);

    for (const id of ['rim-good-0', 'rim-good-2', 'rim-good-4'])
      expect((await t.call('GET', `/v1/events/events/${id}`, TOKENS.analyst)).statusCode).toBe(200);
    for (const id of ['rim-bad-1', 'rim-bad-3'])
      expect((await t.call('GET', `/v1/events/events/${id}`, TOKENS.analyst)).statusCode).toBe(404);
  });

  it('counts per item for another source type too (an Alertmanager batch with one bad alert of three)', async () => {
    const before = { alertmanager: await itemsOf('alertmanager'), events: await itemsOf('events') };
    const alert = (fingerprint: string, startsAt: string) => ({
      status: 'firing',
      labels: { alertname: 'HighLatency', severity: 'warning' },
      annotations: {},
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint,
    });
    const res = await t.call('POST', '/v1/ingest/alertmanager', TOKENS.ingest, {
      version: '4',
      groupKey: '{}:{alertname="HighLatency"}',
      status: 'firing',
      receiver: 'cordon',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      truncatedAlerts: 0,
      alerts: [
        alert('rim-fp-1', '2026-06-10T16:00:00Z'),
        alert('rim-fp-2', 'yesterday at noon'),
        alert('rim-fp-3', '2026-06-10T16:01:00Z'),
      ],
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().rejected.map((r: { index: number }) => r.index)).toEqual([1]);
    expect(await itemsOf('alertmanager')).toBe(before.alertmanager + 1);
    expect(await itemsOf('events')).toBe(before.events);
    const letters = await t.call('GET', '/v1/deadletters?source=alertmanager', TOKENS.analyst);
    expect(
      (letters.json().deadLetters as DeadLetter[]).some(
        (d) => d.id === res.json().deadLetterId && d.reason === 'partial',
      ),
    ).toBe(true);
  });

  it('counts a body refused whole as one item, and adds up across requests', async () => {
    const before = await itemsOf('events');
    const whole = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, [
      login('rim-whole-1', { kind: 'bogus' }),
      login('rim-whole-2', { kind: 'bogus' }),
    ]);
    expect(whole.statusCode).toBe(400);
    expect(await itemsOf('events')).toBe(before + 1);

    const partial = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, [
      login('rim-more-0'),
      login('rim-more-1', { kind: 'bogus' }),
    ]);
    expect(partial.statusCode, partial.body).toBe(202);
    expect(await itemsOf('events')).toBe(before + 2);

    // A clean batch adds nothing.
    const clean = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, [login('rim-clean-0')]);
    expect(clean.statusCode).toBe(202);
    expect(await itemsOf('events')).toBe(before + 2);
  });
});
