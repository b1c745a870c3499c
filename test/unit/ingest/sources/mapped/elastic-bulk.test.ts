import { describe, expect, it } from 'vitest';
import {
  bulkResponse,
  elasticBulkKind,
  elasticInfoHandshake,
} from '../../../../../src/ingest/sources/elastic-bulk/index.js';
import { itIsRegistered } from '../../../../helpers/source-goldens.js';
import { expectGolden, fixtureBytes, okEvents, runKind } from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';

const FILEBEAT = 'samples/ingest/elastic-bulk-filebeat.ndjson';
const FLUENT_BIT = 'samples/ingest/elastic-bulk-fluent-bit.ndjson';
const MIXED = 'samples/ingest/bad/elastic-bulk-mixed.ndjson';
const BAD_ACTION = 'samples/ingest/bad/elastic-bulk-bad-action.ndjson';

describe('elastic-bulk source kind: samples', () => {
  itIsRegistered(elasticBulkKind);

  it('reads a Filebeat bulk body as ECS, nested and dotted (golden)', async () => {
    const events = okEvents(await runKind(elasticBulkKind, fixtureBytes(FILEBEAT)));
    expect(events.map((e) => [e.kind, e.outcome, e.entity.ip])).toEqual([
      ['login', 'failure', '203.0.113.77'],
      ['login', 'success', '198.51.100.23'],
      ['log', 'failure', '198.51.100.40'],
    ]);
    // The sender's _id is the event id when the document has no event.id.
    expect(events[2]).toMatchObject({
      id: 'nginx-0001',
      severity: 'high',
      measures: { latency_ms: 87, status_code: 500 },
      labels: { es_index: 'filebeat-8.11.0', es_action: 'index' },
    });
    expectGolden(events, 'elastic-bulk/elastic-bulk-filebeat.json');
  });

  it('reads a Fluent Bit body: create actions, ns @timestamp, a delete acknowledged (golden)', async () => {
    const result = await runKind(elasticBulkKind, fixtureBytes(FLUENT_BIT));
    const events = okEvents(result);
    expect(events).toHaveLength(3);
    expect(events[1]?.time).toBe(Date.UTC(2024, 5, 10, 16, 4, 58, 117));
    expect(events[0]?.labels).toMatchObject({ k8s_pod: 'triton-0', stream: 'stderr' });
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('/5/@timestamp: line 6: "2024-06-10T16:05:00" has no zone'),
    ]);
    expectGolden(events, 'elastic-bulk/elastic-bulk-fluent-bit.json');
  });

  it('accepts the body labelled application/json as Beats send it', async () => {
    const json = okEvents(
      await runKind(elasticBulkKind, fixtureBytes(FILEBEAT), { contentType: 'application/json' }),
    );
    expect(json).toHaveLength(3);
  });
});

describe('elastic-bulk source kind: repeated action lines', () => {
  it('reads each action of a batch that repeats one action line as its own item', async () => {
    const create = '{"create":{"_index":"logs-a"}}';
    const body = [
      create,
      '{"@timestamp":"2024-06-10T16:04:58Z","message":"one"}',
      create,
      '{"@timestamp":"2024-06-10T16:04:59Z","message":"two","event":{"outcome":"FAILED"}}',
      '{"index":{"_index":"logs-b","_id":"x-1"}}',
      '{"@timestamp":"2024-06-10T16:05:00Z","message":"three"}',
      create,
      '{"@timestamp":"2024-06-10T16:05:01Z","message":"four"}',
      '',
    ].join('\n');
    const result = await runKind(elasticBulkKind, body);
    const events = expectPartial(result, 3, { '/3/event/outcome': ['line 4:', '"FAILED"'] });
    expect(events.map((e) => [e.labels.message, e.labels.es_action, e.labels.es_index])).toEqual([
      ['one', 'create', 'logs-a'],
      ['three', 'index', 'logs-b'],
      ['four', 'create', 'logs-a'],
    ]);
    expect(events[1]?.id).toBe('x-1');
    expect(bulkResponse(Buffer.from(body), result)?.items.map((i) => Object.keys(i)[0])).toEqual([
      'create',
      'create',
      'index',
      'create',
    ]);
  });
});

describe('elastic-bulk source kind: bad bodies', () => {
  it('refuses bad items by action number and keeps the good one', async () => {
    const result = await runKind(elasticBulkKind, fixtureBytes(MIXED));
    expectPartial(result, 1, {
      '/3/event/outcome': ['line 4:', '"FAILED"', 'Did you mean "failure"?'],
      '/3/source/ip': ['line 4:', '"not-an-ip"'],
      '/3/@timestamp': ['line 4:', 'put "T" between the date and the time'],
      '/4/index/_id': ['line 5:', 'must be a string; got 17'],
      '/5/user/name': ['line 6:', 'Send the field once'],
      '/7': ['line 8:', 'scripted update'],
      '/9': ['line 10:', 'not a valid JSON document'],
    });
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([1, 2, 3, 4]);
  });

  it('refuses the whole body at a malformed action line, as Elasticsearch does', async () => {
    expectErrorsAt(await runKind(elasticBulkKind, fixtureBytes(BAD_ACTION)), {
      '/2': ['line 3:', 'unknown action "upsert"'],
    });
  });

  it('refuses an action without its document line, an empty body and non-UTF-8', async () => {
    expectErrorsAt(await runKind(elasticBulkKind, '{"index":{}}\n'), {
      '/0': 'has no document line',
    });
    expectErrorsAt(await runKind(elasticBulkKind, '\n\n'), { '': 'the body is empty' });
    expectErrorsAt(await runKind(elasticBulkKind, Buffer.from([0x7b, 0xff, 0x7d])), {
      '': 'UTF-8',
    });
  });

  it("reads an update action's doc", async () => {
    const events = okEvents(
      await runKind(
        elasticBulkKind,
        '{"update":{"_id":"u1","_index":"logs"}}\n{"doc":{"@timestamp":"2024-06-10T16:00:00Z","message":"m"}}\n',
      ),
    );
    expect(events[0]).toMatchObject({ id: 'u1', labels: { es_action: 'update', message: 'm' } });
  });
});

describe('elastic-bulk source kind: json-map options', () => {
  const options = {
    fields: {
      kind: { const: 'log' },
      name: 'kubernetes.container_name',
      time: { path: '@timestamp', as: 'rfc3339' },
      'entity.host': 'kubernetes.pod_name',
      'labels.line': 'log',
    },
  };

  it('maps documents with a fields: mapping instead of ECS', async () => {
    const events = okEvents(await runKind(elasticBulkKind, fixtureBytes(FLUENT_BIT), { options }));
    expect(events.map((e) => [e.name, e.entity.host, e.labels.es_index])).toEqual([
      ['triton', 'triton-0', 'fluent-bit'],
      ['torchserve', 'torchserve-1', 'fluent-bit'],
    ]);
    const result = await runKind(elasticBulkKind, fixtureBytes(FLUENT_BIT), { options });
    // The third document's time has no zone, which rfc3339 refuses: that item alone.
    expect(result.ok && result.rejected?.map((r) => r.index)).toEqual([2]);
  });

  it('rejects options that do not apply', () => {
    const problems: string[] = [];
    const compiled = elasticBulkKind.options?.compile(
      { items: 'x', fields: { kind: 'k' } },
      (p, r) => problems.push(`${p.join('.')}: ${r}`),
    );
    expect(compiled).toBeUndefined();
    expect(problems.join('\n')).toContain('items: does not apply to elastic-bulk');
    expect(elasticBulkKind.options?.compile(undefined, () => undefined)).toEqual({
      mapping: undefined,
    });
  });
});

describe('elastic-bulk: the _bulk response and the handshake', () => {
  it('answers each action under its own type, 201 or 400 with the reasons', async () => {
    const body = fixtureBytes(MIXED);
    const response = bulkResponse(body, await runKind(elasticBulkKind, body), 7);
    expect(response?.took).toBe(7);
    expect(response?.errors).toBe(true);
    expect(response?.items.map((item) => Object.keys(item)[0])).toEqual([
      'create',
      'create',
      'index',
      'update',
      'create',
    ]);
    const statuses = response?.items.map((item) => Object.values(item)[0]?.status);
    expect(statuses).toEqual([201, 400, 400, 400, 400]);
    expect(response?.items[3]?.update).toMatchObject({
      _id: 'x1',
      error: {
        type: 'mapper_parsing_exception',
        reason: expect.stringContaining('scripted update'),
      },
    });
  });

  it('gives accepted actions the event id and acknowledges deletes', async () => {
    const body = fixtureBytes(FLUENT_BIT);
    const result = await runKind(elasticBulkKind, body);
    const response = bulkResponse(body, result);
    expect(response?.errors).toBe(false);
    expect(response?.items[0]?.create?._id).toBe(okEvents(result)[0]?.id);
    expect(response?.items[2]?.index?._id).toBe('fb-3');
    expect(response?.items[3]?.delete).toMatchObject({ status: 200, _id: 'fb-old-1' });
  });

  it('maps a whole-body refusal back to its actions, and gives none for a non-bulk body', async () => {
    const body = Buffer.from('{"index":{}}\n{"@timestamp":"bad"}\n');
    const result = await runKind(elasticBulkKind, body);
    expect(result.ok).toBe(false);
    expect(bulkResponse(body, result)?.items[0]?.index?.status).toBe(400);
    const bad = fixtureBytes(BAD_ACTION);
    expect(bulkResponse(bad, await runKind(elasticBulkKind, bad))).toBeUndefined();
  });

  it('answers GET / like Elasticsearch, and leaves POSTs to normalise', () => {
    const reply = elasticInfoHandshake({ method: 'GET', headers: {}, query: {} });
    expect(reply?.headers?.['x-elastic-product']).toBe('Elasticsearch');
    expect(reply?.body).toMatchObject({ version: { number: expect.stringMatching(/^8\./) } });
    expect(elasticInfoHandshake({ method: 'POST', headers: {}, query: {} })).toBeUndefined();
  });
});
