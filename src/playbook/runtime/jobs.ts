import { ERROR_CODES } from '../../shared/error-codes.js';
import type { RunEvent } from '../definition/compile-playbook.js';
import type { RunParent } from '../kinds/call/call-definition.js';
import type { UndoReason } from './undo-book.js';

/** Jobs on the `runs` queue: everything that moves a run forward goes through it. */
export type RunJob = RunStartJob | RunEventJob;

export interface RunStartJob {
  readonly type: 'start';
  readonly runId: string;
  readonly playbookId: string;
  readonly playbookHash: string;
  readonly incident: Readonly<Record<string, unknown>>;
  readonly initiator: string;
  /** Set for a sub-run started by a call state: the run that waits for it, and its inputs. */
  readonly parent?: RunParent;
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Set on a run started by hand (POST /v1/runs): what the person said, for the timeline. */
  readonly comment?: string;
}

export interface RunEventJob {
  readonly type: 'event';
  readonly runId: string;
  /** Deterministic; a run applies each event id at most once. */
  readonly eventId: string;
  readonly event: RunEvent;
  /** Where the run must be for the event to apply; otherwise it is stale and ignored. */
  readonly expect: { readonly state: string; readonly step: number };
}

/** Jobs on the `actions` queue: one side effect each, identified by its effect key. */
export interface ActionJob {
  readonly runId: string;
  readonly incidentId: string;
  readonly playbookId: string;
  readonly state: string;
  readonly step: number;
  /** Idempotency key of the side effect (= the BullMQ job id). */
  readonly effectKey: string;
  readonly operation: string;
  readonly connector: string;
  readonly connectorType: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly inputsHash: string;
  readonly timeoutMs: number;
  /** The approval that let this step run, if any. */
  readonly approvalId: string | null;
  /**
   * On the run's first actions: when Cordon accepted the event that opened the incident
   * (epoch ms), for the accept → first action histogram.
   */
  readonly acceptedAt?: number;
  /** Set on an undo job: the effect it takes back, and why (its outcome goes to the undo book). */
  readonly undoOf?: UndoOf;
  readonly undoReason?: UndoReason;
  /** Set on an undo job: the other runs whose books hold the effect (UndoEntry.alsoIn), told too. */
  readonly tell?: readonly string[];
  /** Set on an undo job a person tried again (UndoEntry.tries): its outcome's event id says so. */
  readonly undoTry?: number;
  /**
   * Attempts made before this job existed: a step run in place (HeldAction) whose one attempt
   * failed is handed to a job of its own for the attempts its retry policy has left.
   */
  readonly attemptsBefore?: number;
}

/**
 * An action step the worker that finished the step before it runs in place, instead of a job
 * of its own (its save recorded the hold, RunRecord.held): what the job would have carried.
 */
export interface HeldAction {
  readonly job: ActionJob;
  readonly options: ActionJobOptions;
}

/** What an undo job reverses (ActionContext.undoOf for the connector). */
export interface UndoOf {
  readonly effectKey: string;
  readonly operation: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly result: unknown;
}

export type JobState =
  | 'waiting'
  | 'active'
  | 'delayed'
  | 'completed'
  | 'failed'
  | 'prioritized'
  | 'waiting-children'
  | 'unknown';

/** A job as BullMQ's addStandardJob takes it: the queue's 9 keys, then its 3 arguments. */
export interface EncodedJob {
  readonly queueKeys: readonly string[];
  readonly args: readonly (string | Buffer)[];
}

/** Jobs for one queue, to add in the same script as a run's save (saveRunAndQueue). */
export interface QueuedJobs {
  readonly queueKeys: readonly string[];
  readonly jobs: readonly (readonly (string | Buffer)[])[];
}

/** Several encoded jobs of one queue as one `QueuedJobs` (undefined for none). */
export function queuedJobs(encoded: readonly EncodedJob[]): QueuedJobs | undefined {
  const first = encoded[0];
  if (!first) return undefined;
  return { queueKeys: first.queueKeys, jobs: encoded.map((e) => e.args) };
}

/** How an action job is retried (BullMQ attempts and backoff), under its effect id. */
export interface ActionJobOptions {
  readonly jobId: string;
  readonly attempts: number;
  readonly backoff: { readonly type: 'fixed' | 'exponential'; readonly delayMs: number };
  /** Wait this long before the first attempt (a held step's retry handed to its own job). */
  readonly delayMs?: number;
}

/** Where an action job is, as the queue reports it. */
export interface ActionJobStatus {
  readonly state: JobState;
  readonly failedReason?: string;
  readonly attempts: number;
  readonly returnValue?: unknown;
  /** The run whose job it is (the one that added it first; another's add of the id is a no-op). */
  readonly runId?: string;
  /** What the job carries (absent when there is no job). */
  readonly job?: ActionJob;
}

const RECORDED_FAILURE = /^(CORDON_ERR_[A-Z0-9_]+): ([\s\S]*)$/;

/**
 * A failed action job's error from the reason its queue recorded. The action worker ends a
 * step's last attempt with `CODE: message` (runStep), so what is read back from the queue
 * (reconcile, runs told of another run's undo job) names the connector's code as the job's
 * own report did; a reason without a known code (a job failed for stalling too often never
 * ran) reads as CORDON_ERR_ACTION_FAILED with the whole reason.
 */
export function recordedFailure(
  reason: string | undefined,
  fallback: string,
): { readonly code: string; readonly message: string } {
  const recorded = reason === undefined ? null : RECORDED_FAILURE.exec(reason);
  if (recorded && Object.hasOwn(ERROR_CODES, recorded[1] as string))
    return { code: recorded[1] as string, message: recorded[2] as string };
  return { code: 'CORDON_ERR_ACTION_FAILED', message: reason ?? fallback };
}

/** The queue operations the runner needs (a port; BullMQ implements it in main). */
export interface RunQueues {
  addRunJob(job: RunJob, options: { jobId: string; delayMs?: number }): Promise<void>;
  removeRunJob(jobId: string): Promise<void>;
  /** Where a run job (a start or an event) is, by id: `unknown` when there is none. */
  runJobState(jobId: string): Promise<JobState>;
  /** Removes an action job that has not started yet (a running one finishes). */
  removeActionJob(jobId: string): Promise<void>;
  addActionJob(job: ActionJob, options: ActionJobOptions): Promise<void>;
  /**
   * The action job as BullMQ would add it, for a script of ours to add in the same step as a
   * run's save (store/scripts/saveRunAndQueue); undefined (or absent) when it cannot be, and
   * the job is then added with `addActionJob` from the run's outbox.
   */
  encodeActionJob?(job: ActionJob, options: ActionJobOptions): EncodedJob | undefined;
  actionJobState(jobId: string): Promise<ActionJobStatus>;
  /** Removes an action job that has failed for good, so the same id can be added anew. */
  removeFailedActionJob(jobId: string): Promise<void>;
}
