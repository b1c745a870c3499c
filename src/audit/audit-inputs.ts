import { OPERATIONS } from '../actions/operations.js';
import type { Config } from '../config/load-config.js';
import type { Principal } from '../config/principals.js';
import type { Content } from '../content.js';
import type { ActionJob } from '../playbook/runtime/jobs.js';
import { sha256Hex, stableStringify } from '../shared/hash.js';
import type { Approval } from '../store/approval-store.js';
import { systemActor, type AuditActor, type AuditInput } from './audit-entry.js';

/**
 * One builder per kind of entry, so each hook point is one line and what an entry may hold is
 * decided here, in one place: ids, names, hashes and counts, never tokens, secrets or inputs.
 */

/** Approval comments are what the approver typed; kept short so an entry stays small. */
const COMMENT_MAX_CHARS = 280;

export function actorOf(principal: Principal): AuditActor {
  return { id: principal.id, roles: [...principal.roles] };
}

/** Cordon's own start: the configuration it runs with, by digest (REDIS_URL may hold a password). */
export function configLoaded(config: Config): AuditInput {
  const { redisUrl, ...rest } = config;
  return {
    actor: systemActor('start'),
    action: 'config.loaded',
    targets: { instance: config.instanceId },
    outcome: 'ok',
    detail: {
      roles: [...config.roles],
      redisPrefix: config.redisPrefix,
      redisUrlSet: redisUrl !== undefined,
      configSha256: sha256Hex(stableStringify(rest)),
    },
  };
}

/** The rules, connectors and playbooks a process runs, by digest and count. */
export function contentLoaded(config: Config, content: Content): AuditInput {
  const digest = sha256Hex(
    stableStringify({
      rules: content.ruleSources
        .map((s) => ({ file: s.file, sha256: sha256Hex(s.text) }))
        .sort((a, b) => a.file.localeCompare(b.file)),
      connectors: content.connectors.map((c) => ({ name: c.name, type: c.type })),
      playbooks: content.playbooks.map((p) => ({ id: p.definition.id, hash: p.hash })),
    }),
  );
  return {
    actor: systemActor('start'),
    action: 'content.loaded',
    targets: { instance: config.instanceId },
    outcome: 'ok',
    detail: {
      contentDir: config.contentDir,
      contentSha256: digest,
      detectionRules: content.rules.detections.size,
      correlationRules: content.rules.correlations.length,
      connectors: content.connectors.length,
      playbooks: content.playbooks.map((p) => `${p.definition.id}@${p.hash.slice(0, 12)}`),
      warnings: content.diagnostics.length,
    },
  };
}

/**
 * Requests one principal made to one route in one window (never the token); `forbidden` of
 * them were refused for lacking a role.
 */
export function tokenUsed(use: {
  principal: Principal;
  route: string;
  requests: number;
  forbidden: number;
  windowStart: number;
  windowMs: number;
}): AuditInput {
  return {
    actor: actorOf(use.principal),
    action: 'token.used',
    targets: { route: use.route },
    outcome: use.forbidden > 0 ? 'forbidden' : 'allowed',
    detail: {
      requests: use.requests,
      forbidden: use.forbidden,
      windowStart: use.windowStart,
      windowMs: use.windowMs,
    },
  };
}

/** A principal's vote on an approval: `approval.decided` when it settled it, else `approval.voted`. */
export function approvalVote(
  principal: Principal,
  approval: Approval,
  vote: { decision: 'approve' | 'reject'; role: string; comment: string },
  settled: 'approved' | 'rejected' | undefined,
): AuditInput {
  return {
    actor: actorOf(principal),
    action: settled ? 'approval.decided' : 'approval.voted',
    targets: { approvalId: approval.id, runId: approval.runId, incidentId: approval.incidentId },
    outcome: settled ?? (vote.decision === 'approve' ? 'approved' : 'rejected'),
    detail: {
      role: vote.role,
      playbookId: approval.playbookId,
      state: approval.state,
      quorum: approval.quorum,
      // What was approved, bound by hash: the inputs themselves may hold customer keys.
      operation: approval.gated?.operation ?? null,
      inputsHash: approval.gated?.inputsHash ?? null,
      comment: vote.comment.slice(0, COMMENT_MAX_CHARS),
    },
  };
}

export function approvalExpired(approval: {
  approvalId: string;
  runId: string;
  incidentId: string;
  playbookId: string;
  state: string;
}): AuditInput {
  return {
    actor: systemActor('runner'),
    action: 'approval.expired',
    targets: {
      approvalId: approval.approvalId,
      runId: approval.runId,
      incidentId: approval.incidentId,
    },
    outcome: 'expired',
    detail: { playbookId: approval.playbookId, state: approval.state },
  };
}

/** An approval escalated: who may decide widened (a privilege change), a notification went out. */
export function approvalEscalated(approval: {
  approvalId: string;
  runId: string;
  incidentId: string;
  playbookId: string;
  state: string;
  escalation: number;
  addedRoles: readonly string[];
  roles: readonly string[];
  notify: string | null;
}): AuditInput {
  return {
    actor: systemActor('runner'),
    action: 'approval.escalated',
    targets: {
      approvalId: approval.approvalId,
      runId: approval.runId,
      incidentId: approval.incidentId,
    },
    outcome: 'escalated',
    detail: {
      playbookId: approval.playbookId,
      state: approval.state,
      escalation: approval.escalation,
      addedRoles: approval.addedRoles,
      roles: approval.roles,
      notify: approval.notify,
    },
  };
}

/** Operations that reverse another (`ratelimit.clear` undoes `ratelimit.set`). */
const UNDO_OPERATIONS = new Set(
  Object.values(OPERATIONS).flatMap((op) => (op.reversibleBy ? [op.reversibleBy] : [])),
);

/**
 * An action job's side effect: `action.undone` when its operation reverses another,
 * `action.failed` when its last attempt failed. Inputs appear as their hash only.
 */
export function actionOutcome(
  job: ActionJob,
  attempt: number,
  outcome: { ok: true } | { ok: false; code: string },
): AuditInput {
  return {
    actor: systemActor('worker'),
    action: !outcome.ok
      ? 'action.failed'
      : job.undoOf !== undefined || UNDO_OPERATIONS.has(job.operation)
        ? 'action.undone'
        : 'action.applied',
    targets: {
      runId: job.runId,
      incidentId: job.incidentId,
      effectKey: job.effectKey,
      ...(job.approvalId ? { approvalId: job.approvalId } : {}),
    },
    outcome: outcome.ok ? 'succeeded' : 'failed',
    detail: {
      playbookId: job.playbookId,
      state: job.state,
      operation: job.operation,
      connector: job.connector,
      inputsHash: job.inputsHash,
      attempt,
      ...(outcome.ok ? {} : { code: outcome.code }),
    },
  };
}

/** An action the runner would not queue (inputs invalid after templating, or not what was approved). */
export function actionRefused(
  run: { id: string; incidentId: string; playbookId: string },
  effect: { state: string; id: string },
  action: { operation: string; connector: string },
  code: string,
): AuditInput {
  return {
    actor: systemActor('runner'),
    action: 'action.failed',
    targets: { runId: run.id, incidentId: run.incidentId, effectKey: effect.id },
    outcome: 'refused',
    detail: {
      playbookId: run.playbookId,
      state: effect.state,
      operation: action.operation,
      connector: action.connector,
      code,
    },
  };
}

/** A person cancelled or retried a run (POST /v1/runs/{id}/cancel|retry). */
export function runControlled(
  principal: Principal,
  run: { id: string; incidentId: string; playbookId: string; playbookHash: string; state: string },
  action: 'run.cancelled' | 'run.retried' | 'run.undo-retried',
  comment: string,
  /** The effects a retry-undo queued again (their keys). */
  effects?: readonly string[],
): AuditInput {
  return {
    actor: actorOf(principal),
    action,
    targets: { runId: run.id, incidentId: run.incidentId },
    outcome: 'ok',
    detail: {
      playbookId: run.playbookId,
      playbookHash: run.playbookHash,
      state: run.state,
      comment: comment.slice(0, COMMENT_MAX_CHARS),
      ...(effects ? { effects } : {}),
    },
  };
}

/**
 * A run started by hand (POST /v1/runs). Its inputs may hold customer keys, so the entry names
 * them and carries their sha256, never their values.
 */
export function runStarted(
  principal: Principal,
  run: {
    id: string;
    incidentId: string;
    playbookId: string;
    playbookHash: string;
    inputs?: Readonly<Record<string, unknown>>;
  },
  comment: string,
): AuditInput {
  return {
    actor: actorOf(principal),
    action: 'run.started',
    targets: { runId: run.id, ...(run.incidentId ? { incidentId: run.incidentId } : {}) },
    outcome: 'ok',
    detail: {
      playbookId: run.playbookId,
      playbookHash: run.playbookHash,
      inputs: Object.keys(run.inputs ?? {}).sort(),
      inputsSha256: run.inputs ? sha256Hex(stableStringify(run.inputs)) : null,
      comment: comment.slice(0, COMMENT_MAX_CHARS),
    },
  };
}

/**
 * A person lifted every limit on a key of the built-in limiter (POST
 * /v1/limiter/keys/{key}/clear). The key may be a customer's API key: the entry carries its
 * sha256, never the key.
 */
export function limiterCleared(
  principal: Principal,
  cleared: { key: string; effect: string; existed: boolean },
  comment: string,
): AuditInput {
  return {
    actor: actorOf(principal),
    action: 'limiter.cleared',
    targets: { effect: cleared.effect },
    outcome: cleared.existed ? 'ok' : 'nothing-in-force',
    detail: { keySha256: sha256Hex(cleared.key), comment: comment.slice(0, COMMENT_MAX_CHARS) },
  };
}
