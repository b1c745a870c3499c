import { TRANSFORMATIONS } from '../correlate/rule/pipeline/transformations/index.js';
import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { schemaDocument } from './schema-document.js';

const logsource = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'logsource' },
    category: { type: 'string' },
    product: { type: 'string' },
    service: { type: 'string' },
  },
  additionalProperties: false,
};
/** processing_item_applied, on a rule, a field name or a detection item alike. */
const appliedCondition = {
  type: 'object',
  required: ['type', 'processing_item_id'],
  properties: {
    type: { const: 'processing_item_applied' },
    processing_item_id: { type: 'string', minLength: 1 },
  },
  additionalProperties: false,
};
/** processing_state: a key of the state set_state items gave, on a rule, a field or an item. */
const stateCondition = {
  type: 'object',
  required: ['type', 'key', 'val'],
  properties: {
    type: { const: 'processing_state' },
    key: { type: 'string', minLength: 1 },
    val: { type: ['string', 'number', 'boolean'] },
    op: { enum: ['eq', 'ne', 'gte', 'gt', 'lte', 'lt'] },
  },
  additionalProperties: false,
};
const fieldCondition = {
  oneOf: [
    {
      type: 'object',
      required: ['type', 'fields'],
      properties: {
        type: { enum: ['include_fields', 'exclude_fields'] },
        fields: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        mode: {
          enum: ['plain', 're'],
          description: 're: Python regular expressions matched at the start of a field name.',
        },
      },
      additionalProperties: false,
    },
    appliedCondition,
    stateCondition,
  ],
};
const ruleCondition = {
  oneOf: [
    logsource,
    {
      type: 'object',
      required: ['type', 'tag'],
      properties: {
        type: { const: 'tag' },
        tag: { type: 'string', pattern: '^[^.\\s]+\\.\\S+$' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['is_sigma_rule', 'is_sigma_correlation_rule'] } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'attribute', 'value'],
      properties: {
        type: { const: 'rule_attribute' },
        attribute: {
          type: 'string',
          minLength: 1,
          description: 'A rule key: level, status, date, tags, …',
        },
        value: { type: ['string', 'number'] },
        op: { enum: ['eq', 'ne', 'gte', 'gt', 'lte', 'lt', 'in', 'not_in'] },
      },
      additionalProperties: false,
    },
    appliedCondition,
    stateCondition,
    {
      type: 'object',
      required: ['type', 'field'],
      properties: { type: { const: 'contains_field' }, field: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'field', 'value'],
      properties: {
        type: { const: 'contains_detection_item' },
        field: { type: 'string', minLength: 1 },
        value: { type: ['string', 'number', 'boolean', 'null'] },
      },
      additionalProperties: false,
    },
  ],
};

/**
 * An item's conditions of one sort: a list, or a mapping of names that its `*_cond_expr`
 * combines (and, or, not, parentheses).
 */
function conditions(sort: string, ref: string): Record<string, JsonSchema> {
  return {
    [`${sort}_conditions`]: {
      anyOf: [
        { type: 'array', items: { $ref: ref }, minItems: 1 },
        { type: 'object', additionalProperties: { $ref: ref }, minProperties: 1 },
      ],
    },
    [`${sort}_cond_op`]: { enum: ['and', 'or'] },
    [`${sort}_cond_not`]: { type: 'boolean' },
    [`${sort}_cond_expr`]: { type: 'string', description: 'e.g. "a and (b or not c)"' },
  };
}

/** An expression needs its conditions as a mapping, and excludes the op (as the loader says). */
function expressionRule(sort: string): JsonSchema {
  return {
    if: { required: [`${sort}_cond_expr`] },
    then: {
      required: [`${sort}_conditions`],
      properties: { [`${sort}_conditions`]: { type: 'object' } },
      not: { required: [`${sort}_cond_op`] },
    },
  };
}

const COMMON: Readonly<Record<string, JsonSchema>> = {
  id: { type: 'string' },
  ...conditions('rule', '#/$defs/ruleCondition'),
};
const cond = { enum: ['any', 'all'] };
const itemCondition = {
  oneOf: [
    {
      type: 'object',
      required: ['type', 'pattern', 'cond'],
      properties: {
        type: { const: 'match_string' },
        pattern: { type: 'string', description: 'Matched at the start of each string value.' },
        negate: { type: 'boolean' },
        cond,
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'value', 'cond'],
      properties: {
        type: { const: 'match_value' },
        value: { type: ['string', 'number', 'boolean'] },
        cond,
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'cond'],
      properties: { type: { enum: ['contains_wildcard', 'is_null'] }, cond },
      additionalProperties: false,
    },
    appliedCondition,
    stateCondition,
  ],
};
const ITEM_FILTER: Readonly<Record<string, JsonSchema>> = conditions(
  'detection_item',
  '#/$defs/detectionItemCondition',
);
const FIELD_FILTER: Readonly<Record<string, JsonSchema>> = conditions(
  'field_name',
  '#/$defs/fieldNameCondition',
);

/**
 * correlations/**\/*.pipeline.yaml: pySigma processing pipelines as Cordon applies them, one
 * item shape per implemented transformation type (from the registry).
 */
export function pipelineSchema(): JsonSchema {
  return schemaDocument(
    'pipeline',
    'A pySigma processing pipeline applied to the rules beside it (correlations/**/*.pipeline.yaml).',
    {
      // Shared by every item that takes them (each item's shape is written out in full).
      $defs: {
        ruleCondition,
        fieldNameCondition: fieldCondition,
        detectionItemCondition: itemCondition,
      },
      type: 'object',
      required: ['name', 'transformations'],
      properties: {
        name: { type: 'string' },
        priority: { type: 'number', description: 'Lower applies first.' },
        vars: {
          type: 'object',
          description: 'Placeholder values for the expand modifier (value_placeholders).',
          additionalProperties: {
            anyOf: [
              { type: ['string', 'number'] },
              { type: 'array', items: { type: ['string', 'number'] }, minItems: 1 },
            ],
          },
        },
        allowed_backends: {},
        postprocessing: { description: 'Ignored: Cordon builds no query.' },
        finalizers: { description: 'Ignored: Cordon builds no query.' },
        transformations: {
          type: 'array',
          items: {
            oneOf: [...TRANSFORMATIONS.values()].map((kind) => ({
              type: 'object',
              required: ['type', ...(kind.required ?? [])],
              properties: {
                type: { const: kind.type },
                ...COMMON,
                ...(kind.renamesFields || kind.detectionItems ? FIELD_FILTER : {}),
                ...(kind.detectionItems ? ITEM_FILTER : {}),
                ...kind.schema,
              },
              allOf: [
                expressionRule('rule'),
                ...(kind.renamesFields || kind.detectionItems
                  ? [expressionRule('field_name')]
                  : []),
                ...(kind.detectionItems ? [expressionRule('detection_item')] : []),
              ],
              additionalProperties: false,
            })),
          },
        },
      },
      additionalProperties: false,
    },
  );
}
