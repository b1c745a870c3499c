import type { JsonSchema } from '../playbook/kinds/tooling.js';
import { connectorSchema } from './connector-schema.js';
import { correlationSchema } from './correlation-schema.js';
import { pipelineSchema } from './pipeline-schema.js';
import { playbookSchema } from './playbook-schema.js';
import { correlationTestSchema, playbookTestSchema } from './test-schemas.js';

/**
 * The published JSON Schemas, built from the code (the kinds' fragments, the operation
 * catalogue, the connector and correlation type registries). schemas/<name>.schema.json are
 * these, written by scripts/generate-schemas.mjs; a test keeps the files equal to them.
 */
export const SCHEMAS: Readonly<Record<string, () => JsonSchema>> = {
  playbook: playbookSchema,
  'playbook-test': playbookTestSchema,
  correlation: correlationSchema,
  'correlation-test': correlationTestSchema,
  connector: connectorSchema,
  pipeline: pipelineSchema,
};

/** The file text of a schema: two-space JSON and a final newline. */
export function schemaText(name: string): string | undefined {
  const build = SCHEMAS[name];
  return build ? `${JSON.stringify(build(), null, 2)}\n` : undefined;
}
