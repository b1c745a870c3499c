import type { EntityField } from '../../canonical-event.js';

/**
 * OTel semantic-convention attributes (current names first, then older ones still emitted)
 * that feed canonical fields. The first present wins; every attribute is also a label.
 */
export const ENTITY_ATTRIBUTES: readonly (readonly [EntityField, readonly string[]])[] = [
  ['user', ['enduser.id', 'user.id', 'user.name', 'user.email']],
  ['user_agent', ['user_agent.original', 'http.user_agent']],
  // A service is the nearest thing to a host when the resource names no host.
  ['host', ['host.name', 'service.name']],
  ['endpoint', ['http.route', 'url.path', 'http.target']],
  ['session', ['session.id']],
  ['model', ['gen_ai.request.model', 'gen_ai.response.model']],
  ['tenant', ['tenant.id']],
];

/** May hold a host name or a socket path as well as an IP: only an IP becomes entity.ip. */
export const ADDRESS_ATTRIBUTES = ['client.address', 'source.address', 'http.client_ip'];

export const GEO_ATTRIBUTES: readonly (readonly ['country' | 'region' | 'city', string])[] = [
  ['country', 'geo.country.iso_code'],
  ['region', 'geo.region.iso_code'],
  ['city', 'geo.locality.name'],
];

export const MEASURE_ATTRIBUTES: readonly (readonly [string, readonly string[]])[] = [
  ['tokens_in', ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens']],
  ['tokens_out', ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens']],
  ['status_code', ['http.response.status_code', 'http.status_code']],
];
