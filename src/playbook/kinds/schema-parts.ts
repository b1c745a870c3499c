import type { JsonSchema } from './tooling.js';

/**
 * JSON Schema pieces the kinds' fragments share, mirroring what the validators accept, so the
 * editor's check and `cordon validate` agree on shapes (the validator still has the last word:
 * references, types of expressions and graph checks are beyond a schema).
 */

/** `10s`, `30m`, `1h` … (src/shared/duration.ts). */
export const DURATION: JsonSchema = {
  type: 'string',
  pattern: '^\\s*\\d+\\s*(ms|s|m|h|d|w)\\s*$',
  description: 'A duration: a whole number followed by ms, s, m, h, d or w, e.g. 30m.',
};

/** The name of another state in this playbook. */
export const STATE_REF: JsonSchema = {
  type: 'string',
  pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$',
  description: 'The name of a state in this playbook.',
};

/** A CEL expression over incident.*, steps.* and run.*. */
export function celExpression(description: string): JsonSchema {
  return { type: 'string', minLength: 1, description };
}

export const STATE_DESCRIPTION: JsonSchema = {
  type: 'string',
  description: 'Free text for readers of the playbook.',
};

/** A state object of one kind: `key` is the kind's marker and required. */
export function stateObject(
  key: string,
  description: string,
  properties: Record<string, JsonSchema>,
  required: readonly string[],
  extra: Record<string, unknown> = {},
): JsonSchema {
  return {
    type: 'object',
    description,
    required: [key, ...required.filter((r) => r !== key)],
    properties: { ...properties, description: STATE_DESCRIPTION },
    additionalProperties: false,
    ...extra,
  };
}
