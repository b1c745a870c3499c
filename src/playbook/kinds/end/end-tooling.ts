import { stateObject } from '../schema-parts.js';
import type { GraphNode, JsonSchema } from '../tooling.js';
import type { EndStateDefinition } from './end-kind.js';

export function graphEnd(def: EndStateDefinition): GraphNode {
  return { edges: [], outcome: def.outcome, classes: ['final'] };
}

export const endSchema: JsonSchema = stateObject(
  'end',
  'Ends the run; its status is the outcome.',
  { end: { enum: ['resolved', 'failed', 'cancelled'] } },
  [],
);
