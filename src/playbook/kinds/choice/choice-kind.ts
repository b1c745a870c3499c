import { assign } from 'xstate';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { RunContext } from '../../definition/compile-playbook.js';
import type { BaseStateDefinition } from '../../definition/types.js';
import {
  connectorsRequired,
  connectorsRequiredIfFalse,
  evaluateExpression,
} from '../../expressions/cel.js';
import { runScope } from '../../runtime/run-scope.js';
import type { StateKind } from '../state-kind.js';
import { choicePassedTo, choiceSchema, dryRunChoice, graphChoice } from './choice-tooling.js';

export interface ChoiceStateDefinition extends BaseStateDefinition {
  readonly kind: 'choice';
  /** Tried in order; the first whose `when` is true decides. */
  readonly branches: readonly { readonly when: string; readonly next: string }[];
  /** Taken when no condition holds (or one cannot be evaluated: a missing field is false). */
  readonly default: string;
}

/** What a run records when it passes a choice: `context.choices.<state>`. */
export interface ChoiceRecord {
  /** Index of the branch taken, or "default". */
  readonly branch: number | 'default';
  readonly next: string;
}

const MAX_BRANCHES = 20;

/**
 * `choice`: ordered CEL conditions and a default. Compiled to xstate eventless (`always`)
 * transitions with guards, so a run passes through a choice inside the same pure
 * `transition()` that entered it: no effect, no extra step, and the branch taken is recorded.
 */
export const choiceKind: StateKind<ChoiceStateDefinition> = {
  key: 'choice',
  resting: 'transient',
  graph: graphChoice,
  dryRun: dryRunChoice,
  passedTo: choicePassedTo,
  schema: choiceSchema,
  validate(input) {
    const { value, path, sink, label, target, checkExpression } = input;
    const before = input.mark();
    checkKeys(sink, path, value, label, {
      required: ['choice', 'default'],
      optional: ['description'],
    });
    const branches: { when: string; next: string }[] = [];
    const list = value.choice;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_BRANCHES) {
      sink.error(
        [...path, 'choice'],
        'CORDON_ERR_DEFINITION_TYPE',
        `${label} choice must be a list of 1 to ${MAX_BRANCHES} branches, each "- when: <CEL condition>" with "next: <state>"; for example - { when: 'incident.severity == "critical"', next: block }.`,
      );
    } else {
      list.forEach((branch: unknown, i) => {
        const at = [...path, 'choice', i];
        if (!expectMapping(sink, at, branch, `${label} choice[${i}]`)) return;
        checkKeys(sink, at, branch, `${label} choice[${i}]`, { required: ['when', 'next'] });
        const { when, next } = branch;
        const okWhen =
          when !== undefined && checkExpression([...at, 'when'], when, 'bool', `choice[${i}].when`);
        const okNext = next !== undefined && target([...at, 'next'], next, `choice[${i}].next`);
        if (okWhen && okNext) branches.push({ when, next });
      });
    }
    const fallback = value.default;
    const okDefault = fallback !== undefined && target([...path, 'default'], fallback, 'default');
    if (input.erredSince(before) || !okDefault) return undefined;
    return { kind: 'choice', branches, default: fallback };
  },
  edges: (def) => {
    // A branch is taken when its condition holds and every one before it failed; the default
    // when all failed: each carries what those say of connectors.<name>.enabled.
    const ifFalse = def.branches.map((b) => connectorsRequiredIfFalse(b.when));
    return [
      ...def.branches.map((b, i) => ({
        to: b.next,
        approved: false,
        requires: [...connectorsRequired(b.when), ...ifFalse.slice(0, i).flat()],
      })),
      { to: def.default, approved: false, requires: ifFalse.flat() },
    ];
  },
  compile: (name, def) => ({
    always: [
      ...def.branches.map((b, i) => ({
        guard: { type: 'cordon.when', params: { expression: b.when } },
        target: b.next,
        actions: [{ type: 'recordChoice', params: { state: name, branch: i, next: b.next } }],
      })),
      {
        target: def.default,
        actions: [
          { type: 'recordChoice', params: { state: name, branch: 'default', next: def.default } },
        ],
      },
    ],
  }),
  guards: {
    'cordon.when': ({ context }, params: { expression: string }) => {
      const result = evaluateExpression(params.expression, runScope(context as RunContext));
      return result.ok && result.value === true;
    },
  },
  actions: {
    recordChoice: assign(
      (
        { context }: { context: RunContext },
        params: { state: string; branch: number | 'default'; next: string },
      ) => {
        const record: ChoiceRecord = { branch: params.branch, next: params.next };
        return { choices: { ...context.choices, [params.state]: record } };
      },
    ),
  },
};
