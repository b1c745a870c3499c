import { CORRELATION_KEYS, DETECTION_KEYS } from '../correlate/rule/parse-rules.js';
import { LEVELS, STATUSES } from '../correlate/rule/rule-metadata.js';
import { CORRELATION_TYPES, PLANNED_TYPES } from '../correlate/types/registry.js';
import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { stringOrList } from './playbook-schema.js';
import { schemaDocument } from './schema-document.js';

/**
 * correlations/*.yaml: Sigma detection and correlation rules with Cordon's `cordon:` block.
 * Sigma allows custom top-level attributes, so unknown keys are allowed here as the loader
 * allows them (it warns); the keys it knows and the correlation types come from the code.
 */
export function correlationSchema(): JsonSchema {
  const known = (keys: readonly string[]): Record<string, JsonSchema> =>
    Object.fromEntries(keys.map((k) => [k, COMMON[k] ?? {}]));
  return schemaDocument(
    'correlation',
    'A Sigma detection or correlation rule as Cordon runs it (correlations/*.yaml).',
    {
      oneOf: [
        {
          type: 'object',
          description: 'A detection rule.',
          required: ['title', 'detection'],
          properties: {
            ...known(DETECTION_KEYS),
            title: { type: 'string' },
            detection: {
              type: 'object',
              required: ['condition'],
              properties: { condition: stringOrList('The Sigma condition.') },
            },
            logsource: {
              type: 'object',
              properties: {
                category: { type: 'string' },
                product: { type: 'string' },
                service: { type: 'string' },
              },
            },
          },
          not: { required: ['correlation'] },
        },
        {
          type: 'object',
          description: 'A correlation rule over other rules.',
          required: ['title', 'correlation'],
          properties: {
            ...known(CORRELATION_KEYS),
            title: { type: 'string' },
            correlation: {
              type: 'object',
              required: ['type', 'rules', 'timespan'],
              properties: {
                type: {
                  enum: [...CORRELATION_TYPES.map((t) => t.name), ...PLANNED_TYPES.keys()],
                },
                rules: stringOrList('The rules (names or ids) this correlation reads.'),
                timespan: { type: 'string' },
                'group-by': stringOrList('Fields the matches are grouped by.'),
                condition: {
                  description:
                    'Thresholds ({ gte: 5 }), or a boolean expression over the rules (temporal).',
                  type: ['object', 'string'],
                },
                aliases: { type: 'object' },
                generate: { type: 'boolean' },
              },
              additionalProperties: false,
            },
          },
          not: { required: ['detection'] },
        },
      ],
    },
  );
}

const COMMON: Readonly<Record<string, JsonSchema>> = {
  id: { type: 'string' },
  name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
  status: { enum: [...STATUSES] },
  description: { type: 'string' },
  level: { enum: [...LEVELS] },
  tags: { type: 'array', items: { type: 'string' } },
  references: { type: 'array', items: { type: 'string' } },
  falsepositives: stringOrList('Known benign causes.'),
  cordon: { type: 'object', description: "Cordon's own settings for this rule." },
  generate: { type: 'boolean' },
};
