import type { OperationSpec } from '../../actions/operations.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import { stateKind } from '../kinds/registry.js';
import type { Edge } from '../kinds/state-kind.js';
import type { PlaybookDefinition, StateDefinition } from './types.js';

/** A start and its states: the playbook itself, or one parallel branch. */
export type StateGraph = Pick<PlaybookDefinition, 'start' | 'states'>;

/** The explicit transitions out of a state (an action's implicit "end failed" is not one). */
export function edgesOf(state: StateDefinition): readonly Edge[] {
  return stateKind(state.kind)?.edges(state) ?? [];
}

/**
 * Publish-time checks over the state graph (design.md "playbooks"): every state reachable,
 * every state able to reach an end, and every mutating action either entered only through an
 * approval's `approved` edge, or explicitly marked `automatic: true`.
 */
export function checkGraph(
  def: StateGraph,
  sink: DiagnosticSink,
  operation: (name: string) => OperationSpec | undefined,
  /** Where the graph's `states` sit (a parallel branch's); [] = the playbook's own. */
  at: YamlPath = [],
  /** Whether connectors/ has the connector but disabled (absent: none is). */
  disabled: (connector: string) => boolean = () => false,
): void {
  const names = Object.keys(def.states);
  const reachable = walk(def, def.start, () => true);
  for (const name of names) {
    if (!reachable.has(name)) {
      sink.error(
        [...at, 'states', name],
        'CORDON_ERR_PLAYBOOK_UNREACHABLE',
        `State "${name}" cannot be reached from the start state "${def.start}". Point a transition at it or remove it.`,
        true,
      );
    }
  }

  const endless = new Set<string>();
  for (const name of names) {
    if (!reachable.has(name)) continue;
    const canEnd = [...walk(def, name, () => true)].some((n) => {
      const state = def.states[n];
      return state !== undefined && stateKind(state.kind)?.resting === 'final';
    });
    if (!canEnd) {
      endless.add(name);
      sink.error(
        [...at, 'states', name],
        'CORDON_ERR_PLAYBOOK_NO_END',
        `State "${name}" has no path to an end state, so a run could never finish. Add a transition that leads to an end state.`,
        true,
      );
    }
  }

  checkTransientLoops(def, sink, at);
  // A loop with no way out is an error above already.
  checkActionLoops(def, sink, at, (n) => reachable.has(n) && !endless.has(n));
  checkDisabledConnectors(def, reachable, sink, at, disabled);

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
    const mutation = state && stateKind(state.kind)?.mutation?.(state, operation);
    if (!mutation) continue;
    const unapproved = [
      ...new Set((incoming.get(name) ?? []).filter((e) => !e.approved).map((e) => `"${e.from}"`)),
    ];
    if (name === def.start) unapproved.unshift('the start');
    if (unapproved.length === 0) continue;
    sink.error(
      [...at, 'states', name, 'action'],
      'CORDON_ERR_PLAYBOOK_UNGUARDED_MUTATION',
      `State "${name}" runs ${mutation}, which changes a production system, but a run can enter it from ${unapproved.join(', ')} without an approval. Make it the direct target of an approval's "approved" outcome (the approver then sees and binds its exact inputs), or add "automatic: true" if it must run unattended.`,
    );
  }
}

/**
 * A run passes through transient states (choice) inside one transition; a loop made only of
 * them would never come to rest.
 */
function checkTransientLoops(def: StateGraph, sink: DiagnosticSink, at: YamlPath): void {
  const transient = (n: string): boolean => kindAt(def, n)?.resting === 'transient';
  for (const name of Object.keys(def.states)) {
    if (!transient(name) || !loopsBack(def, name, transient)) continue;
    sink.error(
      [...at, 'states', name],
      'CORDON_ERR_PLAYBOOK_NO_END',
      `State "${name}" can lead back to itself through choice states only, so a run could loop without ever resting. Put a wait, an approval or an action on that loop, or break it.`,
      true,
    );
  }
}

/**
 * A loop of actions and choices alone (no approval, no wait on it) acts again and again with
 * nobody asked and no pause: legal (a retry loop on a failure path may be meant), so a
 * warning at each action on it.
 */
function checkActionLoops(
  def: StateGraph,
  sink: DiagnosticSink,
  at: YamlPath,
  checked: (state: string) => boolean,
): void {
  const mutates = (s: StateDefinition): boolean => stateKind(s.kind)?.mutation !== undefined;
  // A parallel state acts when a branch of it does, and passes unattended when no branch has
  // an approval, a wait or a call in it (a call's playbook is not known here: it may ask).
  const acts = (n: string): boolean => {
    const state = def.states[n];
    return state !== undefined && (mutates(state) || nestedStates(state).some(mutates));
  };
  const unattended = (n: string): boolean => {
    const state = def.states[n];
    return state !== undefined && passesUnattended(state);
  };
  for (const name of Object.keys(def.states)) {
    if (!acts(name) || !checked(name) || !loopsBack(def, name, unattended)) continue;
    const state = def.states[name] as StateDefinition;
    sink.warning(
      [...at, 'states', name],
      'CORDON_WARN_PLAYBOOK_ACTION_LOOP',
      `State "${name}"${mutates(state) ? '' : ' (its branches act)'} can lead back to itself through actions, choices and parallel states without an approval or a wait only, so a run could act again and again with no approval and no pause. Put an approval or a wait on that loop (a wait with "for" bounds how fast it repeats), or end it.`,
      true,
    );
  }
}

/** The states nested in `state` (a parallel's branch states), at every depth. */
function nestedStates(state: StateDefinition): StateDefinition[] {
  const children = Object.values(stateKind(state.kind)?.children?.(state) ?? {});
  return children.flatMap((c) => [c, ...nestedStates(c)]);
}

/**
 * Whether a run can go through `state` with nobody asked and no pause: an action, a choice, or
 * a state of nested graphs (a parallel's branches) that can move on once those that must have
 * ended (every one, or any one: `joins`) each can reach an end that way (an approval or wait
 * on one path of a branch does not stop a run that takes another).
 */
function passesUnattended(state: StateDefinition): boolean {
  const kind = stateKind(state.kind);
  if (!kind) return false;
  if (kind.mutation !== undefined || kind.resting === 'transient') return true;
  const graphs = kind.graphs?.(state);
  if (!graphs || graphs.length === 0) return false;
  const ends = graphs.map(({ graph }) =>
    [...walkThrough(graph, (s) => passesUnattended(s) || isFinal(s))].some((n) => {
      const s = graph.states[n];
      return s !== undefined && isFinal(s);
    }),
  );
  return kind.joins?.(state) === 'any' ? ends.some(Boolean) : ends.every(Boolean);
}

function isFinal(state: StateDefinition): boolean {
  return stateKind(state.kind)?.resting === 'final';
}

/** The states reachable from `graph`'s start through states `through` lets a run pass. */
function walkThrough(graph: StateGraph, through: (s: StateDefinition) => boolean): Set<string> {
  const start = graph.states[graph.start];
  if (!start || !through(start)) return new Set();
  return walk(graph, graph.start, (edge) => {
    const to = graph.states[edge.to];
    return to !== undefined && through(to);
  });
}

function kindAt(def: StateGraph, name: string) {
  const state = def.states[name];
  return state ? stateKind(state.kind) : undefined;
}

/** Whether `from` leads back to itself through states that `through` lets pass only. */
function loopsBack(def: StateGraph, from: string, through: (state: string) => boolean): boolean {
  const next = (n: string): string[] =>
    edgesOf(def.states[n] as StateDefinition)
      .map((e) => e.to)
      .filter(through);
  const seen = new Set<string>();
  const queue = next(from);
  while (queue.length > 0) {
    const n = queue.shift() as string;
    if (n === from) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    queue.push(...next(n));
  }
  return false;
}

/**
 * A state may act on a disabled connector only where every path to it passes a choice whose
 * condition requires the connector enabled (`connectors.<name>.enabled`, alone or as an `&&`
 * term): mentioning the connector anywhere is not enough (`!connectors.kong.enabled` leads a
 * run straight to the disabled connector, and the action fails at run time). Inside a
 * parallel branch the guard must be inside the branch.
 */
function checkDisabledConnectors(
  def: StateGraph,
  reachable: ReadonlySet<string>,
  sink: DiagnosticSink,
  at: YamlPath,
  disabled: (connector: string) => boolean,
  /** What every path to this graph's start guarantees (a branch: its parallel state's). */
  entry: ReadonlySet<string> = new Set(),
): void {
  const known = enabledOnArrival(def, reachable, entry);
  for (const name of reachable) {
    const state = def.states[name];
    if (!state) continue;
    const here = known.get(name) ?? new Set<string>();
    for (const connector of connectorsUsedBy(state)) {
      if (!disabled(connector) || here.has(connector)) continue;
      sink.error(
        [...at, 'states', name],
        'CORDON_ERR_PLAYBOOK_UNKNOWN_CONNECTOR',
        `State "${name}" acts on connector "${connector}", which is disabled, and a run can reach it without passing a choice that requires it enabled. Lead every path to it through a choice branch whose condition is connectors.${connector}.enabled (alone or joined with &&${at.length > 0 ? '; before the parallel state, or inside the branch' : ''}), or enable the connector.`,
      );
    }
    // A run enters each branch with what it knew arriving at the parallel state.
    for (const nested of stateKind(state.kind)?.graphs?.(state) ?? [])
      checkDisabledConnectors(
        nested.graph,
        walk(nested.graph, nested.graph.start, () => true),
        sink,
        [...at, 'states', name, ...nested.at],
        disabled,
        here,
      );
  }
}

/** For each reachable state, the connectors known enabled on every path from the start to it. */
function enabledOnArrival(
  def: StateGraph,
  reachable: ReadonlySet<string>,
  entry: ReadonlySet<string>,
): Map<string, ReadonlySet<string>> {
  // A must-analysis: sets only shrink (intersections over incoming paths), so it settles.
  const known = new Map<string, ReadonlySet<string>>([[def.start, new Set(entry)]]);
  for (let changed = true; changed;) {
    changed = false;
    for (const name of reachable) {
      const here = known.get(name);
      const state = def.states[name];
      if (!here || !state) continue;
      for (const edge of edgesOf(state)) {
        const via = new Set([...here, ...(edge.requires ?? [])]);
        const prior = known.get(edge.to);
        const next = prior ? new Set([...prior].filter((c) => via.has(c))) : via;
        if (!prior || next.size !== prior.size) {
          known.set(edge.to, next);
          changed = true;
        }
      }
    }
  }
  return known;
}

/** Definition keys that hold an operation's or a call's inputs: data, not connectors. */
const INPUT_KEYS = new Set(['inputs', 'undoInputs']);

/**
 * The connectors a state's own definition acts on (an action's, an escalation's notify): its
 * nested states' are theirs, and inputs are data (an http.request body may say "connector").
 */
function connectorsUsedBy(state: StateDefinition): string[] {
  const nested = new Set<unknown>(Object.values(stateKind(state.kind)?.children?.(state) ?? {}));
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || nested.has(v)) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.connector === 'string') found.add(o.connector);
    for (const [key, x] of Object.entries(o)) if (!INPUT_KEYS.has(key)) visit(x);
  };
  visit(state);
  return [...found];
}

function walk(def: StateGraph, from: string, follow: (edge: Edge) => boolean): Set<string> {
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
