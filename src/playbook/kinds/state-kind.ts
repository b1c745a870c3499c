import type { Approval } from '../../store/approval-store.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import type { OperationSpec } from '../../actions/operations.js';
import type { CompiledPlaybook, RunContext, RunEvent } from '../definition/compile-playbook.js';
import type {
  BaseStateDefinition,
  PlaybookContext,
  PlaybookDefinition,
  StateDefinition,
} from '../definition/types.js';
import type { ExpressionType } from '../expressions/cel.js';
import type { StateEffect } from '../runtime/effects.js';
import type { ActionJob, ActionJobOptions } from '../runtime/jobs.js';
import type { RunRecord, RunStatus } from '../runtime/run-record.js';
import type { UndoableStep, UndoEntry } from '../runtime/undo-book.js';
import type { RunnerDeps } from '../runtime/runner.js';
import type { DryRunScope, DryRunStep, GraphInput, GraphNode, JsonSchema } from './tooling.js';

/**
 * One playbook state kind (action, approval, choice, wait, end …): everything Cordon knows
 * about it lives in its folder under src/playbook/kinds/ and reaches the shared machinery —
 * the validator, the compiler, the graph checks, the runner — only through this interface and
 * the registry. Adding a kind is a new folder and a registry line; no switch elsewhere.
 */
export interface StateKind<D extends BaseStateDefinition = BaseStateDefinition> {
  /** The YAML key that marks a state of this kind (`action: …`, `wait: …`). */
  readonly key: string;
  /**
   * Set for kinds the language reserves but this version does not run: the validator reports
   * the state as not implemented (with this sentence), never as malformed.
   */
  readonly notImplemented?: string;
  /** Validates one state's YAML (every problem to the sink, located); the definition if clean. */
  validate(input: ValidateInput): D | undefined;
  /** The explicit transitions out of a state of this kind. */
  edges(def: D): readonly Edge[];
  /**
   * A run resting here is `running`/`waiting`; `final` kinds end it with `outcome`; a run
   * never rests in a `transient` state (it passes through inside one transition).
   */
  readonly resting: 'running' | 'waiting' | 'final' | 'transient';
  outcome?(def: D): RunStatus;
  /**
   * The operation this state runs without an approval in front of it, when it changes a
   * production system and is not marked automatic (the unguarded-mutation check).
   */
  mutation?(def: D, operation: (name: string) => OperationSpec | undefined): string | undefined;
  /** Whether the state can end the run through the implicit `__failed` final state. */
  implicitFailure?(def: D): boolean;
  /** Whether a run resting here wants `incident.changed` events when its incident changes. */
  watchesIncident?(def: D): boolean;
  /** States nested in one of this kind (a parallel's branch states), by their unique names. */
  children?(def: D): Readonly<Record<string, StateDefinition>>;
  /**
   * The state machines nested in one of this kind (a parallel's branches), each with where it
   * sits below the state's own path, for checks that follow a run into them.
   */
  graphs?(def: D): readonly {
    readonly at: YamlPath;
    readonly graph: {
      readonly start: string;
      readonly states: Readonly<Record<string, StateDefinition>>;
    };
  }[];
  /** Whether a run moves on once all of those graphs have ended, or once any has (default all). */
  joins?(def: D): 'all' | 'any';
  /** Whether `steps.<name>` holds this state's result once it ran. */
  readonly recordsStep?: boolean;
  /** The xstate state node for `def`; may add named delays to `machine`. */
  compile(name: string, def: D, machine: MachineParts): object;
  /** Guards and context-assigning actions the kind's state nodes name (merged into setup). */
  readonly guards?: Readonly<Record<string, Guard>>;
  readonly actions?: Readonly<Record<string, unknown>>;
  /** The side effect a state of this kind asks for on entry, performed by the runner. */
  readonly effect?: KindEffect<D>;
  /**
   * Runs before an event is applied to a run resting in this state: may replace the event, or
   * answer `stale` (the event lost a race). May throw to have the event job retried.
   */
  beforeEvent?(
    run: RunRecord,
    def: D,
    event: RunEvent,
    services: RunServices,
  ): Promise<RunEvent | 'stale'>;
  /** How `cordon graph` draws a state of this kind (labelled edges, marks). */
  graph?(def: D, input: GraphInput): GraphNode;
  /**
   * How a dry run (`cordon plan`, playbook tests) passes a state of this kind: the call it
   * would make and the ways out, each with the event that takes it.
   */
  dryRun?(def: D, scope: DryRunScope): DryRunStep;
  /**
   * For `transient` kinds: the state a run went to when it passed `name` between `before` and
   * `after` (read from what the kind records in the context), or undefined if it did not pass.
   */
  passedTo?(name: string, before: RunContext, after: RunContext): string | undefined;
  /** JSON Schema of one state of this kind (schemas/playbook.schema.json is built from these). */
  readonly schema?: JsonSchema;
  /**
   * The undo book entry for a step of this kind that just succeeded, when it declared an undo
   * (the runner records it with the transition and replays it backwards on cancel or failure).
   */
  undoable?(def: D, step: UndoableStep): UndoEntry | undefined;
  /**
   * Effects of another run that this step takes over as it is applied (a call's sub-run that
   * resolved: its effects still in force). They join this run's undo book after what it did
   * before, so a later cancel or failure of this run takes them back in order, newest first.
   */
  adoptedUndo?(def: D, event: RunEvent): readonly UndoEntry[];
  /**
   * Withdraws what a run resting here (at `at`) asked for, because the run is cancelled or
   * its branch lost a join: queued jobs removed, pending approvals cancelled. Idempotent.
   */
  cancel?(
    run: RunRecord,
    def: D,
    at: { readonly state: string; readonly step: number },
    services: RunServices,
  ): Promise<void>;
  /**
   * The run of its own that a run resting here (at `at`) started and that acts by itself (a
   * call's sub-run), by id: a cancel or failure of this run takes back that run's effects
   * before its own (see UndoPass.after).
   */
  subRun?(run: RunRecord, def: D, at: { readonly state: string; readonly step: number }): string;
  /**
   * Whether a run leaving a state of this kind on `event` may leave work behind (a call's
   * sub-run, when the event is not its end): the runner then withdraws the state (`cancel`)
   * once the move is saved, so what started after `beforeEvent` looked is withdrawn too.
   */
  leavesBehind?(def: D, event: RunEvent): boolean;
  /** Heals what a crash or a lost message could leave behind for a run resting here. */
  reconcile?(
    run: RunRecord,
    def: D,
    compiled: CompiledPlaybook,
    services: RunServices,
  ): Promise<void>;
}

export interface KindEffect<D extends BaseStateDefinition> {
  /** Named xstate action the state's entry lists; `transition()` returns it to the runner. */
  readonly action: string;
  /** Prefix of the effect's deterministic id (with run, state and step). */
  readonly idPrefix: string;
  /** Performs the effect idempotently (a second call with the same id changes nothing). */
  perform(
    effect: StateEffect,
    def: D,
    run: RunRecord,
    compiled: CompiledPlaybook,
    services: RunServices,
  ): Promise<void>;
  /**
   * The action job performing the effect would add, when it can be added by the very script
   * that saves the transition deciding it (then it needs no outbox entry); undefined to
   * perform it from the outbox. Pure: renders and checks, adds nothing.
   */
  queued?(
    effect: StateEffect,
    def: D,
    run: RunRecord,
  ): { readonly job: ActionJob; readonly options: ActionJobOptions } | undefined;
  /** Timeline entry type recorded when the effect is decided. */
  readonly timeline: string;
  /** Field name of the effect id in that timeline entry. */
  readonly timelineId: string;
}

export interface Edge {
  readonly to: string;
  /** Taken only after an approver said yes. */
  readonly approved: boolean;
  /** Connectors this edge is taken only while enabled (a choice on connectors.<name>.enabled). */
  readonly requires?: readonly string[];
}

export type Guard = (args: { context: unknown; event: unknown }, params: never) => boolean;

export interface MachineParts {
  readonly playbook: PlaybookDefinition;
  /** Compiles a nested state (a parallel branch's) by its own kind. */
  readonly compileState: (name: string, def: StateDefinition) => object;
  /** Named delays (ms, or a function of context and event) the machine's `after`s use. */
  readonly delays: Record<string, unknown>;
}

export interface ValidateInput {
  readonly name: string;
  /** The id of the playbook being validated, when it has a usable one. */
  readonly playbookId: string | undefined;
  readonly value: Record<string, unknown>;
  readonly path: YamlPath;
  /** `State "name"`, the subject of every message. */
  readonly label: string;
  readonly sink: DiagnosticSink;
  readonly ctx: PlaybookContext;
  readonly stateNames: readonly string[];
  /** True when `v` names a state; reports it otherwise. */
  readonly target: (key: YamlPath, v: unknown, what: string) => v is string;
  /**
   * Checks {{ templates }} anywhere inside `v`; `afterRun` = they render once the state ran
   * (an undo's inputs), so they may read the state's own `steps.<name>`.
   */
  readonly checkTemplates: (at: YamlPath, v: unknown, afterRun?: boolean) => void;
  /** True when `v` is a CEL expression that type-checks to `expected`; reports it otherwise. */
  readonly checkExpression: (
    at: YamlPath,
    v: unknown,
    expected: ExpressionType,
    what: string,
  ) => v is string;
  /**
   * True when `text` (a whole `${{ <CEL> }}` value) type-checks to `expected`; reports it at the
   * place inside the expression otherwise. `afterRun` as for checkTemplates.
   */
  readonly checkComputed: (
    at: YamlPath,
    text: string,
    expected: ExpressionType,
    what: string,
    afterRun?: boolean,
  ) => boolean;
  /**
   * Validates a state nested in this one (a parallel branch's), by its own kind, with
   * transitions kept among `stateNames`.
   */
  readonly validateNested: (
    name: string,
    value: unknown,
    path: YamlPath,
    stateNames: readonly string[],
  ) => StateDefinition | undefined;
  /** Where else in the playbook `name` names a state, when it does (names are global). */
  readonly otherStateNames: (name: string) => string | undefined;
  /** The graph checks (reachable, can end, guarded mutations) over a nested state machine. */
  readonly checkBranchGraph: (
    branch: { readonly start: string; readonly states: Readonly<Record<string, StateDefinition>> },
    path: YamlPath,
  ) => void;
  /** `erredSince(mark())`: whether errors were reported in between. */
  readonly mark: () => number;
  readonly erredSince: (mark: number) => boolean;
}

/** What the runner lends a kind to perform effects and heal runs. */
export interface RunServices {
  readonly deps: RunnerDeps;
  queueEvent(
    runId: string,
    at: { readonly state: string; readonly step: number },
    eventId: string,
    event: RunEvent,
    delayMs?: number,
  ): Promise<void>;
  reportAction(
    job: ActionJob,
    outcome: { ok: true; result: unknown } | { ok: false; code: string; message: string },
    attempts: number,
  ): Promise<void>;
  deliverDecision(approval: Approval): Promise<void>;
  perform(run: RunRecord, compiled: CompiledPlaybook, effect: StateEffect): Promise<void>;
  /** Cancels another run (a call's sub-run) as POST /v1/runs/{id}/cancel would; idempotent. */
  cancelRun(runId: string, by: string): Promise<unknown>;
  /**
   * Reads the run's incident as it is now and queues an `incident.changed` event for the run at
   * `at` (idempotent: the event id is derived from the run position and the incident's content).
   */
  checkIncident(
    run: RunRecord,
    at: { readonly state: string; readonly step: number },
  ): Promise<void>;
}
