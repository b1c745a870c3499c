/**
 * What the API makes of requests it should refuse, over HTTP (in-process Cordon, real Redis on
 * its own key prefix): bodies keep the types JSON gave them.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/manual-start/', import.meta.url));
const APR = `apr_${'0'.repeat(24)}`;
const INC = `inc_${'0'.repeat(24)}`;
const RUN = `run_${'0'.repeat(24)}`;

let t: TestCordon;
beforeAll(async () => {
  t = await startTestCordon({ contentDir: CONTENT });
});
afterAll(async () => {
  await t.stop();
});

interface ErrorJson {
  code: string;
  message: string;
  details?: { errors?: { path: string; reason: string }[] };
}

async function refused(
  method: 'GET' | 'POST',
  url: string,
  token: string,
  body?: string,
): Promise<ErrorJson> {
  const res = await t.call(method, url, token, body);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
  return res.json<ErrorJson>();
}

describe('bodies are not coerced', () => {
  it.each([
    [`/v1/approvals/${APR}/reject`, '{"comment":false}', ['body/comment']],
    [`/v1/approvals/${APR}/approve`, '{"comment":12}', ['body/comment']],
    [`/v1/incidents/${INC}/resolve`, '{"comment":[1]}', ['body/comment']],
    [`/v1/runs/${RUN}/cancel`, '{"comment":5e999}', ['body/comment']],
    [`/v1/runs/${RUN}/retry`, '{"comment":null}', ['body/comment']],
    [
      '/v1/runs',
      `{"playbook":["manual-block"],"incident":["${INC}"],"comment":true}`,
      ['body/playbook', 'body/incident', 'body/comment'],
    ],
  ])('POST %s %s is a 400 naming the field', async (url, body, paths) => {
    const error = await refused('POST', url, TOKENS.approver, body);
    expect(error.code).toBe('CORDON_ERR_API_INVALID_REQUEST');
    expect(error.details?.errors?.map((e) => e.path)).toEqual(paths);
    expect(error.details?.errors?.every((e) => /must be string/.test(e.reason))).toBe(true);
  });

  it('still coerces query strings: ?limit=10 is the integer 10', async () => {
    const res = await t.call('GET', '/v1/runs?limit=10', TOKENS.analyst);
    expect(res.statusCode, res.body).toBe(200);
  });
});
