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
          'The trigger: incidents of these rules (narrowed by severity, tags, source and group fields) start a run; or { call: true } for a playbook only other playbooks call. Any playbook may also be started by hand (POST /v1/runs).',
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
              tags: {
                description:
                  'Incident tags: a list = any of them; { all: [...] } = every one. Case-insensitive; "*" matches any run of characters.',
                anyOf: [
                  stringOrList('A tag, or a list of tags (any of them).'),
                  {
                    type: 'object',
                    minProperties: 1,
                    maxProperties: 1,
                    properties: {
                      any: stringOrList('The incident has one of these tags.'),
                      all: stringOrList('The incident has every one of these tags.'),
                    },
                    additionalProperties: false,
                  },
                ],
              },
              source: stringOrList(
                'Source connector instances (POST /v1/ingest/<source>): one of the match\'s events came through one of them. Exact, or "*" globs.',
              ),
              group: {
                type: 'object',
                description:
                  'Group-by fields of the triggering rules → accepted values (exact, or "*" globs; a list = any of them), e.g. { api_key: "k-*" }.',
                minProperties: 1,
                additionalProperties: stringOrList('A value, or a list of values (any of them).'),
              },
              every_match: {
                type: 'boolean',
                description:
                  'true: every match of an incident that passes the trigger starts a run (one per match). Default false: one run per incident, started by the first match (the opening one or a later one) that passes.',
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
