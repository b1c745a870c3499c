import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hecResponse,
  normaliseHecRaw,
  splunkHecKind,
} from '../../../../../src/ingest/sources/splunk-hec/index.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  compileOptions,
  runKind,
  runKindOnHttpFile,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { checkResult, fuzzKind } from '../../../../helpers/source-fuzz.js';

const SINGLE = 'samples/ingest/splunk-hec-event-single.json';
const BATCH = 'samples/ingest/splunk-hec-batch-concatenated.txt';
const REQUEST = 'samples/ingest/splunk-hec-request.http.txt';

function run(body: string | Buffer, headers: Record<string, string> = {}) {
  return runKind(splunkHecKind, body, { headers });
}

const ctx = { contentType: 'text/plain', now: SAMPLE_NOW, source: 'hec-test' };

describe('splunk-hec kind: samples', () => {
  it('maps the single-event sample as its golden says', async () => {
    const result = await runKind(splunkHecKind, fixtureBytes(SINGLE));
    expectGolden(okEvents(result), 'splunk-hec/event-single.json');
    const [event] = okEvents(result);
    expect(event).toMatchObject({
      time: 1718035412377,
      kind: 'inference',
      name: 'litellm-proxy',
      outcome: 'success',
      entity: {
        model: 'gpt-4o-mini',
        user: 'alice@example.com',
        api_key: '88d1f0c2b7e4',
        host: 'inference-gw-02',
      },
      measures: { latency_ms: 1423, tokens_in: 512, tokens_out: 187 },
      labels: {
        request_id: 'chatcmpl-9a7b6c5d4e3f',
        environment: 'prod',
        tenant: 'acme',
        region: 'eu-west-1,eu-west-2',
        'splunk.index': 'ml_telemetry',
        'splunk.source': 'litellm-proxy',
      },
    });
    expect(event?.labels.status).toBeUndefined();
  });

  it('maps the concatenated batch as its golden says, one event per object', async () => {
    const events = okEvents(await runKind(splunkHecKind, fixtureBytes(BATCH)));
    expectGolden(events, 'splunk-hec/batch-concatenated.json');
    expect(events.map((e) => e.kind)).toEqual(['llm', 'log', 'login', 'log']);
    expect(events[1]?.labels.message).toContain('braces } in a string');
    expect(events[1]?.time).toBe(1718035413001);
    expect(events[2]).toMatchObject({
      severity: 'medium',
      outcome: 'failure',
      name: 'user.session.start',
      entity: { user: 'bob@example.com', ip: '203.0.113.77', host: 'auth-01' },
      labels: { cluster: 'eu-1,eu-2', retries: '2' },
    });
    // No kind: an opaque record, its scalars as labels; no time: receipt time, flagged.
    expect(events[3]).toMatchObject({
      time: SAMPLE_NOW,
      entity: { host: 'batch-07' },
      labels: { job: 'nightly-eval', rows: '1200', state: 'done', 'cordon.time_missing': 'true' },
    });
  });

  it('reads the recorded request with its channel header', async () => {
    const result = await runKindOnHttpFile(splunkHecKind, REQUEST);
    const events = okEvents(result);
    expectGolden(events, 'splunk-hec/request.json');
    expect(events).toHaveLength(1);
    expect(events[0]?.labels['splunk.channel']).toBe('0f5e2b9c-7a41-4c8e-bb10-3e6d2a9f4c11');
    expect(hecResponse(result)).toEqual({ status: 200, body: { text: 'Success', code: 0 } });
  });

  it("gives stable ids on a resend, and the event's own id when it has one", async () => {
    const ids = async (b: string) => okEvents(await run(b)).map((e) => e.id);
    const text = fixtureBytes(BATCH).toString('utf8');
    expect(await ids(text)).toEqual(await ids(text));
    expect((await ids(text))[0]).toMatch(/^hec_[0-9a-f]{32}$/);
    expect(await ids('{"event":{"kind":"log","id":"evt-1"}}')).toEqual(['evt-1']);
  });

  it('reads time as a string or number of seconds and a cordon. label as a sender one', async () => {
    const [a, b] = okEvents(
      await run(
        '{"time":"1718035412","event":"x"} {"time":1718035412.5,"event":{"kind":"log","labels":{"cordon.time_missing":"no"}}}',
      ),
    );
    expect(a?.time).toBe(1718035412000);
    expect(b?.time).toBe(1718035412500);
    expect(b?.labels).toEqual({ 'sender.cordon.time_missing': 'no' });
  });
});

describe('splunk-hec kind: refusals', () => {
  it('refuses a missing event with HEC code 12 and its index', async () => {
    const result = await runKind(
      splunkHecKind,
      fixtureBytes('samples/ingest/bad/splunk-hec-missing-event.json'),
    );
    expectErrorsAt(result, { '/0/event': ['is required', 'HEC code 12'] });
    expect(hecResponse(result)).toEqual({
      status: 400,
      body: { text: 'Event field is required', code: 12, 'invalid-event-number': 0 },
    });
  });

  it('says an array is not HEC framing', async () => {
    const result = await runKind(
      splunkHecKind,
      fixtureBytes('samples/ingest/bad/splunk-hec-batch-as-array.json'),
    );
    expectErrorsAt(result, { '': ['is a JSON array', 'without [ ] and commas'] });
    expect(hecResponse(result).body).toEqual({
      text: 'Invalid data format',
      code: 6,
      'invalid-event-number': 0,
    });
  });

  it('refuses ms time, quoted measure and nested fields in one object and keeps the next', async () => {
    const result = await runKind(
      splunkHecKind,
      fixtureBytes('samples/ingest/bad/splunk-hec-time-in-ms-and-nested-fields.json'),
    );
    const events = expectPartial(result, 1, {
      '/0/time': ['looks like epoch milliseconds', 'Send 1718035412.377'],
      '/0/event/latency_ms': 'Send 1423 without quotes',
      '/0/fields/k8s': 'HEC fields are flat',
    });
    expect(events[0]?.labels.message).toBe('this one is fine');
    expect(hecResponse(result)).toEqual({
      status: 400,
      body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 },
    });
  });

  it("clamps a time far ahead of receipt and warns at that object's time", async () => {
    const ahead = (SAMPLE_NOW + 3_600_000) / 1000;
    const result = await runKind(
      splunkHecKind,
      `{"event":"a","time":${SAMPLE_NOW / 1000}}{"event":"b","time":${ahead}}`,
    );
    const events = okEvents(result);
    expect(events.map((e) => e.time)).toEqual([SAMPLE_NOW, SAMPLE_NOW]);
    expect(result.ok && result.warnings).toHaveLength(1);
    expect(result.ok && result.warnings[0]).toMatch(/^\/1\/time: .*clamped to the receipt time/);
  });

  it('places each warning and error of a Cordon-like event at the value it is about', async () => {
    const result = await run(
      [
        '{"event":{"kind":"nope","severity":"loud","src_ip":"1.2.3","entity":{"ip":"999.1.1.1"},"user":"u"}}',
        '{"event":{"kind":"inference","measures":{"tokens_in":"12","ok":3},"model":"m"}}',
      ].join('\n'),
    );
    const events = expectPartial(result, 1, {
      '/1/event/measures/tokens_in': ['must be a finite number', 'Send 12 without quotes'],
    });
    expect(events[0]).toMatchObject({ kind: 'log', entity: { user: 'u' } });
    expect(events[0]?.entity.ip).toBeUndefined();
    if (!result.ok) throw new Error('expected a partial batch');
    const warnings = result.warnings.join('\n');
    expect(warnings).toContain('/0/event/kind: "nope" is not an event kind');
    expect(warnings).toContain('/0/event/severity: "loud" is not a known severity word');
    expect(warnings).toMatch(/\/0\/event\/src_ip: .*The ip was left out of the entity/);
    expect(warnings).toMatch(/\/0\/event\/entity\/ip: .*The ip was left out of the entity/);
  });

  it('addresses a bad object in the middle by its index (blank event = code 13)', async () => {
    const result = await run('{"event":"a"}\n{"event":"  "}\n{"event":"c"}');
    expectPartial(result, 2, { '/1/event': 'HEC code 13' });
    expect(hecResponse(result).body).toEqual({
      text: 'Event field cannot be blank',
      code: 13,
      'invalid-event-number': 1,
    });
  });

  it('locates commas between objects, a cut-off last object and bad envelope types', async () => {
    const result = await run(
      '{"event":"a"},{"event":"b"}{"event":"c","host":7,"time":-1}{"event":"d"',
    );
    expectPartial(result, 2, {
      '/1': 'not separated by commas',
      '/3/host': 'must be a string',
      '/3/time': 'must be epoch seconds',
      '/4': 'truncated',
    });
  });

  it('warns about keys outside the HEC envelope and about a bad ip, keeping the event', async () => {
    const result = await run(
      '{"event":{"kind":"login","ip":"999.1.1.1","user":"u"},"severity":"high"}',
    );
    const [event] = okEvents(result);
    expect(event?.entity).toEqual({ user: 'u' });
    expect(result.ok && result.warnings).toEqual([
      expect.stringContaining('/0/severity: is not an HEC envelope key'),
      expect.stringContaining('/0/event/ip: must be an IPv4 or IPv6 address'),
    ]);
  });

  it('refuses an empty body as HEC "No data"', async () => {
    const result = await run('  \n');
    expectErrorsAt(result, { '': 'HEC code 5' });
    expect(hecResponse(result)).toEqual({ status: 400, body: { text: 'No data', code: 5 } });
  });
});

describe('splunk-hec raw endpoint', () => {
  it('makes one log event per non-empty line at receipt time', () => {
    const result = normaliseHecRaw(fixtureBytes('samples/ingest/splunk-hec-raw-lines.txt'), ctx, {
      sourcetype: 'litellm:log',
      host: 'gw-02',
    });
    const events = okEvents(result);
    expectGolden(events, 'splunk-hec/raw-lines.json');
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({
      time: SAMPLE_NOW,
      kind: 'log',
      name: 'litellm:log',
      entity: { host: 'gw-02' },
      labels: { 'splunk.sourcetype': 'litellm:log', 'cordon.time_missing': 'true' },
      raw: '2024-06-10T16:05:00.441Z ERROR gateway upstream error model=gpt-4o status=502',
    });
    expect(new Set(events.map((e) => e.id)).size).toBe(3);
  });

  it('is what the kind does for the drop-in raw endpoint, with its query and channel', async () => {
    const request = {
      body: fixtureBytes('samples/ingest/splunk-hec-raw-lines.txt'),
      contentType: 'text/plain',
      headers: { 'x-splunk-request-channel': 'chan-1' },
      endpoint: 'raw',
      query: { sourcetype: 'litellm:log', host: 'gw-02' },
    };
    const events = okEvents(
      await splunkHecKind.normalise(request, {
        ...ctx,
        options: compileOptions(splunkHecKind, undefined) as never,
        memory: new LocalSourceMemory(() => SAMPLE_NOW),
      }),
    );
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      kind: 'log',
      entity: { host: 'gw-02' },
      labels: { 'splunk.sourcetype': 'litellm:log', 'splunk.channel': 'chan-1' },
    });
  });

  it('refuses an empty raw body and keeps identical lines apart', () => {
    expectErrorsAt(normaliseHecRaw(Buffer.from('\n\n'), ctx), { '': 'HEC code 5' });
    expect(okEvents(normaliseHecRaw(Buffer.from('same\nsame\n'), ctx))).toHaveLength(2);
  });
});

describe('splunk-hec kind: robustness', () => {
  it('reads any raw body into log lines or a located error, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        checkResult(normaliseHecRaw(Buffer.from(bytes), ctx, { host: 'h' }));
      }),
      { numRuns: 200 },
    );
  });

  it('answers random bytes, random JSON and truncated samples without throwing', async () => {
    await fuzzKind(
      splunkHecKind,
      [SINGLE, BATCH].map((p) => fixtureBytes(p)),
    );
  }, 60_000);
});
