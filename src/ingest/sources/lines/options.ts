import { ENTITY_FIELDS, EVENT_KINDS } from '../../canonical-event.js';
import type { EntityField, EventKind } from '../../canonical-event.js';
import { isOneOf } from '../../normalizers/canonical-maps.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { OptionsReporter, OptionsSpec } from '../source-kind.js';
import { isTimeZone } from '../../normalizers/time-zone.js';
import { UTC_ZONE } from './zoned-time.js';
import type { Zone } from './zoned-time.js';

/** Where a custom field goes (`map:`): an entity field, a measure or a label. */
export type FieldTarget =
  | { readonly to: 'entity'; readonly field: EntityField }
  | { readonly to: 'measures' | 'labels'; readonly name: string };

/** `options:` of cef, leef and syslog connectors. */
export interface LineOptions {
  /** Zone of times written without one (RFC 3164 dates, zone-less CEF/LEEF dates). */
  readonly zone: Zone;
  /** `auto` infers from the category (login-ish → login, drift → drift, else alert). */
  readonly kind: 'auto' | EventKind;
  /** Custom field name (as sent, e.g. `apiKeyHash`, a cs1Label) → target. */
  readonly map: ReadonlyMap<string, FieldTarget>;
}

export const LINE_OPTION_KEYS = ['timezone', 'kind', 'map'] as const;

export const DEFAULT_LINE_OPTIONS: LineOptions = { zone: UTC_ZONE, kind: 'auto', map: new Map() };

const SNAKE = /^[a-z][a-z0-9_]{0,63}$/;

function readTarget(text: unknown, report: (reason: string) => void): FieldTarget | undefined {
  const fix =
    'write "entity.<field>" (one of ' +
    ENTITY_FIELDS.join(', ') +
    '), "measures.<snake_case>" or "labels.<snake_case>"';
  if (typeof text !== 'string') {
    report(`must be a target path string; got ${got(text)}. ${fix}.`);
    return undefined;
  }
  const [head, ...rest] = text.split('.');
  const name = rest.join('.');
  if (head === 'entity' && isOneOf(name, ENTITY_FIELDS)) return { to: 'entity', field: name };
  if ((head === 'measures' || head === 'labels') && SNAKE.test(name)) return { to: head, name };
  report(`${got(text)} is not a target; ${fix}.`);
  return undefined;
}

function compileLineOptions(value: unknown, report: OptionsReporter): LineOptions | undefined {
  if (value === undefined || value === null) return DEFAULT_LINE_OPTIONS;
  if (!isJsonObject(value)) {
    report([], `must be a mapping with ${LINE_OPTION_KEYS.join(', ')}; got ${got(value)}.`);
    return undefined;
  }
  let ok = true;
  const fail = (path: (string | number)[], reason: string): void => {
    ok = false;
    report(path, reason);
  };
  for (const key of Object.keys(value))
    if (!isOneOf(key, LINE_OPTION_KEYS))
      fail([key], `is not an option of line sources; known: ${LINE_OPTION_KEYS.join(', ')}.`);
  let zone = UTC_ZONE;
  const timezone = value.timezone;
  if (timezone !== undefined) {
    if (typeof timezone === 'string' && (timezone === 'UTC' || isTimeZone(timezone)))
      zone = timezone === 'UTC' ? UTC_ZONE : { timeZone: timezone };
    else
      fail(
        ['timezone'],
        `must be an IANA zone name such as "Europe/Berlin" or "UTC"; got ${got(timezone)}.`,
      );
  }
  let kind: LineOptions['kind'] = 'auto';
  const kindValue = value.kind;
  if (kindValue !== undefined) {
    if (kindValue === 'auto' || isOneOf(kindValue, EVENT_KINDS)) kind = kindValue;
    else
      fail(
        ['kind'],
        `must be "auto" or an event kind (${EVENT_KINDS.join(', ')}); got ${got(kindValue)}.`,
      );
  }
  const map = new Map<string, FieldTarget>();
  const mapValue = value.map;
  if (mapValue !== undefined) {
    if (!isJsonObject(mapValue)) {
      fail(
        ['map'],
        `must be a mapping of field name → target (such as apiKeyHash: entity.api_key); got ${got(mapValue)}.`,
      );
    } else {
      for (const [name, target] of Object.entries(mapValue)) {
        const compiled = readTarget(target, (reason) => fail(['map', name], reason));
        if (compiled !== undefined) map.set(name, compiled);
      }
    }
  }
  return ok ? { zone, kind, map } : undefined;
}

export const LINE_OPTIONS_SPEC: OptionsSpec<LineOptions> = {
  keys: LINE_OPTION_KEYS,
  compile: compileLineOptions,
};
