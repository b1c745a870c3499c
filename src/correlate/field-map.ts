import { ENTITY_FIELDS, GEO_FIELDS, TEXT_FIELDS } from '../ingest/canonical-event.js';

/**
 * Field names in rules → dotted paths of the canonical event (`entity.api_key`).
 *
 * Rules are ported from Sigma, ECS, OCSF and vendor dashboards, so a field can be spelled many
 * ways (`src_ip`, `source.ip`, `IpAddress`). Rather than asking authors to rewrite them, common
 * spellings are mapped here; anything else must be a canonical path. Names that map nowhere are
 * rejected at load time, because a rule that reads a field no event has can never fire and
 * nobody would notice.
 */

/** Top-level keys of the canonical event that hold a single scalar. */
const SCALAR_ROOTS = [
  'id',
  'time',
  'received',
  'source',
  'kind',
  'name',
  'severity',
  'outcome',
] as const;

/** Top-level keys whose children are open-ended (`labels.<anything>`). */
const OPEN_ROOTS = ['measures', 'labels'] as const;

/** Canonical path → the other spellings that mean it (matched case-insensitively). */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  'entity.user': [
    'user',
    'user.name',
    'username',
    'user_name',
    'user.id',
    'user_id',
    'userid',
    'actor.user.name',
    'targetusername',
    'subjectusername',
  ],
  'entity.api_key': ['api_key', 'apikey', 'api.key', 'api_key_id', 'api_key.id'],
  'entity.ip': [
    'ip',
    'ip_address',
    'ipaddress',
    'src_ip',
    'srcip',
    'source.ip',
    'sourceip',
    'source_ip',
    'client.ip',
    'client_ip',
    'clientip',
    'c-ip',
    'remote_ip',
    'remoteip',
    'remote_addr',
    'src_endpoint.ip',
  ],
  'entity.geo.country': [
    'country',
    'geo.country',
    'country_code',
    'source.geo.country_iso_code',
    'source.geo.country_name',
    'client.geo.country_iso_code',
    'client.geo.country_name',
    'src_endpoint.location.country',
  ],
  'entity.geo.region': [
    'region',
    'geo.region',
    'region_name',
    'source.geo.region_name',
    'client.geo.region_name',
    'src_endpoint.location.region',
  ],
  'entity.geo.city': [
    'city',
    'geo.city',
    'source.geo.city_name',
    'client.geo.city_name',
    'src_endpoint.location.city',
  ],
  'entity.user_agent': [
    'user_agent',
    'useragent',
    'user_agent.original',
    'http.user_agent',
    'http_user_agent',
    'c-useragent',
    'http_request.user_agent',
  ],
  'entity.session': ['session', 'session.id', 'session_id', 'sessionid'],
  'entity.model': ['model', 'model.name', 'model_name', 'modelname', 'model_id', 'model.id'],
  'entity.model_version': ['model_version', 'model.version', 'modelversion'],
  'entity.endpoint': ['endpoint', 'endpoint_name', 'url.path'],
  'entity.host': [
    'host',
    'hostname',
    'host.name',
    'host.hostname',
    'computername',
    'device.hostname',
  ],
  'entity.tenant': ['tenant', 'tenant.id', 'tenant_id', 'tenantid', 'organization.id', 'org_id'],
  'entity.feature': ['feature', 'feature_name'],
  'measures.latency_ms': ['latency_ms', 'latency'],
  'measures.tokens_in': [
    'tokens_in',
    'prompt_tokens',
    'input_tokens',
    'usage.prompt_tokens',
    'usage.input_tokens',
  ],
  'measures.tokens_out': [
    'tokens_out',
    'completion_tokens',
    'output_tokens',
    'usage.completion_tokens',
    'usage.output_tokens',
  ],
  'measures.confidence': ['confidence'],
  'measures.drift_score': ['drift_score'],
  'measures.anomaly_score': ['anomaly_score'],
  'measures.status_code': ['status_code', 'statuscode', 'http.response.status_code', 'sc-status'],
  'measures.cost': ['cost'],
  'text.prompt': ['prompt', 'gen_ai.prompt'],
  'text.response': ['response', 'completion', 'gen_ai.completion'],
  'text.system_prompt': ['system_prompt'],
  outcome: ['event.outcome'],
  name: ['event.name', 'eventname', 'event.action'],
  id: ['event.id'],
  time: ['@timestamp', 'timestamp'],
};

const ALIAS_TO_PATH: ReadonlyMap<string, string> = new Map(
  Object.entries(ALIASES).flatMap(([path, names]) =>
    names.map((n) => [n.toLowerCase(), path] as const),
  ),
);

/** Every canonical leaf path a rule can name without an alias (for suggestions). */
const CANONICAL_PATHS: readonly string[] = [
  ...SCALAR_ROOTS,
  ...ENTITY_FIELDS.map((f) => `entity.${f}`),
  ...GEO_FIELDS.map((f) => `entity.geo.${f}`),
  ...TEXT_FIELDS.map((f) => `text.${f}`),
];

/**
 * The canonical event path for a rule field name, or undefined when it maps nowhere.
 * Known aliases win (so `source.ip` is the client address, not the connector name); otherwise a
 * dotted canonical path is accepted when it can exist on an event: scalar roots have no
 * children, `entity`/`text` children are a closed set, `measures`/`labels` children are open.
 */
export function resolveFieldPath(name: string): string | undefined {
  const alias = ALIAS_TO_PATH.get(name.toLowerCase());
  if (alias !== undefined) return alias;
  const segments = name.split('.');
  if (segments.some((s) => s === '' || s.trim() !== s)) return undefined;
  const [first = '', ...rest] = segments;
  const root = first.toLowerCase();
  if ((SCALAR_ROOTS as readonly string[]).includes(root))
    return rest.length === 0 ? root : undefined;
  if ((OPEN_ROOTS as readonly string[]).includes(root))
    return rest.length > 0 ? [root, ...rest].join('.') : undefined;
  const lowered = rest.map((s) => s.toLowerCase());
  if (root === 'text') {
    const [field] = lowered;
    return lowered.length === 1 &&
      field !== undefined &&
      (TEXT_FIELDS as readonly string[]).includes(field)
      ? `text.${field}`
      : undefined;
  }
  if (root === 'entity') {
    const [field, sub] = lowered;
    if (
      lowered.length === 1 &&
      field !== undefined &&
      (ENTITY_FIELDS as readonly string[]).includes(field)
    ) {
      return `entity.${field}`;
    }
    if (
      lowered.length === 2 &&
      field === 'geo' &&
      sub !== undefined &&
      (GEO_FIELDS as readonly string[]).includes(sub)
    ) {
      return `entity.geo.${sub}`;
    }
  }
  return undefined;
}

/** Names worth suggesting when a field name maps nowhere. */
export function knownFieldNames(): readonly string[] {
  return [...CANONICAL_PATHS, ...ALIAS_TO_PATH.keys()];
}
