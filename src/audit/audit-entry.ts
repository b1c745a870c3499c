/**
 * The shape of one audit entry. Entries say who did what to which records with what outcome;
 * they never carry secrets: token use names the principal and route (never the token), and an
 * action's inputs are referenced by their sha256 (they may hold customer keys), never copied.
 */

/** Stable names: consumers filter and alert on them, so a name is never reused for another meaning. */
export const AUDIT_ACTIONS = [
  'config.loaded',
  'content.loaded',
  'token.used',
  'approval.voted',
  'approval.decided',
  'approval.expired',
  'approval.escalated',
  'action.applied',
  'action.failed',
  'action.undone',
  'run.cancelled',
  'run.retried',
  'run.started',
  'run.undo-retried',
  'limiter.cleared',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** A principal (`id` from the tokens file, its roles) or Cordon itself (`system:<role>`). */
export interface AuditActor {
  readonly id: string;
  readonly roles: readonly string[];
}

export type AuditDetailValue = string | number | boolean | null | readonly string[];

/** What a caller asks to record; the trail adds seq, time and the chain links. */
export interface AuditInput {
  readonly actor: AuditActor;
  readonly action: AuditAction;
  /** Ids of the records acted on (`runId`, `approvalId`, `route`…). */
  readonly targets: Readonly<Record<string, string>>;
  readonly outcome: string;
  /** Small and flat: a few facts an auditor needs, never a copy of a payload. */
  readonly detail: Readonly<Record<string, AuditDetailValue>>;
}

/** The hashed part of an entry. */
export interface AuditEntry extends AuditInput {
  /** 1, 2, 3… without gaps: the position in the trail. */
  readonly seq: number;
  /** Epoch ms, from the Clock of the process that recorded it. */
  readonly time: number;
}

/** An entry as stored: linked to its predecessor by `prev`, sealed by `hash`. */
export interface AuditRecord extends AuditEntry {
  /** `hash` of the entry before (GENESIS_HASH for seq 1). */
  readonly prev: string;
  /** sha256 hex of `prev` and the entry's canonical JSON (see chain.ts). */
  readonly hash: string;
}

/** Where the trail stands: the last entry's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);
export const EMPTY_HEAD: AuditHead = { seq: 0, hash: GENESIS_HASH };

export function systemActor(role: string): AuditActor {
  return { id: `system:${role}`, roles: [] };
}
