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

/**
 * Reads a dotted path (`entity.geo.region`, `labels.splunk.sid`) from an event. Keys may
 * themselves contain dots (label names such as `splunk.sid`), so at each level the longest
 * run of remaining segments that names a key wins. Returns undefined for a missing path.
 */
export function getEventField(event: unknown, path: string): unknown {
  const segments = path.split('.');
  let node: unknown = event;
  let i = 0;
  while (i < segments.length) {
    if (node === null || typeof node !== 'object') return undefined;
    const record = node as Record<string, unknown>;
    let next = -1;
    for (let j = segments.length; j > i; j -= 1) {
      if (Object.prototype.hasOwnProperty.call(record, segments.slice(i, j).join('.'))) {
        next = j;
        break;
      }
    }
    if (next === -1) return undefined;
    node = record[segments.slice(i, next).join('.')];
    i = next;
  }
  return node;
}
