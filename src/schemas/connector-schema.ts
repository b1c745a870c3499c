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
        description: 'Source connectors: who may send (bearer tokens, basic, HMAC …).',
        properties: { bearer: { anyOf: [SECRET_REF, { type: 'array', items: SECRET_REF }] } },
      },
      options: { type: 'object', description: "The source type's own options." },
      keep: {
        type: 'object',
        properties: {
          raw: { type: 'string' },
          raw_sample: { type: 'number' },
          text: { type: 'string' },
        },
        additionalProperties: false,
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
