import { prefixedHashId } from '../../normalizers/event-id.js';
import { got } from '../../normalizers/json-values.js';
import type { TimeParse } from '../../normalizers/time.js';
import type { DraftEvent, LineEnvelope } from '../lines/draft.js';
import { inferKind, outcomeFromWord, severityFromScale } from '../lines/classify.js';
import { EventParts } from '../lines/field-router.js';
import { compileJavaPattern } from '../lines/java-date.js';
import { parseLineTime } from '../lines/line-time.js';
import type { LineOptions } from '../lines/options.js';
import type { Problems } from '../lines/problems.js';
import { parseLeef } from './leef-parse.js';

/** Attributes read into fixed places; the rest are routed (entity aliases, measures, labels). */
const FIXED = new Set(['devTime', 'devTimeFormat', 'sev', 'cat', 'result', 'outcome']);
/** Host names LEEF senders use, in preference order. */
const HOST_KEYS = ['identHostName', 'srcHostName', 'dstHostName'];

/** Maps one LEEF message (`payload` starts at `LEEF:`) onto a canonical event. */
export function leefEvent(
  payload: string,
  envelope: LineEnvelope,
  options: LineOptions,
  problems: Problems,
): DraftEvent | undefined {
  const leef = parseLeef(payload, problems);
  if (leef === undefined) return undefined;
  const attrs = new Map(leef.attributes);
  const at = (key: string): string[] => ['attributes', key];
  const parts = new EventParts(options, problems);

  const time = readDevTime(attrs, options, problems);
  const severity = readSev(attrs.get('sev'), problems);
  for (const key of HOST_KEYS) {
    const value = attrs.get(key);
    if (value !== undefined) parts.setEntity('host', value, at(key));
  }
  if (envelope.syslog?.hostname !== undefined)
    parts.setEntity('host', envelope.syslog.hostname, ['hostname']);
  for (const [key, value] of leef.attributes) {
    if (FIXED.has(key)) continue;
    parts.route(key, value, at(key));
  }
  const cat = attrs.get('cat');
  if (cat !== undefined) parts.setLabel('cat', cat);
  return {
    id: prefixedHashId('leef', envelope.line),
    time: time ?? envelope.syslog?.time,
    kind: inferKind(options, cat, leef.eventId),
    name: leef.eventId.trim() !== '' ? leef.eventId : 'leef',
    severity: severity ?? 'medium',
    outcome: outcomeFromWord(attrs.get('outcome') ?? attrs.get('result')),
    entity: parts.entity,
    measures: parts.measures,
    labels: {
      ...parts.labels,
      signature_id: leef.eventId,
      device_vendor: leef.vendor,
      device_product: leef.product,
      device_version: leef.productVersion,
      leef_version: leef.version,
    },
  };
}

/** `sev` is 1–10 (QRadar); 0 is tolerated as the lowest. */
function readSev(
  value: string | undefined,
  problems: Problems,
): DraftEvent['severity'] | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,2}$/.test(text) && Number(text) <= 10) return severityFromScale(Number(text));
  problems.error(['attributes', 'sev'], `must be an integer 1–10; got ${got(value)}.`);
  return undefined;
}

/** devTime in devTimeFormat (a Java pattern), else epoch ms or LEEF's default date form. */
function readDevTime(
  attrs: ReadonlyMap<string, string>,
  options: LineOptions,
  problems: Problems,
): number | undefined {
  const devTime = attrs.get('devTime');
  const format = attrs.get('devTimeFormat');
  if (devTime === undefined) {
    if (format !== undefined)
      problems.warn(
        ['attributes', 'devTimeFormat'],
        'is set but there is no devTime; the event time is the syslog or receipt time.',
      );
    return undefined;
  }
  let parsed: TimeParse;
  if (format !== undefined) {
    const compiled = compileJavaPattern(format);
    if (!compiled.ok) {
      problems.error(
        ['attributes', 'devTimeFormat'],
        `must be a Java date pattern such as "MMM dd yyyy HH:mm:ss.SSS z"; ${compiled.reason}`,
      );
      return undefined;
    }
    parsed = compiled.parse(devTime, options.zone);
  } else {
    parsed = parseLineTime(devTime, options.zone);
  }
  if (parsed.ok) return parsed.ms;
  problems.error(['attributes', 'devTime'], parsed.reason);
  return undefined;
}
