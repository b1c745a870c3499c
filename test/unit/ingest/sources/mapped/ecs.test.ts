import { describe, expect, it } from 'vitest';
import { ecsKind } from '../../../../../src/ingest/sources/ecs/index.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import {
  TIME_CLAMPED_LABEL,
  TIME_MISSING_LABEL,
} from '../../../../../src/ingest/normalizers/time-clamp.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

const AUTH = 'samples/ingest/ecs-authentication-event.json';
const INFERENCE = 'samples/ingest/ecs-inference-event.json';

function doc(name: string): Record<string, unknown> {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as Record<string, unknown>;
}

describe('ecs source kind: samples', () => {
  itIsRegistered(ecsKind);

  it('maps the authentication sample (golden)', async () => {
    const events = okEvents(await runKind(ecsKind, fixtureBytes(AUTH)));
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      id: 'f3a2b1c0-1e2d-11ef-9a8b-7c6d5e4f3a2b',
      time: Date.UTC(2024, 5, 10, 16, 4, 58, 441),
      kind: 'login',
      outcome: 'failure',
      entity: {
        user: 'alice@example.com',
        ip: '203.0.113.77',
        geo: { country: 'BR', city: 'Sao Paulo' },
      },
    });
    expectGolden(events, 'ecs/ecs-authentication-event.json');
  });

  it('maps the inference sample: gen_ai.* → llm, ns duration → latency_ms (golden)', async () => {
    const events = okEvents(await runKind(ecsKind, fixtureBytes(INFERENCE)));
    expect(events[0]).toMatchObject({
      kind: 'llm',
      entity: {
        model: 'gpt-4o-mini',
        model_version: 'gpt-4o-mini-2024-07-18',
        api_key: '88d1f0c2b7e4',
      },
      measures: { latency_ms: 1423, tokens_in: 512, tokens_out: 187, status_code: 200 },
    });
    expectGolden(events, 'ecs/ecs-inference-event.json');
  });

  it('reads the same document spelt with dotted keys identically', async () => {
    const nested = okEvents(await runKind(ecsKind, fixtureBytes(INFERENCE)));
    const original = doc(INFERENCE);
    const dotted = {
      ...original,
      event: undefined,
      'event.kind': 'event',
      'event.category': ['web'],
      'event.type': ['access'],
      'event.outcome': 'success',
      'event.action': 'chat.completions.create',
      'event.duration': 1423000000,
      'event.dataset': 'litellm.spend',
      'event.id': 'chatcmpl-9Zk2mQ7rT1vX4bN8cD0eF3gH5',
      gen_ai: undefined,
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response': { model: 'gpt-4o-mini-2024-07-18' },
      'gen_ai.usage.input_tokens': 512,
      'gen_ai.usage.output_tokens': 187,
    };
    const events = okEvents(await runKind(ecsKind, JSON.stringify(dotted)));
    const strip = ({ raw: _raw, ...rest }: Record<string, unknown>) => rest;
    expect(events.map(strip)).toEqual(nested.map(strip));
  });

  it('reads an array and NDJSON as batches of documents', async () => {
    const docs = [doc(AUTH), doc(INFERENCE)];
    const array = okEvents(await runKind(ecsKind, JSON.stringify(docs)));
    const ndjson = okEvents(
      await runKind(ecsKind, docs.map((d) => JSON.stringify(d)).join('\n'), {
        contentType: 'application/x-ndjson',
      }),
    );
    expect(array.map((e) => e.kind)).toEqual(['login', 'llm']);
    expect(ndjson).toEqual(array);
  });
});

describe('ecs source kind: kinds, outcomes and times', () => {
  it('takes the kind from event.kind alert/signal, iam, metric, else log', async () => {
    const kinds = await Promise.all(
      [
        { event: { kind: 'signal' }, 'kibana.alert.risk_score': 80, 'event.risk_score': 80 },
        { event: { kind: 'event', category: 'iam' } },
        { event: { kind: 'metric' } },
        { message: 'plain' },
        { labels: { cordon_kind: 'feedback' } },
      ].map(
        async (d) =>
          okEvents(
            await runKind(ecsKind, JSON.stringify({ '@timestamp': '2024-06-10T16:00:00Z', ...d })),
          )[0],
      ),
    );
    expect(kinds.map((e) => e?.kind)).toEqual(['alert', 'audit', 'metric', 'log', 'feedback']);
    expect(kinds[0]).toMatchObject({ outcome: 'firing', severity: 'critical' });
    expect(kinds[4]?.labels.cordon_kind).toBeUndefined();
  });

  it('stamps the receipt time when the document has none, and says so', async () => {
    const [event] = okEvents(await runKind(ecsKind, '{"message":"no time"}'));
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('reads epoch ms and zone-less times as Elasticsearch does (the latter with a warning)', async () => {
    const ms = okEvents(await runKind(ecsKind, '{"@timestamp":1718035498441}'));
    expect(ms[0]?.time).toBe(1718035498441);
    const result = await runKind(ecsKind, '{"@timestamp":"2024-06-10T16:04:58.441"}');
    expect(okEvents(result)[0]?.time).toBe(1718035498441);
    expect(result.ok && result.warnings.join()).toContain('has no zone');
  });

  it('clamps a time far ahead of receipt and warns at the field it came from', async () => {
    const ahead = new Date(SAMPLE_NOW + 3_600_000).toISOString();
    const nested = await runKind(ecsKind, `{"event":{"created":"${ahead}"}}`);
    expect(okEvents(nested)[0]?.time).toBe(SAMPLE_NOW);
    expect(okEvents(nested)[0]?.labels[TIME_CLAMPED_LABEL]).toBe(ahead);
    expect(nested.ok && nested.warnings.join()).toContain('/event/created: ');
    const top = await runKind(ecsKind, `{"@timestamp":"${ahead}","a.b":1}`);
    expect(top.ok && top.warnings.join()).toContain('/@timestamp: ');
    const near = await runKind(
      ecsKind,
      `{"@timestamp":"${new Date(SAMPLE_NOW + 60_000).toISOString()}"}`,
    );
    expect(okEvents(near)[0]?.time).toBe(SAMPLE_NOW + 60_000);
    expect(near.ok && near.warnings).toEqual([]);
  });

  it('strips a port from source.ip into source_port', async () => {
    const [event] = okEvents(
      await runKind(
        ecsKind,
        '{"@timestamp":"2024-06-10T16:00:00Z","source":{"ip":"[2001:DB8::7]:8443"}}',
      ),
    );
    expect(event?.entity.ip).toBe('2001:db8::7');
    expect(event?.labels.source_port).toBe('8443');
  });

  it('gives the same id to a resent document without event.id', async () => {
    const body = '{"@timestamp":"2024-06-10T16:00:00Z","message":"x"}';
    const a = okEvents(await runKind(ecsKind, body));
    const b = okEvents(await runKind(ecsKind, body, { now: SAMPLE_NOW + 60_000 }));
    expect(a[0]?.id).toMatch(/^ecs_[0-9a-f]{32}$/);
    expect(b[0]?.id).toBe(a[0]?.id);
  });
});

describe('ecs source kind: bad documents', () => {
  it('refuses the mixed dotted/nested sample with every problem located', async () => {
    const result = await runKind(
      ecsKind,
      fixtureBytes('samples/ingest/bad/ecs-mixed-dotted-and-nested.json'),
    );
    expectErrorsAt(result, {
      '/user/name': ['"user.name"', '/user.name', 'Send the field once'],
      '/source.geo.city_name': ['"Rio de Janeiro"', '/source/geo/city_name'],
      '/host': ['is a value here', '/host.name'],
      '/event.outcome': ['success, failure, unknown', '"failed"', 'Did you mean "failure"?'],
      '/client/ip': ['IPv4 or IPv6', '203.0.113.300'],
    });
  });

  it('refuses one bad document of an array and keeps the rest', async () => {
    const body = JSON.stringify([
      doc(AUTH),
      { '@timestamp': 'yesterday', event: { duration: -5 } },
      doc(INFERENCE),
    ]);
    expectPartial(await runKind(ecsKind, body), 2, {
      '/1/@timestamp': 'RFC 3339',
      '/1/event/duration': 'must not be negative',
    });
  });

  it('refuses a body that is not JSON, and a scalar', async () => {
    expectErrorsAt(await runKind(ecsKind, '{"a":'), { '': 'not valid JSON' });
    expectErrorsAt(await runKind(ecsKind, '42'), { '': 'must be an ECS document' });
  });

  it('refuses a multi-valued field where one value is needed', async () => {
    expectErrorsAt(
      await runKind(ecsKind, '{"user":{"name":["a","b"]},"@timestamp":"2024-06-10T16:00:00Z"}'),
      { '/user/name': 'must be one value' },
    );
  });
});
