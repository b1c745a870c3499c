import type { RunContext } from '../../definition/compile-playbook.js';
import { evaluateExpression } from '../../expressions/cel.js';
import { runScope } from '../../runtime/run-scope.js';
import { STATE_REF, celExpression, stateObject } from '../schema-parts.js';
import type { DryRunExit, DryRunScope, DryRunStep, GraphNode, JsonSchema } from '../tooling.js';
import type { ChoiceStateDefinition } from './choice-kind.js';

export function graphChoice(def: ChoiceStateDefinition): GraphNode {
  return {
    edges: [
      ...def.branches.map((b) => ({ to: b.next, label: b.when })),
      { to: def.default, label: 'default' },
    ],
    choice: true,
  };
}

/**
 * Evaluates the conditions in order as the machine's guard does (an error is false). When only
 * the incident is known, a condition that fails because it reads steps.* is undecided: it and
 * everything after it stay possible.
 */
export function dryRunChoice(def: ChoiceStateDefinition, scope: DryRunScope): DryRunStep {
  const exits: DryRunExit[] = [];
  for (const branch of def.branches) {
    const result = evaluateExpression(branch.when, runScope(scope.context));
    const exit: DryRunExit = { label: branch.when, to: branch.next, trigger: 'auto' };
    if (result.ok && result.value === true) {
      exits.push(exit);
      return { exits };
    }
    if (!result.ok && scope.known === 'incident' && readsRanStep(branch.when, scope.context))
      exits.push(exit);
  }
  exits.push({ label: 'default', to: def.default, trigger: 'auto' });
  return { exits };
}

/** Whether `when` reads a step that ran on the way here (its result not known in a plan). */
function readsRanStep(when: string, context: RunContext): boolean {
  return [...when.matchAll(/steps\.([A-Za-z][\w-]*)/g)].some(
    (m) => m[1] !== undefined && m[1] in context.steps,
  );
}

/** A run passed the choice when its record in context.choices is new or replaced. */
export function choicePassedTo(
  name: string,
  before: RunContext,
  after: RunContext,
): string | undefined {
  const record = after.choices?.[name];
  return record && record !== before.choices?.[name] ? record.next : undefined;
}

export const choiceSchema: JsonSchema = stateObject(
  'choice',
  'Takes the first branch whose condition holds, else the default (no side effect, no wait).',
  {
    choice: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        required: ['when', 'next'],
        properties: {
          when: celExpression('A CEL condition over incident.*, steps.* and run.*.'),
          next: STATE_REF,
        },
        additionalProperties: false,
      },
    },
    default: STATE_REF,
  },
  ['default'],
);
