import type { Entity, EntityField } from '../../canonical-event.js';
import { got, setOwn } from '../../normalizers/json-values.js';
import { parseIp } from '../../normalizers/ip.js';
import type { Problems } from './problems.js';
import { trimEndOf, trimStartOf } from './trim.js';
import type { FieldTarget, LineOptions } from './options.js';

/** `apiKeyHash` → `api_key_hash`, `cs1Label` values alike: label keys are snake_case. */
export function snakeCase(name: string): string {
  // Label names are short; a cap also keeps the regexes below linear on hostile keys.
  const underscored = name
    .slice(0, 128)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_');
  const snake = trimStartOf(trimEndOf(underscored, '_'), '_');
  return snake === '' ? 'field' : /^\d/.test(snake) ? `f_${snake}` : snake;
}

/** Names (snake_case) that mean an entity field in any of the three formats. */
const ENTITY_ALIASES: ReadonlyMap<string, EntityField> = new Map<string, EntityField>([
  ['api_key_hash', 'api_key'],
  ['api_key', 'api_key'],
  ['src', 'ip'],
  ['src_ip', 'ip'],
  ['source_ip', 'ip'],
  ['client_ip', 'ip'],
  ['ip', 'ip'],
  ['usr_name', 'user'],
  ['user', 'user'],
  ['user_name', 'user'],
  ['username', 'user'],
  ['model', 'model'],
  ['model_name', 'model'],
  ['model_version', 'model_version'],
  ['feature', 'feature'],
  ['tenant', 'tenant'],
  ['session', 'session'],
  ['session_id', 'session'],
  ['endpoint', 'endpoint'],
  ['user_agent', 'user_agent'],
]);

/** Custom fields with these (snake_case) names are numbers: they become measures. */
const MEASURE_NAMES = new Set([
  'latency_ms',
  'tokens_in',
  'tokens_out',
  'cost_usd',
  'drift_score',
  'drift_share',
  'confidence',
  'status_code',
  'count',
  'value',
  'risk_score',
  'duration_ms',
  'queue_ms',
]);

/** The entity, measures and labels of one event, filled field by field. */
export class EventParts {
  readonly entity: Entity = {};
  readonly measures: Record<string, number> = {};
  readonly labels: Record<string, string> = {};

  constructor(
    private readonly options: LineOptions,
    private readonly problems: Problems,
  ) {}

  /** Where a custom field goes: `map:` first (as sent, then snake_case), then the defaults. */
  target(name: string): FieldTarget {
    const snake = snakeCase(name);
    const mapped = this.options.map.get(name) ?? this.options.map.get(snake);
    if (mapped !== undefined) return mapped;
    const field = ENTITY_ALIASES.get(snake);
    if (field !== undefined) return { to: 'entity', field };
    if (MEASURE_NAMES.has(snake)) return { to: 'measures', name: snake };
    return { to: 'labels', name: snake };
  }

  /** Routes a custom field; `at` locates problems with its value. */
  route(name: string, value: string, at: readonly string[]): void {
    this.put(this.target(name), value, at);
  }

  put(target: FieldTarget, value: string, at: readonly string[]): void {
    if (target.to === 'entity') {
      // A second value for a filled entity field is kept as a label rather than lost.
      if (!this.setEntity(target.field, value, at) && this.entity[target.field] !== value.trim())
        this.setLabel(snakeCase(at.at(-1) ?? target.field), value);
    } else if (target.to === 'measures') this.setMeasure(target.name, value, at, false);
    else this.setLabel(target.name, value);
  }

  /** First value wins (a header field is set before the custom fields that repeat it). */
  /** True if the value became the entity field (false: empty, already set, or a bad IP). */
  setEntity(field: EntityField, value: string, at: readonly string[]): boolean {
    const text = value.trim();
    if (text === '' || text === '-' || this.entity[field] !== undefined) return false;
    if (field === 'ip') {
      const ip = parseIp(text);
      if (!ip.ok) {
        // A bad address keeps the event (line senders cannot resend one field): it is dropped
        // from the entity and kept as a label, and the sender is told.
        this.problems.warn(
          at,
          `${ip.reason} Kept as label "${at.at(-1) ?? 'ip'}", not as entity.ip.`,
        );
        this.setLabel(snakeCase(at.at(-1) ?? 'ip'), text);
        return false;
      }
      this.entity.ip = ip.ip;
      return true;
    }
    this.entity[field] = text;
    return true;
  }

  /**
   * A number as a measure. `strict` (a CEF cnN/cfpN, numeric by type) refuses a non-number;
   * otherwise a custom field that is not a number stays a label, with a warning.
   */
  setMeasure(name: string, value: string, at: readonly string[], strict: boolean): void {
    const text = value.trim();
    const number = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
    if (Number.isFinite(number)) {
      this.measures[name] = number;
      return;
    }
    const reason = `must be a finite number for measure "${name}"; got ${got(value)}.`;
    if (strict) {
      this.problems.error(at, reason);
      return;
    }
    this.problems.warn(at, `${reason} Kept as label "${name}".`);
    this.setLabel(name, value);
  }

  setLabel(name: string, value: string): void {
    setOwn(this.labels, name, value);
  }
}
