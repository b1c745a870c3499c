/**
 * Which ECS fields (and OTel GenAI fields, which ECS documents carry as `gen_ai.*`) feed which
 * canonical field. The first field present wins; the rest stay visible in `raw`.
 */
import type { EntityField } from '../../canonical-event.js';

export const ENTITY_SOURCES: readonly (readonly [EntityField, readonly string[]])[] = [
  ['user', ['user.name', 'user.email', 'user.id']],
  ['user_agent', ['user_agent.original']],
  // `host` as a plain string is Logstash's legacy (non-ECS) field; kubernetes.host is the node.
  ['host', ['host.name', 'host.hostname', 'host', 'kubernetes.host']],
  ['endpoint', ['url.path', 'http.route']],
  ['model', ['gen_ai.request.model', 'gen_ai.response.model']],
  ['tenant', ['organization.name', 'organization.id', 'labels.tenant']],
  // ECS has no API-key field; gateways label a hash of it (never the key itself).
  ['api_key', ['labels.api_key_hash']],
  ['session', ['session.id']],
];

/**
 * The address fields, in order: `source` is the remote end, `client` mirrors it in ECS; the
 * destination is only checked (it is this side, not the actor) and kept as a label.
 */
export const IP_SOURCES = ['source.ip', 'client.ip', 'destination.ip'] as const;

/** Geo of whichever address side was used (ECS keeps geo beside the address). */
export const GEO_SOURCES: readonly (readonly ['country' | 'region' | 'city', readonly string[]])[] =
  [
    ['country', ['geo.country_iso_code', 'geo.country_name']],
    ['region', ['geo.region_name', 'geo.region_iso_code']],
    ['city', ['geo.city_name']],
  ];

/** The address sides geo is read beside (the side of the address used, else source or client). */
export const GEO_SIDES = ['source', 'client'] as const;
export type GeoSide = (typeof GEO_SIDES)[number];

/** GEO_SOURCES with each side's full field names, spelt out once rather than per document. */
export const GEO_SOURCES_BY_SIDE: Readonly<Record<GeoSide, typeof GEO_SOURCES>> = {
  source: GEO_SOURCES.map(([field, names]) => [field, names.map((n) => `source.${n}`)] as const),
  client: GEO_SOURCES.map(([field, names]) => [field, names.map((n) => `client.${n}`)] as const),
};

/** Measures read as numbers (converted where the unit differs). */
export const MEASURE_SOURCES: readonly (readonly [string, readonly string[]])[] = [
  ['risk_score', ['event.risk_score']],
  ['status_code', ['http.response.status_code']],
  // Current OTel GenAI names first, then the older prompt/completion names still emitted.
  ['tokens_in', ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']],
  ['tokens_out', ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']],
];

/** Context kept as labels, named in snake_case after the ECS field. */
export const LABEL_SOURCES: readonly (readonly [string, string])[] = [
  ['event.kind', 'event_kind'],
  ['event.category', 'event_category'],
  ['event.type', 'event_type'],
  ['event.action', 'event_action'],
  ['event.dataset', 'event_dataset'],
  ['event.module', 'event_module'],
  ['event.provider', 'event_provider'],
  ['event.reason', 'event_reason'],
  ['event.code', 'event_code'],
  // ECS says event.severity is source-defined: kept as sent, not mapped onto our levels.
  ['event.severity', 'event_severity'],
  ['user.id', 'user_id'],
  ['user.email', 'user_email'],
  ['user.domain', 'user_domain'],
  ['source.port', 'source_port'],
  ['source.domain', 'source_domain'],
  ['source.as.number', 'source_as_number'],
  ['source.as.organization.name', 'source_as_organization'],
  ['destination.ip', 'destination_ip'],
  ['destination.port', 'destination_port'],
  ['service.name', 'service_name'],
  ['service.version', 'service_version'],
  ['http.request.method', 'http_method'],
  ['url.domain', 'url_domain'],
  ['observer.vendor', 'observer_vendor'],
  ['observer.product', 'observer_product'],
  ['trace.id', 'trace_id'],
  ['span.id', 'span_id'],
  ['transaction.id', 'transaction_id'],
  ['rule.id', 'rule_id'],
  ['rule.name', 'rule_name'],
  ['log.level', 'log_level'],
  ['error.type', 'error_type'],
  ['error.code', 'error_code'],
  ['error.message', 'error_message'],
  ['gen_ai.system', 'gen_ai_system'],
  ['gen_ai.operation.name', 'gen_ai_operation'],
  ['gen_ai.response.id', 'gen_ai_response_id'],
  ['gen_ai.response.finish_reasons', 'gen_ai_finish_reasons'],
  ['message', 'message'],
  // Fluent Bit and Logstash without ECS: the line is under `log`, Kubernetes context beside it.
  ['log', 'log'],
  ['stream', 'stream'],
  ['kubernetes.namespace_name', 'k8s_namespace'],
  ['kubernetes.pod_name', 'k8s_pod'],
  ['kubernetes.container_name', 'k8s_container'],
  ['tags', 'tags'],
  ['ecs.version', 'ecs_version'],
];
