import { SEVERITIES } from '../ingest/canonical-event.js';
import { STATE_KINDS } from '../playbook/kinds/registry.js';
import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { schemaDocument } from './schema-document.js';

/**
 * playbooks/*.yaml. The top level mirrors validate-playbook.ts; each state is one of the kinds'
 * own fragments (StateKind.schema), so a new kind brings its schema with it.
 */
export function playbookSchema(): JsonSchema {
  const kinds = STATE_KINDS.filter((k) => k.schema !== undefined);
  return schemaDocument('playbook', 'A Cordon playbook (playbooks/*.yaml).', {
    type: 'object',
    required: ['id', 'on', 'start', 'states'],
    properties: {
      apiVersion: { const: 'cordon/v1' },
      id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
      title: { type: 'string' },
      description: { type: 'string' },
      on: {
        description:
          'The trigger: incidents of these rules (and severities) start a run; or { call: true } for a playbook only other playbooks call.',
        oneOf: [
          {
            type: 'object',
            required: ['correlation'],
            properties: {
              correlation: stringOrList('A rule name or id, or a list of them.'),
              severity: {
                anyOf: [
                  { enum: [...SEVERITIES] },
                  { type: 'array', items: { enum: [...SEVERITIES] }, minItems: 1 },
                ],
              },
            },
            additionalProperties: false,
          },
          {
            type: 'object',
            required: ['call'],
            properties: { call: { const: true } },
            additionalProperties: false,
          },
        ],
      },
      inputs: {
        type: 'object',
        description:
          'What a calling playbook passes (call.inputs); templates read run.inputs.<name>.',
        propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,62}$' },
        additionalProperties: {
          type: ['object', 'null'],
          properties: {
            required: {
              type: 'boolean',
              description: 'Whether a call must pass it (default true).',
            },
            description: { type: 'string' },
          },
          additionalProperties: false,
        },
      },
      start: { type: 'string', description: 'The first state.' },
      states: {
        type: 'object',
        minProperties: 1,
        propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$' },
        additionalProperties: {
          description: `One state: exactly one of ${kinds.map((k) => k.key).join(', ')}.`,
          oneOf: kinds.map((k) => k.schema),
        },
      },
    },
    additionalProperties: false,
  });
}

export function stringOrList(description: string): JsonSchema {
  return {
    description,
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }],
  };
}
