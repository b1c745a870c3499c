import type { Principal } from '../config/principals.js';
import type { Clock } from '../shared/clock.js';
import type { AuditRecorder } from './audit-trail.js';
import { tokenUsed } from './audit-inputs.js';

/** What the auth hook calls on every authenticated request; must not block it. */
export interface TokenUseRecorder {
  note(principal: Principal, route: string, allowed: boolean): void;
}

interface Bucket {
  readonly principal: Principal;
  readonly route: string;
  readonly windowStart: number;
  requests: number;
  forbidden: number;
}

/**
 * Token use, aggregated: at most one `token.used` entry per principal, route and window
 * (a minute by default) however many requests were made, so ingest traffic cannot flood the
 * trail. Counts are held in memory until their window closes; a process killed before then
 * loses at most one window of counts (a clean stop flushes them).
 */
export class TokenUseAggregator implements TokenUseRecorder {
  readonly #buckets = new Map<string, Bucket>();
  #oldestWindow = Number.POSITIVE_INFINITY;
  #flushing: Promise<void> = Promise.resolve();
  #closedWindowQueued = false;

  constructor(
    private readonly audit: AuditRecorder,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
    readonly windowMs = 60_000,
  ) {}

  note(principal: Principal, route: string, allowed: boolean): void {
    const now = this.clock.now();
    const windowStart = now - (now % this.windowMs);
    const key = `${windowStart}\u0000${principal.id}\u0000${route}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { principal, route, windowStart, requests: 0, forbidden: 0 };
      this.#buckets.set(key, bucket);
    }
    bucket.requests += 1;
    if (!allowed) bucket.forbidden += 1;
    if (windowStart > this.#oldestWindow && !this.#closedWindowQueued) {
      // A window closed: record it off the request path, once however many requests follow.
      this.#closedWindowQueued = true;
      void this.flush(now).finally(() => {
        this.#closedWindowQueued = false;
      });
    }
    this.#oldestWindow = Math.min(this.#oldestWindow, windowStart);
  }

  /**
   * Records every window that ended by `now` (`now = Infinity`: all of them, on stop).
   * Never rejects: a failed append is reported to `onError` and its counts are kept for the
   * next flush.
   */
  flush(now: number): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushDue(now));
    return this.#flushing;
  }

  async #flushDue(now: number): Promise<void> {
    const due: Bucket[] = [];
    for (const [key, bucket] of this.#buckets) {
      if (bucket.windowStart + this.windowMs <= now) {
        due.push(bucket);
        this.#buckets.delete(key);
      }
    }
    this.#oldestWindow = Math.min(
      Number.POSITIVE_INFINITY,
      ...[...this.#buckets.values()].map((b) => b.windowStart),
    );
    for (const [i, bucket] of due.entries()) {
      try {
        await this.audit.record(tokenUsed({ ...bucket, windowMs: this.windowMs }));
      } catch (err) {
        this.onError(err);
        for (const b of due.slice(i)) this.#restore(b);
        return;
      }
    }
  }

  #restore(bucket: Bucket): void {
    const key = `${bucket.windowStart}\u0000${bucket.principal.id}\u0000${bucket.route}`;
    const current = this.#buckets.get(key);
    if (current) {
      current.requests += bucket.requests;
      current.forbidden += bucket.forbidden;
    } else this.#buckets.set(key, bucket);
    this.#oldestWindow = Math.min(this.#oldestWindow, bucket.windowStart);
  }
}
