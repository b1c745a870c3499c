import { describe, expect, it } from 'vitest';
import { parseHttpRequestFile } from '../../../../../src/ingest/sources/http-request-file.js';
import { KSERVE_KIND } from '../../../../../src/ingest/sources/kserve/index.js';
import { MAX_STAT_ELEMENTS } from '../../../../../src/ingest/sources/inference-common/tensor-stats.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  runKindOnHttpFile,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { fuzzKind, sentWith } from '../../../../helpers/source-fuzz.js';
import { expectErrorsAt } from '../../ingest-test-helpers.js';

const S = 'samples/ingest/';
const OCTETS = 'application/octet-stream';

/** The Ce-* headers of a V2 sample, with the body's binary header length added. */
function headersOf(sample: string, headerBytes: number | string): Record<string, string> {
  const parsed = parseHttpRequestFile(fixtureBytes(`${S}${sample}`).toString('utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  return {
    ...parsed.request.headers,
    'content-type': OCTETS,
    'inference-header-content-length': String(headerBytes),
  };
}

function fp32(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function int64(values: readonly bigint[]): Buffer {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => out.writeBigInt64LE(v, i * 8));
  return out;
}

function bytesTensor(values: readonly string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v) => {
      const data = Buffer.from(v, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(data.length, 0);
      return [length, data];
    }),
  );
}

/** A V2 binary body: the JSON header, then the tensors' bytes in order. */
function binaryBody(header: unknown, ...tensors: Buffer[]): { body: Buffer; headerBytes: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([json, ...tensors]), headerBytes: json.length };
}

const REQUEST_TENSOR = fp32([6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6]);
const REQUEST_HEADER = {
  id: '5a1e0c9d-77f2-4c1b-8e3a-2b6d9f0e4c21',
  inputs: [
    {
      name: 'input-0',
      shape: [2, 4],
      datatype: 'FP32',
      parameters: { binary_data_size: REQUEST_TENSOR.length },
    },
  ],
};
const RESPONSE_TENSORS = [int64([1n, 1n]), bytesTensor(['churn', 'stay'])];
const RESPONSE_HEADER = {
  model_name: 'churn-model',
  model_version: '4',
  id: '5a1e0c9d-77f2-4c1b-8e3a-2b6d9f0e4c21',
  parameters: {},
  outputs: [
    {
      name: 'output-0',
      shape: [2],
      datatype: 'INT64',
      parameters: { binary_data_size: RESPONSE_TENSORS[0]?.length },
    },
    {
      name: 'label',
      shape: [2, 1],
      datatype: 'BYTES',
      parameters: { binary_data_size: RESPONSE_TENSORS[1]?.length },
    },
  ],
};

async function runBinary(
  sample: string,
  header: unknown,
  tensors: Buffer[],
  memory = new LocalSourceMemory(() => SAMPLE_NOW),
  lengthHeader?: string,
) {
  const { body, headerBytes } = binaryBody(header, ...tensors);
  return runKind(KSERVE_KIND, body, {
    contentType: OCTETS,
    headers: headersOf(sample, lengthHeader ?? headerBytes),
    memory,
  });
}

describe('kserve: Open Inference (V2) binary tensor payloads', () => {
  it('reads a binary request and its response like their JSON form (golden)', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const events = [
      ...okEvents(
        await runBinary(
          'kserve-cloudevent-v2-request.http.txt',
          REQUEST_HEADER,
          [REQUEST_TENSOR],
          memory,
        ),
      ),
      ...okEvents(
        await runBinary(
          'kserve-cloudevent-v2-response.http.txt',
          RESPONSE_HEADER,
          RESPONSE_TENSORS,
          memory,
        ),
      ),
    ];
    expectGolden(events, 'kserve/v2-binary-request-then-response.json');
    const [request, response] = events;
    expect(request?.measures).toMatchObject({ count: 2, tensor_bytes: 32 });
    expect(request?.labels).toMatchObject({
      payload_protocol: 'v2',
      payload_encoding: 'v2-binary',
    });
    expect(response?.entity.model_version).toBe('4');
    // INT64 [2] = 16 bytes; BYTES ["churn", "stay"] = 4+5 + 4+4.
    expect(response?.measures).toMatchObject({ count: 2, tensor_bytes: 33, latency_ms: 211.785 });
    expect(response?.labels.request_joined).toBe('true');
    // The tensors' bytes are not kept: raw holds the JSON header and what followed it.
    const raw = response?.raw as { data: Record<string, unknown> };
    expect(raw.data.cordon_binary).toMatchObject({ bytes: 33, tensors: 2 });
    // Statistics of the numeric tensors (INT64 [1, 1]); none of the BYTES tensor.
    expect((raw.data.cordon_binary as { stats: unknown[] }).stats).toEqual([
      {
        name: 'output-0',
        io: 'outputs',
        datatype: 'INT64',
        count: 2,
        finite: 2,
        min: 1,
        max: 1,
        mean: 1,
      },
    ]);
    expect(response?.measures).toMatchObject({
      tensor_output_output_0_min: 1,
      tensor_output_output_0_max: 1,
      tensor_output_output_0_mean: 1,
    });
    expect(Object.keys(response?.measures ?? {}).filter((k) => k.includes('label'))).toEqual([]);
    // The FP32 request: [6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6] as float32.
    const f32 = [...new Float32Array([6.8, 2.8, 4.8, 1.4, 6.0, 3.4, 4.5, 1.6])];
    expect(request?.measures.tensor_input_input_0_min).toBe(Math.min(...f32));
    expect(request?.measures.tensor_input_input_0_max).toBe(Math.max(...f32));
    expect(request?.measures.tensor_input_input_0_mean).toBeCloseTo(3.9125, 5);
    expect(JSON.stringify(raw)).not.toContain('churn"');
  });

  it('gives the same entity, labels and count as the JSON form of the same payload', async () => {
    const [binary] = okEvents(
      await runBinary('kserve-cloudevent-v2-request.http.txt', REQUEST_HEADER, [REQUEST_TENSOR]),
    );
    const [json] = okEvents(
      await runKindOnHttpFile(KSERVE_KIND, `${S}kserve-cloudevent-v2-request.http.txt`),
    );
    expect(binary?.entity).toEqual(json?.entity);
    expect(binary?.measures.count).toBe(json?.measures.count);
    const { payload_encoding: encoding, ...labels } = binary?.labels ?? {};
    expect(encoding).toBe('v2-binary');
    expect(labels).toEqual(json?.labels);
    expect(binary?.id).toBe(json?.id);
  });

  it('mixes binary tensors with JSON ones (no binary_data_size: data in the header)', async () => {
    const header = {
      inputs: [
        { name: 'a', shape: [3], datatype: 'INT32', data: [1, 2, 3] },
        { name: 'b', shape: [3, 2], datatype: 'FP64', parameters: { binary_data_size: 48 } },
        { name: 'c', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
      ],
    };
    const [event] = okEvents(
      await runBinary('kserve-cloudevent-v2-request.http.txt', header, [
        Buffer.alloc(48),
        Buffer.from([1, 0, 1]),
      ]),
    );
    expect(event?.measures).toMatchObject({ count: 3, tensor_bytes: 51 });
  });

  it('refuses a header length past the end of the body, located at the header', async () => {
    const result = await runBinary(
      'kserve-cloudevent-v2-request.http.txt',
      REQUEST_HEADER,
      [REQUEST_TENSOR],
      undefined,
      '100000',
    );
    expectErrorsAt(result, {
      '/headers/inference-header-content-length': ['is 100000, past the end of the', 'body'],
    });
  });

  it('refuses a header length that is not a number', async () => {
    const result = await runBinary(
      'kserve-cloudevent-v2-request.http.txt',
      REQUEST_HEADER,
      [REQUEST_TENSOR],
      undefined,
      '12abc',
    );
    expectErrorsAt(result, {
      '/headers/inference-header-content-length': 'non-negative integer; got "12abc"',
    });
  });

  it('refuses a header length that cuts the JSON header', async () => {
    const { headerBytes } = binaryBody(REQUEST_HEADER, REQUEST_TENSOR);
    const result = await runBinary(
      'kserve-cloudevent-v2-request.http.txt',
      REQUEST_HEADER,
      [REQUEST_TENSOR],
      undefined,
      String(headerBytes - 5),
    );
    expectErrorsAt(result, { '': 'is not valid JSON' });
  });

  it('refuses sizes that do not add up to the bytes sent', async () => {
    // One FP32 too many after the declared tensor.
    const extra = await runBinary('kserve-cloudevent-v2-request.http.txt', REQUEST_HEADER, [
      REQUEST_TENSOR,
      fp32([1]),
    ]);
    expectErrorsAt(extra, { '': ['36 bytes follow the JSON header', 'add up to 32'] });
    // Cut short: the tensor runs past the end.
    const cut = await runBinary('kserve-cloudevent-v2-request.http.txt', REQUEST_HEADER, [
      REQUEST_TENSOR.subarray(0, 20),
    ]);
    expectErrorsAt(cut, {
      '/inputs/0/parameters/binary_data_size': ['is 32, but only 20 of the 20 bytes', 'cut short'],
    });
  });

  it('refuses a size that does not fit the datatype and shape, and a bad datatype', async () => {
    const header = {
      inputs: [
        { name: 'x', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
        { name: 'y', shape: [1], datatype: 'COMPLEX', parameters: { binary_data_size: 8 } },
        { name: 'z', shape: [1, -1], datatype: 'INT8', parameters: { binary_data_size: 1 } },
      ],
    };
    const result = await runBinary('kserve-cloudevent-v2-request.http.txt', header, [
      Buffer.alloc(25),
    ]);
    expectErrorsAt(result, {
      '/inputs/0/parameters/binary_data_size':
        'a FP32 tensor of 8 elements takes 32 bytes (4 each)',
      '/inputs/1/datatype': 'got "COMPLEX"',
      '/inputs/2/shape/1': 'non-negative integer dimension; got -1',
    });
  });

  it('refuses BYTES elements whose lengths do not fit their tensor', async () => {
    const bad = bytesTensor(['churn', 'stay']);
    bad.writeUInt32LE(1000, 9); // the second element claims 1000 bytes
    const header = {
      outputs: [
        {
          name: 'label',
          shape: [2],
          datatype: 'BYTES',
          parameters: { binary_data_size: bad.length },
        },
      ],
    };
    const result = await runBinary('kserve-cloudevent-v2-response.http.txt', header, [bad]);
    expectErrorsAt(result, {
      '/outputs/0/parameters/binary_data_size': 'element 1 (from 0) runs past the end',
    });
    const fewer = bytesTensor(['only-one']);
    const result2 = await runBinary(
      'kserve-cloudevent-v2-response.http.txt',
      { outputs: [{ ...header.outputs[0], parameters: { binary_data_size: fewer.length } }] },
      [fewer],
    );
    expectErrorsAt(result2, {
      '/outputs/0/parameters/binary_data_size': 'do not hold 2 BYTES elements',
    });
  });

  it('refuses a binary_data_size that is not a byte count', async () => {
    const header = {
      inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', parameters: { binary_data_size: '1' } }],
    };
    const result = await runBinary('kserve-cloudevent-v2-request.http.txt', header, [
      Buffer.from([7]),
    ]);
    expectErrorsAt(result, {
      '/inputs/0/parameters/binary_data_size': 'non-negative integer; got "1"',
    });
  });

  it('never throws or hangs on random, cut or flipped binary bodies', async () => {
    const request = binaryBody(REQUEST_HEADER, REQUEST_TENSOR);
    const response = binaryBody(RESPONSE_HEADER, ...RESPONSE_TENSORS);
    await fuzzKind(KSERVE_KIND, [request.body, response.body], {
      run: sentWith(
        [
          headersOf('kserve-cloudevent-v2-request.http.txt', request.headerBytes),
          headersOf('kserve-cloudevent-v2-response.http.txt', response.headerBytes),
          headersOf('kserve-cloudevent-v2-response.http.txt', 7),
        ],
        [OCTETS],
      ),
    });
  });

  it('takes statistics within a bounded budget of elements per payload', async () => {
    const big = MAX_STAT_ELEMENTS + 1;
    const header = {
      inputs: [
        { name: 'big', shape: [big], datatype: 'UINT8', parameters: { binary_data_size: big } },
        { name: 'small', shape: [3], datatype: 'INT16', parameters: { binary_data_size: 6 } },
      ],
    };
    const small = Buffer.alloc(6);
    [-5, 7, 1].forEach((v, i) => small.writeInt16LE(v, i * 2));
    const [event] = okEvents(
      await runBinary('kserve-cloudevent-v2-request.http.txt', header, [Buffer.alloc(big), small]),
    );
    expect(event?.measures).toMatchObject({
      tensor_input_small_min: -5,
      tensor_input_small_max: 7,
      tensor_input_small_mean: 1,
    });
    expect(event?.measures.tensor_input_big_min).toBeUndefined();
  });
});

const STRUCTURED = 'application/cloudevents+json';

/** A structured-mode CloudEvent whose data_base64 is a V2 binary payload. */
function structured(header: unknown, tensors: Buffer[], withExtension = true) {
  const { body, headerBytes } = binaryBody(header, ...tensors);
  return {
    headerBytes,
    event: {
      specversion: '1.0',
      id: '5a1e0c9d-77f2-4c1b-8e3a-2b6d9f0e4c21',
      type: 'org.kubeflow.serving.inference.request',
      source: 'http://localhost:9081/',
      time: '2024-06-10T16:04:58.101Z',
      inferenceservicename: 'churn-model',
      namespace: 'ml-prod',
      ...(withExtension ? { inferenceheadercontentlength: String(headerBytes) } : {}),
      datacontenttype: 'application/octet-stream',
      data_base64: body.toString('base64'),
    },
  };
}

describe('kserve: V2 binary payloads in structured-mode data_base64', () => {
  it('reads them as binary mode does: same checks, counts and statistics', async () => {
    const { event } = structured(REQUEST_HEADER, [REQUEST_TENSOR]);
    const [fromStructured] = okEvents(
      await runKind(KSERVE_KIND, Buffer.from(JSON.stringify(event)), { contentType: STRUCTURED }),
    );
    const [fromBinary] = okEvents(
      await runBinary('kserve-cloudevent-v2-request.http.txt', REQUEST_HEADER, [REQUEST_TENSOR]),
    );
    expect(fromStructured?.labels.payload_encoding).toBe('v2-binary');
    for (const key of [
      'count',
      'tensor_bytes',
      'tensor_input_input_0_min',
      'tensor_input_input_0_max',
      'tensor_input_input_0_mean',
    ])
      expect(fromStructured?.measures[key]).toBe(fromBinary?.measures[key]);
    expect(fromStructured?.entity.model).toBe('churn-model');
    // The tensors' bytes are not kept in raw.
    expect(JSON.stringify(fromStructured?.raw)).not.toContain(event.data_base64);
  });

  it('takes the header length from the request header for a single event', async () => {
    const { event, headerBytes } = structured(REQUEST_HEADER, [REQUEST_TENSOR], false);
    const [read] = okEvents(
      await runKind(KSERVE_KIND, Buffer.from(JSON.stringify(event)), {
        contentType: STRUCTURED,
        headers: { 'inference-header-content-length': String(headerBytes) },
      }),
    );
    expect(read?.measures).toMatchObject({ tensor_bytes: 32 });
  });

  it('refuses sizes that do not add up, located under data_base64', async () => {
    const header = {
      inputs: [{ ...REQUEST_HEADER.inputs[0], parameters: { binary_data_size: 40 } }],
    };
    const { event } = structured(header, [REQUEST_TENSOR]);
    const result = await runKind(KSERVE_KIND, Buffer.from(JSON.stringify(event)), {
      contentType: STRUCTURED,
    });
    expectErrorsAt(result, {
      '/data_base64/inputs/0/parameters/binary_data_size': 'takes 32 bytes',
    });
    const bad = { ...structured(REQUEST_HEADER, [REQUEST_TENSOR]).event };
    bad.inferenceheadercontentlength = 'ten';
    expectErrorsAt(
      await runKind(KSERVE_KIND, Buffer.from(JSON.stringify(bad)), { contentType: STRUCTURED }),
      { '/inferenceheadercontentlength': 'non-negative integer' },
    );
  });
});
