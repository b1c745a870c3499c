import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import { Findings } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import { withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseResult } from '../../normalizers/types.js';
import type { SourceContext, SourceKind, SourceRequest } from '../source-kind.js';
import { capRaw } from '../monitors-common/raw-cap.js';
import { enrichNotifications, notificationEnrichment } from './enrich.js';
import { whylabsOptionsSpec } from './options.js';
import type { WhylabsOptions } from './options.js';
import { readNotification } from './read-body.js';
import type { Notification } from './read-body.js';

const EXPECTED =
  'a WhyLabs webhook notification: {"monitorId", "monitorName"} or your body template rendered as JSON';

const BROKEN_TEMPLATE =
  'WhyLabs inserts macro values into a custom body template without JSON escaping, so a monitor name (or other value) ' +
  'containing a double quote or a backslash breaks the JSON. Remove quotes from that name, or drop the body template ' +
  '(the default body {"monitorId", "monitorName"} is always valid JSON).';

/**
 * WhyLabs notification webhooks (ingest-formats §7): the default body or any custom template
 * built from the five macros. One delivery is one `drift` event about one monitor; no time is
 * sent, so it carries the receipt time. Templates are read by their key names; with
 * `options.enrich` each notification is completed from the WhyLabs API (enrich.ts).
 */
export const whylabsKind: SourceKind<WhylabsOptions> = {
  type: 'whylabs',
  title: 'WhyLabs monitor notification webhook (default body or custom template)',
  category: 'monitor',
  // The action's headers are the user's to set; a template body often goes out without a JSON
  // Content-Type, and it is parsed as JSON whatever it is labelled.
  contentTypes: ['application/json', '*'],
  // WhyLabs sends only the static headers configured on the action: a bearer or custom header.
  auth: ['bearer', 'header'],
  options: whylabsOptionsSpec,
  enrich: enrichNotifications,
  enrichmentOf: notificationEnrichment,
  normalise(request: SourceRequest, ctx: SourceContext<WhylabsOptions>): NormaliseResult {
    const findings = new Findings();
    const root = findings.root();
    const parsed = parseJsonBody(request.body, root, {
      maxDepth: ctx.maxDepth,
      expected: EXPECTED,
    });
    if (!parsed.ok) {
      if (/^\s*\{/.test(request.body.toString('utf8'))) root.error(BROKEN_TEMPLATE);
      return findings.result([]);
    }
    const body = parsed.value;
    if (!isJsonObject(body)) {
      root.error(`must be ${EXPECTED} (a JSON object); got ${got(body)}.`);
      return findings.result([]);
    }
    const notification = readNotification(body, root);
    const { monitorId, monitorName } = notification.fields;
    if (monitorId === undefined && monitorName === undefined) {
      root.error(
        'names no monitor: expected "monitorId" or "monitorName" (the default body), or a template field holding <[[monitor-id]]> or <[[monitor-name]]> (such as "monitor_id").',
      );
      return findings.result([]);
    }
    return findings.result([toEvent(notification, body, ctx.now)]);
  },
};

function toEvent(
  notification: Notification,
  body: Record<string, unknown>,
  now: number,
): NormalisedEvent {
  const { orgId, datasetId, monitorId, monitorName, runId } = notification.fields;
  const labels: Record<string, string> = { ...notification.extras };
  const named: [string, string | undefined][] = [
    ['monitor_id', monitorId],
    ['monitor_name', monitorName],
    ['org_id', orgId],
    ['dataset_id', datasetId],
    ['run_id', runId],
  ];
  for (const [key, value] of named) if (value !== undefined) labels[key] = value;
  // A run id names one analysis run, so a resend dedupes. Without it (the default body) there
  // is nothing stable to key on, and WhyLabs never retries, so each delivery is its own event.
  const key = `${orgId ?? ''}|${datasetId ?? ''}|${monitorId ?? monitorName ?? ''}|${runId ?? `received:${now}`}`;
  return {
    id: prefixedHashId('whylabs', key),
    ...withReceiptTime(
      {
        kind: 'drift' as const,
        name: monitorName ?? monitorId ?? 'whylabs_monitor',
        severity: notification.severity ?? 'medium',
        outcome: 'firing' as const,
        entity: datasetId === undefined ? {} : { model: datasetId },
        measures: {},
        labels,
        raw: capRaw(body),
      },
      now,
    ),
  };
}
