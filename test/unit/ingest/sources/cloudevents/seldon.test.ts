import { describe, expect, it } from 'vitest';
import { parseHttpRequestFile } from '../../../../../src/ingest/sources/http-request-file.js';
import { LocalSourceMemory } from '../../../../../src/ingest/sources/memory.js';
import { SELDON_KIND } from '../../../../../src/ingest/sources/seldon/index.js';
import {
  expectGolden,
  fixtureBytes,
  okEvents,
  runKind,
  runKindOnHttpFile,
  SAMPLE_NOW,
} from '../../../../helpers/source-kind.js';
import { expectErrorsAt } from '../../ingest-test-helpers.js';
import { fuzzKind, sentWith } from '../../../../helpers/source-fuzz.js';

const REQUEST = 'samples/ingest/seldon-cloudevent-request.http.txt';
const RESPONSE = 'samples/ingest/seldon-cloudevent-response.http.txt';

function httpFile(path: string): { headers: Record<string, string>; body: Buffer } {
  const parsed = parseHttpRequestFile(fixtureBytes(path).toString('utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.request;
}

describe('seldon: Seldon Core request logger', () => {
  it('pairs request and response by Ce-Requestid though their Ce-Ids differ (golden)', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const events = [
      ...okEvents(await runKindOnHttpFile(SELDON_KIND, REQUEST, { memory })),
      ...okEvents(await runKindOnHttpFile(SELDON_KIND, RESPONSE, { memory })),
    ];
    expectGolden(events, 'seldon/request-then-response.json');
    const [request, response] = events;
    expect(request?.entity.model).toBe('classifier');
    expect(request?.measures.count).toBe(1);
    expect(request?.labels).toMatchObject({
      payload_protocol: 'seldon',
      request_id: '9d1c7e4a-2b3f-4a60-8e15-c7f0a2d4b6e8',
      inference_service: 'iris',
      ce_specversion: '0.3',
    });
    expect(response?.labels.request_joined).toBe('true');
    expect(response?.measures.latency_ms).toBe(12);
  });

  it('reads the spec versions Seldon sends (0.2, 0.3, 1.0) and refuses others', async () => {
    const { headers, body } = httpFile(REQUEST);
    for (const version of ['0.2', '0.3', '1.0'])
      okEvents(
        await runKind(SELDON_KIND, body, { headers: { ...headers, 'ce-specversion': version } }),
      );
    expectErrorsAt(
      await runKind(SELDON_KIND, body, { headers: { ...headers, 'ce-specversion': '0.1' } }),
      { '/headers/ce-specversion': ['0.2, 0.3, 1.0', '"0.1"'] },
    );
  });

  it('names the deployment when Ce-Modelid is absent, and pairs by Ce-Id without Ce-Requestid', async () => {
    const memory = new LocalSourceMemory(() => SAMPLE_NOW);
    const strip = (path: string, id: string) => {
      const { headers, body } = httpFile(path);
      const copy: Record<string, string> = { ...headers, 'ce-id': id };
      delete copy['ce-modelid'];
      delete copy['ce-requestid'];
      return { headers: copy, body };
    };
    const request = strip(REQUEST, 'same-id');
    const response = strip(RESPONSE, 'same-id');
    const [first] = okEvents(
      await runKind(SELDON_KIND, request.body, { headers: request.headers, memory }),
    );
    const [second] = okEvents(
      await runKind(SELDON_KIND, response.body, { headers: response.headers, memory }),
    );
    expect(first?.entity.model).toBe('iris');
    expect(second?.labels.request_joined).toBe('true');
  });

  it('sends a KServe event back with the connector type to use', async () => {
    const kserve = httpFile('samples/ingest/kserve-cloudevent-request.http.txt');
    expectErrorsAt(await runKind(SELDON_KIND, kserve.body, { headers: kserve.headers }), {
      '/headers/ce-type': ['io.seldon.serving.inference.request', 'type "kserve"'],
    });
  });

  it('reads a Seldon tensor payload count from its shape', async () => {
    const { headers } = httpFile(REQUEST);
    const body = '{"data":{"tensor":{"shape":[3,4],"values":[1,2,3,4,5,6,7,8,9,10,11,12]}}}';
    const [event] = okEvents(await runKind(SELDON_KIND, body, { headers }));
    expect(event?.measures.count).toBe(3);
  });

  it('never throws or hangs on random bytes, random JSON or cut samples', async () => {
    const files = [REQUEST, RESPONSE].map(httpFile);
    await fuzzKind(
      SELDON_KIND,
      files.map((f) => f.body),
      {
        run: sentWith(
          [{}, ...files.map((f) => f.headers)],
          ['application/json', 'application/cloudevents+json'],
        ),
      },
    );
  });
});
