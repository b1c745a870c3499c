import type { OperationSpec } from '../../actions/operations.js';
import type { RunContext, RunEvent } from '../definition/compile-playbook.js';
import type { StateDefinition } from '../definition/types.js';

/**
 * What a state kind tells the tooling (`cordon graph`, `cordon plan`, playbook tests, the JSON
 * Schema) about its states. Each kind answers for itself through the optional StateKind hooks
 * `graph`, `dryRun` and `schema`; the tools never switch on kind names.
 */

/** A JSON Schema (draft 2020-12) fragment, as plain data. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** One labelled transition out of a state, for the diagram. */
export interface GraphEdge {
  readonly to: string;
  /** What takes it: `approved`, `timeout after 30m`, a choice condition … */
  readonly label: string;
}

/** How a state is drawn: its edges, a one-line description, and the classes that mark it. */
export interface GraphNode {
  readonly edges: readonly GraphEdge[];
  /** Shown under the state name, e.g. `ratelimit.set on gateway`. */
  readonly note?: string;
  /** Mermaid classDef names: `approval`, `automatic` (mutates with no approval), `final`. */
  readonly classes?: readonly string[];
  /** Drawn as a Mermaid `<<choice>>` diamond. */
  readonly choice?: boolean;
  /** Final states: the run's outcome when it ends here. */
  readonly outcome?: string;
  /** Drawn as a composite state with these concurrent regions (a parallel's branches). */
  readonly regions?: readonly GraphRegion[];
}

/** One concurrent region of a composite state: a branch's own states, drawn by their kinds. */
export interface GraphRegion {
  readonly name: string;
  readonly start: string;
  readonly states: Readonly<Record<string, GraphNode>>;
}

export interface GraphInput {
  readonly operation: (name: string) => OperationSpec | undefined;
  /** Draws a state nested in this one (a parallel's branch states) by its own kind. */
  readonly drawState?: (name: string, def: StateDefinition) => GraphNode;
}

/** What a dry run knows when it reaches a state. */
export interface DryRunScope {
  readonly name: string;
  readonly context: RunContext;
  /**
   * `all`: the context is a run's (playbook tests); `incident`: only the incident is known,
   * step results are not (cordon plan), so what depends on them stays undecided.
   */
  readonly known: 'all' | 'incident';
}

/** The side effect entering a state performs, rendered as the runner would render it. */
export interface PlannedCall {
  readonly state: string;
  readonly connector: string;
  /** The route (connectors/ `routes:`) the playbook named, which picked `connector`. */
  readonly via?: string;
  readonly operation: string;
  /** Rendered inputs; a value that cannot be rendered yet keeps its template text. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** Templates not renderable from what is known (plan: they read steps.*). */
  readonly unresolved: readonly string[];
  /** The declared undo: its operation, and when it runs without a cancel or a failure. */
  readonly undo?: {
    readonly operation: string;
    readonly expiresMs?: number;
    readonly onReject?: boolean;
  };
  /** Set when the runner would refuse the call (bad inputs after templating): it fails. */
  readonly refused?: { readonly code: string; readonly message: string };
  /** Marked `automatic: true` in the playbook. */
  readonly automatic: boolean;
  /** Changes a production system. */
  readonly mutating: boolean;
  /** Set for a call state: the playbook it starts as a sub-run (its id, a pinned version). */
  readonly callee?: { readonly playbook: string; readonly version?: string };
  /** Set for an approval's escalation notification: made only if nobody decided by then. */
  readonly escalation?: {
    readonly afterMs: number;
    readonly roles: readonly string[];
    /** The roles replace those that may decide. */
    readonly set?: true;
  };
}

/**
 * What happens while a run rests at a state and nobody acts (an approval's escalation): a
 * timer that does not move the run. Dry runs take it when the clock passes `afterMs`.
 */
export interface DryRunTimed {
  /** The delay's name: the timer's event is `xstate.after.<delay>.<state node id>`. */
  readonly delay: string;
  readonly afterMs: number;
  /** Roles it adds to who may decide (with `set`, the roles that decide from then on). */
  readonly roles: readonly string[];
  readonly set?: boolean;
  /** The call it makes, rendered as the runner would. */
  readonly call?: PlannedCall;
}

/** How a test script takes an exit. */
export type ExitTrigger =
  /** The connector's (stubbed) reply to the state's call. */
  | 'reply'
  /** An approval decision (approve / reject). */
  | 'decision'
  /** The incident changing (a new match). */
  | 'incident'
  /** A timer: taken by advancing the fake clock. */
  | 'clock'
  /** Decided by the machine itself as it passes (choice conditions). */
  | 'auto';

/** What a scripted event carries. */
export interface ExitInput {
  readonly at: number;
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
  readonly by?: readonly string[];
  readonly incident?: Readonly<Record<string, unknown>>;
}

export interface DryRunExit {
  /** `succeeded`, `failed`, `approved`, `rejected`, `timeout`, `elapsed`, `changed`, a condition … */
  readonly label: string;
  readonly to: string;
  /** Taken only after an approver said yes. */
  readonly approved?: boolean;
  readonly trigger: ExitTrigger;
  /** The run event that takes it (reply, decision and incident exits). */
  event?(input: ExitInput): RunEvent;
}

export interface DryRunStep {
  readonly call?: PlannedCall;
  /**
   * The ways out. In `incident` mode a kind that decides from what is known (a choice on the
   * incident) lists only the exit it would take; undecided, it lists every possible one.
   */
  readonly exits: readonly DryRunExit[];
  /** Timers that act without moving the run (an approval's escalation steps), in order. */
  readonly timed?: readonly DryRunTimed[];
  /**
   * Set by a state whose branches run at the same time: dry runs walk each branch from its
   * start; the exits above are the join's (the first when it succeeds, the second when not).
   */
  readonly parallel?: {
    readonly join: 'all' | 'any';
    readonly branches: readonly { readonly name: string; readonly start: string }[];
  };
}

/**
 * Whether every input named in `keys` (those a plan could not render) reads only steps that
 * ran before it on the path: their results are known when the step runs, so the step is not
 * refused; an input that cannot render for any other reason, the runner refuses.
 */
export function readsRanSteps(
  inputs: Readonly<Record<string, unknown>>,
  keys: readonly string[],
  ran: Readonly<Record<string, unknown>>,
): boolean {
  // Nothing unresolved: the inputs rendered, and what the runner refuses now it refuses then.
  return (
    keys.length > 0 &&
    keys.every((k) => {
      const refs = [...JSON.stringify(inputs[k]).matchAll(/steps\.([A-Za-z][\w-]*)/g)];
      return refs.length > 0 && refs.every((m) => m[1] !== undefined && m[1] in ran);
    })
  );
}
