/**
 * What the API makes of requests it should refuse, over HTTP (in-process Cordon, real Redis on
 * its own key prefix): bodies keep the types JSON gave them, numeric query parameters stay in
 * range, a refused field is named with what is allowed, bodies nest at most 64 levels, a 401
 * says what was wrong, only approvers decide, and Fastify's own refusals answer as Cordon's.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/shared/error-codes.js';
import { ApprovalStore } from '../../src/store/approval-store.js';
import { Keys } from '../../src/store/keys.js';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

const CONTENT = fileURLToPath(new URL('../fixtures/content/manual-start/', import.meta.url));
const APR = `apr_${'0'.repeat(24)}`;
const INC = `inc_${'0'.repeat(24)}`;
const RUN = `run_${'0'.repeat(24)}`;

let t: TestCordon;
beforeAll(async () => {
  t = await startTestCordon({
    contentDir: CONTENT,
    env: { CORDON_INGEST_BODY_LIMIT_BYTES: String(256 * 1024) },
  });
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
    expect(error.details?.errors?.every((e) => /^must be a string \(got /.test(e.reason))).toBe(
      true,
    );
  });

  it('still coerces query strings: ?limit=10 is the integer 10', async () => {
    const res = await t.call('GET', '/v1/runs?limit=10', TOKENS.analyst);
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('numeric query parameters are finite integers in their range', () => {
  // Every integer query parameter of the API, with its documented range.
  const PARAMS: [string, string, number, number][] = [
    ['/v1/events', 'limit', 1, 500],
    ['/v1/events', 'scan', 100, 100_000],
    ['/v1/runs', 'limit', 1, 500],
    ['/v1/incidents', 'limit', 1, 500],
    ['/v1/incidents', 'before', 0, Number.MAX_SAFE_INTEGER],
    ['/v1/approvals', 'limit', 1, 500],
    ['/v1/cases', 'limit', 1, 500],
    ['/v1/deadletters', 'limit', 1, 500],
    [`/v1/incidents/${INC}/events`, 'limit', 1, 1_000],
    ['/v1/audit', 'limit', 1, 500],
    ['/v1/audit', 'after', 0, Number.MAX_SAFE_INTEGER],
    ['/v1/audit', 'since', 0, Number.MAX_SAFE_INTEGER],
    ['/v1/audit', 'until', 0, Number.MAX_SAFE_INTEGER],
  ];
  const cases = PARAMS.flatMap(([path, name, min, max]) =>
    ['Infinity', '-Infinity', '1e400', '1e300', 'abc', '1.5', String(min - 1), String(max + 1)].map(
      (value) => [path, name, value, min, max] as const,
    ),
  );

  it.each(cases)(
    'GET %s?%s=%s is a 400 naming the parameter and its range',
    async (path, name, value, min, max) => {
      const token = path === '/v1/audit' ? TOKENS.auditor : TOKENS.analyst;
      const error = await refused('GET', `${path}?${name}=${value}`, token);
      expect(error.code).toBe('CORDON_ERR_API_INVALID_REQUEST');
      expect(error.details?.errors).toEqual([
        {
          path: `querystring/${name}`,
          reason: `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`,
        },
      ]);
      expect(error.message).toContain(`querystring/${name}`);
    },
  );

  it('still takes every bound itself', async () => {
    for (const [path, name, min, max] of PARAMS) {
      const token = path === '/v1/audit' ? TOKENS.auditor : TOKENS.analyst;
      for (const value of [min, max]) {
        const res = await t.call('GET', `${path}?${name}=${value}`, token);
        // The incident does not exist: its evidence is a 404, after the query was accepted.
        expect(res.statusCode, `${path}?${name}=${value}: ${res.body}`).toBe(
          path.endsWith('/events') && path !== '/v1/events' ? 404 : 200,
        );
      }
    }
  });
});

describe('stream entry ids are refused when Redis could not read them', () => {
  // Redis refuses an id past 2^64 - 1 ("Invalid stream ID"): these were 500s.
  const LONG = `${'9'.repeat(20)}-0`;
  it.each([
    [`/v1/deadletters/${LONG}`, 'params/id'],
    [`/v1/deadletters?before=${LONG}`, 'querystring/before'],
    [`/v1/events?before=${LONG}`, 'querystring/before'],
  ])('GET %s is a 400 naming %s', async (url, path) => {
    const error = await refused('GET', url, TOKENS.analyst);
    expect(error.code).toBe('CORDON_ERR_API_INVALID_REQUEST');
    expect(error.details?.errors?.map((e) => e.path)).toEqual([path]);
  });

  it('takes an id as Redis writes them', async () => {
    for (const url of [
      '/v1/deadletters?before=1767225600000-0',
      '/v1/events?before=1767225600000-3',
    ])
      expect((await t.call('GET', url, TOKENS.analyst)).statusCode, url).toBe(200);
  });
});

describe('a refused field is named, with what is allowed and what was sent', () => {
  it('names an unknown body property and lists the allowed ones', async () => {
    const error = await refused(
      'POST',
      `/v1/approvals/${APR}/approve`,
      TOKENS.approver,
      '{"comment":"x","approve_as":"admin"}',
    );
    expect(error.details?.errors).toEqual([
      { path: 'body/approve_as', reason: 'is not a known property (allowed: comment)' },
    ]);
    expect(error.message).toBe(
      'Invalid request: body/approve_as: is not a known property (allowed: comment).',
    );
  });

  it('suggests the closest allowed property for a typo, in bodies and query strings', async () => {
    const body = await refused('POST', '/v1/runs', TOKENS.approver, '{"playbok":"manual-block"}');
    expect(body.details?.errors).toEqual([
      { path: 'body/playbook', reason: 'is required' },
      {
        path: 'body/playbok',
        reason:
          'is not a known property; did you mean "playbook"? (allowed: playbook, incident, inputs, comment)',
      },
    ]);
    const query = await refused('GET', '/v1/incidents?limt=5', TOKENS.analyst);
    expect(query.details?.errors).toEqual([
      {
        path: 'querystring/limt',
        reason: 'is not a known property; did you mean "limit"? (allowed: status, limit, before)',
      },
    ]);
  });

  it('lists the allowed values of an enum and echoes the bad one', async () => {
    const error = await refused('GET', '/v1/incidents?status=opne', TOKENS.analyst);
    expect(error.details?.errors).toEqual([
      { path: 'querystring/status', reason: 'must be one of "open", "resolved" (got "opne")' },
    ]);
  });

  it('says a missing property is required, under its own path', async () => {
    const error = await refused('POST', `/v1/incidents/${INC}/resolve`, TOKENS.approver, '{}');
    expect(error.message).toBe('Invalid request: body/comment: is required.');
  });

  it('says which type, length or pattern was expected and what came', async () => {
    const typed = await refused(
      'POST',
      `/v1/approvals/${APR}/reject`,
      TOKENS.approver,
      '{"comment":false}',
    );
    expect(typed.details?.errors).toEqual([
      { path: 'body/comment', reason: 'must be a string (got false)' },
    ]);
    const long = await refused(
      'POST',
      `/v1/approvals/${APR}/reject`,
      TOKENS.approver,
      JSON.stringify({ comment: 'x'.repeat(4001) }),
    );
    expect(long.details?.errors).toEqual([
      { path: 'body/comment', reason: 'must be at most 4000 characters long (got 4001)' },
    ]);
    const id = await refused(
      'POST',
      '/v1/incidents/inc_nope/resolve',
      TOKENS.approver,
      '{"comment":"x"}',
    );
    expect(id.details?.errors).toEqual([
      { path: 'params/id', reason: 'must match ^inc_[0-9a-f]{24}$ (got "inc_nope")' },
    ]);
  });
});

describe('JSON bodies nest at most 64 levels', () => {
  /** A run start whose input `reason` nests `arrays` arrays (the body is level 1, inputs 2). */
  const start = (arrays: number): string =>
    `{"playbook":"manual-block","inputs":{"user":"deep","reason":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;

  it('takes a body exactly 64 levels deep', async () => {
    const res = await t.call('POST', '/v1/runs', TOKENS.approver, start(62));
    expect(res.statusCode, res.body).toBe(202);
  });

  it.each([63, 4_500, 20_000])(
    'refuses a body with %i nested arrays with a 400 naming where, not a 500',
    async (arrays) => {
      const error = await refused('POST', '/v1/runs', TOKENS.approver, start(arrays));
      expect(error.code).toBe('CORDON_ERR_API_INVALID_REQUEST');
      const column = '{"playbook":"manual-block","inputs":{"user":"deep","reason":'.length + 63;
      expect(error.details?.errors).toEqual([
        {
          path: 'body/inputs/reason/0/0/…',
          reason: `nests objects and arrays more than 64 levels deep (at line 1, column ${column}); flatten it (deep data can travel as a JSON string)`,
        },
      ]);
    },
  );

  it('checks every JSON body of the API, objects as well as arrays', async () => {
    const deep = `{"comment":"x","a":${'{"b":'.repeat(70)}1${'}'.repeat(70)}}`;
    const error = await refused('POST', `/v1/approvals/${APR}/approve`, TOKENS.approver, deep);
    expect(error.details?.errors?.[0]?.path).toBe('body/a/b/b/b/…');
  });
});

describe('a 401 says what was wrong with the Authorization header', () => {
  const bearerInvalid =
    'The bearer token is not valid. Use a token from the tokens file (see README "Authentication").';
  const noScheme =
    'The Authorization header has no scheme: send "Authorization: Bearer <token>" (the word Bearer, a space, then the token).';

  it.each([
    ['/v1/incidents', undefined, 'This endpoint needs "Authorization: Bearer <token>".'],
    ['/v1/incidents', 'Bearer wrongtoken', bearerInvalid],
    ['/v1/incidents', TOKENS.analyst, noScheme],
    [
      '/v1/incidents',
      'Bearer',
      'The Authorization header says "Bearer" but carries no token; send "Authorization: Bearer <token>".',
    ],
    [
      '/v1/incidents',
      `Token ${TOKENS.analyst}`,
      'The Authorization header uses the "Token" scheme; this endpoint takes "Authorization: Bearer <token>".',
    ],
  ])('GET %s with Authorization %s', async (url, authorization, message) => {
    const res = await t.app.inject({
      method: 'GET',
      url,
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'CORDON_ERR_API_UNAUTHENTICATED', message });
    expect(res.body).not.toContain(TOKENS.analyst);
  });

  it.each([
    [undefined, 'This endpoint needs "Authorization: Bearer <token>".'],
    ['Bearer wrongtoken', bearerInvalid],
    [TOKENS.ingest, noScheme],
    [
      'Splunk wrongtoken',
      'The token sent as "Authorization: Splunk …" is not valid. Use a token from the tokens file (see README "Authentication").',
    ],
    [
      'Token wrongtoken',
      'The Authorization header uses the "Token" scheme; this endpoint takes "Authorization: Bearer <token>" (or Splunk, Basic).',
    ],
  ])('POST /v1/ingest/events with Authorization %s', async (authorization, message) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/events',
      headers: {
        'content-type': 'application/json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      payload: '{"kind":"login"}',
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ code: 'CORDON_ERR_API_UNAUTHENTICATED', message });
    expect(res.body).not.toContain(TOKENS.ingest);
  });
});

describe('deciding an approval without a deciding role', () => {
  const PENDING = `apr_${'a'.repeat(24)}`;
  beforeAll(async () => {
    const approvals = new ApprovalStore(t.store.redis, new Keys(t.store.prefix));
    const now = Date.now();
    await approvals.create({
      id: PENDING,
      runId: RUN,
      playbookId: 'manual-block',
      incidentId: INC,
      state: 'ask',
      step: 1,
      roles: ['approver'],
      quorum: 1,
      message: 'ok?',
      initiator: 'correlation:r',
      gated: null,
      createdAt: now,
      expiresAt: now + 3_600_000,
    });
  });

  it.each([
    ['auditor', TOKENS.auditor],
    ['gateway', TOKENS.gateway],
    ['analyst', TOKENS.analyst],
  ])('is a 403 for the %s role, as for the other non-approver roles', async (role, token) => {
    for (const decision of ['approve', 'reject']) {
      const res = await t.call('POST', `/v1/approvals/${PENDING}/${decision}`, token, {
        comment: 'no',
      });
      expect(res.statusCode, `${role} ${decision}: ${res.body}`).toBe(403);
      expect(res.json()).toMatchObject({
        code: 'CORDON_ERR_APPROVAL_ROLE',
        message: expect.stringContaining(`holds no role that can decide approvals`),
      });
    }
    const approval = await t.call('GET', `/v1/approvals/${PENDING}`, TOKENS.analyst);
    expect(approval.json()).toMatchObject({ status: 'pending', votes: [] });
  });
});

describe("Fastify's own refusals answer in Cordon's shape, with API codes off ingest", () => {
  /** A Cordon error body whose code is documented with this status. */
  function cordonError(res: { statusCode: number; json: <T>() => T }): ErrorJson {
    const error = res.json<ErrorJson>();
    expect(Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual(
      [],
    );
    expect(ERROR_CODES[error.code as ErrorCode]?.status).toBe(res.statusCode);
    return error;
  }

  it('a body over 64 KiB on approve is a 413 naming the API limit, not the ingest one', async () => {
    const res = await t.call('POST', `/v1/approvals/${APR}/approve`, TOKENS.approver, {
      comment: 'x'.repeat(70 * 1024),
    });
    expect(res.statusCode).toBe(413);
    const error = cordonError(res);
    expect(error.code).toBe('CORDON_ERR_API_BODY_TOO_LARGE');
    expect(error.message).toContain('65536 bytes');
    expect(error.message).not.toContain('CORDON_INGEST_BODY_LIMIT_BYTES');
  });

  it('a form-encoded body on approve is a 415 with the API code', async () => {
    const res = await t.call('POST', `/v1/approvals/${APR}/approve`, TOKENS.approver, 'comment=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.statusCode).toBe(415);
    expect(cordonError(res)).toMatchObject({
      code: 'CORDON_ERR_API_UNSUPPORTED_MEDIA_TYPE',
      message: expect.stringContaining('"application/x-www-form-urlencoded" is not accepted here'),
    });
  });

  it("a URL that does not decode is a 400 in Cordon's shape", async () => {
    const res = await t.call('POST', '/v1/ingest/%00%ff', TOKENS.ingest, '{}');
    expect(res.statusCode).toBe(400);
    expect(cordonError(res).code).toBe('CORDON_ERR_API_INVALID_REQUEST');
  });

  it('path parameters reach their schema up to 1024 characters, a longer one is a 414', async () => {
    const key = (n: number): string => `/v1/limiter/keys/${'k'.repeat(n)}`;
    // A limiter key may be 512 characters (the router stopped at 100).
    expect((await t.call('GET', key(512), TOKENS.analyst)).statusCode).toBe(200);
    const long = await t.call('GET', key(600), TOKENS.analyst);
    expect(long.statusCode).toBe(400);
    expect(cordonError(long).details?.errors?.[0]?.path).toBe('params/key');
    const longer = await t.call('GET', key(1_100), TOKENS.analyst);
    expect(longer.statusCode).toBe(414);
    expect(cordonError(longer).code).toBe('CORDON_ERR_API_URI_TOO_LONG');
  });

  it('ingest keeps its own codes', async () => {
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, 'x'.repeat(300 * 1024));
    expect(res.statusCode).toBe(413);
    expect(cordonError(res).code).toBe('CORDON_ERR_INGEST_BODY_TOO_LARGE');
  });
});
