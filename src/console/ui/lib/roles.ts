import type { Approval, Run, WhoAmI } from './types';

/** Roles that never decide approvals (the API refuses admin and ingest outright). */
const NON_DECIDING = new Set(['ingest', 'analyst', 'responder', 'gateway', 'metrics', 'admin']);

/** Why this principal may not decide this approval, or undefined when it may. */
export function whyNoDecision(me: WhoAmI, approval: Approval): string | undefined {
  if (approval.status !== 'pending') return `This approval is ${approval.status}.`;
  if (me.roles.includes('admin') || me.roles.includes('ingest'))
    return 'Your token can administer Cordon or submit events, so it may not decide approvals (separation of duties).';
  if (!me.roles.some((r) => !NON_DECIDING.has(r)))
    return 'Your token holds no role that decides approvals.';
  if (!approval.roles.some((r) => me.roles.includes(r)))
    return `This approval needs one of: ${approval.roles.join(', ')}. You hold ${me.roles.join(', ')}.`;
  if (approval.initiator === me.principal)
    return 'You started this run, so you may not approve its steps (separation of duties).';
  const voted = (approval.votes ?? []).some((v) => v.by === me.principal);
  if (voted) return 'You already voted; the quorum needs other approvers.';
  return undefined;
}

export function canControlRuns(me: WhoAmI): boolean {
  return me.roles.includes('responder') || me.roles.includes('admin');
}

export function canCancel(me: WhoAmI, run: Run): boolean {
  return canControlRuns(me) && (run.status === 'running' || run.status === 'waiting');
}

export function canRetry(me: WhoAmI, run: Run): boolean {
  return canControlRuns(me) && run.status === 'failed';
}

/** Undos that failed after their retries (containment left in force) can be tried again. */
export function failedUndos(run: Run): number {
  return (run.undo?.entries ?? []).filter(
    (e) => (e as { status?: unknown } | null)?.status === 'undo-failed',
  ).length;
}

export function canRetryUndo(me: WhoAmI, run: Run): boolean {
  return canControlRuns(me) && run.status !== 'undoing' && failedUndos(run) > 0;
}

export function canRead(me: WhoAmI): boolean {
  return ['analyst', 'approver', 'admin'].some((r) => me.roles.includes(r));
}

export function canResolveIncidents(me: WhoAmI): boolean {
  return me.roles.includes('responder') || me.roles.includes('admin');
}

/** Lifting the built-in limiter's limits on a key by hand (POST /v1/limiter/keys/{key}/clear). */
export function canLiftLimits(me: WhoAmI): boolean {
  return me.roles.includes('responder') || me.roles.includes('admin');
}
