import type { AppEnv } from '../../src/console/ui/app';
import type { Containment, WhoAmI } from '../../src/console/ui/lib/types';

export type Handler = (req: {
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
    const handler =
      routes[`${method} ${input.split('?')[0]}`] ??
      routes[`${method} ${input}`] ??
      patterned(routes, `${method} ${input.split('?')[0]}`);
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

/**
 * A route whose path has `{name}` segments (`POST /v1/limiter/keys/{key}/clear`): each matches
 * one escaped segment, so a key sent unescaped (a `/` in it) finds no route.
 */
function patterned(routes: Record<string, Handler>, route: string): Handler | undefined {
  const found = Object.keys(routes).find((pattern) =>
    new RegExp(
      `^${pattern
        .split(/\{[^}]+\}/)
        .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
        .join('[^/]+')}$`,
    ).test(route),
  );
  return found === undefined ? undefined : routes[found];
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

/**
 * GET /v1/containment as its contract says: newest first as given, `limit` 1..500 (default
 * 100, `pageSize` here so a test can page a few items), an opaque cursor, `connector` filtering
 * (a builtin-limiter connector's name selects the shared limiter's items, connector null) and 404
 * for a name that is no connector keeping containment.
 */
export function containmentRoute(
  items: readonly Containment[],
  options: {
    limiters?: readonly string[];
    pageSize?: number;
    /**
     * Pages answered empty with `next` set before the first item, as the API answers when
     * lifted entries fill a page's budget (it skips them).
     */
    lifted?: number;
  } = {},
): Handler {
  const limiters = new Set(options.limiters ?? ['limiter']);
  return (req) => {
    const query = new Map(
      (req.path.split('?')[1] ?? '')
        .split('&')
        .filter(Boolean)
        .map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), decodeURIComponent(pair.slice(at + 1))] as const;
        }),
    );
    const connector = query.get('connector');
    const known = new Set(items.flatMap((i) => (i.connector ? [i.connector] : [])));
    if (connector !== undefined && !known.has(connector) && !limiters.has(connector))
      return {
        status: 404,
        json: {
          code: 'CORDON_ERR_API_NOT_FOUND',
          message: `No connector "${connector}" keeps containment. Name a builtin-limiter, kong, litellm-proxy or aws-apigateway connector from connectors/.`,
        },
      };
    const limit = Number(query.get('limit') ?? options.pageSize ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return {
        status: 400,
        json: { code: 'CORDON_ERR_VALIDATION', message: 'limit must be 1 to 500.' },
      };
    // Opaque to the console, and unreadable unless it reaches the fake as given (escaped).
    const cursor = query.get('cursor');
    const skipped = Number(
      /^lifted=(\d+)$/.exec(cursor ?? '')?.[1] ?? (cursor === undefined ? 0 : NaN),
    );
    if (!Number.isNaN(skipped) && skipped < (options.lifted ?? 0))
      return { json: { items: [], next: `lifted=${skipped + 1}` } };
    const from =
      cursor === undefined || !Number.isNaN(skipped)
        ? 0
        : Number(/^after=(\d+)&order=newest$/.exec(cursor)?.[1]);
    if (Number.isNaN(from))
      return {
        status: 400,
        json: {
          code: 'CORDON_ERR_VALIDATION',
          message: `cursor ${cursor} is not one this API gave.`,
        },
      };
    const kept = items.filter(
      (i) =>
        connector === undefined ||
        i.connector === connector ||
        (i.connector === null && limiters.has(connector)),
    );
    const end = from + limit;
    return {
      json: {
        items: kept.slice(from, end),
        next: end < kept.length ? `after=${end}&order=newest` : null,
      },
    };
  };
}

/**
 * POST /v1/limiter/keys/{key}/clear as its contract says: responder or admin (403 otherwise),
 * a comment of 1..2000 characters (400 otherwise), the key escaped in the path. It takes the
 * key's limiter rows (connector null) out of `items`, so a containment route given the same
 * array lists them no more, and answers whether any was in force.
 */
export function limiterClearRoute(
  items: Containment[],
  me: WhoAmI,
  options: { now?: () => number } = {},
): Handler {
  const attempts = new Map<string, { key: string; existed: boolean; by: string; effect: string }>();
  return (req) => {
    const escaped = /^\/v1\/limiter\/keys\/([^/?]+)\/clear$/.exec(req.path)?.[1];
    if (escaped === undefined)
      return {
        status: 404,
        json: { code: 'CORDON_ERR_API_NOT_FOUND', message: `No route POST ${req.path}` },
      };
    if (!me.roles.includes('responder') && !me.roles.includes('admin'))
      return {
        status: 403,
        json: {
          code: 'CORDON_ERR_API_FORBIDDEN',
          message: `Principal "${me.principal}" lacks the role this endpoint needs: one of responder.`,
        },
      };
    const comment = (req.body as { comment?: unknown } | undefined)?.comment;
    if (typeof comment !== 'string' || comment.length < 1 || comment.length > 4000)
      return {
        status: 400,
        json: {
          code: 'CORDON_ERR_API_INVALID_REQUEST',
          message: 'body/comment must be a string of 1 to 4000 characters.',
        },
      };
    const key = decodeURIComponent(escaped);
    // As the API: a repeat of one Idempotency-Key answers the first lift and lifts nothing.
    const attempt = req.headers['idempotency-key'];
    const first = attempt === undefined ? undefined : attempts.get(`${key}\n${attempt}`);
    if (first) return { json: { ...first, repeated: true } };
    let existed = false;
    for (let i = items.length - 1; i >= 0; i -= 1)
      if (items[i]!.connector === null && items[i]!.key === key) {
        items.splice(i, 1);
        existed = true;
      }
    const answer = { key, existed, by: me.principal, effect: `man_${key}` };
    if (attempt !== undefined) attempts.set(`${key}\n${attempt}`, answer);
    return { json: { ...answer, repeated: false, clearedAt: (options.now ?? Date.now)() } };
  };
}
