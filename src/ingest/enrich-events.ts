import { readFileSync } from 'node:fs';
import type { NormalisedEvent } from './canonical-event.js';
import type { AnySourceKind, EnrichContext } from './sources/source-kind.js';

/** Set on events whose kind's enrichment threw (they are accepted as normalised). */
export const ENRICHMENT_FAILED_LABEL = 'cordon.enrichment_failed';

/** Secret references read from this process's environment and files. */
export const PROCESS_SECRETS: EnrichContext['secrets'] = {
  env: process.env,
  readFile: (path) => readFileSync(path, 'utf8'),
};

/**
 * A kind's enrichment of a request's events, as the live ingest path runs it and as `cordon
 * parse` shows it: the kind records its own failures on the events; a throw is a bug, reported
 * to `onThrow` and recorded as ENRICHMENT_FAILED_LABEL, and the events are kept either way.
 */
export async function enrichEvents(
  kind: AnySourceKind,
  events: readonly NormalisedEvent[],
  ctx: EnrichContext,
  onThrow: (err: unknown) => void,
): Promise<void> {
  if (kind.enrich === undefined || events.length === 0) return;
  try {
    await kind.enrich(events, ctx);
  } catch (err) {
    onThrow(err);
    for (const event of events) event.labels[ENRICHMENT_FAILED_LABEL] = 'true';
  }
}
