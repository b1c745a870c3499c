import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.js';

function sink(): { stream: Writable; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { stream, lines };
}

describe('logger', () => {
  it('redacts credentials wherever the static paths say', () => {
    const { stream, lines } = sink();
    const logger = createLogger('info', stream);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer cdn_secret', 'x-api-key': 'k' } },
        connector: { token: 't0k', password: 'pw', url: 'https://x' },
      },
      'hello',
    );
    expect(lines[0]?.req.headers).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
    });
    expect(lines[0]?.connector).toEqual({
      token: '[redacted]',
      password: '[redacted]',
      url: 'https://x',
    });
    expect(JSON.stringify(lines)).not.toMatch(/cdn_secret|t0k|"pw"/);
  });
});
