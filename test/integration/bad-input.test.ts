/**
 * Bad input through the HTTP API, beyond field validation: nesting past the limit is a 400
 * with a dead letter (not a stack overflow), a source the caller may not use is refused
 * before its body is read, made-up names never become metric labels, dead letters are paged
 * without their bodies, and request logs never carry the secrets URLs hold.
 */
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { startTestCordon, TOKENS, type TestCordon } from '../helpers/cordon.js';

const MAX_DEPTH = 1_000;
const lines: Record<string, unknown>[] = [];
let t: TestCordon;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  t = await startTestCordon({
    env: {
      // The highest limit an operator may set, so the whole pipeline is shown to cope with it.
      CORDON_INGEST_MAX_DEPTH: String(MAX_DEPTH),
      CORDON_INGEST_BODY_LIMIT_BYTES: String(1024 * 1024),
      CORDON_DEADLETTER_BODY_LIMIT_BYTES: String(64 * 1024),
      CORDON_DEADLETTER_MAX_BYTES: String(256 * 1024),
    },
    logger: createLogger('debug', sink),
  });
});
afterAll(async () => {
  await t.stop();
});

/** An event whose `raw` nests `levels` arrays (the event object itself is one more level). */
function nested(levels: number, id: string): string {
  const raw = `${'['.repeat(levels)}${']'.repeat(levels)}`;
  return `{"id":"${id}","kind":"login","time":${Date.now()},"raw":${raw}}`;
}

describe('nesting', () => {
  it('accepts an event exactly at the limit', async () => {
    const res = await t.call(
      'POST',
      '/v1/ingest/events',
      TOKENS.ingest,
      nested(MAX_DEPTH - 1, 'd-ok'),
    );
    expect(res.statusCode, res.body).toBe(202);
  });

  it.each([MAX_DEPTH, 5_000, 100_000])(
    'rejects raw nested %i levels with a located 400 and keeps the body as a dead letter',
    async (levels) => {
      const body = nested(levels, `d-${levels}`);
      const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body);
      expect(res.statusCode).toBe(400);
      const error = res.json();
      expect(error.code).toBe('CORDON_ERR_INGEST_INVALID_PAYLOAD');
      expect(error.details.errors).toHaveLength(1);
      expect(error.details.errors[0].path).toBe('');
      // The event object is level 1, so the 1,000th array opens level 1,001.
      const column =
        '{"id":"","kind":"login","time":,"raw":'.length + `d-${levels}`.length + 13 + MAX_DEPTH;
      expect(error.details.errors[0].reason).toContain(
        `nests objects and arrays more than ${MAX_DEPTH} levels deep at line 1, column ${column}`,
      );
      expect(error.details.errors[0].reason).toContain('CORDON_INGEST_MAX_DEPTH');
      const kept = await t.call(
        'GET',
        `/v1/deadletters/${String(error.details.deadLetterId)}`,
        TOKENS.analyst,
      );
      expect(kept.json()).toMatchObject({ reason: 'validate', size: body.length });
    },
  );

  it('names the NDJSON line that nests too deep and accepts none of the batch', async () => {
    const body = [nested(3, 'n-1'), nested(MAX_DEPTH + 5, 'n-2'), nested(3, 'n-3')].join('\n');
    const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body, {
      'content-type': 'application/x-ndjson',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.errors).toEqual([
      {
        path: '/1',
        reason: expect.stringMatching(
          /^line 2: nests objects and arrays more than 1000 levels deep at column \d+/,
        ),
      },
    ]);
    expect((await t.call('GET', '/v1/events/events/n-1', TOKENS.analyst)).statusCode).toBe(404);
  });

  it('rejects deep nesting in every JSON format', async () => {
    const deep = `${'{"a":'.repeat(MAX_DEPTH + 1)}1${'}'.repeat(MAX_DEPTH + 1)}`;
    for (const source of ['alertmanager', 'splunk']) {
      const res = await t.call('POST', `/v1/ingest/${source}`, TOKENS.ingest, deep);
      expect(res.statusCode, source).toBe(400);
      expect(res.json().details.errors[0].reason).toContain('levels deep');
    }
  });
});

/** A body that never arrives: a server that waits for it never answers (the test times out). */
function endless(): Readable {
  return new Readable({
    read() {
      // Nothing to send yet, and never will be.
    },
  });
}

describe('refused before the body is read', () => {
  it('refuses a source outside the token scope without reading the body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/alertmanager',
      headers: {
        authorization: `Bearer ${TOKENS.eventsOnly}`,
        'content-type': 'application/json',
      },
      payload: endless(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toBe(
      'Principal "events-only" may not post to source "alertmanager".',
    );
  });

  it('refuses an unknown source without reading the body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/ingest/nope',
      headers: { authorization: `Bearer ${TOKENS.ingest}`, 'content-type': 'application/json' },
      payload: endless(),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('CORDON_ERR_INGEST_UNKNOWN_SOURCE');
  });
});

describe('metric labels', () => {
  it('never turns a made-up source name into a series', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    for (let i = 0; i < 20; i += 1) {
      const res = await t.call('POST', `/v1/ingest/made-up-${i}`, TOKENS.ingest, big);
      expect(res.statusCode).toBe(404);
    }
    const tooLarge = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, big);
    expect(tooLarge.statusCode).toBe(413);
    const metrics = (await t.call('GET', '/metrics', TOKENS.analyst)).body;
    expect(metrics).not.toContain('made-up');
    expect(metrics).toContain('cordon_ingest_rejected_total{source="events",reason="too-large"} 1');
  });
});

describe('dead letters', () => {
  it('stay within their byte bound; the list pages without bodies, the detail has the body', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const body = `{"kind":"login","time":"not a time","pad":"${String(i).padEnd(60 * 1024, '.')}"}`;
      const res = await t.call('POST', '/v1/ingest/events', TOKENS.ingest, body);
      expect(res.statusCode).toBe(400);
      ids.push(String(res.json().details.deadLetterId));
    }
    const bytes = Number(await t.store.redis.get(`${t.store.prefix}:{c}:deadletters:bytes`));
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(256 * 1024);
    const list = await t.call('GET', '/v1/deadletters?limit=500', TOKENS.analyst);
    const listed = list.json().deadLetters as Record<string, unknown>[];
    // Four 60 KiB letters fit in 256 KiB (with their error lists); the oldest went first.
    expect(listed.map((d) => d.id)).toEqual(ids.slice(-listed.length).reverse());
    expect(listed.length).toBeLessThan(5);
    expect(listed.every((d) => !('body' in d))).toBe(true);
    expect(list.body.length).toBeLessThan(10_000);
    const detail = await t.call('GET', `/v1/deadletters/${ids[11]!}`, TOKENS.analyst);
    expect(detail.json().body).toContain('"pad":"11...');
    expect((await t.call('GET', `/v1/deadletters/${ids[0]!}`, TOKENS.analyst)).statusCode).toBe(
      404,
    );
  });
});

describe('request logs', () => {
  it('log each request at debug with secrets taken out of the URL', async () => {
    const secret = 'sk-live-0123456789abcdef';
    lines.length = 0;
    await t.call('GET', `/v1/limiter/check?key=${secret}&style=nginx`, TOKENS.gateway);
    await t.call('GET', `/v1/limiter/keys/${secret}`, TOKENS.analyst);
    await t.call('GET', `/v1/deadletters?limit=5&${secret}=1`, TOKENS.analyst);
    await t.call('GET', `/v1/limiter/nothing/${secret}`, TOKENS.analyst);
    const requests = lines.filter((l) => l.msg === 'request completed');
    expect(requests.map((l) => (l.req as { url: string }).url)).toEqual([
      '/v1/limiter/check?key=[redacted]&style=nginx',
      '/v1/limiter/keys/[redacted]',
      '/v1/deadletters?limit=5&[redacted]',
      '/v1/limiter/[redacted]',
    ]);
    expect(requests.every((l) => l.level === 20)).toBe(true);
    expect(requests[0]).toMatchObject({ res: { statusCode: 200 } });
    expect(JSON.stringify(lines)).not.toContain(secret);
    expect(JSON.stringify(lines)).not.toContain(TOKENS.gateway);
  });
});
