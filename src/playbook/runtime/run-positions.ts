import type { AnyMachineSnapshot } from 'xstate';
import { FAILED_STATE, type CompiledPlaybook } from '../definition/compile-playbook.js';
import type { StateDefinition } from '../definition/types.js';
import { stateKind } from '../kinds/registry.js';
import type { StateKind } from '../kinds/state-kind.js';
import type { RunRecord, RunStatus } from './run-record.js';

/** The kind of a state, with its definition (typed for the kind's own hooks). */
export function kindOf(
  def: StateDefinition | undefined,
): { kind: StateKind; def: StateDefinition } | undefined {
  const kind = def && stateKind(def.kind);
  return kind && def ? { kind, def } : undefined;
}

/** The status of a run resting at `state` (a retry's restart point). */
export function statusOfState(compiled: CompiledPlaybook, state: string): RunStatus {
  return kindOf(compiled.definition.states[state])?.kind.resting === 'waiting'
    ? 'waiting'
    : 'running';
}

export function statusOf(
  snapshot: AnyMachineSnapshot,
  compiled: CompiledPlaybook,
  position: Position,
): RunStatus {
  const name = position.state;
  if (name === FAILED_STATE) return 'failed';
  const resting = kindOf(compiled.states[name]);
  if (snapshot.status === 'done' || resting?.kind.resting === 'final')
    return resting?.kind.outcome?.(resting.def) ?? 'failed';
  // Inside a parallel state the run waits only when every branch still going waits.
  const kinds = Object.keys(position.leaves).map((l) => kindOf(compiled.states[l])?.kind.resting);
  return kinds.length > 0 && kinds.every((k) => k === 'waiting') ? 'waiting' : 'running';
}

/** Where a run rests: its top-level state, the full xstate value when nested, each position. */
export interface Position {
  readonly state: string;
  readonly value: unknown;
  /** Resting (non-final) states → the step each was entered at. */
  readonly leaves: Record<string, number>;
}

export function positionOf(
  snapshot: AnyMachineSnapshot,
  compiled: CompiledPlaybook,
  before: Readonly<Record<string, number>>,
  moved: string | undefined,
  step: number,
): Position {
  const value = snapshot.value as unknown;
  const names: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') names.push(v);
    else if (v && typeof v === 'object') for (const child of Object.values(v)) collect(child);
  };
  collect(value);
  const nested = typeof value !== 'string';
  const leaves: Record<string, number> = {};
  for (const leaf of nested ? names : [value]) {
    const final = leaf === FAILED_STATE || kindOf(compiled.states[leaf])?.kind.resting === 'final';
    if (nested && final) continue; // a branch that ended waits for the join, not for events
    const kept = before[leaf];
    leaves[leaf] = kept !== undefined && leaf !== moved ? kept : step;
  }
  return {
    state: nested ? (Object.keys(value as object)[0] ?? '') : value,
    value: nested ? value : undefined,
    leaves,
  };
}

export function leavesOf(run: RunRecord): Readonly<Record<string, number>> {
  return run.leaves ?? { [run.state]: run.step };
}

export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
