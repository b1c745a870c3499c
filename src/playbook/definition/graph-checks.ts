import type { OperationSpec } from '../../actions/operations.js';
import type { DiagnosticSink } from '../../shared/yaml.js';
import type { PlaybookDefinition, StateDefinition } from './types.js';

interface Edge {
  readonly to: string;
  /** Taken only after an approver said yes. */
  readonly approved: boolean;
}

/** The explicit transitions out of a state (an action's implicit "end failed" is not one). */
export function edgesOf(state: StateDefinition): Edge[] {
  switch (state.kind) {
    case 'action':
      return [
        { to: state.next, approved: false },
        ...(state.onFailure ? [{ to: state.onFailure, approved: false }] : []),
      ];
    case 'approval':
      return [
        { to: state.on.approved, approved: true },
        { to: state.on.rejected, approved: false },
        { to: state.on.timeout, approved: false },
      ];
    case 'end':
      return [];
  }
}

/**
 * Publish-time checks over the state graph (design.md "playbooks"): every state reachable,
 * every state able to reach an end, and every mutating action either entered only through an
 * approval's `approved` edge, or explicitly marked `automatic: true`.
 */
export function checkGraph(
  def: PlaybookDefinition,
  sink: DiagnosticSink,
  operation: (name: string) => OperationSpec | undefined,
): void {
  const names = Object.keys(def.states);
  const reachable = walk(def, def.start, () => true);
  for (const name of names) {
    if (!reachable.has(name)) {
      sink.error(
        ['states', name],
        'CORDON_ERR_PLAYBOOK_UNREACHABLE',
        `State "${name}" cannot be reached from the start state "${def.start}". Point a transition at it or remove it.`,
        true,
      );
    }
  }

  for (const name of names) {
    if (!reachable.has(name)) continue;
    const canEnd = [...walk(def, name, () => true)].some((n) => def.states[n]?.kind === 'end');
    if (!canEnd) {
      sink.error(
        ['states', name],
        'CORDON_ERR_PLAYBOOK_NO_END',
        `State "${name}" has no path to an end state, so a run could never finish. Add a transition that leads to an end state.`,
        true,
      );
    }
  }

  // A mutating action must be entered only through an approval's `approved` outcome: that is
  // what lets the approver see (and bind, by hash) the exact inputs it will run with.
  const incoming = new Map<string, { from: string; approved: boolean }[]>();
  for (const name of reachable) {
    const state = def.states[name];
    if (!state) continue;
    for (const edge of edgesOf(state)) {
      incoming.set(edge.to, [
        ...(incoming.get(edge.to) ?? []),
        { from: name, approved: edge.approved },
      ]);
    }
  }
  for (const name of reachable) {
    const state = def.states[name];
    if (state?.kind !== 'action' || state.automatic || !operation(state.operation)?.mutating)
      continue;
    const unapproved = [
      ...new Set((incoming.get(name) ?? []).filter((e) => !e.approved).map((e) => `"${e.from}"`)),
    ];
    if (name === def.start) unapproved.unshift('the start');
    if (unapproved.length === 0) continue;
    sink.error(
      ['states', name, 'action'],
      'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
      `State "${name}" runs ${state.operation}, which changes a production system, but a run can enter it from ${unapproved.join(', ')} without an approval. Make it the direct target of an approval's "approved" outcome (the approver then sees and binds its exact inputs), or add "automatic: true" if it must run unattended.`,
    );
  }
}

function walk(def: PlaybookDefinition, from: string, follow: (edge: Edge) => boolean): Set<string> {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    const state = def.states[name];
    if (!state) continue;
    seen.add(name);
    for (const edge of edgesOf(state)) if (follow(edge)) queue.push(edge.to);
  }
  return seen;
}
