import type { RedisClient } from './redis.js';
import type { Keys } from './keys.js';
import { readHashes } from './read-hashes.js';
import { ScriptRunner } from './redis-scripts.js';

export interface CaseRecord {
  readonly id: string;
  readonly status: string;
  readonly summary: string;
  readonly description: string;
  readonly severity: string;
  readonly dedupe: string;
  readonly openedBy: string;
  readonly incidentId: string;
  readonly createdAt: number;
}

export interface OpenCaseResult {
  readonly applied: boolean;
  readonly caseId: string;
  readonly created: boolean;
}

/** Cordon's built-in case store: where playbooks record an attack with no ticketing system. */
export class CaseStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async open(
    effectKey: string,
    caseId: string,
    dedupe: string,
    fields: Readonly<Record<string, string>>,
    now: number,
    /** The connector instance that acts: named in the effect's ledger entry by the same script. */
    connector?: string,
  ): Promise<OpenCaseResult> {
    const json = await this.#scripts.run(
      'openCase',
      [
        this.keys.caseDedupe,
        this.keys.caseIndex,
        this.keys.case(caseId),
        this.keys.effect(effectKey),
        this.keys.effectIndex,
      ],
      [
        now,
        effectKey,
        dedupe,
        caseId,
        JSON.stringify(fields),
        connector === undefined ? '' : JSON.stringify(connector),
      ],
    );
    return JSON.parse(String(json)) as OpenCaseResult;
  }

  async get(id: string): Promise<CaseRecord | undefined> {
    const h = await this.redis.hgetall(this.keys.case(id));
    return h.id ? toCase(h) : undefined;
  }

  /** Newest first. */
  async list(limit: number): Promise<CaseRecord[]> {
    const ids = await this.redis.zrevrange(this.keys.caseIndex, 0, limit - 1);
    const rows = await readHashes(
      this.redis,
      ids.map((id) => this.keys.case(id)),
    );
    return rows.map(toCase).filter((c) => c.id);
  }
}

function toCase(h: Record<string, string>): CaseRecord {
  return {
    id: h.id ?? '',
    status: h.status ?? 'open',
    summary: h.summary ?? '',
    description: h.description ?? '',
    severity: h.severity ?? 'medium',
    dedupe: h.dedupe ?? '',
    openedBy: h.openedBy ?? '',
    incidentId: h.incidentId ?? '',
    createdAt: Number(h.createdAt ?? 0),
  };
}
