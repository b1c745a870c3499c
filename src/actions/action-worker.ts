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
import type { ActionJob } from '../playbook/runtime/jobs.js';
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
 */
export function createActionProcessor(
  deps: ActionWorkerDeps,
): (job: Job<ActionJob>) => Promise<unknown> {
  return async (job) => {
    const data = job.data;
    const attempt = job.attemptsMade + 1;
    const log = deps.logger.child({
      runId: data.runId,
      state: data.state,
      jobId: job.id,
      operation: data.operation,
      attempt,
    });
    let result: unknown;
    try {
      result = await runEffect(deps, data);
    } catch (err) {
      const code = isCordonError(err) ? err.code : 'CORDON_ERR_ACTION_FAILED';
      const message = err instanceof Error ? err.message : String(err);
      const retryable = !NON_RETRYABLE.has(code);
      const lastAttempt = !retryable || attempt >= (job.opts.attempts ?? 1);
      log.warn({ err, code, retryable, lastAttempt }, 'action failed');
      if (!lastAttempt) throw err;
      // A deadline can pass after the effect committed: believe the ledger over the timer.
      const landed =
        code === 'CORDON_ERR_ACTION_TIMEOUT' ? await deps.ledger.result(data.effectKey) : undefined;
      if (landed) {
        await deps.audit?.record(actionOutcome(data, attempt, { ok: true }));
        await deps.runner.reportAction(data, { ok: true, result: landed.result }, attempt);
        observeFirstAction(deps, data);
        return landed.result;
      }
      await deps.audit?.record(actionOutcome(data, attempt, { ok: false, code }));
      await deps.runner.reportAction(data, { ok: false, code, message }, attempt);
      if (!retryable) throw new UnrecoverableError(`${code}: ${message}`);
      throw err;
    }
    deps.crash(data.undoOf ? 'undo.after-effect' : 'action.after-effect');
    await deps.audit?.record(actionOutcome(data, attempt, { ok: true }));
    // If this throws, the job is retried; the effect is not repeated (ledger) and is reported then.
    await deps.runner.reportAction(data, { ok: true, result }, attempt);
    observeFirstAction(deps, data);
    log.info('action succeeded');
    return result;
  };
}

function observeFirstAction(deps: ActionWorkerDeps, data: ActionJob): void {
  if (data.acceptedAt === undefined || !deps.metrics) return;
  const { name, help, buckets } = CORDON_METRICS.acceptToFirstAction;
  const seconds = Math.max(0, deps.clock.now() - data.acceptedAt) / 1000;
  deps.metrics.observe(name, help, { playbook: data.playbookId }, seconds, buckets);
}

async function runEffect(deps: ActionWorkerDeps, data: ActionJob): Promise<unknown> {
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
      signal,
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

async function withDeadline<T>(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new CordonError(
          'CORDON_ERR_ACTION_TIMEOUT',
          `The action did not finish within ${timeoutMs} ms.`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
