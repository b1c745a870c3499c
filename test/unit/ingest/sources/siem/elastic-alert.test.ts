import { describe, expect, it } from 'vitest';
import { elasticAlertKind } from '../../../../../src/ingest/sources/elastic-alert/index.js';
import { fixtureBytes, okEvents, runKind, SAMPLE_NOW } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { itMapsSamplesToGoldens } from '../../../../helpers/source-goldens.js';
import { fuzzKind } from '../../../../helpers/source-fuzz.js';

type Json = Record<string, any>;

const DOCUMENT = 'samples/ingest/elastic-security-alert-document.json';
const SEARCH = 'samples/ingest/elastic-search-response.json';
const LEGACY = 'samples/ingest/elastic-alerts-array-legacy-signal.json';

function sampleJson(path: string): Json {
  return JSON.parse(fixtureBytes(path).toString('utf8'));
}

function run(body: unknown) {
  return runKind(elasticAlertKind, JSON.stringify(body));
}

describe('elastic-alert kind: samples', () => {
  itMapsSamplesToGoldens(elasticAlertKind, [
    { title: 'search hit with _source', sample: DOCUMENT, golden: 'elastic-alert/document.json' },
    {
      title: 'search response (fields and _source)',
      sample: SEARCH,
      golden: 'elastic-alert/search-response.json',
    },
    { title: '7.x signal array', sample: LEGACY, golden: 'elastic-alert/legacy-signal.json' },
  ]);

  it('maps the alert document field by field', async () => {
    const [event] = okEvents(await runKind(elasticAlertKind, fixtureBytes(DOCUMENT)));
    expect(event).toMatchObject({
      id: 'e1f0c3d2a9b84b7f8c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b',
      time: Date.UTC(2024, 5, 10, 16, 4, 58),
      kind: 'alert',
      name: 'Multiple failed logins then LLM API key use from new country',
      severity: 'high',
      outcome: 'firing',
      entity: {
        user: 'alice@example.com',
        ip: '203.0.113.77',
        host: 'gw-02',
        geo: { country: 'BR', city: 'Sao Paulo' },
      },
      measures: { risk_score: 73 },
      labels: {
        rule_id: '5b0e8a3c-6f0a-4f2e-9d7d-2a1c0e7f9b11',
        'elastic.rule_static_id': 'ml-soc-0007',
        'elastic.workflow_status': 'open',
        user_id: '00u1abcd2EFGH3ijk4l5',
        tactics: 'Credential Access',
        techniques: 'T1110',
        'event.outcome': 'failure',
      },
    });
  });

  it('reads fields lists and nested kibana objects, strips ports and resolves by status', async () => {
    const [fromFields, nested] = okEvents(await runKind(elasticAlertKind, fixtureBytes(SEARCH)));
    expect(fromFields).toMatchObject({
      severity: 'medium',
      entity: { ip: '2001:db8::42', geo: { country: 'DE' } },
      labels: { 'event.category': 'web,authentication', 'elastic.rule_tags': 'ml-platform,llm' },
    });
    expect(nested).toMatchObject({
      name: 'Model registry bulk download',
      severity: 'critical',
      outcome: 'resolved',
      entity: { ip: '198.51.100.203', user: 'bob@example.com' },
      labels: { rule_id: '3c2b1a0f-9e8d-4c7b-8a69-5f4e3d2c1b0a' },
    });
  });

  it('accepts 7.x signal.* names, with the hash id from the document when there is no uuid', async () => {
    const [event] = okEvents(await runKind(elasticAlertKind, fixtureBytes(LEGACY)));
    expect(event).toMatchObject({
      time: Date.UTC(2024, 5, 10, 14, 59, 58, 250),
      name: 'Inference endpoint scanned',
      severity: 'medium',
      entity: { host: 'triton-0', user_agent: 'masscan/1.3', geo: { region: 'North Holland' } },
      labels: {
        rule_id: 'c0ffee00-1111-4222-8333-444455556666',
        'elastic.workflow_status': 'open',
      },
    });
    expect(event?.id).toMatch(/^elastic_[0-9a-f]{32}$/);
    const [again] = okEvents(await run(sampleJson(LEGACY)));
    expect(again?.id).toBe(event?.id);
  });

  it('falls back to @timestamp, then to the receipt time (flagged)', async () => {
    const [a] = okEvents(
      await run({ '@timestamp': '2024-06-10T10:00:00Z', 'kibana.alert.rule.name': 'r' }),
    );
    expect(a?.time).toBe(Date.UTC(2024, 5, 10, 10));
    const [b] = okEvents(
      await run({ 'kibana.alert.rule.name': 'r', 'kibana.alert.risk_score': 80 }),
    );
    expect(b).toMatchObject({
      time: SAMPLE_NOW,
      severity: 'critical',
      labels: { 'cordon.time_missing': 'true' },
    });
  });
});

describe('elastic-alert kind: refusals', () => {
  it('reports every invalid value of the bad sample, including the dotted/nested conflict', async () => {
    const result = await runKind(
      elasticAlertKind,
      fixtureBytes('samples/ingest/bad/elastic-alert-invalid-values.json'),
    );
    expectErrorsAt(result, {
      '/@timestamp': ['RFC 3339', '"10/06/2024 16:05:10"'],
      '/kibana.alert.uuid': 'non-empty string',
      '/kibana.alert.rule.name': ['rule name', 'null'],
      '/kibana.alert.severity': ['low, medium, high, critical', '"urgent"'],
      '/kibana.alert.risk_score': 'Send 73 without quotes',
      '/user.name': ['"user.name"', '/user/name', 'either dotted or nested'],
    });
  });

  it('refuses a document that is not an alert, and accepts the rest of a list', async () => {
    const good = sampleJson(DOCUMENT);
    const result = await run([good, { message: 'hello' }, 'x']);
    expectPartial(result, 1, {
      '/1': 'is not an Elastic Security alert',
      '/2': 'must be an alert document or a search hit',
    });
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1, 2]);
  });

  it('locates errors inside search hits', async () => {
    const body = sampleJson(SEARCH);
    body.hits.hits[1]._source.kibana.alert.severity = 'HIGHEST';
    expectPartial(await run(body), 1, {
      '/hits/hits/1/_source/kibana/alert/severity': 'low, medium, high, critical',
    });
  });

  it('refuses bodies of the wrong shape', async () => {
    expectErrorsAt(await run(42), { '': 'must be an Elastic alert document' });
    expectErrorsAt(await run([]), { '': 'empty array' });
    expectErrorsAt(await run({ hits: { hits: {} } }), { '/hits/hits': 'array of search hits' });
  });
});

describe('elastic-alert kind: robustness', () => {
  it('answers random bytes, random JSON and truncated samples without throwing', async () => {
    await fuzzKind(
      elasticAlertKind,
      [DOCUMENT, SEARCH, LEGACY].map((p) => fixtureBytes(p)),
    );
  }, 60_000);
});
