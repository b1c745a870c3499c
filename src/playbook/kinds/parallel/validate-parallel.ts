import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping, isMapping } from '../../../shared/shape.js';
import type { YamlPath } from '../../../shared/yaml.js';
import type { StateDefinition } from '../../definition/types.js';
import type { ValidateInput } from '../state-kind.js';
import type { ParallelBranch, ParallelStateDefinition } from './parallel-definition.js';

const BRANCH_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/**
 * Kinds a branch may not hold: one level of parallelism keeps every branch's position flat. A
 * `call` may: its sub-run belongs to the branch (withdrawn with it, its effects adopted).
 */
export const NOT_IN_BRANCHES: readonly string[] = ['parallel'];

/**
 * `parallel: { join: all|any, branches: { <name>: { start, states } } }` with `next` and an
 * optional `on_failure`. Branch states are validated by their own kinds, with transitions kept
 * inside their branch; their names must be unique in the whole playbook (steps.<name>, run
 * positions and timelines name states without their branch).
 */
export function validateParallel(input: ValidateInput): ParallelStateDefinition | undefined {
  const { value, path, sink, label } = input;
  const before = input.mark();
  checkKeys(sink, path, value, label, {
    required: ['parallel', 'next'],
    optional: ['on_failure', 'description'],
  });
  const at = [...path, 'parallel'];
  const spec = value.parallel;
  if (!expectMapping(sink, at, spec, `${label} parallel`)) return undefined;
  checkKeys(sink, at, spec, `${label} parallel`, { required: ['branches'], optional: ['join'] });
  const join = spec.join ?? 'all';
  if (join !== 'all' && join !== 'any') {
    sink.error(
      [...at, 'join'],
      'CORDON_ERR_PLAYBOOK_PARALLEL',
      `${label} join must be "all" (wait for every branch) or "any" (the first branch to resolve wins, the others are withdrawn); got ${describe(join)}.`,
    );
  }
  const branches: Record<string, ParallelBranch> = {};
  const rawBranches = spec.branches;
  if (expectMapping(sink, [...at, 'branches'], rawBranches, `${label} branches`)) {
    const names = Object.keys(rawBranches);
    if (names.length < 2)
      sink.error(
        [...at, 'branches'],
        'CORDON_ERR_PLAYBOOK_PARALLEL',
        `${label} has ${names.length} branch${names.length === 1 ? '' : 'es'}; a parallel state needs at least two (one branch is a plain sequence of states).`,
      );
    for (const branch of names) {
      const branchPath = [...at, 'branches', branch];
      if (!BRANCH_NAME.test(branch)) {
        sink.error(
          branchPath,
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} branch name "${branch}" must start with a letter and hold only letters, digits, "_" and "-".`,
          true,
        );
        continue;
      }
      const validated = validateBranch(input, branch, rawBranches[branch], branchPath);
      if (validated) branches[branch] = validated;
    }
  }
  const next = value.next;
  const nextOk = next !== undefined && input.target([...path, 'next'], next, 'next');
  const onFailure = value.on_failure;
  const onFailureOk =
    onFailure === undefined || input.target([...path, 'on_failure'], onFailure, 'on_failure');
  if (input.erredSince(before) || !nextOk || !onFailureOk) return undefined;
  return {
    kind: 'parallel',
    join: join as 'all' | 'any',
    branches,
    next,
    onFailure: onFailure,
  };
}

function validateBranch(
  input: ValidateInput,
  branch: string,
  raw: unknown,
  path: YamlPath,
): ParallelBranch | undefined {
  const { sink, label } = input;
  const what = `${label} branch "${branch}"`;
  if (!expectMapping(sink, path, raw, what)) return undefined;
  checkKeys(sink, path, raw, what, { required: ['start', 'states'] });
  const rawStates = raw.states;
  if (!expectMapping(sink, [...path, 'states'], rawStates, `${what} states`)) return undefined;
  const names = Object.keys(rawStates);
  const states: Record<string, StateDefinition> = {};
  for (const name of names) {
    const at = [...path, 'states', name];
    const elsewhere = input.otherStateNames(name);
    if (elsewhere) {
      sink.error(
        at,
        'CORDON_ERR_PLAYBOOK_PARALLEL',
        `${what} names a state "${name}", which is also ${elsewhere}. State names are unique in the whole playbook (steps.<name> and run positions use them); rename one.`,
        true,
      );
      continue;
    }
    const nested = rawStates[name];
    const inner = isMapping(nested) ? NOT_IN_BRANCHES.find((k) => k in nested) : undefined;
    if (inner) {
      sink.error(
        [...at, inner],
        'CORDON_ERR_PLAYBOOK_PARALLEL',
        `${what} state "${name}" is a "${inner}" state; a branch holds action, approval, choice, wait, call and end states only (no nested parallel). Move it after the join, or into a playbook the branch calls.`,
      );
      continue;
    }
    const state = input.validateNested(name, nested, at, names);
    if (state) states[name] = state;
  }
  const start = raw.start;
  let startOk = false;
  if (typeof start !== 'string' || !names.includes(start)) {
    sink.error(
      [...path, 'start'],
      'CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET',
      `${what} start ${describe(start)} is not one of its states (${names.join(', ') || 'none'}); branches cannot jump to states outside themselves.`,
    );
  } else startOk = true;
  if (!startOk || Object.keys(states).length !== names.length) return undefined;
  const def: ParallelBranch = { start: start as string, states };
  input.checkBranchGraph(def, path);
  return def;
}
