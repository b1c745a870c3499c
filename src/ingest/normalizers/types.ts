import type { NormalisedEvent } from '../canonical-event.js';

/** One reason a payload was rejected, located by JSON Pointer (`/alerts/0/startsAt`). */
export interface FieldError {
  /** JSON Pointer into the parsed body; `''` for the body as a whole. NDJSON: `/<line-1>/...`. */
  readonly path: string;
  /** What is wrong, the bad value and the fix: `must be an RFC 3339 timestamp; got "2024-06-10 16:01:05"`. */
  readonly reason: string;
}

/** One item of a batch refused while the rest went in: its index in the batch and why. */
export interface RejectedItem {
  readonly index: number;
  readonly errors: FieldError[];
}

export type NormaliseResult =
  | {
      readonly ok: true;
      readonly events: NormalisedEvent[];
      readonly warnings: string[];
      /** Items refused while the others were accepted (absent when every item was good). */
      readonly rejected?: RejectedItem[];
    }
  | { readonly ok: false; readonly errors: FieldError[] };

export interface NormaliseContext {
  /** Lower-cased media type without parameters (`application/json`). */
  readonly contentType: string;
  /** Acceptance time, epoch ms; used when the payload carries no event time. */
  readonly now: number;
  /** Source connector instance name (for content-hash ids and labels). */
  readonly source: string;
  /** Deepest nesting of objects and arrays accepted (DEFAULT_MAX_DEPTH when absent). */
  readonly maxDepth?: number | undefined;
}

/**
 * Turns one HTTP body of a given wire format into canonical events. Pure: no I/O, no clock
 * (time comes in `ctx.now`). Never throws for bad input; returns every error it finds
 * (capped at 50) so the sender can fix them all at once.
 */
export interface Normaliser {
  readonly format: string;
  /** Media types accepted; the ingest route answers 415 for others. */
  readonly contentTypes: readonly string[];
  normalise(body: Buffer, ctx: NormaliseContext): NormaliseResult;
}
