import { UnrecoverableError, type Job } from 'bullmq';
import { actionOutcome } from '../audit/audit-inputs.js';
import type { AuditRecorder } from '../audit/audit-trail.js';
import { checkInputs, OPERATIONS } from './operations.js';
import type { Clock } from '../shared/clock.js';
import type { CrashHook } from '../shared/crash-points.js';
import { CordonError, isCordonError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { CORDON_METRICS } from '../shared/metric-families.js';
import type { Metrics } from '../shared/metrics.js';
import type { ActionJob, HeldAction } from '../playbook/runtime/jobs.js';
import { lazyChild } from '../playbook/runtime/lazy-log.js';
import type { Runner } from '../playbook/runtime/runner.js';
import type { ApprovalStore } from '../store/approval-store.js';
import type { EffectLedger } from '../store/effect-ledger.js';
import type { ExecutorTable } from './executors.js';
import { NON_RETRYABLE_CONNECTOR_CODES } from './http/outbound-errors.js';
import { actionInputsHash } from './inputs-hash.js';

/** Failures a retry cannot fix: the job fails at once instead of burning its attempts. */
const NON_RETRYABLE = new Set<string>([
  'CORDON_ERR_ACTION_INPUT',
  'CORDON_ERR_ACTION_CONNECTOR',
  'CORDON_ERR_ACTION_APPROVAL_MISMATCH',
  ...NON_RETRYABLE_CONNECTOR_CODES,
]);

export interface ActionWorkerDeps {
  readonly executors: ExecutorTable;
  readonly runner: Runner;
  readonly ledger: EffectLedger;
  readonly approvals: Pick<ApprovalStore, 'get'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly crash: CrashHook;
  readonly metrics?: Metrics;
  /** Records each effect's outcome (before it is reported, so a failed append retries the job). */
  readonly audit?: AuditRecorder;
  /**
   * After a success, run the run's next action step in this job when its save allows (see
   * `createActionProcessor`) instead of queueing a job for it.
   */
  readonly continueInPlace?: boolean;
}

/**
 * Processes one `actions` job: validates the rendered inputs again, runs the connector with a
 * deadline, then reports the outcome to the run before the job completes. A retry (BullMQ
 * attempts, or a stalled job after a crash) reaches the connector with the same effect key,
 * which the built-in connectors answer from their ledger instead of acting twice.
 *
 * Only a failure of the effect itself is reported as `action.failed`. If reporting fails, the
 * job fails without reporting anything and its retry reports the ledger's result; and a
 * timed-out last attempt whose effect did land (the ledger says so) is reported as a success.
 *
 * After a success the job goes on with its run in place (as Temporal's local activities do):
 * when the step's save decided exactly one next action, that action's job is not queued; the
 * save records that this job holds it (RunRecord.held) and this job runs it, and so on, each
 * step saved before the next effect exactly as between queued jobs. A held step that fails
 * with attempts left is handed to a job of its own for them (its backoff included); a crash
 * leaves this job stalled, and its retry (the effect answered from the ledger, its outcome
 * applied already) finds the held step in the run and runs it; reconcile queues the step's own
 * job only once the holder is finished or gone.
 */
export function createActionProcessor(
  deps: ActionWorkerDeps,
): (job: Job<ActionJob>) => Promise<unknown> {
  return async (job) => {
    const data = job.data;
    const holder = job.id;
    const outcome = await runStep(deps, data, {
      attempt: (data.attemptsBefore ?? 0) + job.attemptsMade + 1,
      last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
      ...(deps.continueInPlace && holder !== undefined && !data.undoOf ? { holder } : {}),
    });
    if (outcome.failed) {
      if (!outcome.final) throw outcome.failed;
      const final = new UnrecoverableError(outcome.failed.message);
      if (outcome.failed.stack) final.stack = outcome.failed.stack;
      throw final;
    }
    if (outcome.next && holder !== undefined) await continueInPlace(deps, holder, outcome.next);
    return outcome.result;
  };
}

/** `CODE: message`, with the frames of the error it stands for (a multi-line message kept whole). */
function withCode(code: string, message: string, error: Error): Error {
  const failed = new Error(`${code}: ${message}`);
  const frames = error.stack?.indexOf('\n    at ') ?? -1;
  if (frames >= 0) failed.stack = `Error: ${failed.message}${error.stack?.slice(frames) ?? ''}`;
  return failed;
}

interface StepOutcome {
  readonly result?: unknown;
  /** The step failed and is not over: the error to throw (BullMQ retries it unless `final`). */
  readonly failed?: Error;
  readonly final?: boolean;
  /** The next step, held for the holder to run in place. */
  readonly next?: HeldAction;
}

/** Which attempt of a step runs, and where. */
interface StepAttempt {
  readonly attempt: number;
  readonly last: boolean;
  readonly holder?: string;
  /** A step held in place (no job of its own). */
  readonly inPlace?: boolean;
}

/**
 * One attempt of one step: the effect, its audit entry, its outcome applied to the run. A
 * failure is reported to the run only on the step's last attempt.
 */
async function runStep(
  deps: ActionWorkerDeps,
  data: ActionJob,
  at: StepAttempt,
): Promise<StepOutcome> {
  const { attempt } = at;
  const log = lazyChild(deps.logger, () => ({
    runId: data.runId,
    state: data.state,
    jobId: data.effectKey,
    operation: data.operation,
    attempt,
  }));
  let result: unknown;
  try {
    result = await runEffect(deps, data, at.last);
  } catch (err) {
    const code = isCordonError(err) ? err.code : 'CORDON_ERR_ACTION_FAILED';
    const message = err instanceof Error ? err.message : String(err);
    const retryable = !NON_RETRYABLE.has(code);
    const lastAttempt = !retryable || at.last;
    log().warn({ err, code, retryable, lastAttempt }, 'action failed');
    const error = err instanceof Error ? err : new Error(message);
    if (!lastAttempt) return { failed: error };
    // A deadline can pass after the effect committed: believe the ledger over the timer.
    const landed =
      code === 'CORDON_ERR_ACTION_TIMEOUT' ? await deps.ledger.result(data.effectKey) : undefined;
    if (landed) return reportSuccess(deps, data, at, landed.result, log);
    // The last attempt's reason names its code: the queue records it, and what is read back
    // from the queue (recordedFailure, when the report below did not land) reads it there.
    const failed = withCode(code, message, error);
    try {
      await deps.audit?.record(actionOutcome(data, attempt, { ok: false, code }));
      await deps.runner.completeAction(data, { ok: false, code, message }, attempt);
    } catch (lost) {
      // With attempts left the job retries (the audit entry is written before the run hears,
      // or the job tries again); a step held in place is handed to a job of its own. Only on
      // the job's last attempt does the queue's record of it carry the failure to reconcile.
      if (!at.last || at.inPlace) throw lost;
      log().error(
        { err: lost },
        'reporting the failure failed; reconcile reports it from the queue',
      );
    }
    return { failed, final: !retryable };
  }
  deps.crash(
    data.undoOf
      ? 'undo.after-effect'
      : at.inPlace
        ? 'action.after-held-effect'
        : 'action.after-effect',
  );
  const outcome = await reportSuccess(deps, data, at, result, log);
  if (deps.logger.isLevelEnabled('info')) log().info('action succeeded');
  return outcome;
}

/**
 * A landed effect's audit entry and its report to the run. If either fails, the job is
 * retried (the effect is not repeated: the ledger answers) and reports then; a step held in
 * place goes to a job of its own. On a job's last attempt there is no retry: the job completes
 * with the result instead (failing it would tell the run an effect that landed had failed).
 * Reconcile reports an action's from the queue. An undo job's run, and its `tell`, are first
 * listed as watching the job, so its end tells them (Runner.undoJobEnded), or reconcile does
 * if that notice is lost; if even that listing fails, the job fails as it did before.
 */
async function reportSuccess(
  deps: ActionWorkerDeps,
  data: ActionJob,
  at: StepAttempt,
  result: unknown,
  log: () => { error(obj: object, msg: string): void },
): Promise<StepOutcome> {
  try {
    await deps.audit?.record(actionOutcome(data, at.attempt, { ok: true }));
    const next = await deps.runner.completeAction(
      data,
      { ok: true, result },
      at.attempt,
      at.holder,
    );
    observeFirstAction(deps, data);
    return { result, ...(next ? { next } : {}) };
  } catch (lost) {
    if (!at.last || at.inPlace) throw lost;
    if (data.undoOf) {
      try {
        await deps.runner.watchOwnUndo(data);
      } catch (unlisted) {
        log().error(
          { err: unlisted },
          'reporting an undo failed, and so did listing its runs as watching its job',
        );
        throw lost;
      }
    }
    log().error({ err: lost }, 'reporting the effect failed; reconcile reports it from the queue');
    return { result };
  }
}

/**
 * Runs held steps one after another in the holder's job, each one attempt. A step that fails
 * with attempts left, or that cannot go on here (any error around it), goes to a job of its
 * own; if even that add fails, reconcile queues it once this job has finished.
 */
async function continueInPlace(
  deps: ActionWorkerDeps,
  holder: string,
  first: HeldAction,
): Promise<void> {
  let held: HeldAction | undefined = first;
  while (held) {
    const step: HeldAction = held;
    held = undefined;
    try {
      const outcome = await runStep(deps, step.job, {
        attempt: 1,
        last: step.options.attempts <= 1,
        holder,
        inPlace: true,
      });
      if (outcome.failed && !outcome.final && step.options.attempts > 1)
        await deps.runner.handOff(step, 1);
      held = outcome.next;
    } catch (err) {
      deps.logger.warn(
        { err, runId: step.job.runId, state: step.job.state, holder },
        'a step held in place could not go on; it gets a job of its own',
      );
      await deps.runner
        .handOff(step, 0)
        .catch((lost: unknown) =>
          deps.logger.error(
            { err: lost, runId: step.job.runId },
            'handing a held step to a job failed; reconcile queues it',
          ),
        );
    }
  }
}

function observeFirstAction(deps: ActionWorkerDeps, data: ActionJob): void {
  if (data.acceptedAt === undefined || !deps.metrics) return;
  const { name, help, buckets } = CORDON_METRICS.acceptToFirstAction;
  const seconds = Math.max(0, deps.clock.now() - data.acceptedAt) / 1000;
  deps.metrics.observe(name, help, { playbook: data.playbookId }, seconds, buckets);
}

async function runEffect(
  deps: ActionWorkerDeps,
  data: ActionJob,
  lastAttempt: boolean,
): Promise<unknown> {
  const executor = deps.executors[data.connectorType]?.[data.operation];
  if (!executor) {
    throw new CordonError(
      'CORDON_ERR_ACTION_CONNECTOR',
      `Connector type ${data.connectorType} (connector "${data.connector}") has no operation ${data.operation}.`,
    );
  }
  const op = OPERATIONS[data.operation];
  const problems = op ? checkInputs(op, data.inputs) : ['unknown operation'];
  if (problems.length > 0) {
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      `Inputs of ${data.operation}: ${problems.join('; ')}.`,
    );
  }
  await checkApproved(deps, data);
  return withDeadline(data.timeoutMs, (signal) =>
    executor(data.inputs, {
      connector: data.connector,
      effectKey: data.effectKey,
      runId: data.runId,
      incidentId: data.incidentId,
      now: deps.clock.now(),
      get signal() {
        return signal();
      },
      timeoutMs: data.timeoutMs,
      lastAttempt,
      ...(data.undoOf ? { undoOf: data.undoOf } : {}),
    }),
  );
}

/**
 * The job must carry what its approval bound: the hash is recomputed from the inputs about to
 * run (not taken from the job), and checked against the approved approval's own record.
 */
async function checkApproved(deps: ActionWorkerDeps, data: ActionJob): Promise<void> {
  const hash = actionInputsHash(data.operation, data.connector, data.inputs);
  const refuse = (why: string): never => {
    throw new CordonError(
      'CORDON_ERR_ACTION_APPROVAL_MISMATCH',
      `Action ${data.operation} of run ${data.runId} (state "${data.state}") was not run: ${why}. Start a new approval for these inputs.`,
    );
  };
  if (hash !== data.inputsHash) refuse('its inputs are not the ones its run prepared');
  if (data.approvalId === null) return;
  const approval = await deps.approvals.get(data.approvalId);
  if (!approval) refuse(`approval ${data.approvalId} does not exist`);
  else if (approval.status !== 'approved')
    refuse(`approval ${data.approvalId} is ${approval.status}, not approved`);
  else if (
    approval.runId !== data.runId ||
    approval.gated?.state !== data.state ||
    approval.gated.inputsHash !== hash
  )
    refuse(`approval ${data.approvalId} approved other inputs`);
}

/**
 * Runs `run` against a deadline. Its abort signal is made when first asked for (aborted at
 * once if the deadline passed): an AbortController and its signal cost ~3 µs and more
 * collector work, on every step, and only the HTTP connectors read the signal.
 */
async function withDeadline<T>(
  timeoutMs: number,
  run: (signal: () => AbortSignal) => Promise<T>,
): Promise<T> {
  let controller: AbortController | undefined;
  let expired = false;
  const signal = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      if (expired) controller.abort();
    }
    return controller.signal;
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      controller?.abort();
      reject(
        new CordonError(
          'CORDON_ERR_ACTION_TIMEOUT',
          `The action did not finish within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
