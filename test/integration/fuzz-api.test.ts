/**
 * Fuzzing through the HTTP API (`app.inject`): any body to any source, any content type, any
 * path and query on the read routes — never a 5xx, and every 4xx on ingest is a typed error
 * that names the field (`details.errors[].path`) and keeps a dead letter.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';
import {
  alertmanagerLike,
  deepRawEvent,
  eventLike,
  jsonBodies,
  ndjsonBodies,
  splunkLike,
} from '../unit/fuzz/arbitraries.js';

let t: TestCordon;
beforeAll(async () => {
  t = await startTestCordon({ env: { CORDON_INGEST_BODY_LIMIT_BYTES: String(64 * 1024) } });
});
afterAll(async () => {
  await t.stop();
});

const NUM_RUNS = 60;

const request = fc.oneof(
  fc.record({
    source: fc.constant('events'),
    contentType: fc.constantFrom('application/json', 'application/x-ndjson'),
    body: fc.oneof(jsonBodies(eventLike), ndjsonBodies(eventLike), deepRawEvent),
  }),
  fc.record({
    source: fc.constant('alertmanager'),
    contentType: fc.constant('application/json'),
    body: jsonBodies(alertmanagerLike),
  }),
  fc.record({
    source: fc.constant('splunk'),
    contentType: fc.constant('application/json'),
    body: jsonBodies(splunkLike),
  }),
  fc.record({
    source: fc.oneof(fc.constantFrom('events', 'splunk', 'nope', ''), fc.string({ maxLength: 10 })),
    contentType: fc.oneof(
      fc.constantFrom('text/plain', 'application/json; charset=latin1', '', 'application/jsonl'),
      fc.string({ maxLength: 20 }),
    ),
    body: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  }),
);

describe('API fuzz', () => {
  it('ingest: any body, source and content type gets a typed 2xx/4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ source, contentType, body }) => {
        const res = await t.app.inject({
          method: 'POST',
          url: `/v1/ingest/${encodeURIComponent(source)}`,
          headers: {
            authorization: `Bearer ${TOKENS.ingest}`,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
          payload: body,
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode === 202) return;
        const error = res.json<{
          code: string;
          message: string;
          details?: { deadLetterId?: string; errors?: { path: string; reason: string }[] };
        }>();
        expect(error.code).toMatch(/^CORDON_ERR_/);
        expect(error.message.length).toBeGreaterThan(0);
        if (error.code === 'CORDON_ERR_INGEST_INVALID_PAYLOAD') {
          expect(error.details?.deadLetterId).toMatch(/^\d+-\d+$/);
          for (const e of error.details?.errors ?? []) {
            expect(typeof e.path).toBe('string');
            expect(e.reason.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });

  it('reads: any path segment and query on the read routes gets a 2xx/4xx, never a 5xx', async () => {
    const route = fc.constantFrom(
      '/v1/incidents',
      '/v1/incidents/',
      '/v1/runs/',
      '/v1/approvals/',
      '/v1/cases/',
      '/v1/deadletters/',
      '/v1/events/events/',
      '/v1/limiter/keys/',
      '/v1/deadletters',
      '/v1/limiter/check',
    );
    const query = fc.dictionary(
      fc.oneof(
        fc.constantFrom('limit', 'before', 'source', 'status', 'key', 'style', 'run', 'incident'),
        fc.string({ maxLength: 6 }),
      ),
      fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String)),
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(route, fc.string({ maxLength: 30 }), query, async (path, segment, q) => {
        const search = new URLSearchParams(q).toString();
        const url = `${path}${path.endsWith('/') ? encodeURIComponent(segment) : ''}${search ? `?${search}` : ''}`;
        const token = path === '/v1/limiter/check' ? TOKENS.gateway : TOKENS.admin;
        const res = await t.call('GET', url, token);
        expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json().code).toMatch(/^CORDON_ERR_/);
      }),
      { numRuns: NUM_RUNS * 2 },
    );
  });
});
