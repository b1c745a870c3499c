/**
 * `json-map` sources configured in YAML alone, taking webhooks nobody wrote a type for over
 * HTTP: one mapped by declared `fields:` paths (with conversions, a word table and a `$.` path
 * to the top of the body), one by a `jsonata:` expression fanning out `items:`. GET /v1/events
 * shows the canonical events; a body the mapping cannot map is refused with the place in the
 * body and the mapping entry, and kept as a dead letter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestCordon, startWithConnectors } from '../../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startWithConnectors(
    'json-map-http',
    `apiVersion: cordon/v1
name: arize
type: json-map
options:
  fields:
    kind: { const: drift }
    id: alert_id
    name: monitor.name
    time: { path: triggered_at, as: rfc3339 }
    outcome: { path: monitor.status, as: { map: { Triggered: firing, Healthy: resolved } } }
    severity: { path: monitor.priority, as: { map: { P1: critical, P2: high } } }
    entity.model: model.id
    entity.model_version: model.version
    measures.drift_score: { path: monitor.value, as: number }
    labels.space: $.space
---
apiVersion: cordon/v1
name: fiddler
type: json-map
options:
  items: alerts
  jsonata: >-
    {
      "kind": "drift",
      "name": rule,
      "time": $toMillis(fired_at),
      "severity": level,
      "entity": { "model": model, "feature": feature },
      "measures": { "drift_score": score }
    }
`,
  );
});
afterAll(async () => {
  await t.stop();
});

interface Stored {
  event: {
    id: string;
    kind: string;
    name: string;
    time: number;
    outcome?: string;
    severity?: string;
    entity: Record<string, unknown>;
    measures: Record<string, number>;
    labels: Record<string, string>;
  };
}

async function eventsOf(source: string): Promise<Stored[]> {
  const res = await t.call('GET', `/v1/events?source=${source}&limit=100`, TOKENS.analyst);
  expect(res.statusCode).toBe(200);
  return res.json().events as Stored[];
}

async function deadLetter(id: string): Promise<Record<string, unknown>> {
  const res = await t.call('GET', `/v1/deadletters/${id}`, TOKENS.analyst);
  expect(res.statusCode).toBe(200);
  return res.json();
}

const arize = (overrides: Record<string, unknown> = {}) => ({
  alert_id: 'arz-1001',
  space: 'fraud-team',
  triggered_at: '2026-06-10T16:04:58.441+02:00',
  monitor: { name: 'PSI drift on amount', status: 'Triggered', priority: 'P1', value: '0.37' },
  model: { id: 'fraud-scorer', version: '3.4.1' },
  ...overrides,
});

describe('json-map by declared fields', () => {
  it('maps a webhook body onto a canonical event that GET /v1/events finds', async () => {
    const res = await t.call('POST', '/v1/ingest/arize', TOKENS.ingest, arize());
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1, duplicates: 0 });

    const found = await t.call(
      'GET',
      '/v1/events?source=arize&kind=drift&entity.model=fraud-scorer',
      TOKENS.analyst,
    );
    const [stored, ...more] = found.json().events as Stored[];
    expect(more).toEqual([]);
    expect(stored?.event).toMatchObject({
      id: 'arz-1001',
      kind: 'drift',
      name: 'PSI drift on amount',
      severity: 'critical',
      outcome: 'firing',
      entity: { model: 'fraud-scorer', model_version: '3.4.1' },
      measures: { drift_score: 0.37 },
      labels: { space: 'fraud-team' },
    });
    // The offset is applied: 16:04:58.441+02:00 is 14:04:58.441 UTC, in epoch ms.
    expect(stored?.event.time).toBe(Date.parse('2026-06-10T14:04:58.441Z'));
    // A resend is a duplicate by the mapped id.
    const again = await t.call('POST', '/v1/ingest/arize', TOKENS.ingest, arize());
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('refuses a body whose time it cannot read, located at the field and naming the mapping entry; kept as a dead letter', async () => {
    const before = (await eventsOf('arize')).length;
    const bad = arize({ alert_id: 'arz-bad-1', triggered_at: 'last Tuesday' });
    const res = await t.call('POST', '/v1/ingest/arize', TOKENS.ingest, bad);
    expect(res.statusCode).toBe(400);
    const error = res.json();
    expect(error.code).toBe('CORDON_ERR_INGEST_INVALID_PAYLOAD');
    expect(error.details.errors).toEqual([
      { path: '/triggered_at', reason: expect.stringContaining('(fields.time)') },
    ]);
    const kept = await deadLetter(error.details.deadLetterId);
    expect(kept).toMatchObject({ source: 'arize', reason: 'validate' });
    expect(kept.errors).toEqual(error.details.errors);
    expect(JSON.parse(String(kept.body))).toEqual(bad);
    expect((await eventsOf('arize')).length).toBe(before);
  });

  it('refuses a value outside its word table and a measure that is no number, each at its path', async () => {
    const res = await t.call('POST', '/v1/ingest/arize', TOKENS.ingest, [
      arize({ alert_id: 'arz-ok-2' }),
      arize({
        alert_id: 'arz-bad-2',
        monitor: { name: 'x', status: 'Exploded', priority: 'P2', value: 'lots' },
      }),
    ]);
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json();
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toHaveLength(1);
    expect(answer.rejected[0].index).toBe(1);
    const paths = (answer.rejected[0].errors as { path: string; reason: string }[]).map(
      (e) => e.path,
    );
    expect(paths).toEqual(expect.arrayContaining(['/1/monitor/status', '/1/monitor/value']));
    const kept = await deadLetter(answer.deadLetterId);
    expect(kept).toMatchObject({ source: 'arize', reason: 'partial' });
    const ids = (await eventsOf('arize')).map((e) => e.event.id);
    expect(ids).toContain('arz-ok-2');
    expect(ids).not.toContain('arz-bad-2');
  });
});

describe('json-map by a JSONata expression, fanning out items:', () => {
  const alert = (rule: string, extra: Record<string, unknown> = {}) => ({
    rule,
    fired_at: '2026-06-11T08:30:00Z',
    level: 'high',
    model: 'churn-model',
    feature: 'tenure_days',
    score: 0.61,
    ...extra,
  });

  it('turns each element of the list into a canonical event', async () => {
    const res = await t.call('POST', '/v1/ingest/fiddler', TOKENS.ingest, {
      org: 'acme',
      alerts: [alert('feature drift: tenure_days'), alert('output drift', { score: 0.2 })],
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json().accepted).toBe(2);
    const stored = await eventsOf('fiddler');
    const byName = new Map(stored.map((e) => [e.event.name, e]));
    const tenure = byName.get('feature drift: tenure_days');
    expect(tenure?.event).toMatchObject({
      kind: 'drift',
      severity: 'high',
      time: Date.parse('2026-06-11T08:30:00Z'),
      entity: { model: 'churn-model', feature: 'tenure_days' },
      measures: { drift_score: 0.61 },
    });
    expect(byName.get('output drift')?.event.measures.drift_score).toBe(0.2);
  });

  it('refuses an element whose result is not a canonical event, located under the element; kept as a dead letter', async () => {
    const res = await t.call('POST', '/v1/ingest/fiddler', TOKENS.ingest, {
      alerts: [alert('good one'), alert('bad level', { level: 'apocalyptic' })],
    });
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json();
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toHaveLength(1);
    expect(answer.rejected[0].index).toBe(1);
    expect(answer.rejected[0].errors).toEqual([
      {
        path: '/alerts/1/jsonata[0]/severity',
        reason: expect.stringMatching(/^in the JSONata result: must be one of .*"apocalyptic"/),
      },
    ]);
    expect(await deadLetter(answer.deadLetterId)).toMatchObject({
      source: 'fiddler',
      reason: 'partial',
    });
    const names = (await eventsOf('fiddler')).map((e) => e.event.name);
    expect(names).toContain('good one');
    expect(names).not.toContain('bad level');
  });

  it('refuses a body without the items list, and one whose only element cannot be mapped, with 400 and a dead letter', async () => {
    const before = (await eventsOf('fiddler')).length;
    const noList = await t.call('POST', '/v1/ingest/fiddler', TOKENS.ingest, {
      alert: alert('not in a list'),
    });
    expect(noList.statusCode).toBe(400);
    const listError = noList.json();
    expect(listError.details.errors[0]).toMatchObject({ path: '/alerts' });
    expect(listError.details.errors[0].reason).toContain('options.items');
    expect(await deadLetter(listError.details.deadLetterId)).toMatchObject({
      source: 'fiddler',
      reason: 'validate',
    });

    const unmappable = await t.call('POST', '/v1/ingest/fiddler', TOKENS.ingest, {
      alerts: [alert('bad time', { fired_at: 'soon' })],
    });
    expect(unmappable.statusCode).toBe(400);
    const error = unmappable.json();
    expect(error.details.errors).toEqual([
      {
        path: '/alerts/0',
        reason: expect.stringMatching(/^was not mapped: the JSONata expression failed.*"soon"/),
      },
    ]);
    expect(await deadLetter(error.details.deadLetterId)).toMatchObject({
      source: 'fiddler',
      reason: 'validate',
    });
    expect((await eventsOf('fiddler')).length).toBe(before);
  });
});
