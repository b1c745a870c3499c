import type { EngineMeta } from './engine/engine.js';
import type { Match } from './match.js';

/**
 * Where correlators keep what must survive them: who holds which state partition (leases with
 * fencing epochs), and each partition's checkpoint (groups, rule metadata, the outbox of matches
 * not yet recorded, and the log offset all of it reflects). Two adapters run one conformance
 * suite: Redis (store/correlation-state-store.ts) and memory (below: tests, and the shape of
 * the contract in plain code).
 */
export interface Lease {
  readonly partition: number;
  readonly epoch: number;
}

export interface CheckpointHead {
  /** Id of the last log entry the checkpoint reflects ('0-0': none). */
  readonly offset: string;
  /** Entries read up to the offset (undefined: never checkpointed). */
  readonly read: number | undefined;
  readonly engine: EngineMeta | undefined;
}

export interface Checkpoint {
  readonly offset: string;
  readonly read: number;
  readonly engine: EngineMeta;
  readonly groups: readonly [string, string | null][];
  readonly rules: readonly [string, string][];
  /** Matches produced but not yet handed to incidents. */
  readonly outbox: readonly Match[];
}

export interface CorrelationStateStore {
  /** Records `member` as alive (when given) and returns the live members, sorted. */
  heartbeat(member: string, now: number, leaseMs: number): Promise<string[]>;
  /** Removes `member` from the live set (clean shutdown). */
  leave(member: string): Promise<void>;
  /** The configured partition count, set by the first correlator; undefined before that. */
  partitionCount(proposed: number): Promise<number>;
  acquire(
    partition: number,
    member: string,
    now: number,
    leaseMs: number,
  ): Promise<{ lease: Lease; head: CheckpointHead } | undefined>;
  renew(lease: Lease, member: string, now: number, leaseMs: number): Promise<boolean>;
  release(lease: Lease, member: string): Promise<void>;
  /** Group states of a partition, in chunks. */
  groups(partition: number): AsyncIterable<[string, string][]>;
  rules(partition: number): Promise<[string, string][]>;
  outbox(partition: number): Promise<Match[]>;
  /** False when the lease was lost: nothing was written. */
  commit(
    lease: Lease,
    member: string,
    checkpoint: Checkpoint,
    now: number,
    leaseMs: number,
  ): Promise<boolean>;
  clearOutbox(partition: number, matchIds: readonly string[]): Promise<void>;
  /** Checkpointed offset of every partition ('0-0' for one never checkpointed). */
  offsets(partitions: number): Promise<string[]>;
}

interface MemoryPartition {
  owner: string;
  epoch: number;
  expires: number;
  offset: string;
  read: number | undefined;
  engine: EngineMeta | undefined;
  groups: Map<string, string>;
  rules: Map<string, string>;
  outbox: Map<string, Match>;
}

/** The contract in memory: same semantics as the Redis adapter, no durability. */
export class MemoryStateStore implements CorrelationStateStore {
  readonly #members = new Map<string, number>();
  readonly #partitions = new Map<number, MemoryPartition>();
  #count: number | undefined;

  private partition(p: number): MemoryPartition {
    let part = this.#partitions.get(p);
    if (!part) {
      part = {
        owner: '',
        epoch: 0,
        expires: 0,
        offset: '0-0',
        read: undefined,
        engine: undefined,
        groups: new Map(),
        rules: new Map(),
        outbox: new Map(),
      };
      this.#partitions.set(p, part);
    }
    return part;
  }

  async heartbeat(member: string, now: number, leaseMs: number): Promise<string[]> {
    if (member !== '') this.#members.set(member, now);
    for (const [m, at] of this.#members) if (at < now - leaseMs) this.#members.delete(m);
    return [...this.#members.keys()].sort();
  }

  async leave(member: string): Promise<void> {
    this.#members.delete(member);
  }

  async partitionCount(proposed: number): Promise<number> {
    this.#count ??= proposed;
    return this.#count;
  }

  async acquire(
    partition: number,
    member: string,
    now: number,
    leaseMs: number,
  ): Promise<{ lease: Lease; head: CheckpointHead } | undefined> {
    const part = this.partition(partition);
    if (part.owner !== '' && part.owner !== member && part.expires >= now) return undefined;
    if (part.owner !== member) part.epoch += 1;
    part.owner = member;
    part.expires = now + leaseMs;
    return {
      lease: { partition, epoch: part.epoch },
      head: { offset: part.offset, read: part.read, engine: part.engine },
    };
  }

  async renew(lease: Lease, member: string, now: number, leaseMs: number): Promise<boolean> {
    const part = this.partition(lease.partition);
    if (part.owner !== member || part.epoch !== lease.epoch) return false;
    part.expires = now + leaseMs;
    return true;
  }

  async release(lease: Lease, member: string): Promise<void> {
    const part = this.partition(lease.partition);
    if (part.owner !== member || part.epoch !== lease.epoch) return;
    part.owner = '';
    part.expires = 0;
  }

  async *groups(partition: number): AsyncIterable<[string, string][]> {
    yield [...this.partition(partition).groups];
  }

  async rules(partition: number): Promise<[string, string][]> {
    return [...this.partition(partition).rules];
  }

  async outbox(partition: number): Promise<Match[]> {
    return [...this.partition(partition).outbox.values()];
  }

  async commit(
    lease: Lease,
    member: string,
    checkpoint: Checkpoint,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    const part = this.partition(lease.partition);
    if (part.owner !== member || part.epoch !== lease.epoch) return false;
    for (const [field, value] of checkpoint.groups) {
      if (value === null) part.groups.delete(field);
      else part.groups.set(field, value);
    }
    for (const [field, value] of checkpoint.rules) part.rules.set(field, value);
    for (const m of checkpoint.outbox) part.outbox.set(m.matchId, m);
    part.offset = checkpoint.offset;
    part.read = checkpoint.read;
    part.engine = checkpoint.engine;
    part.expires = now + leaseMs;
    return true;
  }

  async clearOutbox(partition: number, matchIds: readonly string[]): Promise<void> {
    const part = this.partition(partition);
    for (const id of matchIds) part.outbox.delete(id);
  }

  async offsets(partitions: number): Promise<string[]> {
    return Array.from({ length: partitions }, (_, p) => this.#partitions.get(p)?.offset ?? '0-0');
  }
}
