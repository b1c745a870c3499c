import type { Fetch } from './api';
import { SseParser, type SseMessage } from './sse';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamOptions {
  url: string;
  token: string;
  fetch: Fetch;
  onMessage(message: SseMessage): void;
  onStatus(status: StreamStatus, detail?: string): void;
  /** Resume after this event id (the stream replays what came after it). */
  lastEventId?: string;
  /** Reconnection delays: first, and the most it backs off to. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface StreamHandle {
  close(): void;
  /** The last event id received: the cursor a reconnection resumes from. */
  readonly lastEventId: string | undefined;
}

/**
 * Reads GET /v1/stream with fetch (the Bearer header; EventSource cannot send it) and keeps
 * it open: on an end or an error it reconnects with Last-Event-ID, backing off up to
 * maxDelayMs (or the server's `retry:`). A refused token (401/403) stops it.
 */
export function openStream(options: StreamOptions): StreamHandle {
  const controller = new AbortController();
  const min = options.minDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 30_000;
  let lastEventId = options.lastEventId;
  let closed = false;
  let delay = min;

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      controller.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const once = async (): Promise<'retry' | 'stop'> => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: 'text/event-stream',
    };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await options.fetch(options.url, { headers, signal: controller.signal });
    if (response.status === 401 || response.status === 403) {
      options.onStatus('closed', `the stream refused this token (HTTP ${response.status})`);
      return 'stop';
    }
    if (!response.ok || !response.body) {
      options.onStatus('reconnecting', `the stream answered HTTP ${response.status}`);
      return 'retry';
    }
    options.onStatus('live');
    delay = min;
    const parser = new SseParser();
    parser.lastEventId = lastEventId;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        lastEventId = message.id;
        options.onMessage(message);
      }
      if (parser.retryMs !== undefined) delay = parser.retryMs;
    }
    options.onStatus('reconnecting', 'the stream ended');
    return 'retry';
  };

  const loop = async (): Promise<void> => {
    options.onStatus('connecting');
    while (!closed) {
      let next: 'retry' | 'stop';
      try {
        next = await once();
      } catch (err) {
        if (closed) return;
        options.onStatus('reconnecting', err instanceof Error ? err.message : String(err));
        next = 'retry';
      }
      if (next === 'stop' || closed) return;
      await wait(delay);
      delay = Math.min(max, delay * 2);
    }
  };
  void loop();

  return {
    close() {
      closed = true;
      controller.abort();
      options.onStatus('closed');
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
