import { ACTION_CONNECTOR_TYPES, SOURCE_TYPES } from '../config/connectors.js';
import { DURATION } from '../playbook/kinds/schema-parts.js';
import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { schemaDocument } from './schema-document.js';

const SECRET_REF: JsonSchema = {
  description: 'A secret, by reference only: { env: NAME } or { file: path }.',
  oneOf: [
    {
      type: 'object',
      required: ['env'],
      properties: { env: { type: 'string' } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string' } },
      additionalProperties: false,
    },
  ],
};

/** connectors/*.yaml (src/config/connectors.ts); the types come from the source registry. */
export function connectorSchema(): JsonSchema {
  return schemaDocument('connector', 'A Cordon connector (connectors/*.yaml).', {
    type: 'object',
    required: ['name', 'type'],
    properties: {
      apiVersion: { const: 'cordon/v1' },
      name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
      type: { enum: [...SOURCE_TYPES, ...ACTION_CONNECTOR_TYPES] },
      description: { type: 'string' },
      auth: {
        type: 'object',
        description:
          'Source connectors: who may send (bearer tokens, basic, HMAC …). Action connectors: how Cordon calls out, one of bearer, basic, header, hmac or sigv4, secrets by reference.',
        properties: { bearer: { anyOf: [SECRET_REF, { type: 'array', items: SECRET_REF }] } },
      },
      options: { type: 'object', description: "The connector type's own options." },
      enabled: {
        type: 'boolean',
        description: 'Action connectors: false = validated but never started (needs no secret).',
      },
      url: {
        description:
          'Action connectors: the base URL, or a secret reference when the URL is the credential.',
        anyOf: [{ type: 'string', format: 'uri' }, SECRET_REF],
      },
      timeout: DURATION,
      retry: {
        type: 'object',
        properties: {
          attempts: { type: 'integer', minimum: 1, maximum: 10 },
          delay: DURATION,
          max_delay: DURATION,
          max_retry_after: DURATION,
        },
        additionalProperties: false,
      },
      rate_limit: { type: 'string', description: 'Outbound requests per window, e.g. 5/s.' },
      allow_hosts: {
        type: 'array',
        items: { type: 'string' },
        description: 'Hosts requests may go to (host, host:port, *.domain).',
      },
      keep: {
        type: 'object',
        properties: {
          raw: { type: 'string' },
          raw_sample: { type: 'number' },
          text: { type: 'string' },
          text_ms: {
            type: 'integer',
            minimum: 0,
            description:
              'How long prompt/response text is kept after its event was accepted (ms; 0: as long as the event); overrides CORDON_RETENTION_TEXT_MS for this source.',
          },
        },
        additionalProperties: false,
      },
      partition_by: {
        type: 'string',
        description:
          'Source connectors: the entity field (entity.user, entity.api_key, …) its events are spread over the event-log partitions by (CORDON_EVENT_LOG_PARTITIONS); default: the primary entity.',
      },
      listen: {
        type: 'object',
        properties: {
          host: { type: 'string' },
          udp: { type: 'integer' },
          tcp: { type: 'integer' },
          allow: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
      watermark: {
        type: 'object',
        properties: { out_of_orderness: DURATION, idle: DURATION },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  });
}
