/**
 * The one shape every ingested payload is normalised into (design.md "Canonical event").
 * Rules address its fields by dotted path (`entity.api_key`, `measures.latency_ms`).
 */
export const EVENT_KINDS = [
  'alert',
  'drift',
  'login',
  'inference',
  'llm',
  'feedback',
  'audit',
  'metric',
  'log',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `firing`/`resolved` are for alert-kind events (Alertmanager, Grafana status). */
export const OUTCOMES = ['success', 'failure', 'firing', 'resolved', 'unknown'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const ENTITY_FIELDS = [
  'user',
  'api_key',
  'ip',
  'user_agent',
  'session',
  'model',
  'model_version',
  'endpoint',
  'host',
  'tenant',
  'feature',
] as const;
export type EntityField = (typeof ENTITY_FIELDS)[number];

export const GEO_FIELDS = ['country', 'region', 'city'] as const;

export type Entity = Partial<Record<EntityField, string>> & {
  geo?: Partial<Record<(typeof GEO_FIELDS)[number], string>>;
};

export const TEXT_FIELDS = ['prompt', 'response', 'system_prompt'] as const;

/**
 * Source name under which Cordon's own matches enter the event log when another correlation
 * reads them (chaining). No connector may take it.
 */
export const DERIVED_SOURCE = 'cordon';

export interface CanonicalEvent {
  /** Sender's id, else `h_` + a content hash. Deduplicated per source. */
  id: string;
  /** Event time, epoch ms UTC. */
  time: number;
  /** When Cordon accepted it, epoch ms UTC. */
  received: number;
  /** Name of the source connector instance it arrived through. */
  source: string;
  kind: EventKind;
  name: string;
  severity: Severity;
  outcome: Outcome;
  entity: Entity;
  /** Finite numbers only: latency_ms, tokens_in, tokens_out, confidence, drift_score, ... */
  measures: Record<string, number>;
  labels: Record<string, string>;
  text?: Partial<Record<(typeof TEXT_FIELDS)[number], string>>;
  /** The original item (one alert of a batch, one result row), untouched. */
  raw?: unknown;
}

/** The canonical event without the fields Cordon sets on acceptance. */
export type NormalisedEvent = Omit<CanonicalEvent, 'received' | 'source'>;

export type FieldGetter = (event: unknown) => unknown;

/** Top-level maps whose keys are free-form and may themselves contain dots (`splunk.sid`). */
const FLAT_MAPS = new Set(['labels', 'measures']);

function own(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' && Object.hasOwn(node, key)
    ? (node as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Compiles a dotted path (`entity.geo.region`, `labels.splunk.sid`) into a reader, once, so the
 * per-event cost is a few property reads. Only own properties are read (`labels.constructor` is
 * missing, not Object's constructor); under `labels` and `measures` the rest of the path is one
 * key, because label names may contain dots.
 */
export function compileFieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  const segments =
    parts.length > 2 && FLAT_MAPS.has(parts[0] ?? '')
      ? [parts[0] ?? '', parts.slice(1).join('.')]
      : parts;
  const [a = '', b, c] = segments;
  if (segments.length === 1) return (e) => own(e, a);
  if (segments.length === 2 && b !== undefined) return (e) => own(own(e, a), b);
  if (segments.length === 3 && b !== undefined && c !== undefined)
    return (e) => own(own(own(e, a), b), c);
  return (e) => {
    let node = e;
    for (const segment of segments) node = own(node, segment);
    return node;
  };
}

/** Reads one path once; hot paths should keep a getter from `compileFieldGetter` instead. */
export function getEventField(event: unknown, path: string): unknown {
  return compileFieldGetter(path)(event);
}
