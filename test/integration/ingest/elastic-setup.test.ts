/**
 * What Filebeat and Logstash ask of Elasticsearch once connected, before their first `_bulk`
 * (index template, lifecycle policy, data stream, pipeline, licence): answered so that a
 * shipper with its default setup goes on to send, for an authenticated sender only, and
 * nothing is kept or logged as an event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keys } from '../../../src/store/keys.js';
import { startTestCordon, TOKENS, type TestCordon } from '../../helpers/cordon.js';

let t: TestCordon;
beforeAll(async () => {
  t = await startTestCordon();
});
afterAll(async () => {
  await t.stop();
});

// Filebeat carries Cordon's ingest token as its Elasticsearch password.
const AS_FILEBEAT = {
  authorization: `Basic ${Buffer.from(`filebeat:${TOKENS.ingest}`).toString('base64')}`,
};

describe('Elasticsearch setup calls', () => {
  it('says a template, policy, data stream and pipeline exist, as the Beats check them', async () => {
    for (const url of [
      '/_index_template/filebeat-8.11.0',
      '/_template/filebeat-8.11.0',
      '/_component_template/logs-settings',
      '/_ilm/policy/filebeat',
      '/_data_stream/filebeat-8.11.0',
      '/_alias/filebeat-7.17.0',
      '/_ingest/pipeline/filebeat-8.11.0-system-auth-pipeline',
    ]) {
      const head = await t.app.inject({ method: 'HEAD', url, headers: AS_FILEBEAT });
      expect(head.statusCode, url).toBe(200);
      const got = await t.app.inject({ method: 'GET', url, headers: AS_FILEBEAT });
      expect(got.statusCode, url).toBe(200);
      // The name asked about is the one answered for.
      expect(got.body, url).toContain(url.split('/').pop());
    }
    const stream = await t.app.inject({
      method: 'GET',
      url: '/_data_stream/filebeat-8.11.0',
      headers: AS_FILEBEAT,
    });
    expect(stream.json().data_streams[0].name).toBe('filebeat-8.11.0');
  });

  it('acknowledges a template or policy written to it, and keeps no event of it', async () => {
    const before = await t.store.redis.xlen(new Keys(t.store.prefix).eventLog);
    for (const url of ['/_index_template/filebeat-8.11.0', '/_ilm/policy/filebeat']) {
      const res = await t.app.inject({
        method: 'PUT',
        url,
        headers: { ...AS_FILEBEAT, 'content-type': 'application/json' },
        payload: { index_patterns: ['filebeat-*'], priority: 150 },
      });
      expect(res.statusCode, url).toBe(200);
      expect(res.json()).toEqual({ acknowledged: true });
    }
    expect(await t.store.redis.xlen(new Keys(t.store.prefix).eventLog)).toBe(before);
  });

  it('answers the licence and features Logstash and the Beats check', async () => {
    const license = await t.app.inject({ method: 'GET', url: '/_license', headers: AS_FILEBEAT });
    expect(license.json().license.status).toBe('active');
    const xpack = await t.app.inject({ method: 'GET', url: '/_xpack', headers: AS_FILEBEAT });
    expect(xpack.json().features.ilm).toEqual({ available: true, enabled: true });
  });

  it('refuses a sender without credentials', async () => {
    for (const [method, url] of [
      ['GET', '/_index_template/x'],
      ['PUT', '/_ilm/policy/x'],
      ['GET', '/_license'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});
