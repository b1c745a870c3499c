import { describe, expect, it } from 'vitest';
import { jsonMapKind } from '../../../../../src/ingest/sources/json-map/index.js';
import {
  compileBounded,
  evaluateBounded,
  EvaluationBudget,
  JSONATA_LIMITS,
} from '../../../../../src/ingest/sources/json-map/jsonata-eval.js';
import { getSourceKind } from '../../../../../src/ingest/sources/registry.js';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

const ARIZE = 'samples/ingest/json-map-arize-like-monitor.json';
const FIDDLER = 'samples/ingest/json-map-fiddler-like-alerts.json';
const FIDDLER_BAD = 'samples/ingest/bad/json-map-fiddler-like-bad-alerts.json';

const ARIZE_OPTIONS = {
  fields: {
    kind: { const: 'drift' },
    name: 'monitor.name',
    time: { path: 'triggered_at', as: 'rfc3339' },
    outcome: {
      path: 'monitor.status',
      as: { map: { Triggered: 'firing', Healthy: 'resolved', 'No Data': 'unknown' } },
    },
    severity: { const: 'high' },
    'entity.model': 'model.id',
    'entity.model_version': 'model.version',
    'entity.tenant': 'space.name',
    'measures.drift_score': 'monitor.value',
    'measures.threshold': 'monitor.threshold',
    'labels.monitor_id': 'monitor.id',
    'labels.metric': 'monitor.metric',
    'labels.environment': 'model.environment',
    'labels.url': 'url',
  },
};

const FIDDLER_OPTIONS = {
  items: 'alerts',
  fields: {
    kind: { const: 'drift' },
    id: 'alert_id',
    name: 'alert_rule',
    time: { path: 'timestamp', as: 'epoch_s' },
    severity: { path: 'severity', as: { map: { CRITICAL: 'critical', WARNING: 'medium' } } },
    outcome: { const: 'firing' },
    'entity.model': 'model',
    'entity.feature': 'feature',
    'measures.drift_score': 'value',
    'measures.threshold': { path: 'threshold', as: 'number' },
    'labels.metric': 'metric',
    'labels.organization': '$.organization',
    'labels.project': '$.project',
  },
};

const ARIZE_JSONATA = `{
  "kind": "drift",
  "name": monitor.name,
  "time": triggered_at,
  "outcome": monitor.status = "Triggered" ? "firing" : "resolved",
  "severity": "high",
  "entity": { "model": model.id, "model_version": model.version, "tenant": space.name },
  "measures": { "drift_score": monitor.value, "threshold": monitor.threshold },
  "labels": { "monitor_id": monitor.id }
}`;

function compile(options: unknown): { compiled: unknown; problems: string[] } {
  const problems: string[] = [];
  const compiled = jsonMapKind.options?.compile(options, (path, reason) =>
    problems.push(`${path.join('.')}: ${reason}`),
  );
  return { compiled, problems };
}

describe('json-map: fields mapping', () => {
  it('is registered as "json-map"', () => {
    expect(getSourceKind('json-map')).toBe(jsonMapKind);
  });

  it('maps an Arize-like monitor webhook (golden)', async () => {
    const events = okEvents(
      await runKind(jsonMapKind, fixtureBytes(ARIZE), { options: ARIZE_OPTIONS }),
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: expect.stringMatching(/^jm_[0-9a-f]{32}$/),
      time: Date.UTC(2024, 5, 10, 16, 2, 11),
      kind: 'drift',
      name: 'Prediction drift - fraud-scorer',
      severity: 'high',
      outcome: 'firing',
      entity: { model: 'fraud-scorer', model_version: '3', tenant: 'risk-team' },
      measures: { drift_score: 0.31, threshold: 0.2 },
    });
    expectGolden(events, 'json-map/json-map-arize-like-monitor.json');
  });

  it('fans out items, reads $. paths from the body, epoch seconds and maps words (golden)', async () => {
    const events = okEvents(
      await runKind(jsonMapKind, fixtureBytes(FIDDLER), { options: FIDDLER_OPTIONS }),
    );
    expect(events.map((e) => [e.id, e.time, e.severity, e.measures.threshold])).toEqual([
      ['al-5521', 1718035331000, 'critical', 0.3],
      ['al-5522', 1718035391500, 'medium', 5],
    ]);
    expect(events[0]?.labels).toEqual({ metric: 'jsd', organization: 'acme', project: 'payments' });
    expect(events[0]?.raw).toEqual(JSON.parse(fixtureBytes(FIDDLER).toString('utf8')).alerts[0]);
    expectGolden(events, 'json-map/json-map-fiddler-like-alerts.json');
  });

  it("refuses the bad items of a batch with reasons at the sender's paths", async () => {
    const result = await runKind(jsonMapKind, fixtureBytes(FIDDLER_BAD), {
      options: FIDDLER_OPTIONS,
    });
    expectPartial(result, 1, {
      '/alerts/1/severity': ['(fields.severity)', '"SEV1"', 'Add it to the map: table'],
      '/alerts/1/value': ['(fields.measures.drift_score)', '"high"'],
      '/alerts/1/timestamp': ['(fields.time)', 'epoch seconds', '"yesterday"'],
      '/alerts/2/model': ['(fields.entity.model)', 'must be a single value'],
      '/alerts/2/timestamp': ['(fields.time)', 'looks like milliseconds', 'as: epoch_ms'],
    });
  });

  it('tries paths in order, stamps the receipt time, and dedupes resends by content', async () => {
    const options = {
      fields: {
        kind: 'type',
        time: { path: ['created', 'updated'] },
        'entity.user': { path: ['user.email', 'user.id'] },
        'entity.ip': 'ip',
      },
    };
    const body = '{"type":"LOGIN","user":{"id":42},"ip":"[2001:db8::1]:443"}';
    const [event] = okEvents(await runKind(jsonMapKind, body, { options }));
    expect(event).toMatchObject({
      kind: 'login',
      entity: { user: '42', ip: '2001:db8::1' },
      time: SAMPLE_NOW,
    });
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
    const [again] = okEvents(await runKind(jsonMapKind, body, { options, now: SAMPLE_NOW + 5000 }));
    expect(again?.id).toBe(event?.id);
    const [second] = okEvents(
      await runKind(jsonMapKind, '{"type":"login","updated":"2024-06-10T16:00:00+02:00"}', {
        options,
      }),
    );
    expect(second?.time).toBe(Date.UTC(2024, 5, 10, 14));
  });

  it('requires the kind in every item, and reports a missing items array at its path', async () => {
    expectErrorsAt(
      await runKind(jsonMapKind, '{"x":1}', { options: { fields: { kind: 'type' } } }),
      {
        '/type': ['(fields.kind) is required', '"type"'],
      },
    );
    expectErrorsAt(await runKind(jsonMapKind, '{"alerts":{}}', { options: FIDDLER_OPTIONS }), {
      '/alerts': ['options.items: "alerts"', 'an object'],
    });
  });

  it('maps each element of a JSON array and each NDJSON line as an item', async () => {
    const options = { fields: { kind: { const: 'log' }, name: 'n' } };
    const array = okEvents(await runKind(jsonMapKind, '[{"n":"a"},{"n":"b"}]', { options }));
    const lines = await runKind(jsonMapKind, '{"n":"a"}\n{"n":{"x":1}}\n', {
      options,
      contentType: 'application/x-ndjson',
    });
    expect(array.map((e) => e.name)).toEqual(['a', 'b']);
    expectPartial(lines, 1, { '/1/n': ['line 2:', 'must be a single value'] });
  });
});

describe('json-map: options are checked at load time', () => {
  it('compiles the examples', () => {
    expect(compile(ARIZE_OPTIONS).problems).toEqual([]);
    expect(compile(FIDDLER_OPTIONS).problems).toEqual([]);
    expect(compile({ jsonata: ARIZE_JSONATA }).problems).toEqual([]);
  });

  it('reports every bad path, target and conversion with a fix', () => {
    const { compiled, problems } = compile({
      itmes: 'alerts',
      fields: {
        name: 'a..b',
        tiem: 'x',
        severity: { path: 's', as: { map: { P1: 'urgent' } } },
        time: { path: 't', as: 'number' },
        'measures.x': { path: 'v', as: 'epoch_sec' },
        'labels.cordon.x': 'y',
        'entity.user': { path: 'u', map: { a: 'b' } },
        outcome: { const: 'ok' },
      },
    });
    expect(compiled).toBeUndefined();
    const text = problems.join('\n');
    for (const phrase of [
      'itmes: is not an option of json-map',
      'Did you mean "items"?',
      'fields.name.path: "a..b" is not a path',
      'fields.tiem: "tiem" is not a canonical field. Did you mean "time"?',
      'fields.severity.as.map.P1: must be one of info, low, medium, high, critical; got "urgent"',
      'fields.time.as: number does not fit time; use epoch_s, epoch_ms, rfc3339',
      'fields.measures.x.as: must be one of epoch_s',
      'Did you mean "epoch_s"?',
      'fields.labels.cordon.x: "labels.cordon.x": labels under "cordon." are reserved',
      'fields.entity.user.map: is not a field option',
      'Put the table under as: {map: {…}}',
      'fields.outcome.const: must be an outcome',
      'fields.kind: is required',
    ])
      expect(text).toContain(phrase);
  });

  it('needs exactly one of fields: and jsonata:, and has no defaults', () => {
    expect(compile(undefined).problems.join()).toContain('json-map needs options');
    expect(compile({ items: 'a' }).problems.join()).toContain('needs fields:');
    expect(compile({ fields: { kind: 'k' }, jsonata: '$' }).problems.join()).toContain(
      'either fields: or jsonata:',
    );
  });

  it('reports a JSONata syntax error with its line and column', () => {
    const { problems } = compile({ jsonata: '{\n  "kind": foo.( \n}' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^jsonata: is not a valid JSONata expression: .+ at line \d+, column \d+/,
    );
  });
});

describe('json-map: jsonata mapping', () => {
  it('maps the Arize-like webhook like the fields mapping does', async () => {
    const byFields = okEvents(
      await runKind(jsonMapKind, fixtureBytes(ARIZE), { options: ARIZE_OPTIONS }),
    );
    const byJsonata = okEvents(
      await runKind(jsonMapKind, fixtureBytes(ARIZE), { options: { jsonata: ARIZE_JSONATA } }),
    );
    const pick = (e: (typeof byFields)[number]) => [
      e.kind,
      e.name,
      e.time,
      e.outcome,
      e.entity,
      e.measures,
    ];
    expect(byJsonata.map(pick)).toEqual(byFields.map(pick));
    expect(byJsonata[0]?.raw).toEqual(JSON.parse(fixtureBytes(ARIZE).toString('utf8')));
  });

  it('runs per item with items:, and one bad result rejects only its item', async () => {
    const expression = `{ "kind": "drift", "id": alert_id, "time": $round(timestamp * 1000), "severity": $lowercase(severity) }`;
    const result = await runKind(jsonMapKind, fixtureBytes(FIDDLER), {
      options: { items: 'alerts', jsonata: expression },
    });
    const [kept] = expectPartial(result, 1, {
      '/alerts/1/jsonata[0]/severity': [
        'in the JSONata result:',
        '"warning"',
        'Did you mean "medium"?',
      ],
    });
    expect(kept).toMatchObject({ id: 'al-5521', severity: 'critical', time: 1718035331000 });
  });

  it('fans out an array result over the whole body', async () => {
    const expression = `alerts.{ "kind": "drift", "id": alert_id, "time": $round(timestamp * 1000), "entity": {"model": model} }`;
    const events = okEvents(
      await runKind(jsonMapKind, fixtureBytes(FIDDLER), { options: { jsonata: expression } }),
    );
    expect(events.map((e) => [e.id, e.entity.model])).toEqual([
      ['al-5521', 'fraud-scorer'],
      ['al-5522', 'fraud-scorer'],
    ]);
  });

  it('stops a runaway expression with an item error instead of hanging', async () => {
    const started = Date.now();
    const result = await runKind(jsonMapKind, '{"a":1}', {
      options: { jsonata: '($f := function($x){ $f($x + 1) }; $f(0))' },
    });
    expectErrorsAt(result, { '': 'ran longer than' });
    expect(Date.now() - started).toBeLessThan(3000);
    expectErrorsAt(
      await runKind(jsonMapKind, '{"a":1}', { options: { jsonata: '$count([1..1000000])' } }),
      { '': 'sequence longer than' },
    );
  });

  it('reports an expression that gives nothing, or not objects', async () => {
    expectErrorsAt(await runKind(jsonMapKind, '{"a":1}', { options: { jsonata: 'missing' } }), {
      '': 'gave no event',
    });
    expectErrorsAt(
      await runKind(jsonMapKind, '{"a":1}', { options: { jsonata: '[1, {"kind":"log"}]' } }),
      {
        '/jsonata[0]': 'must be an object in canonical shape',
      },
    );
  });

  it('gives $millis() the receipt time, so mapping is repeatable', async () => {
    const [event] = okEvents(
      await runKind(jsonMapKind, '{"a":1}', {
        options: { jsonata: '{"kind": "log", "time": $millis()}' },
      }),
    );
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_MISSING_LABEL]).toBeUndefined();
  });
});

describe('json-map: the per-body JSONata budget', () => {
  it('refuses further items once a body has used its time budget', async () => {
    let clock = 0;
    const budget = new EvaluationBudget(() => clock);
    const expression = compileBounded('{"kind": "log"}');
    expect(await evaluateBounded(expression, {}, SAMPLE_NOW, budget)).toEqual({
      ok: true,
      value: { kind: 'log' },
    });
    clock = JSONATA_LIMITS.bodyBudgetMs;
    const spent = await evaluateBounded(expression, {}, SAMPLE_NOW, budget);
    expect(spent.ok).toBe(false);
    expect(!spent.ok && spent.reason).toContain('time budget for one body');
  });
});

describe('json-map: source paths', () => {
  it('reads bracketed keys with dots and array positions, and refuses bad escapes at load time', async () => {
    const options = {
      fields: {
        kind: { const: 'log' },
        name: 'meta["app.kubernetes.io/name"]',
        'labels.first': 'tags[0]',
      },
    };
    const [event] = okEvents(
      await runKind(jsonMapKind, '{"meta":{"app.kubernetes.io/name":"scorer"},"tags":["a","b"]}', {
        options,
      }),
    );
    expect(event).toMatchObject({ name: 'scorer', labels: { first: 'a' } });
    const { problems } = compile({ fields: { kind: { const: 'log' }, name: 'a["b\\q"]' } });
    expect(problems.join()).toContain('bad escape');
  });
});
