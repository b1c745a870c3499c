/**
 * The demo talks to Cordon only through its public HTTP API, as a real gateway, shipper and
 * on-call engineer would. Tokens stay in headers; they are never printed or put in errors.
 */
export class CordonApi {
  constructor(
    readonly baseUrl: string,
    private readonly tokens: DemoTokens,
  ) {}

  async get<T>(path: string, as: keyof DemoTokens = 'analyst'): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.#auth(as) });
    if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  async post(
    path: string,
    as: keyof DemoTokens,
    body: string,
    contentType: string,
  ): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...this.#auth(as), 'content-type': contentType },
      body,
    });
  }

  /** The built-in gateway's question: 200 allow, 429 throttle, 403 block. */
  async limiterCheck(key: string): Promise<number> {
    const res = await fetch(`${this.baseUrl}/v1/limiter/check?key=${encodeURIComponent(key)}`, {
      headers: this.#auth('gateway'),
    });
    await res.arrayBuffer();
    return res.status;
  }

  #auth(as: keyof DemoTokens): Record<string, string> {
    return { authorization: `Bearer ${this.tokens[as]}` };
  }
}

/** One principal per duty the demo plays. */
export interface DemoTokens {
  readonly ingest: string;
  readonly gateway: string;
  readonly analyst: string;
  /** The scripted on-call engineer (approver). */
  readonly oncall: string;
  /** The scripted owner of the stolen key (key-owner role). */
  readonly keyOwner: string;
}
