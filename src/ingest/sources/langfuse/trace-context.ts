import { sha256Hex } from '../../../shared/hash.js';
import type { SourceMemory } from '../source-kind.js';

/**
 * What a trace-create tells about the calls under it. Generations and scores carry only a
 * `traceId`, so the user and session they belong to come from here.
 */
export interface TraceContext {
  user?: string;
  session?: string;
  environment?: string;
  release?: string;
  name?: string;
}

const FIELDS = ['user', 'session', 'environment', 'release', 'name'] as const;

/** Long enough for the slowest agent run to finish; losing a join only loses user/session. */
export const TRACE_TTL_MS = 6 * 60 * 60_000;

/** Hashed, so a sender's kilobyte-long trace ids cannot make memory keys of that size. */
const key = (traceId: string): string => `langfuse:trace:${sha256Hex(traceId).slice(0, 32)}`;

/** Longest field value remembered; real user and session ids are far shorter. */
const FIELD_LIMIT = 512;

/**
 * Trace contexts in the source's memory, with a per-request cache. Langfuse sends trace-create
 * again with only the changed fields (an upsert), so a new context is merged over the old one.
 */
export class TraceContexts {
  readonly #cache = new Map<string, TraceContext | undefined>();

  constructor(private readonly memory: SourceMemory) {}

  async remember(traceId: string, context: TraceContext): Promise<void> {
    const capped: TraceContext = {};
    for (const field of FIELDS) {
      const value = context[field];
      if (value !== undefined) capped[field] = value.slice(0, FIELD_LIMIT);
    }
    const before = parse(
      await this.memory.swap(key(traceId), JSON.stringify(capped), TRACE_TTL_MS),
    );
    const merged = { ...before, ...capped };
    if (before !== undefined)
      await this.memory.swap(key(traceId), JSON.stringify(merged), TRACE_TTL_MS);
    this.#cache.set(traceId, merged);
  }

  /**
   * SourceMemory has no plain read: `take` and put back (which also renews the TTL, fitting
   * for a trace that is still active). A concurrent request may miss the entry for that
   * instant and emit without user/session, never wrongly.
   */
  async recall(traceId: string): Promise<TraceContext | undefined> {
    if (this.#cache.has(traceId)) return this.#cache.get(traceId);
    const stored = await this.memory.take(key(traceId));
    if (stored !== undefined) await this.memory.swap(key(traceId), stored, TRACE_TTL_MS);
    const context = parse(stored);
    this.#cache.set(traceId, context);
    return context;
  }
}

function parse(text: string | undefined): TraceContext | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== 'object') return undefined;
    // Only string fields: memory may be shared with an older Cordon that stored another shape.
    const context: TraceContext = {};
    for (const field of FIELDS) {
      const v = (value as Record<string, unknown>)[field];
      if (typeof v === 'string') context[field] = v;
    }
    return context;
  } catch {
    return undefined;
  }
}
