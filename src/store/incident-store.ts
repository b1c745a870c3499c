import type { RedisClient } from './redis.js';
import type { Match, Retraction } from '../correlate/match.js';
import type { Severity } from '../ingest/canonical-event.js';
import { deterministicId } from '../shared/hash.js';
import type { Keys } from './keys.js';
import { readHashes } from './read-hashes.js';
import { CHANGE_FEED_MAX_LEN } from './change-feed.js';
import { ScriptRunner } from './redis-scripts.js';

export interface Incident {
  readonly id: string;
  readonly title: string;
  readonly status: 'open' | 'resolved';
  readonly rule: string;
  readonly ruleTitle: string;
  readonly ruleType: string;
  readonly severity: Severity;
  readonly tags: readonly string[];
  readonly group: Readonly<Record<string, string>>;
  readonly groupKey: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Event time of the first and latest contributing events. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly matchCount: number;
  readonly eventCount: number;
  readonly resolvedAt?: number;
  readonly resolvedBy?: string;
  readonly resolveComment?: string;
  /** Set when no playbook was started for it, saying why (replays never contain live). */
  readonly containment?: string;
  /** When Cordon accepted the event that opened it (ingest time), epoch ms, if known. */
  readonly acceptedAt?: number;
  /**
   * The type-specific figures of the match that opened it (`score`, `driver` and
   * `explanation` of an anomaly, `value` and `baseline` of a spike …); {} when it had none.
   */
  readonly aggregate: Readonly<Record<string, unknown>>;
  /** Its matches withdrawn by events that arrived after them (see Retraction). */
  readonly retractionCount: number;
  /** Every match behind it was withdrawn: what opened it did not happen as it first looked. */
  readonly retracted: boolean;
}

export interface IncidentDetail extends Incident {
  /** Newest first, capped. */
  readonly matches: readonly Match[];
  readonly runs: readonly string[];
  /** Its withdrawn matches, oldest first (the first 100; `retractionCount` counts them all). */
  readonly retractions: readonly Retraction[];
}

export type RecordRetractionOutcome =
  | { readonly outcome: 'recorded' | 'replayed'; readonly incidentId: string }
  /** No incident has the match: it was suppressed, or its incident is gone (retention). */
  | { readonly outcome: 'no-incident' };

/** Incident hash fields that hold a withdrawn match: `retraction:<match id>`. */
const RETRACTION_FIELD = 'retraction:';

export interface RecordMatchOutcome {
  readonly incidentId: string;
  /** This match opened the incident (so playbooks start for it). */
  readonly created: boolean;
  /** The match had been recorded before (redelivery). */
  readonly replayed: boolean;
  /**
   * The incident this match created, as created (what `summary` would read right after); not
   * for a replay, whose incident may have moved on since, nor for a match that joined one.
   */
  readonly incident?: Incident;
}

const MAX_MATCHES_KEPT = 100;
/** Withdrawn matches kept in full per incident (the count goes on). */
const MAX_RETRACTIONS_KEPT = 100;
/** Match ids are remembered this long (redeliveries within it are recognised). */
export const MATCH_MEMORY_MS = 30 * 86_400_000;

/** Open-incident hints kept (rule and group → incident id), newest last. */
const OPEN_HINTS = 10_000;

export class IncidentStore {
  readonly #scripts: ScriptRunner;
  /**
   * The open incident of each rule and group as this process last saw it: a guess, never the
   * truth. recordMatch sends it as the incident it expects; the script refuses a wrong guess
   * and answers the right one, which the next attempt sends. No guess means "none open".
   */
  readonly #openHints = new Map<string, string>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  /**
   * Records a match: attaches it to the open incident of its rule + group or opens one.
   * `containment`, when given, is stored on a new incident: why no playbook starts for it.
   */
  async recordMatch(match: Match, now: number, containment?: string): Promise<RecordMatchOutcome> {
    const openField = `${match.rule}\n${match.groupKey}`;
    const newId = deterministicId('inc', match.matchId);
    const fields = {
      title: incidentTitle(match),
      rule: match.rule,
      ruleTitle: match.ruleTitle,
      ruleType: match.ruleType,
      severity: match.level,
      tags: JSON.stringify(match.tags),
      group: JSON.stringify(match.group),
      groupKey: match.groupKey,
      firstSeen: String(match.firstTime),
      lastSeen: String(match.lastTime),
      aggregate: JSON.stringify(match.aggregate),
      ...(containment === undefined ? {} : { containment }),
      ...(match.received === undefined ? {} : { acceptedAt: String(match.received) }),
    };
    // No read of the open incident first (a round trip per match): the guess is checked by the
    // script, which answers the right one when it is wrong.
    let expected = this.#openHints.get(openField) ?? '';
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const target = expected || newId;
      const [status, id, created, stored] = (await this.#scripts.run(
        'recordMatch',
        [
          this.keys.incidentByMatch,
          `${this.keys.incidentByMatch}:time`,
          this.keys.incidentOpen,
          this.keys.incidentIndex,
          this.keys.incident(target),
          this.keys.incidentMatches(target),
          this.keys.changes,
        ],
        [
          now,
          match.matchId,
          openField,
          expected,
          newId,
          JSON.stringify(match),
          MAX_MATCHES_KEPT,
          MATCH_MEMORY_MS,
          JSON.stringify(fields),
          match.lastTime,
          match.count,
          match.firstTime,
          CHANGE_FEED_MAX_LEN,
        ],
      )) as [number, string, number, string[] | undefined];
      if (status === -1) {
        expected = id;
        this.#hint(openField, id);
        continue;
      }
      if (status === 1) this.#hint(openField, id);
      const outcome = { incidentId: id, created: created === 1, replayed: status === 0 };
      return stored ? { ...outcome, incident: toIncident(fieldsOf(stored)) } : outcome;
    }
    throw new Error(
      `Incident for ${match.rule} kept changing while recording match ${match.matchId}.`,
    );
  }

  #hint(openField: string, id: string): void {
    this.#openHints.delete(openField);
    if (id === '') return;
    this.#openHints.set(openField, id);
    if (this.#openHints.size > OPEN_HINTS)
      this.#openHints.delete(this.#openHints.keys().next().value as string);
  }

  /**
   * Notes on the incident that opened (or took) a match that the match was withdrawn; once
   * per match, so redelivery after a correlator restart changes nothing.
   */
  async recordRetraction(r: Retraction, now: number): Promise<RecordRetractionOutcome> {
    // byMatch holds "<incident id>|<1 if the match created it>" (recordMatch-6.lua).
    const byMatch = await this.redis.hget(this.keys.incidentByMatch, r.matchId);
    const incidentId = byMatch?.split('|')[0];
    if (!incidentId) return { outcome: 'no-incident' };
    const code = (await this.#scripts.run(
      'recordRetraction',
      [this.keys.incident(incidentId), this.keys.changes],
      [now, r.matchId, JSON.stringify(r), MAX_RETRACTIONS_KEPT, CHANGE_FEED_MAX_LEN],
    )) as number;
    if (code === -1) return { outcome: 'no-incident' };
    return { outcome: code === 1 ? 'recorded' : 'replayed', incidentId };
  }

  async get(id: string): Promise<IncidentDetail | undefined> {
    const [hash, matches, runs] = await Promise.all([
      this.redis.hgetall(this.keys.incident(id)),
      this.redis.lrange(this.keys.incidentMatches(id), 0, -1),
      this.redis.smembers(this.keys.incidentRuns(id)),
    ]);
    if (!hash.id) return undefined;
    const retractions = Object.entries(hash)
      .filter(([field, json]) => field.startsWith(RETRACTION_FIELD) && json !== '-')
      .map(([, json]) => JSON.parse(json) as Retraction)
      .sort((a, b) => a.retractedAt - b.retractedAt || a.matchId.localeCompare(b.matchId));
    return {
      ...toIncident(hash),
      matches: matches.map((m) => JSON.parse(m) as Match),
      runs: runs.sort(),
      retractions,
    };
  }

  /**
   * The incident without its matches, runs and retractions (one read): what a trigger needs.
   * `get` parses every match kept (up to MAX_MATCHES_KEPT) on each call.
   */
  async summary(id: string): Promise<Incident | undefined> {
    const hash = await this.redis.hgetall(this.keys.incident(id));
    return hash.id ? toIncident(hash) : undefined;
  }

  /** Incidents as GET /v1/incidents lists them (no matches), in the order of `ids`; gone ones left out. */
  async summaries(ids: readonly string[]): Promise<Incident[]> {
    if (ids.length === 0) return [];
    const rows = await readHashes(
      this.redis,
      ids.map((id) => this.keys.incident(id)),
    );
    return rows.filter((h) => h.id).map(toIncident);
  }

  /** Open incidents, one per rule and group. */
  async openCount(): Promise<number> {
    return this.redis.hlen(this.keys.incidentOpen);
  }

  /** Newest first; `before` is a createdAt cursor (epoch ms, exclusive). */
  async list(options: {
    limit: number;
    status?: 'open' | 'resolved';
    before?: number;
  }): Promise<Incident[]> {
    const out: Incident[] = [];
    let max = options.before === undefined ? '+inf' : `(${options.before}`;
    while (out.length < options.limit) {
      const ids = await this.redis.zrevrangebyscore(
        this.keys.incidentIndex,
        max,
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        200,
      );
      if (ids.length === 0) break;
      // ids holds [id, score, id, score, …] (WITHSCORES).
      const rows = await readHashes(
        this.redis,
        ids.filter((_, i) => i % 2 === 0).map((id) => this.keys.incident(id)),
      );
      for (const row of rows) {
        const inc = toIncident(row);
        if (!options.status || inc.status === options.status) out.push(inc);
        if (out.length >= options.limit) break;
      }
      max = `(${ids[ids.length - 1] ?? 0}`;
      if (ids.length < 400) break;
    }
    return out;
  }

  /** 'resolved' | 'already-resolved' | 'not-found' */
  async resolve(
    id: string,
    by: string,
    comment: string,
    now: number,
  ): Promise<'resolved' | 'already-resolved' | 'not-found'> {
    const code = await this.#scripts.run(
      'resolveIncident',
      [this.keys.incident(id), this.keys.incidentOpen, this.keys.changes],
      [now, by, comment, CHANGE_FEED_MAX_LEN],
    );
    return code === 1 ? 'resolved' : code === 0 ? 'already-resolved' : 'not-found';
  }
}

function incidentTitle(match: Match): string {
  const group = Object.entries(match.group)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return group ? `${match.ruleTitle} (${group})` : match.ruleTitle;
}

/** An HGETALL reply as a script returns it (field, value, field, value …) as an object. */
function fieldsOf(flat: readonly string[]): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

function toIncident(h: Record<string, string>): Incident {
  const optional = {
    ...(h.resolvedAt ? { resolvedAt: Number(h.resolvedAt) } : {}),
    ...(h.resolvedBy ? { resolvedBy: h.resolvedBy } : {}),
    ...(h.resolveComment ? { resolveComment: h.resolveComment } : {}),
    ...(h.containment ? { containment: h.containment } : {}),
    ...(h.acceptedAt ? { acceptedAt: Number(h.acceptedAt) } : {}),
  };
  return {
    id: h.id ?? '',
    title: h.title ?? '',
    status: h.status === 'resolved' ? 'resolved' : 'open',
    rule: h.rule ?? '',
    ruleTitle: h.ruleTitle ?? '',
    ruleType: h.ruleType ?? '',
    severity: (h.severity ?? 'medium') as Severity,
    tags: JSON.parse(h.tags ?? '[]') as string[],
    group: JSON.parse(h.group ?? '{}') as Record<string, string>,
    groupKey: h.groupKey ?? '',
    createdAt: Number(h.createdAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    firstSeen: Number(h.firstSeen ?? 0),
    lastSeen: Number(h.lastSeen ?? 0),
    matchCount: Number(h.matchCount ?? 0),
    eventCount: Number(h.eventCount ?? 0),
    retractionCount: Number(h.retractionCount ?? 0),
    aggregate: JSON.parse(h.aggregate ?? '{}') as Record<string, unknown>,
    retracted:
      Number(h.matchCount ?? 0) > 0 && Number(h.retractionCount ?? 0) >= Number(h.matchCount),
    ...optional,
  };
}
