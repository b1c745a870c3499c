/**
 * Open Inference (V2) binary tensor payloads from the KServe logger through the HTTP API:
 * accepted as application/octet-stream, found again with GET /v1/events, and a body whose sizes
 * do not add up refused with its place and kept as a dead letter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKENS, type TestCordon, startWithConnectors } from '../../helpers/cordon.js';

let t: TestCordon;

beforeAll(async () => {
  t = await startWithConnectors(
    'kserve-binary',
    'apiVersion: cordon/v1\nname: kserve-logger\ntype: kserve\n',
  );
});
afterAll(async () => {
  await t.stop();
});

const CE_HEADERS = {
  'ce-specversion': '1.0',
  'ce-id': 'bin-0001',
  'ce-type': 'org.kubeflow.serving.inference.request',
  'ce-source': 'http://localhost:9081/',
  'ce-time': new Date().toISOString(),
  'ce-inferenceservicename': 'churn-model',
  'ce-namespace': 'ml-prod',
};

/** A JSON header for one FP32 [3, 2] input, then `tensorBytes` bytes. */
function body(tensorBytes: number): { payload: Buffer; headerBytes: number } {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'x', shape: [3, 2], datatype: 'FP32', parameters: { binary_data_size: 24 } },
      ],
    }),
  );
  const tensor = Buffer.alloc(tensorBytes);
  for (let i = 0; i + 4 <= tensorBytes; i += 4) tensor.writeFloatLE(i / 4 + 0.5, i);
  return { payload: Buffer.concat([header, tensor]), headerBytes: header.length };
}

function post(payload: Buffer, headerBytes: number, id: string) {
  return t.call('POST', '/v1/ingest/kserve-logger', TOKENS.ingest, payload, {
    ...CE_HEADERS,
    'ce-id': id,
    'content-type': 'application/octet-stream',
    'inference-header-content-length': String(headerBytes),
  });
}

describe('KServe V2 binary tensors over HTTP', () => {
  it('accepts a binary request and lists it with its measures', async () => {
    const { payload, headerBytes } = body(24);
    const res = await post(payload, headerBytes, 'bin-ok');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 1 });
    const listed = await t.call('GET', '/v1/events?source=kserve-logger', TOKENS.analyst);
    type Listed = { event: { measures: Record<string, number>; labels: Record<string, string> } };
    const [listedEvent] = listed.json().events as Listed[];
    const event = listedEvent?.event;
    expect(event?.measures).toMatchObject({
      count: 3,
      tensor_bytes: 24,
      payload_bytes: payload.length,
    });
    expect(event?.labels).toMatchObject({ payload_encoding: 'v2-binary', ce_id: 'bin-ok' });
  });

  it('refuses a body shorter than its tensors say, located, and keeps it as a dead letter', async () => {
    const { payload, headerBytes } = body(20);
    const res = await post(payload, headerBytes, 'bin-short');
    expect(res.statusCode).toBe(400);
    const error = res.json();
    expect(error.details.errors).toEqual([
      expect.objectContaining({
        path: '/inputs/0/parameters/binary_data_size',
        reason: expect.stringContaining('is 24, but only 20 of the 20 bytes'),
      }),
    ]);
    const kept = await t.call(
      'GET',
      `/v1/deadletters/${String(error.details.deadLetterId)}`,
      TOKENS.analyst,
    );
    expect(kept.json()).toMatchObject({ source: 'kserve-logger', size: payload.length });
  });
});
