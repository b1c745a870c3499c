import { describe, expect, it } from 'vitest';
import { TIME_MISSING_LABEL } from '../../../../../src/ingest/normalizers/time-clamp.js';
import { parseHttpRequestFile } from '../../../../../src/ingest/sources/http-request-file.js';
import { KSERVE_KIND } from '../../../../../src/ingest/sources/kserve/index.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import type { SourceMemory } from '../../../../../src/ingest/sources/source-kind.js';
import {
  compileOptions,
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  runKindOnHttpFile,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt, expectPartial } from '../../ingest-test-helpers.js';
import { fuzzKind, sentWith } from '../../../../helpers/source-fuzz.js';

const S = 'samples/ingest/';
const REQUEST = `${S}kserve-cloudevent-request.http.txt`;
const RESPONSE = `${S}kserve-cloudevent-response.http.txt`;

function httpFile(path: string): { headers: Record<string, string>; body: Buffer } {
  const parsed = parseHttpRequestFile(fixtureBytes(path).toString('utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.request;
}

/** The request file's headers with some replaced (undefined = removed). */
function headersWith(
  path: string,
  changes: Record<string, string | undefined>,
): Record<string, string> {
  const headers = { ...httpFile(path).headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return headers;
}

async function pair(
  request: string,
  response: string,
  memory: SourceMemory = new LocalSourceMemory(() => SAMPLE_NOW),
) {
  const first = okEvents(await runKindOnHttpFile(KSERVE_KIND, request, { memory }));
  const second = okEvents(await runKindOnHttpFile(KSERVE_KIND, response, { memory }));
  return [...first, ...second];
}

describe('kserve: KServe inference logger CloudEvents', () => {
  it('maps a binary-mode V1 request (golden)', async () => {
    const events = okEvents(await runKindOnHttpFile(KSERVE_KIND, REQUEST));
    expectGolden(events, 'kserve/request.json');
    const [event] = events;
    expect(event?.name).toBe('inference.request');
    expect(event?.time).toBe(Date.parse('2024-06-10T16:04:58.101Z'));
    expect(event?.entity).toEqual({ model: 'fraud-scorer' });
    expect(event?.measures.count).toBe(1);
    expect(event?.labels).toMatchObject({
      ce_type: 'request',
      request_id: 'c0ffee00-1234-4abc-9def-0123456789ab',
      trace_id: '80f198ee56343ba864fe8b2a57d3eff7',
      inference_service: 'fraud-scorer',
      namespace: 'ml-prod',
    });
  });

  it('joins the response to its request: one inference with latency (golden)', async () => {
    const events = await pair(REQUEST, RESPONSE);
    expectGolden(events, 'kserve/request-then-response.json');
    const response = events[1];
    expect(response?.name).toBe('inference.response');
    expect(response?.outcome).toBe('success');
    // 16:04:58.140417 − 16:04:58.101923, to the µs the logger wrote.
    expect(response?.measures.latency_ms).toBe(38.494);
    expect(response?.labels.request_joined).toBe('true');
    expect(events[0]?.id).not.toBe(response?.id);
  });

  it('joins V2 (Open Inference protocol) payloads and reads captured identity headers (golden)', async () => {
    const events = await pair(
      `${S}kserve-cloudevent-v2-request.http.txt`,
      `${S}kserve-cloudevent-v2-response.http.txt`,
    );
    expectGolden(events, 'kserve/v2-request-then-response.json');
    const [request, response] = events;
    expect(request?.measures.count).toBe(2);
    expect(request?.entity).toEqual({
      model: 'churn-model',
      user: 'u-20931',
      api_key: 'sha256:9f2c41d7e0',
      ip: '203.0.113.45',
    });
    expect(response?.entity.model_version).toBe('4');
    expect(response?.measures).toMatchObject({ count: 2, latency_ms: 211.785 });
    expect(response?.labels.ce_endpoint).toBe('canary');
    // JSON tensors get the figures binary tensors get: data [6.8,2.8,4.8,1.4,6.0,3.4,4.5,1.6].
    expect(request?.measures.tensor_input_input_0_min).toBe(1.4);
    expect(request?.measures.tensor_input_input_0_max).toBe(6.8);
    expect(request?.measures.tensor_input_input_0_mean).toBeCloseTo(31.3 / 8, 12);
    expect(response?.measures).toMatchObject({
      tensor_output_output_0_min: 1,
      tensor_output_output_0_max: 1,
      tensor_output_output_0_mean: 1,
    });
    expect((request?.raw as { data: { cordon_stats: unknown } }).data.cordon_stats).toEqual([
      {
        name: 'input-0',
        io: 'inputs',
        datatype: 'FP32',
        count: 8,
        finite: 8,
        min: 1.4,
        max: 6.8,
        mean: request?.measures.tensor_input_input_0_mean,
      },
    ]);
  });

  it('still emits the response alone when the request was never seen (memory lost)', async () => {
    const [event] = okEvents(await runKindOnHttpFile(KSERVE_KIND, RESPONSE));
    expect(event?.name).toBe('inference.response');
    expect(event?.labels.request_joined).toBe('false');
    expect(event?.measures.latency_ms).toBeUndefined();
    expect(event?.measures.count).toBe(1);
  });

  it('does not join a response that overtook its request; both still go in', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const [response, request] = [
      ...okEvents(await runKindOnHttpFile(KSERVE_KIND, RESPONSE, { memory })),
      ...okEvents(await runKindOnHttpFile(KSERVE_KIND, REQUEST, { memory })),
    ];
    expect(response?.labels.request_joined).toBe('false');
    expect(request?.name).toBe('inference.request');
    expect(request?.measures.latency_ms).toBeUndefined();
  });

  it('does not join once the join window has passed', async () => {
    let now = SAMPLE_NOW;
    const memory = new LocalSourceMemory(() => now);
    await runKindOnHttpFile(KSERVE_KIND, REQUEST, { memory, options: { join_window_seconds: 60 } });
    now += 61_000;
    const [event] = okEvents(
      await runKindOnHttpFile(KSERVE_KIND, RESPONSE, {
        memory,
        options: { join_window_seconds: 60 },
      }),
    );
    expect(event?.labels.request_joined).toBe('false');
  });

  it('takes the request once: a resent response gets the same id and no second join', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const [, first] = await pair(REQUEST, RESPONSE, memory);
    const [again] = okEvents(await runKindOnHttpFile(KSERVE_KIND, RESPONSE, { memory }));
    expect(again?.id).toBe(first?.id);
    expect(again?.labels.request_joined).toBe('false');
  });

  it('keeps services apart: the same Ce-Id from another InferenceService does not join', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    await runKindOnHttpFile(KSERVE_KIND, REQUEST, { memory });
    const { body } = httpFile(RESPONSE);
    const headers = headersWith(RESPONSE, { 'ce-inferenceservicename': 'other-model' });
    const [event] = okEvents(await runKind(KSERVE_KIND, body, { headers, memory }));
    expect(event?.labels.request_joined).toBe('false');
    expect(event?.entity.model).toBe('other-model');
  });

  it('survives a memory that fails: the event still goes in, with a warning', async () => {
    const broken: SourceMemory = {
      swap: () => Promise.reject(new Error('redis down')),
      take: () => Promise.reject(new Error('redis down')),
    };
    const result = await runKindOnHttpFile(KSERVE_KIND, RESPONSE, { memory: broken });
    expect(okEvents(result)).toHaveLength(1);
    expect(result.ok && result.warnings.join()).toContain('redis down');
  });

  it('reads a structured-mode CloudEvent (golden)', async () => {
    const events = okEvents(
      await runKindOnHttpFile(KSERVE_KIND, `${S}kserve-cloudevent-structured.http.txt`),
    );
    expectGolden(events, 'kserve/structured.json');
    expect(events[0]?.measures.count).toBe(2);
    expect(events[0]?.entity.user).toBe('bob@example.com');
    expect(events[0]?.labels.ce_mode).toBe('structured');
  });

  it('accepts the structured-mode sample sent as plain JSON, decoding data_base64, with a warning', async () => {
    const result = await runKind(
      KSERVE_KIND,
      fixtureBytes(`${S}bad/kserve-cloudevent-structured-mode.json`),
      {
        contentType: 'application/json',
      },
    );
    const [event] = okEvents(result);
    expect(event?.name).toBe('inference.response');
    expect(event?.measures.count).toBe(1);
    expect((event?.raw as { data: unknown }).data).toEqual({ predictions: [0.9731] });
    expect(result.ok && result.warnings.join()).toContain('read as application/cloudevents+json');
  });

  it('refuses the missing-type sample with every problem located', async () => {
    const result = await runKindOnHttpFile(
      KSERVE_KIND,
      `${S}bad/kserve-cloudevent-missing-type.http.txt`,
    );
    expectErrorsAt(result, {
      '/headers/ce-type': [
        'is missing',
        'org.kubeflow.serving.inference.request',
        'cannot be told from a response',
      ],
      '/headers/ce-metadata': ['is not valid JSON', 'x-request-id', 'proxy'],
      '': ['is not valid JSON', 'truncated'],
    });
  });

  it('refuses a bad Ce-Time and an unknown Ce-Type, naming the fix', async () => {
    const { body } = httpFile(REQUEST);
    const headers = headersWith(REQUEST, {
      'ce-time': '2024-06-10 16:04:58',
      'ce-type': 'io.seldon.serving.inference.request',
    });
    expectErrorsAt(await runKind(KSERVE_KIND, body, { headers }), {
      '/headers/ce-time': ['RFC 3339', 'put "T"'],
      '/headers/ce-type': ['org.kubeflow.serving.inference.request', 'type "seldon"'],
    });
  });

  it('refuses a body without any CloudEvents attributes', async () => {
    expectErrorsAt(await runKind(KSERVE_KIND, '{"instances":[[1]]}'), {
      '': ['no CloudEvents attributes', 'Ce-Type'],
    });
  });

  it('uses the receipt time when Ce-Time is absent, and says so', async () => {
    const { body } = httpFile(REQUEST);
    const [event] = okEvents(
      await runKind(KSERVE_KIND, body, { headers: headersWith(REQUEST, { 'ce-time': undefined }) }),
    );
    expect(event?.time).toBe(SAMPLE_NOW);
    expect(event?.labels[TIME_MISSING_LABEL]).toBe('true');
  });

  it('never keeps a captured credential, and warns', async () => {
    const { body } = httpFile(REQUEST);
    const headers = headersWith(REQUEST, {
      'ce-metadata':
        '{"authorization":["Bearer sk-live-123"],"x-tenant-id":["acme"],"x-trace-note":["a"]}',
    });
    const result = await runKind(KSERVE_KIND, body, { headers });
    const [event] = okEvents(result);
    expect(JSON.stringify(event?.labels)).not.toContain('sk-live-123');
    expect(JSON.stringify(event?.raw)).not.toContain('sk-live-123');
    expect(event?.entity.tenant).toBe('acme');
    expect(event?.labels.header_x_trace_note).toBe('a');
    expect(result.ok && result.warnings.join()).toContain('credential');
  });

  it('dedupes by Ce-Id and Ce-Type: same delivery, same id; response differs from request', async () => {
    const a = okEvents(await runKindOnHttpFile(KSERVE_KIND, REQUEST));
    const b = okEvents(await runKindOnHttpFile(KSERVE_KIND, REQUEST));
    const c = okEvents(await runKindOnHttpFile(KSERVE_KIND, RESPONSE));
    expect(a[0]?.id).toBe(b[0]?.id);
    expect(a[0]?.id).not.toBe(c[0]?.id);
  });

  it('caps huge tensors in raw, keeping their shape', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => Array.from({ length: 50 }, (_, j) => i * j));
    const { headers } = httpFile(REQUEST);
    const [event] = okEvents(
      await runKind(KSERVE_KIND, JSON.stringify({ instances: rows }), { headers }),
    );
    expect(event?.measures.count).toBe(200);
    const data = (event?.raw as { data: { instances: unknown } }).data;
    expect(data.instances).toMatchObject({
      cordon_truncated: 'array',
      length: 200,
      shape: [200, 50],
    });
    expect(JSON.stringify(event?.raw).length).toBeLessThan(4096);
  });

  it('marks a model-server error response as a failure', async () => {
    const { headers } = httpFile(RESPONSE);
    const [event] = okEvents(
      await runKind(KSERVE_KIND, '{"error":"Input shape mismatch"}', { headers }),
    );
    expect(event?.outcome).toBe('failure');
    expect(event?.labels.error).toBe('Input shape mismatch');
  });

  it('accepts a structured batch in part: the bad event alone is refused', async () => {
    const good = JSON.parse(
      fixtureBytes(`${S}bad/kserve-cloudevent-structured-mode.json`).toString('utf8'),
    ) as Record<string, unknown>;
    const bad = { ...good, type: undefined, time: 1718035498 };
    const result = await runKind(KSERVE_KIND, JSON.stringify([good, bad]), {
      contentType: 'application/cloudevents-batch+json',
    });
    expectPartial(result, 1, {
      '/1/type': 'is required',
      '/1/time': 'RFC 3339',
    });
  });

  it('has options with defaults, and reports bad ones', () => {
    expect(compileOptions(KSERVE_KIND, undefined)).toEqual({ joinWindowMs: 300_000 });
    const problems: string[] = [];
    KSERVE_KIND.options?.compile({ join_window_seconds: 0, window: 1 }, (path, reason) =>
      problems.push(`${path.join('.')}: ${reason}`),
    );
    expect(problems).toEqual([
      expect.stringContaining('window: is not an option'),
      expect.stringContaining('join_window_seconds: must be a whole number'),
    ]);
  });

  it('never throws or hangs on random bytes, random JSON or cut samples', async () => {
    const files = [REQUEST, RESPONSE, `${S}kserve-cloudevent-v2-request.http.txt`].map(httpFile);
    await fuzzKind(
      KSERVE_KIND,
      [...files.map((f) => f.body), fixtureBytes(`${S}bad/kserve-cloudevent-structured-mode.json`)],
      {
        run: sentWith(
          [{}, ...files.map((f) => f.headers)],
          [
            'application/json',
            'application/cloudevents+json',
            'application/cloudevents-batch+json',
          ],
        ),
      },
    );
  });
});
