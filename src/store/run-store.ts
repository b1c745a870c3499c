import type { RedisClient } from './redis.js';
import type { RunContext } from '../playbook/definition/compile-playbook.js';
import type { Effect } from '../playbook/runtime/effects.js';
import type { QueuedJobs } from '../playbook/runtime/jobs.js';
import {
  FINAL_STATUSES,
  type FailedAt,
  type HeldStep,
  type RunRecord,
  type RunStatus,
  type TimelineEntry,
} from '../playbook/runtime/run-record.js';
import type { UndoBook } from '../playbook/runtime/undo-book.js';
import { CORDON_METRICS } from '../shared/metric-families.js';
import type { Metrics } from '../shared/metrics.js';
import type { Keys } from './keys.js';
import { readHashes } from './read-hashes.js';
import { CHANGE_FEED_MAX_LEN } from './change-feed.js';
import { ScriptRunner } from './redis-scripts.js';

/** How long an undo job's watchers are kept at most (its failed job is kept as long). */
const UNDO_WATCH_KEEP_MS = 30 * 86_400_000;

export interface RunPatch {
  readonly status: RunStatus;
  readonly state: string;
  readonly step: number;
  readonly context: RunContext;
  readonly pendingEffects: readonly Effect[];
  readonly updatedAt: number;
  readonly endedAt?: number;
  readonly undo?: UndoBook;
  /** The xstate value inside a parallel state; null when the run is at a plain state. */
  readonly value?: unknown;
  readonly leaves?: Readonly<Record<string, number>>;
  /** Set when the run fails at a step a retry can restart; null clears it. */
  readonly failedAt?: FailedAt | null;
  /** The run was ended and starts again (a retry): it is active again and has no end time. */
  readonly reopen?: boolean;
  /** The step saved is run in place by this job (RunRecord.held); null clears it. */
  readonly held?: HeldStep | null;
}

/** How many runs one playbook version has, and how many of them are still going. */
export interface VersionCount {
  readonly playbookId: string;
  readonly runs: number;
  readonly active: number;
}

/** Runs whose last write this process remembers (a run is ~1-4 KB; ended runs are dropped). */
const RECENT_RUNS = 10_000;

/** Playbook runs: the record (CAS-saved), its timeline, and the set of applied event ids. */
export class RunStore {
  readonly #scripts: ScriptRunner;
  /**
   * Each run as this process last wrote it, newest last. A hint, never the truth: another
   * process may have moved the run since, which the next compare-and-set save detects (its
   * version differs), so a caller may save from it instead of reading the run first.
   */
  readonly #recent = new Map<string, RunRecord>();
  /**
   * Saves and creates of this process not yet answered, by run. A save now adds the run's
   * next action job itself, so this process's worker can finish that job before the save's
   * answer is read here; its outcome then waits for the answer (no round trip) rather than
   * saving from the copy before it, which the save would refuse (a read and a retry).
   */
  readonly #writing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** Counts ended runs (cordon_runs_ended_total), whichever path ended them. */
    private readonly metrics?: Metrics,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async create(run: RunRecord, timeline: readonly TimelineEntry[]): Promise<boolean> {
    return (await this.createAndGet(run, timeline)) !== undefined;
  }

  /**
   * The run as this process last created or saved it, if it remembers it and the run has not
   * ended: possibly stale, so only for a compare-and-set save (which refuses a stale version,
   * or an event already applied) and never for an answer.
   */
  recent(id: string): RunRecord | undefined {
    return this.#recent.get(id);
  }

  /** `recent`, once a save or create of the run this process has sent is answered. */
  async recentSettled(id: string): Promise<RunRecord | undefined> {
    const writing = this.#writing.get(id);
    if (writing) await writing.catch(() => undefined);
    return this.#recent.get(id);
  }

  /** `write` of run `id` (the remembered copy updated), known to `recentSettled` until done. */
  async #tracked<T>(id: string, write: Promise<T>): Promise<T> {
    this.#writing.set(id, write);
    try {
      return await write;
    } finally {
      if (this.#writing.get(id) === write) this.#writing.delete(id);
    }
  }

  #remember(run: RunRecord): void {
    this.#recent.delete(run.id);
    if (FINAL_STATUSES.includes(run.status)) return;
    this.#recent.set(run.id, run);
    if (this.#recent.size > RECENT_RUNS)
      this.#recent.delete(this.#recent.keys().next().value as string);
  }

  #forget(run: RunRecord): void {
    if (this.#recent.get(run.id)?.version === run.version) this.#recent.delete(run.id);
  }

  async get(id: string): Promise<RunRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.run(id));
    return h.id ? fromFields(h) : undefined;
  }

  /** A run's status and undo book only (GET /v1/containment reads them of each holder). */
  async undoView(id: string): Promise<{ status: RunStatus; undo?: UndoBook } | undefined> {
    const [found, status, undo] = await this.redis.hmget(this.keys.run(id), 'id', 'status', 'undo');
    if (!found) return undefined;
    return {
      status: (status ?? 'running') as RunStatus,
      ...(undo ? { undo: JSON.parse(undo) as UndoBook } : {}),
    };
  }

  /** Saves a transition if the run is still at `expectedVersion`. */
  async save(
    run: RunRecord,
    patch: RunPatch,
    timeline: readonly TimelineEntry[],
    appliedEventId: string,
  ): Promise<'saved' | 'conflict' | 'missing'> {
    const outcome = await this.commit(run, patch, timeline, appliedEventId);
    // An event applied meanwhile moved the version too; a fresh read tells the caller so.
    if (outcome === 'duplicate') return 'conflict';
    return typeof outcome === 'string' ? outcome : 'saved';
  }

  /**
   * `save`, answering with the run as stored after it: built from the very fields written (so
   * it equals what a read would return) instead of read back, which saves a round trip per step.
   * `duplicate`: `appliedEventId` was applied already (only a save from a remembered copy of
   * the run, `recent`, can meet this: a fresh read would have said so).
   */
  commit(
    run: RunRecord,
    patch: RunPatch,
    timeline: readonly TimelineEntry[],
    appliedEventId: string,
    /** Jobs to add in the same script, only if the save goes through (saveRunAndQueue). */
    queued?: QueuedJobs,
  ): Promise<RunRecord | 'conflict' | 'missing' | 'duplicate'> {
    const saving = this.#commit(run, patch, timeline, appliedEventId, queued);
    return queued ? this.#tracked(run.id, saving) : saving;
  }

  async #commit(
    run: RunRecord,
    patch: RunPatch,
    timeline: readonly TimelineEntry[],
    appliedEventId: string,
    queued: QueuedJobs | undefined,
  ): Promise<RunRecord | 'conflict' | 'missing' | 'duplicate'> {
    const fields: Record<string, string> = {
      status: patch.status,
      state: patch.state,
      step: String(patch.step),
      version: String(run.version + 1),
      context: JSON.stringify(patch.context),
      pendingEffects: JSON.stringify(patch.pendingEffects),
      updatedAt: String(patch.updatedAt),
      ...(patch.endedAt === undefined ? {} : { endedAt: String(patch.endedAt) }),
      ...(patch.reopen ? { endedAt: '' } : {}),
      ...(patch.undo === undefined ? {} : { undo: JSON.stringify(patch.undo) }),
      ...(patch.value === undefined
        ? {}
        : { value: patch.value === null ? '' : JSON.stringify(patch.value) }),
      ...(patch.leaves === undefined ? {} : { leaves: JSON.stringify(patch.leaves) }),
      ...(patch.failedAt === undefined
        ? {}
        : { failedAt: patch.failedAt === null ? '' : JSON.stringify(patch.failedAt) }),
      ...(patch.held === undefined
        ? {}
        : { held: patch.held === null ? '' : JSON.stringify(patch.held) }),
    };
    const ended = patch.endedAt !== undefined;
    const keys = [
      this.keys.run(run.id),
      this.keys.runTimeline(run.id),
      this.keys.runApplied(run.id),
      this.keys.runActive,
      this.keys.changes,
    ];
    const args = saveArgs(
      run,
      fields,
      timeline,
      appliedEventId,
      ended ? '1' : patch.reopen ? '2' : '0',
    );
    const code = queued
      ? await this.#scripts.run(
          'saveRunAndQueue',
          [...keys, ...queued.queueKeys],
          [queued.jobs.length, ...queued.jobs.flat(), ...args],
        )
      : await this.#scripts.run('saveRun', keys, args);
    if (code === 1 && ended && this.metrics) {
      const m = CORDON_METRICS.runsEnded;
      this.metrics.inc(m.name, m.help, { playbook: run.playbookId, status: patch.status });
    }
    if (code !== 1) {
      this.#forget(run);
      return code === 0 ? 'conflict' : code === 2 ? 'duplicate' : 'missing';
    }
    const saved = patched(run, patch);
    this.#remember(saved);
    return saved;
  }

  /** `create`, answering with the run as a read would return it (or undefined if it existed). */
  createAndGet(
    run: RunRecord,
    timeline: readonly TimelineEntry[],
    /** Jobs to add in the same script, only if the run is created (createRunAndQueue). */
    queued?: QueuedJobs,
  ): Promise<RunRecord | undefined> {
    const creating = this.#create(run, timeline, queued, undefined) as Promise<
      RunRecord | undefined
    >;
    return queued ? this.#tracked(run.id, creating) : creating;
  }

  /**
   * `createAndGet` for a sub-run, only while its parent still rests at `at` (the call that
   * started it), checked in the same script (createSubRun): `orphaned` when the parent has left
   * it, and then nothing is written and no job added.
   */
  createSubRunAndGet(
    run: RunRecord,
    timeline: readonly TimelineEntry[],
    at: { readonly runId: string; readonly state: string; readonly step: number },
    queued?: QueuedJobs,
  ): Promise<RunRecord | undefined | 'orphaned'> {
    const creating = this.#create(run, timeline, queued, at);
    return queued ? this.#tracked(run.id, creating) : creating;
  }

  async #create(
    run: RunRecord,
    timeline: readonly TimelineEntry[],
    queued: QueuedJobs | undefined,
    parentAt: { readonly runId: string; readonly state: string; readonly step: number } | undefined,
  ): Promise<RunRecord | undefined | 'orphaned'> {
    const fields = toFields(run);
    const keys = [
      this.keys.run(run.id),
      this.keys.runTimeline(run.id),
      this.keys.runIndex,
      this.keys.runActive,
      this.keys.incidentRuns(run.incidentId),
      this.keys.changes,
    ];
    const names = Object.keys(fields);
    const args: (string | number | Buffer)[] = [
      run.createdAt,
      run.id,
      CHANGE_FEED_MAX_LEN,
      names.length,
      timeline.length,
    ];
    for (const name of names) args.push(name, fields[name] as string);
    for (const entry of timeline) args.push(JSON.stringify(entry));
    const withJobs = queued ? [queued.jobs.length, ...queued.jobs.flat(), ...args] : args;
    const created = parentAt
      ? await this.#scripts.run(
          queued ? 'createSubRunAndQueue' : 'createSubRun',
          [...keys, ...(queued?.queueKeys ?? []), this.keys.run(parentAt.runId)],
          [parentAt.state, parentAt.step, ...withJobs],
        )
      : await this.#scripts.run(
          queued ? 'createRunAndQueue' : 'createRun',
          [...keys, ...(queued?.queueKeys ?? [])],
          withJobs,
        );
    if (created === 2) return 'orphaned';
    if (created !== 1) return undefined;
    if (FINAL_STATUSES.includes(run.status) && this.metrics) {
      // Counted like a run a save ends (a run created ended: its parent had left the call).
      const m = CORDON_METRICS.runsEnded;
      this.metrics.inc(m.name, m.help, { playbook: run.playbookId, status: run.status });
    }
    const stored = fromFields(fields);
    this.#remember(stored);
    return stored;
  }

  /**
   * The playbooks that have a run of their own for `incidentId` (sub-runs left out, whatever
   * the run's status): one read of the incident's run set and one pipelined read of each run's
   * playbook.
   */
  async playbooksRunFor(incidentId: string): Promise<Set<string>> {
    const ids = await this.redis.smembers(this.keys.incidentRuns(incidentId));
    const out = new Set<string>();
    if (ids.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.run(id), 'playbookId', 'parent');
    for (const [err, row] of (await pipeline.exec()) ?? []) {
      if (err) throw err;
      const [playbookId, parent] = row as (string | null)[];
      if (playbookId && !parent) out.add(playbookId);
    }
    return out;
  }

  /** Runs by id, in the order of `ids`; gone ones left out. */
  async getMany(ids: readonly string[]): Promise<RunRecord[]> {
    if (ids.length === 0) return [];
    const rows = await readHashes(
      this.redis,
      ids.map((id) => this.keys.run(id)),
    );
    return rows.filter((h) => h.id).map(fromFields);
  }

  /** Marks the outbox performed (only if nothing changed the run meanwhile). */
  async clearEffects(
    run: RunRecord,
    now: number,
    timeline: readonly TimelineEntry[] = [],
  ): Promise<boolean> {
    const fields = {
      pendingEffects: '[]',
      version: String(run.version + 1),
      updatedAt: String(now),
    };
    const code = await this.#scripts.run(
      'saveRun',
      [
        this.keys.run(run.id),
        this.keys.runTimeline(run.id),
        this.keys.runApplied(run.id),
        this.keys.runActive,
        this.keys.changes,
      ],
      saveArgs(run, fields, timeline, '', '0'),
    );
    // Remembered only once stored: until then a remembered copy still shows the outbox, and a
    // save from it is not tried (the caller reads first).
    if (code === 1) this.#remember(withFields(run, fields));
    else this.#forget(run);
    return code === 1;
  }

  /**
   * Adds `runIds` to the runs told how undo job `jobId` ends (Runner.undoJobEnded reads and
   * forgets them). The expiry only bounds what a job whose end was never seen leaves behind:
   * such a run still learns the outcome from reconcile.
   */
  async watchUndo(jobId: string, runIds: readonly string[]): Promise<void> {
    const key = this.keys.undoWatchers(jobId);
    await this.redis
      .multi()
      .sadd(key, ...runIds)
      .pexpire(key, UNDO_WATCH_KEEP_MS)
      .sadd(this.keys.undoAnnounce, jobId)
      .exec();
  }

  /** Notes that undo job `jobId`'s end is to be told to other runs (see Keys.undoAnnounce). */
  async toAnnounce(jobId: string): Promise<void> {
    await this.redis.sadd(this.keys.undoAnnounce, jobId);
  }

  /** The undo jobs whose end is still to be told (reconcile's list). */
  async unannounced(): Promise<string[]> {
    return this.redis.smembers(this.keys.undoAnnounce);
  }

  /** Takes undo job `jobId` off the list, unless runs are listed as watching it (answers whether). */
  async announced(jobId: string): Promise<boolean> {
    const done = await this.#scripts.run(
      'closeAnnouncement',
      [this.keys.undoWatchers(jobId), this.keys.undoAnnounce],
      [jobId],
    );
    return done === 1;
  }

  async undoWatchers(jobId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.undoWatchers(jobId));
  }

  async forgetUndoWatchers(jobId: string, runIds: readonly string[]): Promise<void> {
    if (runIds.length > 0) await this.redis.srem(this.keys.undoWatchers(jobId), ...runIds);
  }

  async wasApplied(id: string, eventId: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.runApplied(id), eventId)) === 1;
  }

  async timeline(id: string): Promise<TimelineEntry[]> {
    const raw = await this.redis.lrange(this.keys.runTimeline(id), 0, -1);
    return raw.map((r) => JSON.parse(r) as TimelineEntry);
  }

  async activeIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.runActive);
  }

  /** Runs not yet ended, by status (one pipelined read of each run's status). */
  async activeStatusCounts(): Promise<Record<string, number>> {
    const ids = await this.activeIds();
    const counts: Record<string, number> = {};
    for (let i = 0; i < ids.length; i += 1_000) {
      const pipeline = this.redis.pipeline();
      for (const id of ids.slice(i, i + 1_000)) pipeline.hget(this.keys.run(id), 'status');
      for (const [, status] of (await pipeline.exec()) ?? [])
        if (typeof status === 'string') counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }

  /** Newest first. */
  async list(options: { limit: number; incidentId?: string }): Promise<RunRecord[]> {
    let ids: string[];
    if (options.incidentId) {
      // The per-incident set is unordered: order by creation time before cutting to the limit.
      const members = await this.redis.smembers(this.keys.incidentRuns(options.incidentId));
      const scores = members.length ? await this.redis.zmscore(this.keys.runIndex, ...members) : [];
      ids = members
        .map((id, i) => ({ id, at: Number(scores[i] ?? 0) }))
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
        .slice(0, options.limit)
        .map((r) => r.id);
    } else {
      ids = await this.redis.zrevrange(this.keys.runIndex, 0, options.limit - 1);
    }
    const rows = await readHashes(
      this.redis,
      ids.map((id) => this.keys.run(id)),
    );
    return rows
      .filter((h) => h.id)
      .map(fromFields)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Runs per playbook version (the hash each run is pinned to), with how many have not ended.
   * Reads every run's two fields in pages of pipelined HMGETs: O(runs), for the operator's
   * GET /v1/playbooks, never on a run's path. Retention keeps the run index bounded.
   */
  async countByVersion(): Promise<Map<string, VersionCount>> {
    const out = new Map<string, VersionCount>();
    const page = 1_000;
    for (let start = 0; ; start += page) {
      const ids = await this.redis.zrange(this.keys.runIndex, start, start + page - 1);
      if (ids.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const id of ids)
        pipeline.hmget(this.keys.run(id), 'playbookId', 'playbookHash', 'status');
      for (const [err, row] of (await pipeline.exec()) ?? []) {
        if (err) throw err;
        const [playbookId, hash, status] = row as (string | null)[];
        if (!playbookId || !hash) continue; // deleted between the index read and this one
        const seen = out.get(hash) ?? { playbookId, runs: 0, active: 0 };
        out.set(hash, {
          playbookId,
          runs: seen.runs + 1,
          active: seen.active + (FINAL_STATUSES.includes(status as RunStatus) ? 0 : 1),
        });
      }
      if (ids.length < page) break;
    }
    return out;
  }

  /**
   * Binds a by-hand run id (derived from principal and Idempotency-Key) to what it starts, if
   * nothing is bound yet (SET NX, one decision however many requests race). Answers undefined
   * when this call bound it, else the binding that was there (for `ttlMs` after the first use).
   */
  async bindIdempotency<T>(runId: string, binding: T, ttlMs: number): Promise<T | undefined> {
    const key = this.keys.runIdempotency(runId);
    const json = JSON.stringify(binding);
    if ((await this.redis.set(key, json, 'PX', ttlMs, 'NX')) === 'OK') return undefined;
    const found = await this.redis.get(key);
    // Expired between the two calls: bind again (a second race is as decided as the first).
    return found === null ? this.bindIdempotency(runId, binding, ttlMs) : (JSON.parse(found) as T);
  }

  /** What a by-hand run id was first bound to (bindIdempotency), while the binding lasts. */
  async idempotencyBinding<T>(runId: string): Promise<T | undefined> {
    const found = await this.redis.get(this.keys.runIdempotency(runId));
    return found === null ? undefined : (JSON.parse(found) as T);
  }

  async storePlaybook(hash: string, definitionJson: string): Promise<void> {
    await this.redis.set(this.keys.playbookSource(hash), definitionJson, 'NX');
  }

  async loadPlaybook(hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.playbookSource(hash))) ?? undefined;
  }
}

/**
 * saveRun's arguments: the guard, then each field and each timeline entry as an argument of
 * its own (the context is encoded once here and never decoded by the script).
 */
function saveArgs(
  run: RunRecord,
  fields: Readonly<Record<string, string>>,
  timeline: readonly TimelineEntry[],
  appliedEventId: string,
  ended: '0' | '1' | '2',
): string[] {
  const names = Object.keys(fields);
  // The guard makes the stored run the very version `run` is, so what moves is known here.
  const moved =
    (fields.status !== undefined && fields.status !== run.status) ||
    (fields.state !== undefined && fields.state !== run.state) ||
    (fields.step !== undefined && fields.step !== String(run.step));
  const args = [
    String(run.version),
    appliedEventId,
    ended,
    run.id,
    String(CHANGE_FEED_MAX_LEN),
    moved ? '1' : '0',
    String(names.length),
    String(timeline.length),
  ];
  for (const name of names) args.push(name, fields[name] as string);
  for (const entry of timeline) args.push(JSON.stringify(entry));
  return args;
}

function toFields(run: RunRecord): Record<string, string> {
  return {
    id: run.id,
    playbookId: run.playbookId,
    playbookHash: run.playbookHash,
    incidentId: run.incidentId,
    initiator: run.initiator,
    status: run.status,
    state: run.state,
    step: String(run.step),
    version: String(run.version),
    context: JSON.stringify(run.context),
    pendingEffects: JSON.stringify(run.pendingEffects),
    createdAt: String(run.createdAt),
    updatedAt: String(run.updatedAt),
    ...(run.value === undefined ? {} : { value: JSON.stringify(run.value) }),
    ...(run.leaves === undefined ? {} : { leaves: JSON.stringify(run.leaves) }),
    ...(run.parent === undefined ? {} : { parent: JSON.stringify(run.parent) }),
  };
}

/**
 * The run after `patch` was saved over it, as a read would return it, built from the patch's
 * own values rather than by parsing again the JSON just written (that parse was ~3 % of a
 * playbook run's CPU). Values are shared with the patch: runs are never mutated in place.
 */
function patched(run: RunRecord, patch: RunPatch): RunRecord {
  const out: Record<string, unknown> = {
    ...run,
    status: patch.status,
    state: patch.state,
    step: patch.step,
    version: run.version + 1,
    context: patch.context,
    pendingEffects: patch.pendingEffects,
    updatedAt: patch.updatedAt,
  };
  if (patch.endedAt !== undefined) out.endedAt = patch.endedAt;
  if (patch.reopen) out.endedAt = undefined;
  if (patch.undo !== undefined) out.undo = patch.undo;
  if (patch.value === null) delete out.value;
  else if (patch.value !== undefined) out.value = patch.value;
  if (patch.leaves !== undefined) out.leaves = patch.leaves;
  if (patch.failedAt === null) delete out.failedAt;
  else if (patch.failedAt !== undefined) out.failedAt = patch.failedAt;
  if (patch.held === null) delete out.held;
  else if (patch.held !== undefined) out.held = patch.held;
  return out as unknown as RunRecord;
}

/**
 * The run after `fields` were written over it: each written field parsed as a read parses it
 * (an empty string clears it), every other field as it was.
 */
function withFields(run: RunRecord, fields: Readonly<Record<string, string>>): RunRecord {
  const parsed = fromFields({ ...fields, id: run.id }) as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...run };
  for (const name of Object.keys(fields)) {
    if (name in parsed) out[name] = parsed[name];
    else delete out[name];
  }
  return out as unknown as RunRecord;
}

function fromFields(h: Record<string, string>): RunRecord {
  return {
    id: h.id ?? '',
    playbookId: h.playbookId ?? '',
    playbookHash: h.playbookHash ?? '',
    incidentId: h.incidentId ?? '',
    initiator: h.initiator ?? '',
    status: (h.status ?? 'running') as RunStatus,
    state: h.state ?? '',
    step: Number(h.step ?? 0),
    version: Number(h.version ?? 0),
    context: JSON.parse(h.context ?? '{}') as RunContext,
    pendingEffects: JSON.parse(h.pendingEffects ?? '[]') as Effect[],
    createdAt: Number(h.createdAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    endedAt: h.endedAt ? Number(h.endedAt) : undefined,
    ...(h.undo ? { undo: JSON.parse(h.undo) as UndoBook } : {}),
    ...(h.value ? { value: JSON.parse(h.value) as unknown } : {}),
    ...(h.leaves ? { leaves: JSON.parse(h.leaves) as Record<string, number> } : {}),
    ...(h.failedAt ? { failedAt: JSON.parse(h.failedAt) as FailedAt } : {}),
    ...(h.parent ? { parent: JSON.parse(h.parent) as RunRecord['parent'] } : {}),
    ...(h.held ? { held: JSON.parse(h.held) as HeldStep } : {}),
  };
}
