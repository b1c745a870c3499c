import type { RedisClient } from './redis.js';
import type { EngineMeta } from '../correlate/engine/engine.js';
import type { Match } from '../correlate/match.js';
import type {
  Checkpoint,
  CheckpointHead,
  CorrelationStateStore,
  Lease,
} from '../correlate/state-store.js';
import type { Keys } from './keys.js';
import { ScriptRunner } from './redis-scripts.js';

/** Fields read per HSCAN round when loading a partition. */
const SCAN_COUNT = 5_000;

/** Correlation-state partitions in Redis: leases, checkpoints and outboxes (one slot each). */
export class RedisStateStore implements CorrelationStateStore {
  readonly #scripts: ScriptRunner;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    this.#scripts = new ScriptRunner(redis);
  }

  async heartbeat(member: string, now: number, leaseMs: number): Promise<string[]> {
    return (await this.#scripts.run(
      'heartbeatMember',
      [this.keys.correlatorMembers],
      [member, now, leaseMs],
    )) as string[];
  }

  async leave(member: string): Promise<void> {
    await this.redis.zrem(this.keys.correlatorMembers, member);
  }

  async partitionCount(proposed: number): Promise<number> {
    await this.redis.hsetnx(this.keys.correlatorConfig, 'partitions', proposed);
    return Number(await this.redis.hget(this.keys.correlatorConfig, 'partitions'));
  }

  async acquire(
    partition: number,
    member: string,
    now: number,
    leaseMs: number,
  ): Promise<{ lease: Lease; head: CheckpointHead } | undefined> {
    const reply = (await this.#scripts.run(
      'acquirePartition',
      [this.keys.partitionMeta(partition)],
      [member, now, leaseMs],
    )) as [number, number | string, string?, string?, string?];
    if (reply[0] !== 1) return undefined;
    const [, epoch, offset, read, engine] = reply;
    return {
      lease: { partition, epoch: Number(epoch) },
      head: {
        offset: offset ?? '0-0',
        read: read ? Number(read) : undefined,
        engine: engine ? (JSON.parse(engine) as EngineMeta) : undefined,
      },
    };
  }

  async renew(lease: Lease, member: string, now: number, leaseMs: number): Promise<boolean> {
    return (
      (await this.#scripts.run(
        'renewPartition',
        [this.keys.partitionMeta(lease.partition)],
        [member, lease.epoch, now, leaseMs],
      )) === 1
    );
  }

  async release(lease: Lease, member: string): Promise<void> {
    await this.#scripts.run(
      'releasePartition',
      [this.keys.partitionMeta(lease.partition)],
      [member, lease.epoch],
    );
  }

  async *groups(partition: number): AsyncIterable<[string, string][]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(
        this.keys.partitionGroups(partition),
        cursor,
        'COUNT',
        SCAN_COUNT,
      );
      cursor = next;
      const chunk: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        chunk.push([flat[i] as string, flat[i + 1] as string]);
      if (chunk.length > 0) yield chunk;
    } while (cursor !== '0');
  }

  async rules(partition: number): Promise<[string, string][]> {
    return Object.entries(await this.redis.hgetall(this.keys.partitionRules(partition)));
  }

  async outbox(partition: number): Promise<Match[]> {
    const raw = await this.redis.hvals(this.keys.partitionOutbox(partition));
    return raw.map((m) => JSON.parse(m) as Match);
  }

  async commit(
    lease: Lease,
    member: string,
    checkpoint: Checkpoint,
    now: number,
    leaseMs: number,
  ): Promise<boolean> {
    const p = lease.partition;
    const sets = checkpoint.groups.filter((g): g is [string, string] => g[1] !== null);
    const dels = checkpoint.groups.filter((g) => g[1] === null).map(([f]) => f);
    const args: (string | number)[] = [
      member,
      lease.epoch,
      now,
      leaseMs,
      checkpoint.offset,
      checkpoint.read,
      JSON.stringify(checkpoint.engine),
      sets.length,
    ];
    for (const [f, v] of sets) args.push(f, v);
    args.push(dels.length);
    for (const f of dels) args.push(f);
    args.push(checkpoint.rules.length);
    for (const [f, v] of checkpoint.rules) args.push(f, v);
    args.push(checkpoint.outbox.length);
    for (const m of checkpoint.outbox) args.push(m.matchId, JSON.stringify(m));
    const reply = await this.#scripts.run(
      'commitPartition',
      [
        this.keys.partitionMeta(p),
        this.keys.partitionGroups(p),
        this.keys.partitionRules(p),
        this.keys.partitionOutbox(p),
      ],
      args,
    );
    return reply === 1;
  }

  async clearOutbox(partition: number, matchIds: readonly string[]): Promise<void> {
    if (matchIds.length > 0)
      await this.redis.hdel(this.keys.partitionOutbox(partition), ...matchIds);
  }

  async offsets(partitions: number): Promise<string[]> {
    // One HGET each, not one pipeline: partitions live in different cluster slots (and nodes);
    // the connection's auto-pipelining still sends them together.
    const reads: Promise<string | null>[] = [];
    for (let p = 0; p < partitions; p += 1)
      reads.push(this.redis.hget(this.keys.partitionMeta(p), 'offset'));
    return (await Promise.all(reads)).map((v) => (typeof v === 'string' ? v : '0-0'));
  }
}
