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

/** The queue operations the runner needs (a port; BullMQ implements it in main). */
export interface RunQueues {
  addRunJob(job: RunJob, options: { jobId: string; delayMs?: number }): Promise<void>;
  removeRunJob(jobId: string): Promise<void>;
  /** Removes an action job that has not started yet (a running one finishes). */
  removeActionJob(jobId: string): Promise<void>;
  addActionJob(
    job: ActionJob,
    options: {
      jobId: string;
      attempts: number;
      backoff: { type: 'fixed' | 'exponential'; delayMs: number };
    },
  ): Promise<void>;
  actionJobState(
    jobId: string,
  ): Promise<{ state: JobState; failedReason?: string; attempts: number; returnValue?: unknown }>;
}
