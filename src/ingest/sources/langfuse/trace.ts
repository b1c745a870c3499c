import { BodyReader } from './item.js';
import type { IngestionItem } from './item.js';
import type { TraceContext } from './trace-context.js';

/**
 * trace-create → no event of its own (its input/output repeat the generations under it), but
 * its user, session, environment, release and name, for those generations and scores.
 * Returns undefined after reporting a wrong field; `traceId` undefined when the body has no id.
 */
export function readTrace(
  item: IngestionItem,
): { traceId: string | undefined; context: TraceContext } | undefined {
  const r = new BodyReader(item.body, item.bodyAt);
  const traceId = r.text('id');
  const context: TraceContext = {};
  const fields: [string, keyof TraceContext][] = [
    ['userId', 'user'],
    ['sessionId', 'session'],
    ['environment', 'environment'],
    ['release', 'release'],
    ['name', 'name'],
  ];
  for (const [key, field] of fields) {
    const value = r.text(key);
    if (value !== undefined) context[field] = value;
  }
  r.time('timestamp');
  return r.bad ? undefined : { traceId, context };
}
