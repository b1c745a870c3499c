import { prefixedHashId } from '../../normalizers/event-id.js';
import { got } from '../../normalizers/json-values.js';
import { cefSeverity, inferKind, outcomeFromWord } from '../lines/classify.js';
import { EventParts, snakeCase } from '../lines/field-router.js';
import type { FieldTarget } from '../lines/options.js';
import { parseLineTime } from '../lines/line-time.js';
import type { LineOptions } from '../lines/options.js';
import type { Problems } from '../lines/problems.js';
import type { DraftEvent, LineEnvelope } from '../lines/draft.js';
import { parseCefExtension } from './cef-extension.js';
import { parseCefHeader } from './cef-header.js';

/** Custom slots: csN (string), cnN (number), cfpN (float), each named by its `…Label`. */
const CUSTOM = /^(cs|cn|cfp|c6a|flexString|flexNumber|flexDate|deviceCustomDate)(\d)$/;
const NUMERIC_SLOTS = new Set(['cn', 'cfp', 'flexNumber']);

/** Extension keys with a fixed place in the canonical event (the rest become labels). */
const TIME_KEYS = ['rt', 'end', 'start'] as const;

/** Maps one CEF message (`payload` starts at `CEF:`) onto a canonical event. */
export function cefEvent(
  payload: string,
  envelope: LineEnvelope,
  options: LineOptions,
  problems: Problems,
): DraftEvent | undefined {
  if (/[\r\n]/.test(payload)) {
    problems.error(
      [],
      'contains a raw line break; CEF writes line breaks inside values as \\n (a raw one splits the message in two).',
    );
    return undefined;
  }
  const header = parseCefHeader(payload, problems);
  if (header === undefined) return undefined;
  const severity = cefSeverity(header.severity);
  if (severity === undefined) {
    const shifted = /^[^=\s]*\|/.test(header.extension)
      ? ' The fields look shifted: a header field probably contains an unescaped "|" (write it as \\|).'
      : '';
    problems.error(
      ['severity'],
      `must be an integer 0–10 or Unknown, Low, Medium, High, Very-High; got ${got(header.severity)}.${shifted}`,
    );
  }
  const pairs = parseCefExtension(header.extension, problems);
  const ext = new Map(pairs);
  const parts = new EventParts(options, problems);
  const at = (key: string): string[] => ['extension', key];

  let time: number | undefined;
  for (const key of TIME_KEYS) {
    const value = ext.get(key);
    if (value === undefined) continue;
    const parsed = parseLineTime(value, options.zone);
    if (!parsed.ok) problems.error(at(key), parsed.reason);
    else if (time === undefined) time = parsed.ms;
    if (key !== 'rt') parts.setLabel(key, value);
  }

  // Keys whose value has a place of its own are not repeated as labels; an outcome word we
  // cannot map stays visible as a label.
  const outcome = outcomeFromWord(ext.get('outcome'));
  const consumed = new Set<string>(outcome === 'unknown' ? [] : ['outcome']);
  // Actor first: the source user and address are who did it; destination ones follow.
  for (const [key, field] of [
    ['suser', 'user'],
    ['duser', 'user'],
    ['src', 'ip'],
    ['shost', 'host'],
    ['dhost', 'host'],
    ['dvchost', 'host'],
    ['request', 'endpoint'],
    ['requestClientApplication', 'user_agent'],
  ] as const) {
    const value = ext.get(key);
    if (value !== undefined && parts.setEntity(field, value, at(key))) consumed.add(key);
  }
  if (envelope.syslog?.hostname !== undefined)
    parts.setEntity('host', envelope.syslog.hostname, ['hostname']);

  for (const [key, value] of pairs) {
    if (
      (TIME_KEYS as readonly string[]).includes(key) ||
      key.endsWith('Label') ||
      consumed.has(key)
    )
      continue;
    const custom = CUSTOM.exec(key);
    if (custom) {
      const label = ext.get(`${key}Label`);
      const numeric = NUMERIC_SLOTS.has(custom[1] ?? '');
      if (label === undefined || label.trim() === '') {
        // Unlabelled: its own key names it (`map: { cs3: entity.session }` still applies).
        const mapped = options.map.get(key);
        if (mapped !== undefined) parts.put(mapped, value, at(key));
        else parts.setLabel(key, value);
        continue;
      }
      const target: FieldTarget = parts.target(label);
      if (numeric && target.to === 'labels') parts.setMeasure(target.name, value, at(key), true);
      else if (target.to === 'measures') parts.setMeasure(target.name, value, at(key), numeric);
      else parts.put(target, value, at(key));
      continue;
    }
    if (key === 'cnt') {
      parts.setMeasure('count', value, at(key), true);
      continue;
    }
    const mapped = options.map.get(key);
    if (mapped !== undefined) parts.put(mapped, value, at(key));
    else parts.setLabel(snakeCase(key), value);
  }

  const labels = {
    ...parts.labels,
    signature_id: header.signatureId,
    device_vendor: header.vendor,
    device_product: header.product,
    device_version: header.deviceVersion,
    cef_version: String(header.version),
  };
  const cat = ext.get('cat');
  const externalId = ext.get('externalId');
  const dedupeKey =
    externalId !== undefined && externalId !== ''
      ? `${header.vendor}|${header.product}|${externalId}`
      : envelope.line;
  return {
    id: prefixedHashId('cef', dedupeKey),
    time: time ?? envelope.syslog?.time,
    kind: inferKind(options, cat, header.signatureId),
    name: firstNonEmpty(header.name, header.signatureId) ?? 'cef',
    severity: severity ?? 'medium',
    outcome,
    entity: parts.entity,
    measures: parts.measures,
    labels,
  };
}

/** Events are named; a CEF line with an empty Name falls back to its class id. */
function firstNonEmpty(...values: string[]): string | undefined {
  return values.find((value) => value.trim() !== '');
}
