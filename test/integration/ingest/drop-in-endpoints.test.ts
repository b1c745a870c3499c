/**
 * Shippers pointed at Cordon unchanged: Splunk HEC, Elasticsearch `_bulk` (Filebeat's and Fluent
 * Bit's request shapes, gzip-compressed as Filebeat sends them), OTLP/HTTP JSON logs, Langfuse's
 * ingestion API, and the syslog listener of a CEF source — each answered in its own protocol's shape.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  SAMPLES,
  startTestCordon,
  TOKENS,
  type TestCordon,
  repoContentCopy,
} from '../../helpers/cordon.js';

let t: TestCordon;
const HEC_TOKEN = '4f1c2e7a-0d3b-4c55-9a7e-1b2c3d4e5f60';
const LANGFUSE_SECRET = 'sk-lf-test-secret';
const sample = (name: string): Buffer => readFileSync(join(SAMPLES, 'ingest', name));

beforeAll(async () => {
  const contentDir = repoContentCopy('drop-in');
  // This file's own drop-in sources replace the shipped ones (one source per protocol).
  for (const shipped of ['hec.yaml', 'otlp.yaml', 'bulk.yaml'])
    rmSync(join(contentDir, 'connectors', shipped));
  writeFileSync(
    join(contentDir, 'connectors', 'drop-in.yaml'),
    `apiVersion: cordon/v1
name: hec
type: splunk-hec
auth:
  splunk: { env: TEST_HEC_TOKEN }
---
apiVersion: cordon/v1
name: bulk
type: elastic-bulk
---
apiVersion: cordon/v1
name: otlp
type: otlp-logs
---
apiVersion: cordon/v1
name: lf
type: langfuse
auth:
  basic: { username: pk-lf-test, password: { env: TEST_LANGFUSE_SECRET } }
---
apiVersion: cordon/v1
name: firewall
type: cef
listen: { host: 127.0.0.1, tcp: 0, udp: 0 }
`,
  );
  process.env.TEST_HEC_TOKEN = HEC_TOKEN;
  process.env.TEST_LANGFUSE_SECRET = LANGFUSE_SECRET;
  t = await startTestCordon({ contentDir });
});
afterAll(async () => {
  await t.stop();
  delete process.env.TEST_HEC_TOKEN;
  delete process.env.TEST_LANGFUSE_SECRET;
});

async function eventsOf(source: string): Promise<{ event: Record<string, unknown> }[]> {
  const res = await t.call('GET', `/v1/events?source=${source}&limit=500`, TOKENS.analyst);
  return res.json().events;
}

describe('Splunk HEC', () => {
  it('takes concatenated events with a Splunk token and answers as HEC does, with an ackId on a channel', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/services/collector/event',
      headers: {
        authorization: `Splunk ${HEC_TOKEN}`,
        'x-splunk-request-channel': '0f5e2b9c-7a41-4c8e-bb10-3e6d2a9f4c11',
      },
      payload: sample('splunk-hec-batch-concatenated.txt'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ text: 'Success', code: 0, ackId: expect.any(Number) });
    const stored = await eventsOf('hec');
    expect(stored.length).toBeGreaterThanOrEqual(2);
    expect(stored.some((e) => (e.event.entity as { model?: string }).model === 'gpt-4o-mini')).toBe(
      true,
    );
  });

  it('refuses a missing or wrong token in HEC shape, and reports the first bad event by number', async () => {
    const none = await t.app.inject({
      method: 'POST',
      url: '/services/collector/event',
      payload: '{"event":"x"}',
    });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 2, text: 'Token is required' });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/services/collector/event',
      headers: { authorization: 'Splunk not-the-token' },
      payload: '{"event":"x"}',
    });
    expect(wrong.statusCode).toBe(401);
    const partial = await t.app.inject({
      method: 'POST',
      url: '/services/collector/event',
      headers: { authorization: `Splunk ${HEC_TOKEN}` },
      payload: '{"event":"good one","time":1718035412}{"time":1718035413}',
    });
    expect(partial.statusCode).toBe(400);
    expect(partial.json()).toMatchObject({ code: 6, 'invalid-event-number': 1 });
  });

  it('takes raw lines on /raw, answers the health probe without a token, and works under the source path too', async () => {
    const raw = await t.app.inject({
      method: 'POST',
      url: '/services/collector/raw?sourcetype=app:log&host=gw-1',
      headers: { authorization: `Splunk ${HEC_TOKEN}` },
      payload: sample('splunk-hec-raw-lines.txt'),
    });
    expect(raw.statusCode).toBe(200);
    expect(raw.json()).toMatchObject({ code: 0 });
    const health = await t.app.inject({ method: 'GET', url: '/services/collector/health' });
    expect(health.json()).toEqual({ text: 'HEC is healthy', code: 17 });
    const scoped = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/hec/services/collector/event',
      headers: { authorization: `Bearer ${TOKENS.ingest}` },
      payload: '{"event":{"kind":"login","user":"zoe"},"time":1718035499}',
    });
    expect(scoped.statusCode).toBe(200);
  });

  it('hands out ackIds per channel and acknowledges them on /services/collector/ack', async () => {
    const splunk = { authorization: `Splunk ${HEC_TOKEN}` };
    // Fresh channels, so their ids start at 0 whatever other cases sent.
    const [one, two] = [
      '6b0e1c52-3f7d-4a09-9c1e-5d2f8a7b3e01',
      '6b0e1c52-3f7d-4a09-9c1e-5d2f8a7b3e02',
    ];
    const send = async (url: string, headers: Record<string, string>): Promise<unknown> => {
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...splunk, ...headers },
        payload: '{"event":{"kind":"login","user":"ack"},"time":1718035600}',
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().ackId;
    };
    const first = await send('/services/collector/event', { 'x-splunk-request-channel': one });
    const second = await send('/services/collector/event', { 'x-splunk-request-channel': one });
    expect([first, second]).toEqual([0, 1]);
    // Ids are per channel; `?channel=` names it as the header does.
    expect(await send(`/services/collector/raw?channel=${two}`, {})).toBe(0);
    expect(await send('/services/collector/event', {})).toBeUndefined();

    const ack = await t.app.inject({
      method: 'POST',
      url: '/services/collector/ack',
      headers: { ...splunk, 'x-splunk-request-channel': one },
      payload: JSON.stringify({ acks: [first, second] }),
    });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json()).toEqual({ acks: { '0': true, '1': true } });
    const byQuery = await t.app.inject({
      method: 'POST',
      url: `/v1/ingest/hec/services/collector/ack/1.0?channel=${two}`,
      headers: { authorization: `Bearer ${TOKENS.ingest}` },
      payload: '{"acks":[0]}',
    });
    expect(byQuery.statusCode, byQuery.body).toBe(200);
    expect(byQuery.json()).toEqual({ acks: { '0': true } });

    const noChannel = await t.app.inject({
      method: 'POST',
      url: '/services/collector/ack',
      headers: splunk,
      payload: '{"acks":[0]}',
    });
    expect(noChannel.statusCode).toBe(400);
    expect(noChannel.json()).toEqual({ text: 'Data channel is missing', code: 10 });
    for (const bad of ['{"acks":[-1]}', '{"acks":[1.5]}', '{"acks":"0"}', '[0]', 'not json']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/services/collector/ack',
        headers: { ...splunk, 'x-splunk-request-channel': one },
        payload: bad,
      });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json(), bad).toMatchObject({ text: 'Invalid data format', code: 6 });
    }
    const unauthenticated = await t.app.inject({
      method: 'POST',
      url: '/services/collector/ack',
      headers: { 'x-splunk-request-channel': one },
      payload: '{"acks":[0]}',
    });
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.json()).toMatchObject({ code: 2, text: 'Token is required' });
  });
});

describe('Elasticsearch _bulk', () => {
  it("answers Filebeat's version probe, then takes its gzip-compressed bulk with per-item results as its filter_path asks", async () => {
    const probe = await t.app.inject({ method: 'GET', url: '/' });
    expect(probe.statusCode).toBe(200);
    expect(probe.headers['x-elastic-product']).toBe('Elasticsearch');
    expect(probe.json().version.number).toMatch(/^8\./);

    const body = sample('elastic-bulk-filebeat.ndjson');
    // Filebeat (libbeat's Elasticsearch output) sends every bulk with this filter_path.
    const res = await t.app.inject({
      method: 'POST',
      url: '/_bulk?filter_path=errors,items.*.error,items.*.status',
      headers: {
        authorization: `Bearer ${TOKENS.ingest}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      payload: gzipSync(body),
    });
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(Object.keys(answer)).toEqual(['errors', 'items']);
    expect(answer.errors).toBe(false);
    const docs =
      body
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '').length / 2;
    expect(answer.items).toHaveLength(docs);
    expect(answer.items[0]).toEqual({ create: { status: 201 } });
    const stored = await eventsOf('bulk');
    expect(stored.some((e) => e.event.kind === 'login' && e.event.outcome === 'failure')).toBe(
      true,
    );
  });

  it('marks only the bad documents of a Fluent Bit-style bulk as failed', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/bulk/_bulk',
      headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/x-ndjson' },
      payload: sample('bad/elastic-bulk-mixed.ndjson'),
    });
    expect(res.statusCode).toBe(200);
    const answer = res.json();
    expect(answer.errors).toBe(true);
    const statuses = answer.items.map(
      (i: Record<string, { status: number }>) => Object.values(i)[0]?.status,
    );
    expect(statuses).toContain(400);
    expect(statuses.some((s: number) => s < 300)).toBe(true);
  });

  it("takes Cordon's own ingest token the way shippers carry it: a Basic password, a Splunk token", async () => {
    const basic = await t.app.inject({
      method: 'POST',
      url: '/_bulk',
      headers: {
        authorization: `Basic ${Buffer.from(`filebeat:${TOKENS.ingest}`).toString('base64')}`,
        'content-type': 'application/x-ndjson',
      },
      payload: sample('elastic-bulk-fluent-bit.ndjson'),
    });
    expect(basic.statusCode).toBe(200);
    const hec = await t.app.inject({
      method: 'POST',
      url: '/services/collector/event',
      headers: { authorization: `Splunk ${TOKENS.ingest}` },
      payload: '{"event":"carried token","time":1718035500}',
    });
    expect(hec.statusCode).toBe(200);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/_bulk',
      headers: { authorization: `Basic ${Buffer.from('filebeat:nope').toString('base64')}` },
      payload: sample('elastic-bulk-fluent-bit.ndjson'),
    });
    expect(wrong.statusCode).toBe(401);
  });
});

describe('a body that does not decompress as its Content-Encoding says', () => {
  // Bytes no decoder takes: not gzip (no 1f 8b magic), not zlib (no valid header), not UTF-8.
  const corrupt = Buffer.from([0x7b, 0xff, 0x00, 0x13, 0x37, 0x0a, 0x9c, 0x78]);

  /** The newest dead letter of a source, with its body as kept. */
  async function lastDeadLetter(source: string): Promise<Record<string, unknown>> {
    const list = await t.call('GET', `/v1/deadletters?source=${source}&limit=1`, TOKENS.analyst);
    const [newest] = list.json().deadLetters as { id: string }[];
    return (await t.call('GET', `/v1/deadletters/${newest?.id ?? ''}`, TOKENS.analyst)).json();
  }

  async function rejectedTotal(source: string): Promise<number> {
    const metrics = (await t.call('GET', '/metrics', TOKENS.analyst)).body;
    const line = new RegExp(
      `^cordon_ingest_rejected_total\\{source="${source}",reason="parse"\\} (\\d+)$`,
      'm',
    );
    return Number(line.exec(metrics)?.[1] ?? 0);
  }

  it.each(['gzip', 'deflate'])(
    'on /v1/ingest/{source}: 400 naming %s and the zlib reason, the bytes kept as a dead letter and counted',
    async (encoding) => {
      const before = await rejectedTotal('otlp');
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/ingest/otlp',
        headers: {
          authorization: `Bearer ${TOKENS.ingest}`,
          'content-type': 'application/json',
          'content-encoding': encoding,
        },
        payload: corrupt,
      });
      expect(res.statusCode).toBe(400);
      const error = res.json();
      expect(error.code).toBe('CORDON_ERR_INGEST_INVALID_PAYLOAD');
      expect(error.message).toContain(`body is not valid ${encoding}: `);
      expect(error.message).toContain(
        'send the body compressed as Content-Encoding says, or drop the header',
      );
      expect(error.details.errors).toEqual([
        {
          path: '',
          reason: expect.stringMatching(new RegExp(`^body is not valid ${encoding}: \\S`)),
        },
      ]);
      const kept = await lastDeadLetter('otlp');
      expect(kept).toMatchObject({
        id: error.details.deadLetterId,
        source: 'otlp',
        reason: 'parse',
        contentType: 'application/json',
        size: corrupt.length,
        encoding: 'base64',
        body: corrupt.toString('base64'),
      });
      expect(await rejectedTotal('otlp')).toBe(before + 1);
    },
  );

  it.each([
    ['gzip', '/_bulk', 'bulk', { authorization: `Bearer ${TOKENS.ingest}` }],
    ['deflate', '/services/collector/event', 'hec', { authorization: `Splunk ${HEC_TOKEN}` }],
  ])(
    "on a drop-in route (%s to %s): refused in the protocol's shape, kept as a dead letter and counted",
    async (encoding, url, source, headers) => {
      const before = await rejectedTotal(source);
      const res = await t.app.inject({
        method: 'POST',
        url,
        headers: { ...headers, 'content-encoding': encoding },
        payload: corrupt,
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain(`body is not valid ${encoding}: `);
      const kept = await lastDeadLetter(source);
      expect(kept).toMatchObject({ source, reason: 'parse', size: corrupt.length });
      expect(kept.body).toBe(corrupt.toString('base64'));
      expect(res.body).toContain(String(kept.id));
      expect(await rejectedTotal(source)).toBe(before + 1);
    },
  );
});

describe('OTLP/HTTP logs', () => {
  it('answers {} for a good export and partialSuccess naming the refused records', async () => {
    const ok = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
      payload: sample('otlp-logs-collector.json'),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({});
    const partial = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
      payload: sample('bad/otlp-logs-bad-records.json'),
    });
    expect([200, 400]).toContain(partial.statusCode);
    if (partial.statusCode === 200)
      expect(Number(partial.json().partialSuccess.rejectedLogRecords)).toBeGreaterThan(0);
    else expect(partial.json()).toMatchObject({ code: 3 });
    const protobuf = await t.app.inject({
      method: 'POST',
      url: '/v1/logs',
      headers: {
        authorization: `Bearer ${TOKENS.ingest}`,
        'content-type': 'application/x-protobuf',
      },
      payload: Buffer.from([0x0a, 0x01, 0x00]),
    });
    expect(protobuf.statusCode).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(protobuf.json())).toMatch(/JSON/);
  });
});

describe('Langfuse ingestion API', () => {
  it('answers 207 Multi-Status with Basic public:secret keys', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/public/ingestion',
      headers: {
        authorization: `Basic ${Buffer.from(`pk-lf-test:${LANGFUSE_SECRET}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      payload: sample('langfuse-ingestion-batch.json'),
    });
    expect(res.statusCode).toBe(207);
    expect(res.json().successes.length).toBeGreaterThan(0);
    expect(res.json().errors).toEqual([]);
  });
});

describe('syslog listener', () => {
  it('takes octet-counted CEF over TCP into the cef source', async () => {
    const port = t.cordon.syslog.get('firewall')?.tcp?.port;
    expect(port).toBeGreaterThan(0);
    const lines = sample('cef-samples.log')
      .toString()
      .split('\n')
      .filter((l) => l.startsWith('CEF:') || l.includes(' CEF:'));
    expect(lines.length).toBeGreaterThan(0);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port ?? 0, '127.0.0.1', () => {
        for (const line of lines) socket.write(`${Buffer.byteLength(line)} ${line}`);
        socket.end(resolve);
      });
      socket.on('error', reject);
    });
    const stored = await eventually(async () => {
      const events = await eventsOf('firewall');
      return events.length >= lines.length ? events : undefined;
    }, 'every CEF line stored through the syslog listener');
    expect(stored.every((e) => typeof e.event.name === 'string')).toBe(true);
  });
});
