import type { NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import { Findings } from '../../normalizers/findings.js';
import { truncate } from '../../normalizers/json-values.js';
import { withReceiptTime } from '../../normalizers/time-clamp.js';
import type { NormaliseContext, NormaliseResult } from '../../normalizers/types.js';
import { putLabel } from '../siem-common/labels.js';
import { MESSAGE_LIMIT } from './hec-object.js';

/** The query parameters of `/services/collector/raw?sourcetype=…&host=…` (as the route reads them). */
export interface HecRawParams {
  readonly sourcetype?: string | undefined;
  readonly host?: string | undefined;
  readonly source?: string | undefined;
  readonly index?: string | undefined;
  readonly channel?: string | undefined;
}

/**
 * `/services/collector/raw`: one log event per non-empty line, text in `labels.message` and
 * `raw`, time = receipt (raw lines carry no HEC time; parsing each sourcetype's timestamps is
 * Splunk's props.conf work, not ours). Raw lines have no id of their own, and the same line
 * twice is two events, so the id hashes the receipt time with the line and its position:
 * a resend of the request is not deduplicated, but no event is ever lost to a false match.
 */
export function normaliseHecRaw(
  body: Buffer,
  ctx: NormaliseContext,
  params: HecRawParams = {},
): NormaliseResult {
  const findings = new Findings();
  const root = findings.root();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    root.error('is not valid UTF-8; send the lines UTF-8 encoded.');
    return findings.result([]);
  }
  const events: NormalisedEvent[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return;
    const labels: Record<string, string> = {};
    putLabel(labels, 'message', truncate(line, MESSAGE_LIMIT));
    putLabel(labels, 'splunk.source', params.source);
    putLabel(labels, 'splunk.sourcetype', params.sourcetype);
    putLabel(labels, 'splunk.index', params.index);
    putLabel(labels, 'splunk.channel', params.channel);
    const event = {
      id: prefixedHashId('hecraw', `${ctx.source}|${ctx.now}|${index}|${line}`),
      kind: 'log' as const,
      name: params.sourcetype ?? params.source ?? 'splunk-hec-raw',
      severity: 'info' as const,
      outcome: 'unknown' as const,
      entity: params.host === undefined || params.host === '' ? {} : { host: params.host },
      measures: {},
      labels,
      raw: line,
    };
    events.push(withReceiptTime(event, ctx.now));
  });
  if (events.length === 0)
    root.error('the body is empty (HEC code 5, "No data"); send one event per line.');
  return findings.result(events);
}
