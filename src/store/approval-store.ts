import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { readHashes } from './read-hashes.js';
import { CHANGE_FEED_MAX_LEN } from './change-feed.js';
import { ScriptRunner } from './redis-scripts.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface ApprovalVote {
  readonly by: string;
  readonly role: string;
  readonly decision: 'approved' | 'rejected';
  readonly comment: string;
  readonly at: number;
}

/** The exact action an approval lets through, so approvers see (and bind to) what will run. */
export interface GatedAction {
  readonly state: string;
  readonly operation: string;
  readonly connector: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  /** sha256 of the rendered inputs; the action refuses to run if its inputs differ. */
  readonly inputsHash: string;
}

/** One escalation step that happened while the approval waited (`approval.escalate`). */
export interface ApprovalEscalation {
  /** Its place among the state's declared escalations (0-based). */
  readonly index: number;
  readonly at: number;
  /** Roles it added to those that may decide (or, with `set`, the roles that may from then on). */
  readonly roles: readonly string[];
  /** The roles replaced those that may decide (`roles: { set: [...] }`). */
  readonly set?: true;
  /** The notification it queued (operation on connector), when it declared one. */
  readonly notify?: { readonly operation: string; readonly connector: string };
}

export interface Approval {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly runId: string;
  readonly playbookId: string;
  readonly incidentId: string;
  readonly state: string;
  readonly step: number;
  readonly roles: readonly string[];
  readonly quorum: number;
  readonly message: string;
  readonly initiator: string;
  readonly gated: GatedAction | null;
  readonly votes: readonly ApprovalVote[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly decidedAt: number | undefined;
  /** Escalation steps taken so far (roles above already include what they added). */
  readonly escalations?: readonly ApprovalEscalation[];
  /** When the next declared escalation happens if still pending; absent when none is left. */
  readonly nextEscalationAt?: number;
}

export type NewApproval = Omit<Approval, 'status' | 'votes' | 'decidedAt' | 'escalations'>;

export type EscalateOutcome = 'escalated' | 'already' | 'not-found' | ApprovalStatus;

export type DecideOutcome =
  | { readonly kind: 'decided'; readonly status: 'approved' | 'rejected' }
  | { readonly kind: 'vote-recorded' }
  | { readonly kind: 'not-pending'; readonly status: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'already-voted' };

export class ApprovalStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async create(a: NewApproval): Promise<boolean> {
    const fields = {
      runId: a.runId,
      playbookId: a.playbookId,
      incidentId: a.incidentId,
      state: a.state,
      step: String(a.step),
      roles: JSON.stringify(a.roles),
      quorum: String(a.quorum),
      message: a.message,
      initiator: a.initiator,
      gated: JSON.stringify(a.gated),
      createdAt: String(a.createdAt),
      expiresAt: String(a.expiresAt),
      ...(a.nextEscalationAt === undefined ? {} : { nextEscalationAt: String(a.nextEscalationAt) }),
    };
    const created = await this.#scripts.run(
      'createApproval',
      [
        this.keys.approval(a.id),
        this.keys.approvalIndex,
        this.keys.approvalPending,
        this.keys.runApprovals(a.runId),
        this.keys.changes,
      ],
      [a.id, JSON.stringify(fields), a.createdAt, a.expiresAt, CHANGE_FEED_MAX_LEN],
    );
    return created === 1;
  }

  async get(id: string): Promise<Approval | undefined> {
    const h = await this.redis.hgetall(this.keys.approval(id));
    return h.id ? toApproval(h) : undefined;
  }

  async decide(
    id: string,
    decision: 'approve' | 'reject',
    by: string,
    role: string,
    comment: string,
    now: number,
  ): Promise<DecideOutcome> {
    const [code, status] = (await this.#scripts.run(
      'decideApproval',
      [this.keys.approval(id), this.keys.approvalPending, this.keys.changes],
      [now, decision, by, role, comment, CHANGE_FEED_MAX_LEN],
    )) as [number, string];
    switch (code) {
      case 1:
        return { kind: 'decided', status: status as 'approved' | 'rejected' };
      case 2:
        return { kind: 'vote-recorded' };
      case 0:
        return { kind: 'not-pending', status };
      case -2:
        return { kind: 'expired' };
      case -3:
        return { kind: 'already-voted' };
      default:
        return { kind: 'not-found' };
    }
  }

  /**
   * 'expired' if it was pending and is due, 'pending' if its expiry is still ahead (a timer that
   * fired early), else the status that won (a decision recorded first).
   */
  async expire(id: string, now: number): Promise<ApprovalStatus | 'not-found'> {
    const [code, status] = (await this.#scripts.run(
      'expireApproval',
      [this.keys.approval(id), this.keys.approvalPending, this.keys.changes],
      [now, CHANGE_FEED_MAX_LEN],
    )) as [number, string];
    return code === -1 ? 'not-found' : (status as ApprovalStatus);
  }

  /**
   * Takes escalation step `escalation.index` of a pending approval, once (a second call for the
   * same index changes nothing and answers 'already'): adds roles, records the step, sets the
   * next escalation time and appends `timelineEntry` to the run's timeline atomically.
   */
  async escalate(
    id: string,
    runId: string,
    escalation: ApprovalEscalation,
    nextAt: number | undefined,
    timelineEntry: Readonly<Record<string, unknown>>,
  ): Promise<EscalateOutcome> {
    const [code, status] = (await this.#scripts.run(
      'escalateApproval',
      [this.keys.approval(id), this.keys.runTimeline(runId), this.keys.changes],
      [
        escalation.at,
        escalation.index,
        JSON.stringify(escalation.roles),
        JSON.stringify(escalation),
        nextAt === undefined ? '' : nextAt,
        JSON.stringify(timelineEntry),
        escalation.set ? '1' : '',
        CHANGE_FEED_MAX_LEN,
      ],
    )) as [number, string];
    if (code === 1) return 'escalated';
    if (code === 2) return 'already';
    return code === -1 ? 'not-found' : (status as ApprovalStatus);
  }

  /** Withdraws a pending approval (its run was cancelled); the status that holds afterwards. */
  async cancel(id: string, now: number): Promise<ApprovalStatus | 'not-found'> {
    const [code, status] = (await this.#scripts.run(
      'cancelApproval',
      [this.keys.approval(id), this.keys.approvalPending, this.keys.changes],
      [now, CHANGE_FEED_MAX_LEN],
    )) as [number, string];
    return code === -1 ? 'not-found' : (status as ApprovalStatus);
  }

  /** Newest first; `status: 'pending'` reads the pending index, other filters page the full index. */
  async list(options: {
    limit: number;
    status?: ApprovalStatus;
    runId?: string;
  }): Promise<Approval[]> {
    const matches = (a: Approval): boolean =>
      (!options.status || a.status === options.status) &&
      (!options.runId || a.runId === options.runId);
    if (options.runId) {
      const ids = await this.redis.smembers(this.keys.runApprovals(options.runId));
      return (await this.load(ids))
        .filter(matches)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, options.limit);
    }
    if (options.status === 'pending') {
      const ids = await this.redis.zrange(this.keys.approvalPending, 0, -1);
      return (await this.load(ids))
        .filter(matches)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, options.limit);
    }
    const out: Approval[] = [];
    const page = 200;
    for (let start = 0; out.length < options.limit; start += page) {
      const ids = await this.redis.zrevrange(this.keys.approvalIndex, start, start + page - 1);
      for (const a of await this.load(ids))
        if (matches(a) && out.length < options.limit) out.push(a);
      if (ids.length < page) break;
    }
    return out;
  }

  /**
   * How many approvals wait, and when the oldest of them was created (looked up among the
   * 1,000 due soonest: approvals of one playbook share a timeout, so those are the oldest).
   */
  async pendingSummary(): Promise<{ count: number; oldestCreatedAt: number | undefined }> {
    const [count, ids] = await Promise.all([
      this.redis.zcard(this.keys.approvalPending),
      this.redis.zrange(this.keys.approvalPending, 0, 999),
    ]);
    if (ids.length === 0) return { count, oldestCreatedAt: undefined };
    const created = await this.redis.zmscore(this.keys.approvalIndex, ...ids);
    const times = created.filter((t): t is string => t !== null).map(Number);
    return { count, oldestCreatedAt: times.length > 0 ? Math.min(...times) : undefined };
  }

  /** Approvals by id, in the order of `ids`; gone ones left out. */
  async getMany(ids: readonly string[]): Promise<Approval[]> {
    return this.load(ids);
  }

  private async load(ids: readonly string[]): Promise<Approval[]> {
    if (ids.length === 0) return [];
    const rows = await readHashes(
      this.redis,
      ids.map((id) => this.keys.approval(id)),
    );
    return rows.filter((h) => h.id).map(toApproval);
  }
}

function toApproval(h: Record<string, string>): Approval {
  return {
    id: h.id ?? '',
    status: (h.status ?? 'pending') as ApprovalStatus,
    runId: h.runId ?? '',
    playbookId: h.playbookId ?? '',
    incidentId: h.incidentId ?? '',
    state: h.state ?? '',
    step: Number(h.step ?? 0),
    roles: JSON.parse(h.roles ?? '[]') as string[],
    quorum: Number(h.quorum ?? 1),
    message: h.message ?? '',
    initiator: h.initiator ?? '',
    gated: JSON.parse(h.gated ?? 'null') as GatedAction | null,
    votes: JSON.parse(h.votes ?? '[]') as ApprovalVote[],
    createdAt: Number(h.createdAt ?? 0),
    expiresAt: Number(h.expiresAt ?? 0),
    decidedAt: h.decidedAt ? Number(h.decidedAt) : undefined,
    ...(h.escalations ? { escalations: JSON.parse(h.escalations) as ApprovalEscalation[] } : {}),
    // Only a pending approval still escalates.
    ...(h.nextEscalationAt && (h.status ?? 'pending') === 'pending'
      ? { nextEscalationAt: Number(h.nextEscalationAt) }
      : {}),
  };
}
