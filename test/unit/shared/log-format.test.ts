import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logDestination } from '../../../src/shared/logger.js';

describe('log format', () => {
  it('auto: JSON (pino to stdout) without a terminal, readable lines on one', () => {
    expect(logDestination('auto', { isTTY: false })).toBeUndefined();
    expect(logDestination('auto', {})).toBeUndefined();
    expect(logDestination('json', { isTTY: true })).toBeUndefined();
    expect(logDestination('auto', { isTTY: true })).toBeDefined();
  });

  it('pretty lines keep redaction', () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger('info', logDestination('pretty', { isTTY: false }, sink));
    logger.info({ token: 'hunter2', source: 'events' }, 'hello');
    const text = out.join('');
    expect(text).toMatch(/INFO.*hello/);
    expect(text).toContain('source: "events"');
    expect(text).toContain('token: "[redacted]"');
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/^\{/);
  });
});
