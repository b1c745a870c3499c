import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamFramer } from '../../../../../src/ingest/syslog/stream-framer.js';
import { SyslogListener } from '../../../../../src/ingest/syslog/syslog-listener.js';
import type { ListenerLogger } from '../../../../../src/ingest/syslog/syslog-listener.js';

function frames(framer: StreamFramer, chunks: (string | Buffer)[]) {
  const messages: string[] = [];
  let error: string | undefined;
  for (const chunk of chunks) {
    const out = framer.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    messages.push(...out.messages.map((m) => m.toString('utf8')));
    error ??= out.error;
  }
  return { messages, error };
}

function octet(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}

describe('StreamFramer', () => {
  it('detects octet counting from a leading digit and frames across any chunk split', () => {
    const stream = Buffer.from(
      octet('<13>1 - - - - - - one') +
        octet('<13>1 - - - - - - two – ü') +
        octet('<13>1 - - - - - - x\ny'),
    );
    for (let cut = 1; cut < stream.length; cut += 1) {
      const framer = new StreamFramer(1024);
      const out = frames(framer, [stream.subarray(0, cut), stream.subarray(cut)]);
      expect(out.error, `cut at ${cut}`).toBeUndefined();
      expect(out.messages, `cut at ${cut}`).toEqual([
        '<13>1 - - - - - - one',
        '<13>1 - - - - - - two – ü',
        '<13>1 - - - - - - x\ny',
      ]);
      expect(framer.mode).toBe('octet-counted');
    }
  });

  it('frames byte by byte, the length split mid-number', () => {
    const framer = new StreamFramer(1024);
    const text = octet('<13>1 - - - - - - a') + octet('<13>1 - - - - - - b');
    const out = frames(
      framer,
      [...Buffer.from(text)].map((b) => Buffer.from([b])),
    );
    expect(out).toEqual({
      messages: ['<13>1 - - - - - - a', '<13>1 - - - - - - b'],
      error: undefined,
    });
  });

  it('detects LF framing from "<", strips CR, skips empty lines, keeps an unterminated last line for end()', () => {
    const framer = new StreamFramer(1024);
    const out = frames(framer, [
      '<13>Jun 10 16:04:58 h a: one\r\n\n<13>Jun 1',
      '0 16:04:59 h a: two\n<13>last',
    ]);
    expect(out.messages).toEqual(['<13>Jun 10 16:04:58 h a: one', '<13>Jun 10 16:04:59 h a: two']);
    expect(framer.mode).toBe('non-transparent');
    expect(framer.end().messages.map(String)).toEqual(['<13>last']);
  });

  it('fails on a declared length that does not match: the next frame has no length', () => {
    const out = frames(new StreamFramer(1024), ['5 <13>1 too long for five', octet('<13>1 ok')]);
    expect(out.messages).toEqual(['<13>1']);
    expect(out.error).toContain('expected the length of frame 2');
    expect(out.error).toContain("previous frame's length was probably wrong");
  });

  it('fails on a length above the cap without waiting for (or buffering) the body', () => {
    const framer = new StreamFramer(100);
    const out = frames(framer, ['101 <13>']);
    expect(out.error).toContain('declares 101 octets, outside 1–100');
    // Dead after an error: nothing more is framed.
    expect(framer.push(Buffer.from(octet('<13>1 x'))).messages).toEqual([]);
  });

  it('fails on a leading zero, a non-space after the length, and more than 10 digits', () => {
    expect(frames(new StreamFramer(1024), ['05 <13>']).error).toContain('leading zero');
    expect(frames(new StreamFramer(1024), ['12x<13>']).error).toContain(
      'must be followed by a space',
    );
    expect(frames(new StreamFramer(1024), ['123456789012 <13>']).error).toContain(
      'more than 10 digits',
    );
  });

  it('fails on a line longer than the cap, with or without its LF', () => {
    expect(frames(new StreamFramer(10), ['<13>12345678901\n']).error).toContain(
      'longer than 10 octets',
    );
    expect(frames(new StreamFramer(10), ['<13>12345678901']).error).toContain(
      'without a line feed',
    );
  });

  it('reports a stream that ends inside a frame (short stream)', () => {
    const framer = new StreamFramer(1024);
    expect(frames(framer, ['30 <13>1 short']).messages).toEqual([]);
    expect(framer.end().error).toContain('the stream ended inside frame 1');
  });
});

describe('SyslogListener', () => {
  let listener: SyslogListener | undefined;
  afterEach(async () => {
    await listener?.stop();
    listener = undefined;
  });

  function logs(): { logger: ListenerLogger; lines: string[] } {
    const lines: string[] = [];
    const record = (details: object, message: string): void => {
      lines.push(
        `${message} ${JSON.stringify(details, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      );
    };
    return { logger: { info: record, warn: record, error: record }, lines };
  }

  async function until(check: () => boolean): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('delivers UDP datagrams, one message each, batched per peer', async () => {
    const batches: { messages: string[]; peer: string }[] = [];
    listener = new SyslogListener({
      host: '127.0.0.1',
      udpPort: 0,
      batchDelayMs: 30,
      deliver: async (messages, peer) => {
        batches.push({ messages: messages.map(String), peer });
      },
    });
    const { udp } = await listener.start();
    const client = createSocket('udp4');
    for (const text of ['<13>1 - - - - - - a\n', '<13>1 - - - - - - b'])
      await new Promise<void>((resolve) =>
        client.send(text, udp?.port ?? 0, '127.0.0.1', () => resolve()),
      );
    await until(() => batches.flatMap((b) => b.messages).length === 2);
    client.close();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.messages).toEqual(['<13>1 - - - - - - a', '<13>1 - - - - - - b']);
    expect(batches[0]?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('splits a burst into batches of batchSize, in order', async () => {
    const batches: string[][] = [];
    listener = new SyslogListener({
      host: '127.0.0.1',
      tcpPort: 0,
      batchSize: 4,
      deliver: async (messages) => {
        batches.push(messages.map(String));
      },
    });
    const { tcp } = await listener.start();
    const socket = createConnection(tcp?.port ?? 0, '127.0.0.1');
    const sent = Array.from({ length: 10 }, (_, i) => `<13>1 - - - - - - m${i}`);
    socket.end(sent.map(octet).join(''));
    await until(() => batches.flat().length === 10);
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches.flat()).toEqual(sent);
  });

  it('resets a connection whose framing breaks, logging why, and keeps serving others', async () => {
    const received: string[] = [];
    const { logger, lines } = logs();
    listener = new SyslogListener({
      host: '127.0.0.1',
      tcpPort: 0,
      maxFrameBytes: 64,
      batchDelayMs: 5,
      logger,
      deliver: async (messages) => {
        received.push(...messages.map(String));
      },
    });
    const { tcp } = await listener.start();
    const bad = createConnection(tcp?.port ?? 0, '127.0.0.1');
    const closed = new Promise<string>((resolve) => {
      bad.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      bad.on('close', () => resolve('closed'));
    });
    bad.write(octet('<13>1 - - - - - - fine') + '9999 <13>1 never trusted');
    expect(['ECONNRESET', 'closed']).toContain(await closed);
    await until(() => received.length === 1);
    expect(
      lines.some(
        (l) => l.includes('framing error, connection reset') && l.includes('declares 9999 octets'),
      ),
    ).toBe(true);

    const good = createConnection(tcp?.port ?? 0, '127.0.0.1');
    good.end('<13>Jun 10 16:04:58 h a: after\n');
    await until(() => received.length === 2);
    expect(received).toEqual(['<13>1 - - - - - - fine', '<13>Jun 10 16:04:58 h a: after']);
  });

  it('closes idle connections and refuses connections above the maximum', async () => {
    const { logger, lines } = logs();
    listener = new SyslogListener({
      host: '127.0.0.1',
      tcpPort: 0,
      idleTimeoutMs: 100,
      maxConnections: 1,
      logger,
      deliver: async () => {},
    });
    const { tcp } = await listener.start();
    const first = createConnection(tcp?.port ?? 0, '127.0.0.1');
    await new Promise((resolve) => first.once('connect', resolve));
    const second = createConnection(tcp?.port ?? 0, '127.0.0.1');
    second.on('error', () => {});
    await new Promise((resolve) => second.once('close', resolve));
    expect(lines.some((l) => l.includes('too many connections'))).toBe(true);
    await new Promise((resolve) => first.once('close', resolve));
    expect(lines.some((l) => l.includes('idle connection closed'))).toBe(true);
  });

  it('logs a failed delivery and keeps going; stop() delivers what is still waiting', async () => {
    const { logger, lines } = logs();
    let calls = 0;
    const delivered: string[] = [];
    listener = new SyslogListener({
      host: '127.0.0.1',
      tcpPort: 0,
      batchDelayMs: 10_000,
      batchSize: 2,
      logger,
      deliver: async (messages) => {
        calls += 1;
        if (calls === 1) throw new Error('ingest down');
        delivered.push(...messages.map(String));
      },
    });
    const { tcp } = await listener.start();
    const socket = createConnection(tcp?.port ?? 0, '127.0.0.1');
    socket.write(['a', 'b', 'c'].map((m) => `<13>${m}\n`).join(''));
    await until(() => calls === 1);
    await listener.stop();
    listener = undefined;
    socket.destroy();
    expect(delivered).toEqual(['<13>c']);
    expect(
      lines.some((l) => l.includes('delivering a batch failed') && l.includes('ingest down')),
    ).toBe(true);
  });

  it('needs at least one port', async () => {
    await expect(
      new SyslogListener({ host: '127.0.0.1', deliver: async () => {} }).start(),
    ).rejects.toThrow('needs a UDP port, a TCP port or both');
  });
});

describe('StreamFramer: slow senders', () => {
  it('frames a maximum-size message dripped one byte at a time in linear time', () => {
    const size = 256 * 1024;
    const message = `<13>1 - - - - - - ${'x'.repeat(size - 19)}`;
    for (const stream of [octet(message), `${message}\n`]) {
      const framer = new StreamFramer(size);
      const bytes = Buffer.from(stream);
      const started = Date.now();
      const out: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 1)
        out.push(...framer.push(bytes.subarray(i, i + 1)).messages);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(out.map((m) => m.length)).toEqual([Buffer.byteLength(message)]);
    }
  });
});
