import type { JsonSchema } from '../playbook/kinds/tooling.js';

/** Where the published schemas live; files reference them relatively (../schemas/<name>.schema.json). */
export const SCHEMA_BASE = 'https://cordon.dev/schemas/';

/** A top-level schema document: dialect, id and title around `body`. */
export function schemaDocument(name: string, title: string, body: JsonSchema): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `${SCHEMA_BASE}${name}.schema.json`,
    title,
    ...body,
  };
}
