import type { AppEnv } from '../../src/console/ui/app';

type Handler = (req: {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}) => {
  status?: number;
  json?: unknown;
};

/**
 * A stub of Cordon's API for component tests: routes answer JSON; GET /v1/stream answers an
 * event stream the test writes to. Every request is recorded (method, path, headers, body).
 */
export function fakeApi(routes: Record<string, Handler>) {
  const requests: {
    method: string;
    path: string;
    body: unknown;
    headers: Record<string, string>;
  }[] = [];
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const encoder = new TextEncoder();
  const fetch: AppEnv['fetch'] = async (input, init = {}) => {
    const method = init.method ?? 'GET';
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [
        k.toLowerCase(),
        v,
      ]),
    );
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const req = { method, path: input, body, headers };
    requests.push(req);
    if (input === '/v1/stream') {
      const stream = new ReadableStream<Uint8Array>({ start: (c) => void streams.push(c) });
      init.signal?.addEventListener('abort', () => {
        try {
          streams.at(-1)?.close();
        } catch {
          /* already closed */
        }
      });
      return response(200, undefined, stream);
    }
    const handler = routes[`${method} ${input.split('?')[0]}`] ?? routes[`${method} ${input}`];
    if (!handler)
      return response(404, {
        code: 'CORDON_ERR_API_NOT_FOUND',
        message: `No route ${method} ${input}`,
      });
    const out = handler(req);
    return response(out.status ?? 200, out.json);
  };
  return {
    fetch,
    requests,
    /** Sends one SSE event on the open stream. */
    push(event: string, data: unknown, id: string) {
      const c = streams.at(-1);
      if (!c) throw new Error('no stream is open');
      c.enqueue(encoder.encode(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
    },
    get streamCount() {
      return streams.length;
    },
  };
}

function response(status: number, json: unknown, body?: ReadableStream<Uint8Array>): Response {
  return {
    ok: status >= 200 && status < 300,
    status,
    body: body ?? null,
    text: async () => (json === undefined ? '' : JSON.stringify(json)),
  } as unknown as Response;
}

/** The app's page: a real History API (happy-dom's) and a session storage of its own. */
export function testEnv(fetch: AppEnv['fetch'], options: { now?: () => number } = {}): AppEnv {
  return {
    fetch,
    storage: window.sessionStorage,
    location: window.location,
    history: window.history,
    window,
    now: options.now ?? (() => Date.now()),
    tickMs: 60_000,
  };
}
