import type {
  Entity,
  EventKind,
  NormalisedEvent,
  Outcome,
  Severity,
} from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { setOwn } from '../../normalizers/json-values.js';
import { applyTimeClamp, withReceiptTime } from '../../normalizers/time-clamp.js';
import { stableStringify } from '../../../shared/hash.js';
import { convert } from './conversions.js';
import type { FieldRule } from './field-rules.js';
import { readSourcePath } from './source-path.js';
import { targetName } from './targets.js';

export interface Located {
  readonly value: unknown;
  readonly at: Location;
}

/**
 * Builds one event from an item with a `fields:` mapping. Each problem is reported where the
 * value is in the body, prefixed with the mapping entry that read it (`fields.time`), since the
 * fix may be in the payload or in the connector file.
 */
export function mapFields(
  rules: readonly FieldRule[],
  item: Located,
  body: Located,
  now: number,
): NormalisedEvent | undefined {
  let ok = true;
  let kind: EventKind | undefined;
  let name: string | undefined;
  let time: { ms: number; at: Location } | undefined;
  let severity: Severity = 'info';
  let outcome: Outcome = 'unknown';
  let id: string | undefined;
  const entity: Entity = {};
  const measures: Record<string, number> = {};
  const labels: Record<string, string> = {};
  const text: NonNullable<NormalisedEvent['text']> = {};

  for (const rule of rules) {
    const entry = `fields.${targetName(rule.target)}`;
    let value: string | number | undefined;
    let at = item.at;
    if ('const' in rule.source) {
      value = rule.source.const;
    } else {
      let found: Located | undefined;
      let firstAt: Location | undefined;
      for (const path of rule.source.paths) {
        const candidate = readSourcePath(path, item, body);
        firstAt ??= candidate.at;
        if (candidate.value !== undefined && candidate.value !== null) {
          found = candidate;
          break;
        }
      }
      at = found?.at ?? firstAt ?? item.at;
      if (found !== undefined) {
        const converted = convert(found.value, rule.target, rule.as);
        if (!converted.ok) {
          at.error(`(${entry}) ${converted.reason}`);
          ok = false;
          continue;
        }
        value = converted.value;
      }
      if (value === undefined) {
        if (rule.required) {
          const paths = rule.source.paths.map((p) => p.text).join('", "');
          at.error(
            `(${entry}) is required by this connector's mapping, but "${paths}" is missing or empty in this item. ` +
              'Send it, or give the mapping a const: instead.',
          );
          ok = false;
        }
        continue;
      }
    }
    const target = rule.target;
    switch (target.kind) {
      case 'top':
        if (target.field === 'time') time = { ms: value as number, at };
        else if (target.field === 'kind') kind = value as EventKind;
        else if (target.field === 'severity') severity = value as Severity;
        else if (target.field === 'outcome') outcome = value as Outcome;
        else if (target.field === 'id') id = String(value);
        else name = String(value);
        break;
      case 'entity':
        entity[target.field] = String(value);
        break;
      case 'geo':
        entity.geo = { ...entity.geo, [target.field]: String(value) };
        break;
      case 'measures':
        setOwn(measures, target.field, value as number);
        break;
      case 'labels':
        setOwn(labels, target.field, String(value));
        break;
      case 'text':
        text[target.field] = String(value);
        break;
    }
  }
  if (ok && kind === undefined)
    item.at.error(
      '(fields.kind) gave no kind for this item; every event needs one. Make fields.kind required or give it a const:.',
    );
  if (!ok || kind === undefined) return undefined;
  const content = {
    kind,
    name: name ?? kind,
    severity,
    outcome,
    entity,
    measures,
    labels,
    ...(Object.keys(text).length > 0 ? { text } : {}),
    raw: item.value,
  };
  // No sender id: the item itself is the dedupe key, so a resent delivery maps to the same id.
  const eventId = id ?? prefixedHashId('jm', stableStringify(item.value));
  if (time === undefined) return { id: eventId, ...withReceiptTime(content, now) };
  return applyTimeClamp({ id: eventId, time: time.ms, ...content }, now, time.at);
}
