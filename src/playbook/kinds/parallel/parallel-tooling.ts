import { FAILED_STATE } from '../../definition/failed-state.js';
import { STATE_KINDS } from '../registry.js';
import { STATE_REF, stateObject } from '../schema-parts.js';
import type {
  DryRunScope,
  DryRunStep,
  GraphInput,
  GraphNode,
  GraphRegion,
  JsonSchema,
} from '../tooling.js';
import type { ParallelStateDefinition } from './parallel-definition.js';
import { NOT_IN_BRANCHES } from './validate-parallel.js';

/** What takes the join's ways out, as the diagram and the plan word them. */
export function joinLabels(def: ParallelStateDefinition): { next: string; fail: string } {
  return def.join === 'all'
    ? { next: 'all branches resolved', fail: 'a branch did not resolve' }
    : { next: 'first branch resolved', fail: 'no branch resolved' };
}

/**
 * Drawn as a Mermaid composite state whose concurrent regions (`--`) are the branches, each
 * drawn by its states' own kinds; the join's edges leave the composite.
 */
export function graphParallel(def: ParallelStateDefinition, input: GraphInput): GraphNode {
  const labels = joinLabels(def);
  const regions: GraphRegion[] = Object.entries(def.branches).map(([name, branch]) => ({
    name,
    start: branch.start,
    states: Object.fromEntries(
      Object.entries(branch.states).map(([inner, innerDef]) => [
        inner,
        input.drawState?.(inner, innerDef) ?? { edges: [] },
      ]),
    ),
  }));
  return {
    edges: [
      { to: def.next, label: labels.next },
      { to: def.onFailure ?? FAILED_STATE, label: labels.fail },
    ],
    note: `parallel, join ${def.join}`,
    regions,
  };
}

/**
 * The join's two ways out, and the branches a dry run walks on its own: `cordon plan` lists
 * each branch's paths, the interpreter (playbook tests) runs the branches as the runner does.
 */
export function dryRunParallel(def: ParallelStateDefinition, _scope: DryRunScope): DryRunStep {
  const labels = joinLabels(def);
  return {
    exits: [
      { label: labels.next, to: def.next, trigger: 'auto' },
      { label: labels.fail, to: def.onFailure ?? FAILED_STATE, trigger: 'auto' },
    ],
    parallel: {
      join: def.join,
      branches: Object.entries(def.branches).map(([name, b]) => ({ name, start: b.start })),
    },
  };
}

/**
 * The fragment is built when first read: branch states are the other kinds' own fragments
 * (those a branch may hold), and the registry is complete only once every kind is loaded.
 */
let built: JsonSchema | undefined;
export function parallelSchema(): JsonSchema {
  built ??= stateObject(
    'parallel',
    'Runs branches at the same time and joins them (all: every branch resolves; any: the first to resolve wins, the others are withdrawn).',
    {
      parallel: {
        type: 'object',
        required: ['branches'],
        properties: {
          join: { enum: ['all', 'any'], description: 'all (the default) or any.' },
          branches: {
            type: 'object',
            minProperties: 2,
            propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$' },
            additionalProperties: {
              type: 'object',
              required: ['start', 'states'],
              properties: {
                start: STATE_REF,
                states: {
                  type: 'object',
                  minProperties: 1,
                  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_-]{0,62}$' },
                  additionalProperties: {
                    // NOT_IN_BRANCHES first: reading this kind's own schema here would recurse.
                    oneOf: STATE_KINDS.filter(
                      (k) => !NOT_IN_BRANCHES.includes(k.key) && k.schema !== undefined,
                    ).map((k) => k.schema),
                  },
                },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
      next: STATE_REF,
      on_failure: STATE_REF,
    },
    ['next'],
  );
  return built;
}
