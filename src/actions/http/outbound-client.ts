import { createHmac } from 'node:crypto';
import type { CordonError } from '../../shared/errors.js';
import { isCordonError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { ConnectorDeps } from '../connectors/connector-type.js';
import { hostAllowed, type ActionInstance } from '../connectors/instance-config.js';
import { resolveSecret } from '../connectors/secrets.js';
import { codeForStatus, outboundError } from './outbound-errors.js';
import { OutboundPacer } from './outbound-pacer.js';
import { SharedPacer } from './shared-pacer.js';
import { Redactor } from './redactor.js';
import { backoffDelay, parseRetryAfter, retryableStatus } from './retry-policy.js';
import { signV4 } from './sigv4.js';
import { sha256Hex } from '../../shared/hash.js';

export interface OutboundRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the instance URL, or absolute (checked against allow_hosts either way). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  /**
   * Repeating it cannot duplicate anything (reads, upserts, deletes): 5xx and network failures
   * are retried. Creates are not; their operations look up before creating instead.
   */
  readonly idempotent: boolean;
  /** Statuses that are answers for this call rather than errors (404 on a lookup, 409 on add). */
  readonly accept?: readonly number[];
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly body: unknown;
}

/**
 * The one way connectors call out. Per instance: base URL and auth from secrets resolved per
 * call (rotation needs no restart), the host allowlist (a templated URL cannot reach another
 * host; redirects are not followed), a per-request timeout on top of the action's deadline,
 * outbound pacing, retries on 408/425/429 (Retry-After, seconds or HTTP-date) and on 5xx or
 * network failures for idempotent calls with capped exponential backoff and full jitter, and
 * errors classified by stable code with every secret redacted from their messages.
 */
export class OutboundClient {
  readonly redactor = new Redactor();
  readonly #pacer: OutboundPacer | undefined;
  readonly #shared: SharedPacer | undefined;
  readonly #log: Logger | undefined;

  constructor(
    readonly instance: ActionInstance,
    private readonly deps: ConnectorDeps,
  ) {
    this.#log = deps.logger?.child({ connector: instance.name });
    // Shared across processes when the installation's Redis is given; else per process.
    this.#shared =
      instance.rateLimit && deps.pacing
        ? new SharedPacer(instance.rateLimit, deps.pacing, instance.name, this.#log)
        : undefined;
    this.#pacer =
      instance.rateLimit && !this.#shared ? new OutboundPacer(instance.rateLimit) : undefined;
  }

  /** A secret of this instance, registered for redaction before anyone sees it. */
  secret(ref: Parameters<typeof resolveSecret>[0]): string {
    const value = resolveSecret(ref, this.deps.secrets, this.instance.name);
    this.redactor.add(value);
    return value;
  }

  /** The base URL; when it is itself a secret (webhooks) its path is registered too. */
  baseUrl(): URL | undefined {
    const url = this.instance.url;
    if (url === undefined) return undefined;
    if (typeof url === 'string') return new URL(url);
    const parsed = new URL(this.secret(url));
    this.redactor.add(parsed.pathname);
    return parsed;
  }

  async request(req: OutboundRequest, signal: AbortSignal): Promise<OutboundResponse> {
    const url = this.#target(req);
    const label = `Connector "${this.instance.name}" ${req.method} ${this.#display(url)}`;
    const body = req.json === undefined ? undefined : JSON.stringify(req.json);
    const policy = this.instance.retry;
    const random = this.deps.random ?? Math.random;
    for (let attempt = 1; ; attempt++) {
      await this.#pace(label, signal);
      let res: Response | undefined;
      let failure: CordonError | undefined;
      try {
        res = await this.#send(url, req, body, signal);
      } catch (err) {
        if (signal.aborted)
          throw err instanceof Error && isCordonError(err) ? err : this.#abortError(label, signal);
        failure = this.#networkError(label, err);
      }
      if (res && (res.status < 300 || req.accept?.includes(res.status))) return this.#read(res);
      if (res && res.status >= 300 && res.status < 400) {
        throw outboundError(
          'CORDON_ERR_ACTION_HOST_REFUSED',
          `${label} answered a redirect (${res.status}); Cordon does not follow redirects from connectors. Point url at the final address.`,
          res.status,
        );
      }
      let waitMs: number | undefined;
      if (res) {
        const text = await res.text().catch(() => '');
        // GitHub-style throttling: 403 with x-ratelimit-remaining 0 (or Retry-After) is a 429.
        const status = throttled403(res) ? 429 : res.status;
        failure = outboundError(
          codeForStatus(status),
          this.redactor.text(`${label} answered ${res.status}: ${excerpt(text)}`),
          res.status,
        );
        if (!retryableStatus(status, req.idempotent)) throw failure;
        const after =
          parseRetryAfter(res.headers.get('retry-after'), this.deps.clock.now()) ??
          epochReset(res.headers.get('x-ratelimit-reset'), this.deps.clock.now());
        if (after !== undefined && after > policy.maxRetryAfterMs)
          throw outboundError(
            'CORDON_ERR_ACTION_UNAVAILABLE',
            `${failure.message} (Retry-After ${Math.ceil(after / 1000)}s exceeds max_retry_after; the action's own retry will try later)`,
            res.status,
          );
        waitMs = after;
      } else if (!req.idempotent && failure?.code === 'CORDON_ERR_ACTION_TIMEOUT') {
        // The outcome is unknown: only the operation's own look-up may decide to send again.
        throw failure;
      }
      if (attempt >= policy.attempts)
        throw failure ?? outboundError('CORDON_ERR_ACTION_UNAVAILABLE', `${label} failed.`);
      const delay = waitMs ?? backoffDelay(attempt - 1, policy, random);
      this.#log?.warn(
        { attempt, code: failure?.code, status: res?.status, delayMs: delay },
        'outbound call retried',
      );
      await this.#sleep(delay, signal);
    }
  }

  #target(req: OutboundRequest): URL {
    const base = this.baseUrl();
    let url: URL;
    try {
      url = base
        ? new URL(
            req.path.startsWith('/') ? `${base.pathname.replace(/\/$/, '')}${req.path}` : req.path,
            base,
          )
        : new URL(req.path);
    } catch {
      throw outboundError(
        'CORDON_ERR_ACTION_REJECTED',
        this.redactor.text(
          `Connector "${this.instance.name}": "${req.path}" is not a URL or path.`,
        ),
      );
    }
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const allow =
      this.instance.allowHosts.length > 0
        ? this.instance.allowHosts
        : base
          ? [base.port ? `${base.hostname}:${base.port}` : base.hostname]
          : [];
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !hostAllowed(url, allow)) {
      throw outboundError(
        'CORDON_ERR_ACTION_HOST_REFUSED',
        this.redactor.text(
          `Connector "${this.instance.name}" refused to call ${url.protocol}//${url.host}: it is not in allow_hosts (${allow.join(', ') || 'none'}). Add the host to the connector's allow_hosts if it is meant to be reachable.`,
        ),
      );
    }
    return url;
  }

  /** What errors and logs may say about a URL: never a secret URL's path, never a query. */
  #display(url: URL): string {
    return typeof this.instance.url === 'object'
      ? '(webhook URL)'
      : this.redactor.text(url.pathname);
  }

  async #send(
    url: URL,
    req: OutboundRequest,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    Object.assign(headers, this.#authHeaders(body ?? '', req.method, url, headers));
    const fetchImpl = this.deps.fetch ?? fetch;
    return fetchImpl(url, {
      method: req.method,
      headers,
      ...(body === undefined ? {} : { body }),
      redirect: 'manual',
      signal: withTimeout(signal, this.instance.timeoutMs),
    });
  }

  #authHeaders(
    body: string,
    method: string,
    url: URL,
    headers: Readonly<Record<string, string>>,
  ): Record<string, string> {
    const auth = this.instance.auth;
    switch (auth.scheme) {
      case 'none':
        return {};
      case 'bearer':
        return { authorization: `Bearer ${this.secret(auth.token)}` };
      case 'basic': {
        const user = typeof auth.username === 'string' ? auth.username : this.secret(auth.username);
        const pair = `${user}:${this.secret(auth.password)}`;
        this.redactor.add(pair);
        return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
      }
      case 'header':
        return { [auth.name]: this.secret(auth.value) };
      case 'sigv4': {
        const payload = { 'x-amz-content-sha256': sha256Hex(body) };
        return {
          ...payload,
          ...signV4({
            method,
            url,
            headers: { ...headers, ...payload },
            body,
            region: auth.region,
            service: auth.service,
            accessKeyId: this.secret(auth.accessKeyId),
            secretAccessKey: this.secret(auth.secretAccessKey),
            ...(auth.sessionToken ? { sessionToken: this.secret(auth.sessionToken) } : {}),
            now: this.deps.clock.now(),
          }),
        };
      }
      case 'hmac': {
        const ts = String(Math.floor(this.deps.clock.now() / 1000));
        const sig = createHmac('sha256', this.secret(auth.secret))
          .update(`${ts}.${body}`)
          .digest('hex');
        return { [auth.timestampHeader]: ts, [auth.header]: `sha256=${sig}` };
      }
    }
  }

  async #read(res: Response): Promise<OutboundResponse> {
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body };
  }

  async #pace(label: string, signal: AbortSignal): Promise<void> {
    if (this.#shared) {
      const { waitMs, refused } = await this.#shared.reserve(
        this.deps.clock.now(),
        this.instance.retry.maxRetryAfterMs,
      );
      if (refused)
        throw outboundError(
          'CORDON_ERR_ACTION_UNAVAILABLE',
          `${label} was not sent: the connector's rate_limit is booked ${Math.ceil(waitMs / 1000)}s ahead across all Cordon processes (more than max_retry_after); the action's own retry will try later.`,
        );
      await this.#sleep(waitMs, signal);
      return;
    }
    const wait = this.#pacer?.reserve(this.deps.clock.now()) ?? 0;
    if (wait > 0) await this.#sleep(wait, signal);
  }

  /** The injected clock's time (polling operations measure their waits with it). */
  now(): number {
    return this.deps.clock.now();
  }

  /** Waits `ms` with the injected sleep (tests pass time instead of waiting). */
  async pause(ms: number, signal: AbortSignal): Promise<void> {
    await this.#sleep(ms, signal);
  }

  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    await (this.deps.sleep ?? abortableSleep)(ms, signal);
  }

  #abortError(label: string, signal: AbortSignal): CordonError {
    const reason: unknown = signal.reason;
    if (isCordonError(reason)) return reason;
    return outboundError(
      'CORDON_ERR_ACTION_TIMEOUT',
      `${label} was cancelled: the action's deadline passed.`,
    );
  }

  #networkError(label: string, err: unknown): CordonError {
    const name = err instanceof Error ? err.name : '';
    if (name === 'TimeoutError' || name === 'AbortError')
      return outboundError(
        'CORDON_ERR_ACTION_TIMEOUT',
        `${label} got no answer within ${this.instance.timeoutMs} ms (the connector's timeout).`,
      );
    const cause =
      err instanceof Error && err.cause instanceof Error
        ? err.cause.message
        : err instanceof Error
          ? err.message
          : String(err);
    return outboundError(
      'CORDON_ERR_ACTION_UNAVAILABLE',
      this.redactor.text(`${label} could not connect: ${cause}.`),
    );
  }
}

function throttled403(res: Response): boolean {
  return (
    res.status === 403 &&
    (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after'))
  );
}

/** `x-ratelimit-reset` as epoch seconds (GitHub, ServiceNow) → ms to wait; other forms ignored. */
function epochReset(value: string | null, now: number): number | undefined {
  if (value === null || !/^\d{10}$/.test(value.trim())) return undefined;
  return Math.max(0, Number(value) * 1000 - now);
}

/** A bounded single-line excerpt of a response body for error messages. */
function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line || '(empty body)';
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `signal`, or a timeout of `ms`, whichever comes first. Not `AbortSignal.any` with
 * `AbortSignal.timeout`: on Node 20 the combined signal can be garbage-collected while a
 * fetch waits, and the timeout then never fires (seen as a request waiting out a slow answer
 * far past its connector's timeout). Here the timer holds the controller; it is unref'd, and
 * firing after the answer was read aborts nothing.
 */
function withTimeout(signal: AbortSignal, ms: number): AbortSignal {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    signal.removeEventListener('abort', onAbort);
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  timer.unref();
  return controller.signal;
}
