/** A server-sent events client as the console reads the stream: fetch + a body reader. */
export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: any;
}

export interface SseClient {
  readonly status: number;
  readonly headers: Headers;
  /** Every event so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines (heartbeats) so far. */
  readonly comments: string[];
  /** Resolves once an event satisfying `test` arrived (or rejects after `timeoutMs`). */
  waitFor(test: (e: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(
  url: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let waiters: (() => void)[] = [];
  const notify = (): void => {
    const now = waiters;
    waiters = [];
    for (const w of now) w();
  };
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) });
        }
        notify();
      }
    } catch {
      // aborted by close()
    } finally {
      notify();
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    close: () => controller.abort(),
    async waitFor(test, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(test);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `Timed out waiting for ${what}; got ${events.map((e) => `${e.event}:${JSON.stringify(e.data).slice(0, 80)}`).join(', ')}`,
          );
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}
