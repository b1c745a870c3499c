import { afterEach, describe, expect, it } from 'vitest';
import { openStream, type StreamHandle, type StreamStatus } from '../../src/console/ui/lib/stream';
import type { SseMessage } from '../../src/console/ui/lib/sse';

/** A stream server stub: each connection is answered by the next script entry. */
function server(script: ((headers: Record<string, string>) => Response | Promise<Response>)[]) {
  const seen: Record<string, string>[] = [];
  let i = 0;
  const fetch = async (_url: string, init: RequestInit = {}) => {
    const headers = init.headers as Record<string, string>;
    seen.push(headers);
    const step = script[Math.min(i++, script.length - 1)]!;
    return step(headers);
  };
  return { fetch, seen };
}

function sse(text: string, keepOpen = false): Response {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text));
      if (!keepOpen) c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

let handle: StreamHandle | undefined;
afterEach(() => handle?.close());

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('openStream', () => {
  it('reconnects after the stream ends and resumes from the last event id', async () => {
    const s = server([
      () => sse('id: 7-0\nevent: incident\ndata: {"id":"a"}\n\n'),
      () => new Response('busy', { status: 503 }),
      () => sse('id: 8-0\nevent: run\ndata: {"id":"b"}\n\n', true),
    ]);
    const got: SseMessage[] = [];
    const statuses: StreamStatus[] = [];
    handle = openStream({
      url: '/v1/stream',
      token: 't0k',
      fetch: s.fetch,
      onMessage: (m) => got.push(m),
      onStatus: (st) => statuses.push(st),
      minDelayMs: 5,
      maxDelayMs: 20,
    });
    await until(() => got.length === 2, 'two events over three connections');
    expect(got.map((m) => [m.event, m.id])).toEqual([
      ['incident', '7-0'],
      ['run', '8-0'],
    ]);
    expect(s.seen[0]).toEqual({ authorization: 'Bearer t0k', accept: 'text/event-stream' });
    expect(s.seen[1]!['last-event-id']).toBe('7-0');
    expect(s.seen[2]!['last-event-id']).toBe('7-0');
    expect(handle.lastEventId).toBe('8-0');
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting', 'live']);
  });

  it('stops when the token is refused', async () => {
    const s = server([() => new Response('', { status: 401 })]);
    const statuses: string[] = [];
    handle = openStream({
      url: '/v1/stream',
      token: 'bad',
      fetch: s.fetch,
      onMessage: () => undefined,
      onStatus: (st, detail) => statuses.push(`${st}${detail ? `: ${detail}` : ''}`),
      minDelayMs: 5,
    });
    await until(() => statuses.length === 2, 'the refusal');
    await new Promise((r) => setTimeout(r, 50));
    expect(s.seen.length).toBe(1);
    expect(statuses).toEqual(['connecting', 'closed: the stream refused this token (HTTP 401)']);
  });
});
