import type { Metrics } from '../../src/shared/metrics.js';
import type { Job } from 'bullmq';
import { afterAll } from 'vitest';
import { createActionProcessor } from '../../src/actions/action-worker.js';
import {
  builtinExecutors,
  type ActionContext,
  type ExecutorTable,
} from '../../src/actions/executors.js';
import { buildPlaybooks } from '../../src/playbook/definition/build-playbooks.js';
import type { CompiledPlaybook } from '../../src/playbook/definition/compile-playbook.js';
import type {
  ActionJob,
  ActionJobOptions,
  JobState,
  RunJob,
  RunQueues,
} from '../../src/playbook/runtime/jobs.js';
import { PlaybookCatalog } from '../../src/playbook/runtime/playbook-catalog.js';
import { Runner } from '../../src/playbook/runtime/runner.js';
import { failedUndoOutcome } from '../../src/playbook/runtime/undo-events.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { CrashHook, CrashPoint } from '../../src/shared/crash-points.js';
import type { ErrorCode } from '../../src/shared/error-codes.js';
import { CordonError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { ApprovalStore } from '../../src/store/approval-store.js';
import { CaseStore } from '../../src/store/case-store.js';
import { EffectLedger } from '../../src/store/effect-ledger.js';
import { Keys } from '../../src/store/keys.js';
import { LimiterStore } from '../../src/store/limiter-store.js';
import { RunStore } from '../../src/store/run-store.js';
import { createTestRedis, type TestRedis } from './redis.js';
import { SHIPPED_ROUTES } from './shipped-routes.js';

/**
 * The runner, the action processor and the built-in connectors on real Redis, with the two
 * BullMQ queues replaced by an in-memory scheduler driven by a ManualClock: a test moves time
 * and calls `settle()` to run every job that is due, in order. Job ids deduplicate as BullMQ's
 * do (a completed job's id is kept), so idempotency is exercised as in production.
 */
export interface RunHarness {
  readonly clock: ManualClock;
  readonly runner: Runner;
  readonly runs: RunStore;
  readonly approvals: ApprovalStore;
  readonly limiter: LimiterStore;
  readonly playbook: CompiledPlaybook;
  /** Every connector call, in order, with the undo context it got. */
  readonly calls: { operation: string; inputs: Record<string, unknown>; ctx: ActionContext }[];
  /** Operation → how many of its next calls fail (a connector error). */
  readonly failures: Map<string, number>;
  /** Operation → the code its failures carry (default CORDON_ERR_ACTION_FAILED). */
  readonly failureCodes: Map<string, ErrorCode>;
  /** Operations whose jobs stay queued (a busy worker) until removed from the set. */
  readonly held: Set<string>;
  /** Ids of run jobs (a sub-run's start: its run id) that stay queued until removed. */
  readonly heldRunJobs: Set<string>;
  start(runId: string, incident: Record<string, unknown>): Promise<void>;
  settle(): Promise<void>;
  /**
   * Decides the run's first approval as an approver (recorded as 'approver') and hands the
   * decision to the run, as the API would; fails the test if the run has none.
   */
  decideFirst(runId: string, decision: 'approve' | 'reject'): Promise<void>;
  /** The states of the action jobs still queued (not yet run, not removed). */
  queuedActions(): string[];
  /** Loses every queued action job (a Redis without persistence, a flushed queue). */
  loseQueuedActions(): void;
  /** Loses every run job not yet run, delayed timers included. */
  loseQueuedRunJobs(): void;
  /** The ids of every action job ever added, in order. */
  actionJobIds(): string[];
  /** An action job as added (whatever its state now). */
  actionJob(id: string): ActionJob | undefined;
  /** The BullMQ options (attempts, delay, backoff) an action job was added with. */
  actionJobOptions(id: string): ActionJobOptions | undefined;
  /** A run job's state as BullMQ would report it (`unknown`: none, or removed). */
  runJobState(id: string): string;
  /** Sets a run job's state as BullMQ would report it (`delayed`: backing off after a failure). */
  setRunJobState(id: string, state: 'waiting' | 'delayed' | 'active'): void;
  /** Sets an action job's state as BullMQ would report it (a job another worker runs). */
  /** `failedReason`: what the queue records for a failed job (BullMQ's failedReason). */
  setActionJobState(
    id: string,
    state: 'waiting' | 'active' | 'completed' | 'failed',
    failedReason?: string,
  ): void;
}

const CONNECTORS = new Map([
  ['gateway', 'builtin-limiter'],
  ['cases', 'builtin-cases'],
]);

export function compileOne(text: string): CompiledPlaybook {
  const pb = compileAll(text)[0];
  if (!pb) throw new Error('no playbook in the text');
  return pb;
}

/** Every playbook of a (multi-document) text; the first is the one `start` runs. */
export function compileAll(text: string): CompiledPlaybook[] {
  const built = buildPlaybooks([{ file: 'p.yaml', text }], {
    connectors: CONNECTORS,
    routes: SHIPPED_ROUTES,
    rules: undefined,
  });
  if (!built.playbooks?.length) throw new Error(JSON.stringify(built.diagnostics, null, 2));
  return built.playbooks;
}

/**
 * A crash hook that dies once at `point` (as a kill there would), then lets everything pass:
 * e.g. `call.before-resume` loses a sub-run's end on its way to the parent.
 */
export function crashOnceAt(point: CrashPoint): CrashHook {
  let armed = true;
  return (at: CrashPoint) => {
    if (at === point && armed) {
      armed = false;
      throw new Error(`killed at ${point}`);
    }
  };
}

export interface HarnessOptions {
  /** The runner's crash hook (a test throws from it to die at a named point). */
  readonly crash?: CrashHook;
  /** The runner's metrics (cordon_undos_total, step latency). */
  readonly metrics?: Metrics;
  /** The action processor's crash hook (a test throws from it to die at a named point). */
  readonly workerCrash?: CrashHook;
  /** The action processor runs a run's next action steps in place (as main's does). */
  readonly inPlace?: boolean;
  /** BullMQ attempts of every action job (default 1). */
  readonly attempts?: number;
  /**
   * The run jobs an action job's report queued are processed before the queue records how
   * the action job ended (a fast run worker beside a queue slow to record), not after.
   */
  readonly runJobsBeforeRecord?: boolean;
  /** An action job's end is recorded, but the notice after it is lost (its process died). */
  readonly loseEndNotices?: boolean;
}

/**
 * A test file's harnesses: one Redis key prefix for the file (removed once its tests have run)
 * and, per call, a harness under a key prefix of its own. Call it at the top of the file.
 */
/** The first successful undo's report fails, as a lost Redis connection would; then they go through. */
export function breakUndoReportOnce(h: RunHarness): void {
  const complete = h.runner.completeAction.bind(h.runner);
  let broken = true;
  h.runner.completeAction = async (...args: Parameters<typeof complete>) => {
    const [job, outcome] = args;
    if (broken && job.undoOf && outcome.ok) {
      broken = false;
      throw new Error('Connection is closed.');
    }
    return complete(...args);
  };
}

/**
 * Approves run `runId`'s pending approval (as an approver) and delivers the decision to the
 * runner; returns the approval's id. The caller settles.
 */
export async function approvePending(h: RunHarness, runId: string): Promise<string | undefined> {
  const [approval] = await h.approvals.list({ limit: 10, runId });
  await h.approvals.decide(
    approval?.id ?? '',
    'approve',
    'approver',
    'approver',
    '',
    h.clock.now(),
  );
  const decided = await h.approvals.get(approval?.id ?? '');
  if (decided) await h.runner.deliverDecision(decided);
  return approval?.id;
}

export function runHarnesses(label: string): {
  readonly store: TestRedis;
  readonly harness: (text: string, options?: HarnessOptions) => RunHarness;
} {
  const store = createTestRedis(label);
  afterAll(async () => {
    await store.cleanup();
  });
  let n = 0;
  return {
    store,
    harness: (text, options = {}) => createRunHarness(store, `h${(n += 1)}`, text, options),
  };
}

export function createRunHarness(
  store: TestRedis,
  sub: string,
  text: string,
  options: HarnessOptions = {},
): RunHarness {
  const keys = new Keys(`${store.prefix}:${sub}`);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const runs = new RunStore(store.redis, keys);
  const approvals = new ApprovalStore(store.redis, keys);
  const limiter = new LimiterStore(store.redis, keys);
  const cases = new CaseStore(store.redis, keys);
  const all = compileAll(text);
  const playbook = all[0] as CompiledPlaybook;
  type Entry<T> = {
    id: string;
    data: T;
    dueAt: number;
    seq: number;
    state: string;
    /** As the queue records a failed job's last error. */
    failedReason?: string;
    /** As the queue records a completed job's result. */
    returnValue?: unknown;
  };
  const runJobs = new Map<string, Entry<RunJob>>();
  const actionJobs = new Map<string, Entry<ActionJob>>();
  const actionJobOptions = new Map<string, ActionJobOptions>();
  let seq = 0;
  // BullMQ refuses such ids; so does the fake, so a bad id fails here as in production.
  const checkId = (id: string): void => {
    if (id.includes(':')) throw new Error(`Custom Id cannot contain : (${id})`);
  };
  const queues: RunQueues = {
    async addRunJob(job, opts) {
      checkId(opts.jobId);
      if (runJobs.has(opts.jobId)) return;
      runJobs.set(opts.jobId, {
        id: opts.jobId,
        data: job,
        dueAt: clock.now() + (opts.delayMs ?? 0),
        seq: (seq += 1),
        state: (opts.delayMs ?? 0) > 0 ? 'delayed' : 'waiting',
      });
    },
    async removeRunJob(jobId) {
      if (runJobs.get(jobId)?.state === 'delayed') runJobs.delete(jobId);
    },
    async runJobState(jobId) {
      return (runJobs.get(jobId)?.state ?? 'unknown') as JobState;
    },
    async removeActionJob(jobId) {
      if (actionJobs.get(jobId)?.state === 'waiting') actionJobs.delete(jobId);
    },
    async addActionJob(job, opts) {
      checkId(opts.jobId);
      if (actionJobs.has(opts.jobId)) return;
      actionJobOptions.set(opts.jobId, opts);
      actionJobs.set(opts.jobId, {
        id: opts.jobId,
        data: job,
        dueAt: clock.now(),
        seq: (seq += 1),
        state: 'waiting',
      });
    },
    async actionJobState(jobId) {
      const job = actionJobs.get(jobId);
      return {
        state: (job?.state ?? 'unknown') as 'waiting',
        attempts: job ? 1 : 0,
        ...(job ? { runId: job.data.runId, job: job.data } : {}),
        ...(job?.failedReason === undefined ? {} : { failedReason: job.failedReason }),
        ...(job?.state === 'completed' ? { returnValue: job.returnValue } : {}),
      };
    },
    async removeFailedActionJob(jobId) {
      if (actionJobs.get(jobId)?.state === 'failed') actionJobs.delete(jobId);
    },
  };
  const logger = createLogger('silent');
  const catalog = new PlaybookCatalog(all, runs);
  const runner = new Runner({
    runs,
    approvals,
    playbooks: catalog,
    queues,
    clock,
    logger,
    crash: options.crash ?? (() => undefined),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const calls: RunHarness['calls'] = [];
  const failures = new Map<string, number>();
  const failureCodes = new Map<string, ErrorCode>();
  const held = new Set<string>();
  const heldRunJobs = new Set<string>();
  const builtin = builtinExecutors({ limiter, cases });
  const executors: ExecutorTable = Object.fromEntries(
    Object.entries(builtin).map(([type, ops]) => [
      type,
      Object.fromEntries(
        Object.entries(ops).map(([op, exec]) => [
          op,
          async (inputs: Readonly<Record<string, unknown>>, ctx: ActionContext) => {
            calls.push({ operation: op, inputs: { ...inputs }, ctx });
            const left = failures.get(op) ?? 0;
            if (left > 0) {
              failures.set(op, left - 1);
              const code = failureCodes.get(op) ?? 'CORDON_ERR_ACTION_FAILED';
              throw new CordonError(code, `${op} refused by the fake.`);
            }
            return exec(inputs, ctx);
          },
        ]),
      ),
    ]),
  );
  const processor = createActionProcessor({
    executors,
    runner,
    ledger: new EffectLedger(store.redis, keys),
    approvals,
    clock,
    logger,
    crash: options.workerCrash ?? (() => undefined),
    ...(options.inPlace ? { continueInPlace: true } : {}),
  });

  /** The due run jobs, each applied, while an action job has not yet been recorded as ended. */
  const drainRunJobs = async (): Promise<void> => {
    for (let i = 0; i < 100; i += 1) {
      const due = [...runJobs.values()]
        .filter((j) => j.state === 'waiting' && j.dueAt <= clock.now() && !heldRunJobs.has(j.id))
        .sort((a, b) => a.seq - b.seq)[0];
      if (!due) return;
      due.state = 'active';
      const data = due.data;
      if (data.type === 'start') await runner.start(data);
      else await runner.apply(data);
      due.state = 'completed';
    }
  };

  const nextDue = (): Entry<RunJob | ActionJob> | undefined => {
    const due = [...runJobs.values(), ...actionJobs.values()]
      .filter((j) => (j.state === 'waiting' || j.state === 'delayed') && j.dueAt <= clock.now())
      .filter((j) => !('operation' in j.data) || !held.has(j.data.operation))
      .filter((j) => !heldRunJobs.has(j.id))
      .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    return due[0];
  };
  return {
    clock,
    runner,
    runs,
    approvals,
    limiter,
    playbook,
    calls,
    failures,
    failureCodes,
    held,
    heldRunJobs,
    async start(runId, incident) {
      await runner.start({
        type: 'start',
        runId,
        playbookId: playbook.definition.id,
        playbookHash: playbook.hash,
        incident,
        initiator: 'correlation:test',
      });
    },
    async settle() {
      for (let i = 0; i < 500; i += 1) {
        const job = nextDue();
        if (!job) return;
        job.state = 'active';
        if (actionJobs.get(job.id) === job) {
          try {
            const result = await processor({
              data: job.data,
              attemptsMade: 0,
              opts: { attempts: 1 },
              id: job.id,
            } as unknown as Job<ActionJob>);
            if (options.runJobsBeforeRecord) await drainRunJobs();
            job.state = 'completed';
            job.returnValue = result;
            // As main's action worker does on its queue's 'completed' and 'failed' events.
            if (!options.loseEndNotices)
              await runner.undoJobEnded(job.data as ActionJob, { ok: true, result });
          } catch (err) {
            if (options.runJobsBeforeRecord) await drainRunJobs();
            job.state = 'failed';
            job.failedReason = err instanceof Error ? err.message : String(err);
            if (!options.loseEndNotices)
              await runner.undoJobEnded(job.data as ActionJob, failedUndoOutcome(job.failedReason));
          }
        } else {
          const data = job.data as RunJob;
          if (data.type === 'start') await runner.start(data);
          else await runner.apply(data);
          job.state = 'completed';
        }
      }
      throw new Error('settle(): jobs kept coming after 500 steps');
    },
    loseQueuedRunJobs() {
      for (const [id, job] of runJobs)
        if (job.state === 'waiting' || job.state === 'delayed') runJobs.delete(id);
    },
    loseQueuedActions() {
      for (const [id, job] of actionJobs) if (job.state === 'waiting') actionJobs.delete(id);
    },
    async decideFirst(runId, decision) {
      const [approval] = await approvals.list({ limit: 10, runId });
      if (!approval) throw new Error(`decideFirst: run ${runId} has no approval`);
      await approvals.decide(approval.id, decision, 'approver', 'approver', '', clock.now());
      const decided = await approvals.get(approval.id);
      if (decided) await runner.deliverDecision(decided);
    },
    queuedActions() {
      return [...actionJobs.values()].filter((j) => j.state === 'waiting').map((j) => j.data.state);
    },
    actionJobIds() {
      return [...actionJobs.values()].sort((a, b) => a.seq - b.seq).map((j) => j.id);
    },
    actionJob(id) {
      return actionJobs.get(id)?.data;
    },
    actionJobOptions(id) {
      return actionJobOptions.get(id);
    },
    runJobState(id) {
      return runJobs.get(id)?.state ?? 'unknown';
    },
    setRunJobState(id, state) {
      const job = runJobs.get(id);
      if (job) job.state = state;
    },
    setActionJobState(id, state, failedReason) {
      const job = actionJobs.get(id);
      if (!job) return;
      job.state = state;
      if (failedReason !== undefined) job.failedReason = failedReason;
    },
  };
}
