import { compileFieldGetter } from './canonical-event.js';
import type { CanonicalEvent, FieldGetter } from './canonical-event.js';

/**
 * Which accepted events GET /v1/events returns: equality on top-level fields, on any dotted
 * field (`entity.api_key`, `entity.geo.region`, `labels.splunk.sid`), and an event-time range.
 */
export interface EventQuery {
  readonly source?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly outcome?: string;
  readonly severity?: string;
  /** Dotted path → wanted value (string comparison; numbers compare by their text). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Event time from (inclusive), epoch ms. */
  readonly fromMs?: number;
  /** Event time to (exclusive), epoch ms. */
  readonly toMs?: number;
}

export type EventPredicate = (event: CanonicalEvent) => boolean;

/** Compiles a query once into a predicate over stored events. */
export function compileEventQuery(query: EventQuery): EventPredicate {
  const checks: [FieldGetter, string][] = [];
  for (const key of ['source', 'kind', 'name', 'outcome', 'severity'] as const) {
    const wanted = query[key];
    if (wanted !== undefined) checks.push([compileFieldGetter(key), wanted]);
  }
  for (const [path, wanted] of Object.entries(query.fields ?? {}))
    checks.push([compileFieldGetter(path), wanted]);
  const { fromMs, toMs } = query;
  return (event) => {
    if (fromMs !== undefined && !(event.time >= fromMs)) return false;
    if (toMs !== undefined && !(event.time < toMs)) return false;
    for (const [get, wanted] of checks) {
      const value = get(event);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        return false;
      if (String(value) !== wanted) return false;
    }
    return true;
  };
}
