import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import { registerErrorHandler } from '../../../src/api/error-handler.js';
import { createLogger } from '../../../src/shared/logger.js';
import { Metrics } from '../../../src/shared/metrics.js';

it('logs an unexpected error with the request id its 500 answer names', async () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify();
  registerErrorHandler(app, createLogger('info', sink), new Metrics());
  app.get('/v1/broken', async () => {
    throw new TypeError('something nobody expected');
  });
  const res = await app.inject({ method: 'GET', url: '/v1/broken?key=secret' });
  expect(res.statusCode).toBe(500);
  const { code, message } = res.json<{ code: string; message: string }>();
  expect(code).toBe('CORDON_ERR_API_INTERNAL');
  const reqId = /\(request (\S+)\)/.exec(message)?.[1];
  expect(reqId).toBeDefined();
  const logged = lines.filter((l) => l.msg === 'unhandled error');
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({
    reqId,
    url: '/v1/broken?key=[redacted]',
    err: { type: 'TypeError', message: 'something nobody expected' },
  });
  await app.close();
});
