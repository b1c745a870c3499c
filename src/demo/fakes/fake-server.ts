import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake received, as the test inspects it. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly text: string;
  readonly json: unknown;
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as text/plain, anything else as JSON; undefined = empty body. */
  readonly body?: unknown;
}

export type FakeHandler = (req: FakeRequest) => FakeReply;

/**
 * A local HTTP server for a vendor contract. The vendor's behaviour is the handler; tests
 * script the rest: `failNext` answers the next requests with canned replies (429 with
 * Retry-After, 503, ...) without touching state, and `delayNext` lets the handler act but holds
 * the answer back (the effect lands, the caller times out: the case idempotency must survive).
 */
export class FakeServer {
  readonly requests: FakeRequest[] = [];
  readonly #scripted: FakeReply[] = [];
  readonly #delays: number[] = [];
  #server: Server | undefined;
  #url = '';

  constructor(private readonly handler: FakeHandler) {}

  get url(): string {
    return this.#url;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  failNext(...replies: FakeReply[]): void {
    this.#scripted.push(...replies);
  }

  delayNext(ms: number): void {
    this.#delays.push(ms);
  }

  /** Requests other than the given method+path prefix filtered out. */
  calls(method: string, pathPrefix = ''): FakeRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      text,
      json,
    };
    this.requests.push(request);
    const reply = this.#scripted.shift() ?? this.handler(request);
    const delay = this.#delays.shift();
    if (delay) await new Promise((r) => setTimeout(r, delay));
    if (res.destroyed) return;
    const isText = typeof reply.body === 'string';
    res.writeHead(reply.status, {
      ...(reply.body === undefined
        ? {}
        : { 'content-type': isText ? 'text/plain' : 'application/json' }),
      ...reply.headers,
    });
    res.end(
      reply.body === undefined ? undefined : isText ? reply.body : JSON.stringify(reply.body),
    );
  }
}
