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

/**
 * An event's primary entity is the first of these it has: what a detection without its own
 * group-by groups by, and what the event log is partitioned by unless a source says otherwise.
 */
export const PRIMARY_ENTITY = [
  'api_key',
  'user',
  'session',
  'ip',
  'user_agent',
  'model',
  'endpoint',
  'host',
  'tenant',
  'feature',
] as const satisfies readonly EntityField[];

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
 * A reader of one own property. Events are data (JSON.parse or literals): a name
 * Object.prototype lacks is found only as an own property or, on an array, as one of Array's
 * methods, which no data holds. So it is read directly, and a function read is nothing; this
 * spares every event the costlier own-property check per path step.
 */
function ownReader(key: string): (node: unknown) => unknown {
  if (key in Object.prototype) return (node) => own(node, key);
  return (node) => {
    if (node === null || typeof node !== 'object') return undefined;
    const value = (node as Record<string, unknown>)[key];
    return typeof value === 'function' ? undefined : value;
  };
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
  const readers = segments.map(ownReader);
  const [a, b, c] = readers;
  if (readers.length === 1 && a) return a;
  if (readers.length === 2 && a && b) return (e) => b(a(e));
  if (readers.length === 3 && a && b && c) return (e) => c(b(a(e)));
  return (e) => {
    let node = e;
    for (const read of readers) node = read(node);
    return node;
  };
}

/** Reads one path once; hot paths should keep a getter from `compileFieldGetter` instead. */
export function getEventField(event: unknown, path: string): unknown {
  return compileFieldGetter(path)(event);
}
