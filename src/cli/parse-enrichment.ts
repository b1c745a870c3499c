import type { NormalisedEvent } from '../ingest/canonical-event.js';
import { enrichEvents, ENRICHMENT_FAILED_LABEL, PROCESS_SECRETS } from '../ingest/enrich-events.js';
import type { AnySourceKind, EnrichContext } from '../ingest/sources/source-kind.js';

/**
 * `cordon parse` runs a kind's enrichment as the live ingest path does (WhyLabs notifications
 * completed from the WhyLabs API), so what it prints is what the log would hold. That needs the
 * sender's API: when it cannot be reached (parse run offline, no key set) the events are still
 * printed, labelled as the live path labels them, and the lines returned here say what was not
 * enriched and why, for standard error. Nothing here fails the parse.
 */
export async function enrichForParse(
  kind: AnySourceKind,
  events: readonly NormalisedEvent[],
  options: unknown,
  now: number,
  fetchFn: EnrichContext['fetch'] = globalThis.fetch,
): Promise<string[]> {
  if (kind.enrich === undefined || events.length === 0) return [];
  const lines: string[] = [];
  await enrichEvents(
    kind,
    events,
    { options, now, source: kind.type, fetch: fetchFn, secrets: PROCESS_SECRETS },
    (err) =>
      lines.push(
        `enrichment: ${kind.type} enrichment failed (${err instanceof Error ? err.message : String(err)}); events printed as read, labelled ${ENRICHMENT_FAILED_LABEL}.`,
      ),
  );
  const outcomes = events.flatMap((e) => kind.enrichmentOf?.(e) ?? []);
  if (outcomes.length === 0) return lines;
  const enriched = outcomes.filter((o) => o.status === 'ok').length;
  lines.push(
    `enrichment: ${enriched} of ${outcomes.length} event(s) completed from the ${kind.type} API, as the live path does.`,
  );
  const notDone = new Map<string, number>();
  for (const o of outcomes)
    if (o.status !== 'ok') {
      const line = `${o.status}: ${o.reason ?? 'no reason given'}`;
      notDone.set(line, (notDone.get(line) ?? 0) + 1);
    }
  for (const [line, count] of notDone) lines.push(`enrichment ${line} (${count} event(s)).`);
  if (outcomes.some((o) => o.status === 'failed'))
    lines.push(
      `enrichment needs the network (the ${kind.type} API) and its key: the events above are what the live path would accept without it, labelled with why.`,
    );
  return lines;
}
