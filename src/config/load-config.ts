import { RAW_POLICIES, TEXT_POLICIES } from '../ingest/keep-policy.js';
import type { KeepPolicy, RawPolicy } from '../ingest/keep-policy.js';
import { availableParallelism, hostname } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_MAX_DEPTH, MAX_DEPTH_LIMIT } from '../ingest/normalizers/json-depth.js';
import { isClusterUrl, parseClusterUrl, parseNodes } from '../store/redis-target.js';
import { CordonError } from '../shared/errors.js';
import { LOG_FORMATS, type LogFormat } from '../shared/log-format.js';

/**
 * Everything Cordon reads from the environment, read here and nowhere else, validated in
 * one pass (every problem reported together) and frozen. Modules receive the slice they need.
 */
export const ROLES = ['api', 'correlator', 'runner', 'worker'] as const;
export type ProcessRole = (typeof ROLES)[number];

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Probes and /metrics for a process without the API role; 0: none. */
  readonly opsPort: number;
  /** The browser console (dist/console/ and the same /v1 API) of a process with the API role; 0: none. */
  readonly consolePort: number;
  /** The built console's folder; undefined: dist/console/ of this package. */
  readonly consoleDir: string | undefined;
  /** GET /v1/stream: open streams per principal (per process) and the heartbeat interval. */
  readonly stream: {
    readonly maxPerPrincipal: number;
    readonly heartbeatMs: number;
  };
  /**
   * Explicit REDIS_URL (a cluster as `redis+cluster://host:port,host:port`, also from
   * CORDON_REDIS_CLUSTER_NODES), or undefined to use the embedded default (6379 or a private server).
   */
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key Cordon writes (BullMQ queues included). */
  readonly redisPrefix: string;
  /** Where correlations/, playbooks/ and connectors/ are read from. */
  readonly contentDir: string;
  /** Private state: embedded redis-server data, generated tokens. */
  readonly homeDir: string;
  /** Principals file (tokens with roles). */
  readonly tokensFile: string;
  readonly logLevel: string;
  /** json, pretty, or auto (pretty only when stdout is a terminal). */
  readonly logFormat: LogFormat;
  readonly roles: readonly ProcessRole[];
  /** Names this process's consumer in Redis consumer groups; stable across restarts. */
  readonly instanceId: string;
  readonly ingest: {
    readonly bodyLimitBytes: number;
    /** Bodies larger than this are dead-lettered truncated. */
    readonly deadLetterBodyLimitBytes: number;
    readonly deadLetterMaxEntries: number;
    /** Dead-letter bodies and error lists together; the oldest are evicted past it. */
    readonly deadLetterMaxBytes: number;
    readonly deadLetterMaxAgeMs: number;
    /** Deepest nesting of objects and arrays an ingest body may have. */
    readonly maxDepth: number;
    /** How long an event id is remembered for deduplication. */
    readonly dedupeWindowMs: number;
    /** Accepted events are kept this long for replay once every consumer has read them. */
    readonly eventRetentionMs: number;
    /** Worker threads that read big batch bodies of stateless kinds; 0: all on the main thread. */
    readonly workers: number;
    /** Bodies at least this big go to the workers. */
    readonly workerMinBytes: number;
    /** Bodies waiting for a worker beyond those being read; more are refused (503, busy). */
    readonly workerQueue: number;
  };
  /** How long each kind of record is kept (README "Retention"); enforced by the sweeper. */
  readonly retention: RetentionConfig;
  readonly correlate: {
    /** Log entries read per batch (at most). */
    readonly batchSize: number;
    /** 1: read, parse and route the log on a thread of its own (the default); 0: inline. */
    readonly readerThreads: number;
    /** State partitions (fixed once state exists: it decides where state lives). */
    readonly partitions: number;
    /** How often a correlator checkpoints its partitions (the most a crash re-reads). */
    readonly checkpointMs: number;
    /** A dead correlator's partitions are taken over after this long. */
    readonly leaseMs: number;
    readonly maxGroupsPerRule: number;
    readonly maxEventsPerGroup: number;
    /** Distinct values kept exactly per window before HyperLogLog (value_count). */
    readonly maxDistinctExact: number;
    /** Default per source: how far behind its latest event time its watermark trails. */
    readonly maxOutOfOrdernessMs: number;
    /** Default per source: silence after which its watermark follows the clock. */
    readonly sourceIdleMs: number;
    /**
     * A match whose last event is older than this starts no playbook (replays and backfills
     * never contain live); its incident says why. 0: always contain.
     */
    readonly containMaxEventAgeMs: number;
  };
  readonly jobs: {
    /** BullMQ lock: a crashed worker's job is retried after at most this long. */
    readonly lockDurationMs: number;
    readonly stalledIntervalMs: number;
    readonly actionConcurrency: number;
    readonly runConcurrency: number;
    /** Completed jobs are kept this long so deterministic job ids keep deduplicating. */
    readonly keepCompletedMs: number;
    /** How often unfinished runs are checked for lost effects, decisions and jobs. */
    readonly reconcileIntervalMs: number;
  };
  /** Comma list of named crash points; for kill tests only (see shared/crash-points.ts). */
  readonly crashPoints: readonly string[];
  /** Slow clients are cut off after these (see README "Timeouts, outages and backpressure"). */
  readonly http: {
    /** Request line and headers must arrive within this. */
    readonly headersTimeoutMs: number;
    /** The whole request, body included, must arrive within this. */
    readonly requestTimeoutMs: number;
    /** A socket with no traffic either way is closed after this. */
    readonly idleTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
  };
  readonly redis: {
    /** A command without a reply after this fails (and the request gets 503). */
    readonly commandTimeoutMs: number;
    /** At start, how long Redis may take to answer before Cordon gives up. */
    readonly connectWaitMs: number;
    /**
     * Replicas that must acknowledge an ingest append (WAIT) before the 202; 0: none (a 202 just
     * before a master dies can be lost: replication is asynchronous).
     */
    readonly ingestAckReplicas: number;
    /** How long the WAIT may take before the ingest answers 503 CORDON_ERR_INGEST_NOT_REPLICATED. */
    readonly ingestAckTimeoutMs: number;
    /**
     * Replicas that must acknowledge the effects ledger's records (WAIT) before an outbound call
     * is made and before its step is reported; 0: none (the control plane's master dying just
     * after a record could lose it, and the call be made again).
     */
    readonly effectAckReplicas: number;
    /** How long that WAIT may take before the step's attempt fails CORDON_ERR_EFFECT_NOT_REPLICATED. */
    readonly effectAckTimeoutMs: number;
    /**
     * Event-log partitions (one hash tag each, so on a cluster they spread over the masters);
     * 1 is the single stream of earlier versions (README "Scaling out").
     */
    readonly eventLogPartitions: number;
  };
  readonly limits: {
    /** Retry-After of 503s while Redis is away or the correlator lags. */
    readonly retryAfterS: number;
    /** Ingest answers 503 while the slowest live correlator is this many log entries behind. 0: off. */
    readonly ingestMaxLagEntries: number;
    /** Sustained requests per second per principal (token bucket, per process). 0: off. */
    readonly apiRatePerS: number;
    readonly apiRateBurst: number;
  };
}

export interface RetentionConfig {
  /** How often a sweep pass runs; a pass repeats until caught up. */
  readonly sweepIntervalMs: number;
  /** Records examined per kind per round of a pass (bounds one round's Redis work). */
  readonly sweepBatch: number;
  /** Event-log entries kept at most (never one a correlator has not checkpointed past). */
  readonly eventsMax: number;
  /**
   * Default for every source (a connector's `keep:` overrides): what of the sender's payload is
   * stored beside each event, and what becomes of prompt and response text (keep-policy.ts).
   */
  readonly keep: KeepPolicy;
  /**
   * Prompt and response text (with the raw item holding it) is removed from stored events this
   * long after they were accepted; the events stay. 0: kept as long as its event.
   */
  readonly textMs: number;
  /** Resolved incidents are deleted this long after resolution. */
  readonly incidentsResolvedMs: number;
  /** Open incidents without a match (and without a running playbook) this long are resolved. */
  readonly incidentsIdleMs: number;
  readonly incidentsMax: number;
  /** Ended playbook runs (with their approvals) are deleted this long after they ended. */
  readonly runsMs: number;
  readonly runsMax: number;
  /** Effect-ledger entries of runs no longer active are deleted this long after the effect. */
  readonly effectsMs: number;
  readonly effectsMax: number;
  readonly casesMs: number;
  readonly casesMax: number;
  /** A limiter key's history is deleted this long after its last change, once it has no rule. */
  readonly limiterHistoryMs: number;
  readonly limiterHistoryMax: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const homeDir = resolve(cwd, read.string('CORDON_HOME', '.cordon'));
  const roles = read.roles('CORDON_ROLES');
  const config: Config = {
    host: read.string('CORDON_HOST', '127.0.0.1'),
    port: read.integer('CORDON_PORT', 8080, 0, 65535),
    opsPort: read.integer('CORDON_OPS_PORT', 0, 0, 65535),
    consolePort: read.integer('CORDON_CONSOLE_PORT', 8081, 0, 65535),
    consoleDir: env.CORDON_CONSOLE_DIR ? resolve(cwd, env.CORDON_CONSOLE_DIR) : undefined,
    stream: {
      maxPerPrincipal: read.integer('CORDON_STREAMS_PER_PRINCIPAL', 8, 1, 1_000),
      heartbeatMs: read.integer('CORDON_STREAM_HEARTBEAT_MS', 15_000, 100, 600_000),
    },
    redisUrl: readRedisUrl(read),
    redisPrefix: read.pattern(
      'CORDON_REDIS_PREFIX',
      'cordon',
      /^[A-Za-z0-9_.-]{1,64}$/,
      'letters, digits, _ . - (at most 64)',
    ),
    contentDir: resolve(cwd, read.string('CORDON_CONTENT_DIR', '.')),
    homeDir,
    tokensFile: resolve(cwd, read.string('CORDON_TOKENS_FILE', resolve(homeDir, 'tokens.json'))),
    logLevel: read.oneOf('CORDON_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    logFormat: read.oneOf('CORDON_LOG_FORMAT', 'auto', LOG_FORMATS),
    roles,
    instanceId: read.pattern(
      'CORDON_INSTANCE_ID',
      sanitize(hostname()),
      /^[A-Za-z0-9_.-]{1,64}$/,
      'letters, digits, _ . - (at most 64)',
    ),
    ingest: {
      bodyLimitBytes: read.integer(
        'CORDON_INGEST_BODY_LIMIT_BYTES',
        16 * 1024 * 1024,
        1024,
        512 * 1024 * 1024,
      ),
      deadLetterBodyLimitBytes: read.integer(
        'CORDON_DEADLETTER_BODY_LIMIT_BYTES',
        1024 * 1024,
        1024,
        64 * 1024 * 1024,
      ),
      deadLetterMaxEntries: read.integer('CORDON_DEADLETTER_MAX_ENTRIES', 10_000, 10, 10_000_000),
      deadLetterMaxBytes: read.integer(
        'CORDON_DEADLETTER_MAX_BYTES',
        64 * 1024 * 1024,
        64 * 1024,
        64 * 1024 * 1024 * 1024,
      ),
      deadLetterMaxAgeMs: read.integer(
        'CORDON_DEADLETTER_MAX_AGE_MS',
        7 * 86_400_000,
        60_000,
        365 * 86_400_000,
      ),
      maxDepth: read.integer('CORDON_INGEST_MAX_DEPTH', DEFAULT_MAX_DEPTH, 2, MAX_DEPTH_LIMIT),
      workers: read.integer('CORDON_INGEST_WORKERS', defaultIngestWorkers(roles), 0, 64),
      workerMinBytes: read.integer(
        'CORDON_INGEST_WORKER_MIN_BYTES',
        64 * 1024,
        0,
        512 * 1024 * 1024,
      ),
      workerQueue: read.integer('CORDON_INGEST_WORKER_QUEUE', 64, 0, 100_000),
      dedupeWindowMs: read.integer(
        'CORDON_DEDUPE_WINDOW_MS',
        24 * 3_600_000,
        1_000,
        90 * 86_400_000,
      ),
      eventRetentionMs: read.integer(
        'CORDON_EVENT_RETENTION_MS',
        7 * 86_400_000,
        1_000,
        365 * 86_400_000,
      ),
    },
    retention: readRetention(read),
    correlate: {
      batchSize: read.integer('CORDON_CORRELATE_BATCH', 2_000, 1, 50_000),
      readerThreads: read.integer('CORDON_CORRELATE_READER_THREADS', 1, 0, 1),
      partitions: read.integer('CORDON_CORRELATE_PARTITIONS', 16, 1, 1_024),
      checkpointMs: read.integer('CORDON_CORRELATE_CHECKPOINT_MS', 30_000, 10, 600_000),
      leaseMs: read.integer('CORDON_CORRELATE_LEASE_MS', 5_000, 500, 600_000),
      maxGroupsPerRule: read.integer('CORDON_MAX_GROUPS_PER_RULE', 100_000, 1, 10_000_000),
      maxEventsPerGroup: read.integer('CORDON_MAX_EVENTS_PER_GROUP', 10_000, 10, 1_000_000),
      maxDistinctExact: read.integer('CORDON_MAX_DISTINCT_EXACT', 1_000, 10, 1_000_000),
      maxOutOfOrdernessMs: read.integer('CORDON_MAX_OUT_OF_ORDERNESS_MS', 30_000, 0, 86_400_000),
      sourceIdleMs: read.integer('CORDON_SOURCE_IDLE_MS', 60_000, 100, 86_400_000),
      containMaxEventAgeMs: read.integer(
        'CORDON_CONTAIN_MAX_EVENT_AGE_MS',
        15 * 60_000,
        0,
        365 * 86_400_000,
      ),
    },
    jobs: {
      lockDurationMs: read.integer('CORDON_JOB_LOCK_MS', 4_000, 500, 600_000),
      stalledIntervalMs: read.integer('CORDON_JOB_STALLED_INTERVAL_MS', 1_000, 500, 600_000),
      // Action jobs mostly wait on Redis and HTTP. A burst of playbook runs: 621-632 runs/s at
      // 8, 921-968 at 32, and less CPU per run (more work per turn, so fewer socket writes).
      actionConcurrency: read.integer('CORDON_ACTION_CONCURRENCY', 32, 1, 256),
      runConcurrency: read.integer('CORDON_RUN_CONCURRENCY', 8, 1, 256),
      keepCompletedMs: read.integer(
        'CORDON_KEEP_COMPLETED_JOBS_MS',
        7 * 86_400_000,
        60_000,
        365 * 86_400_000,
      ),
      reconcileIntervalMs: read.integer('CORDON_RECONCILE_INTERVAL_MS', 15_000, 200, 3_600_000),
    },
    crashPoints: read.list('CORDON_CRASH_POINTS'),
    http: {
      headersTimeoutMs: read.integer('CORDON_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
      requestTimeoutMs: read.integer('CORDON_HTTP_REQUEST_TIMEOUT_MS', 60_000, 100, 3_600_000),
      idleTimeoutMs: read.integer('CORDON_HTTP_IDLE_TIMEOUT_MS', 120_000, 100, 3_600_000),
      keepAliveTimeoutMs: read.integer('CORDON_HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100, 3_600_000),
    },
    redis: {
      commandTimeoutMs: read.integer('CORDON_REDIS_COMMAND_TIMEOUT_MS', 2_000, 50, 60_000),
      connectWaitMs: read.integer('CORDON_REDIS_CONNECT_WAIT_MS', 10_000, 100, 600_000),
      ingestAckReplicas: read.integer('CORDON_INGEST_ACK_REPLICAS', 0, 0, 16),
      ingestAckTimeoutMs: read.integer('CORDON_INGEST_ACK_TIMEOUT_MS', 1_000, 10, 60_000),
      effectAckReplicas: read.integer('CORDON_EFFECT_ACK_REPLICAS', 0, 0, 16),
      effectAckTimeoutMs: read.integer('CORDON_EFFECT_ACK_TIMEOUT_MS', 1_000, 10, 60_000),
      eventLogPartitions: read.integer('CORDON_EVENT_LOG_PARTITIONS', 1, 1, 256),
    },
    limits: {
      retryAfterS: read.integer('CORDON_RETRY_AFTER_S', 5, 1, 3_600),
      ingestMaxLagEntries: read.integer('CORDON_INGEST_MAX_LAG_ENTRIES', 500_000, 0, 1_000_000_000),
      apiRatePerS: read.integer('CORDON_API_RATE_PER_S', 500, 0, 1_000_000),
      apiRateBurst: read.integer('CORDON_API_RATE_BURST', 1_000, 1, 10_000_000),
    },
  };
  // Node refuses a header timeout longer than the request timeout.
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs)
    problems.push(
      `CORDON_HTTP_HEADERS_TIMEOUT_MS (${config.http.headersTimeoutMs}) must not exceed CORDON_HTTP_REQUEST_TIMEOUT_MS (${config.http.requestTimeoutMs}).`,
    );

  if (config.ingest.deadLetterBodyLimitBytes > config.ingest.deadLetterMaxBytes) {
    problems.push(
      `CORDON_DEADLETTER_BODY_LIMIT_BYTES (${config.ingest.deadLetterBodyLimitBytes}) must not exceed CORDON_DEADLETTER_MAX_BYTES (${config.ingest.deadLetterMaxBytes}): one letter would not fit. Lower the first or raise the second.`,
    );
  }

  if (problems.length > 0) {
    throw new CordonError(
      'CORDON_ERR_CONFIG_INVALID',
      `Configuration has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { details: { problems } },
    );
  }
  return deepFreeze(config);
}

const DAY_MS = 86_400_000;

const RAW_ALIASES: Readonly<Record<RawPolicy | 'keep' | 'drop', RawPolicy>> = {
  always: 'always',
  'on-failure': 'on-failure',
  sampled: 'sampled',
  none: 'none',
  keep: 'always',
  drop: 'none',
};

function readRetention(read: EnvReader): RetentionConfig {
  const age = (name: string, fallback: number): number =>
    read.integer(name, fallback, 1_000, 3_650 * DAY_MS);
  const count = (name: string, fallback: number): number =>
    read.integer(name, fallback, 10, 1_000_000_000);
  return {
    sweepIntervalMs: read.integer('CORDON_RETENTION_SWEEP_INTERVAL_MS', 10_000, 100, 3_600_000),
    sweepBatch: read.integer('CORDON_RETENTION_SWEEP_BATCH', 500, 10, 100_000),
    eventsMax: count('CORDON_RETENTION_EVENTS_MAX', 10_000_000),
    keep: {
      // `keep` and `drop` are the names of the first release, kept working.
      raw: RAW_ALIASES[
        read.oneOf('CORDON_RETENTION_RAW', 'always', [...RAW_POLICIES, 'keep', 'drop'])
      ],
      rawSample: read.integer('CORDON_RETENTION_RAW_SAMPLE_PERMILLE', 10, 0, 1000) / 1000,
      text: read.oneOf('CORDON_INGEST_TEXT', 'keep', TEXT_POLICIES),
    },
    textMs: read.integer('CORDON_RETENTION_TEXT_MS', 0, 0, 3_650 * DAY_MS),
    incidentsResolvedMs: age('CORDON_RETENTION_INCIDENTS_RESOLVED_MS', 90 * DAY_MS),
    incidentsIdleMs: age('CORDON_RETENTION_INCIDENTS_IDLE_MS', 30 * DAY_MS),
    incidentsMax: count('CORDON_RETENTION_INCIDENTS_MAX', 100_000),
    runsMs: age('CORDON_RETENTION_RUNS_MS', 90 * DAY_MS),
    runsMax: count('CORDON_RETENTION_RUNS_MAX', 100_000),
    effectsMs: age('CORDON_RETENTION_EFFECTS_MS', 30 * DAY_MS),
    effectsMax: count('CORDON_RETENTION_EFFECTS_MAX', 1_000_000),
    casesMs: age('CORDON_RETENTION_CASES_MS', 365 * DAY_MS),
    casesMax: count('CORDON_RETENTION_CASES_MAX', 100_000),
    limiterHistoryMs: age('CORDON_RETENTION_LIMITER_HISTORY_MS', 90 * DAY_MS),
    limiterHistoryMax: count('CORDON_RETENTION_LIMITER_HISTORY_MAX', 100_000),
  };
}

/**
 * REDIS_URL (`redis://`, `rediss://`, or a cluster's `redis+cluster://` / `rediss+cluster://`
 * with its seed nodes), or CORDON_REDIS_CLUSTER_NODES (`host:port,host:port`) for a cluster.
 */
function readRedisUrl(read: EnvReader): string | undefined {
  const nodes = read.optional('CORDON_REDIS_CLUSTER_NODES');
  const url = read.optionalUrl('REDIS_URL', [
    'redis:',
    'rediss:',
    'redis+cluster:',
    'rediss+cluster:',
  ]);
  if (nodes === undefined) {
    if (url !== undefined && isClusterUrl(url)) read.check(() => parseClusterUrl(url));
    return url;
  }
  if (url !== undefined) {
    read.problem(
      'CORDON_REDIS_CLUSTER_NODES and REDIS_URL are both set; set one: REDIS_URL=redis+cluster://host:port,host:port names a cluster (with its password, if any) on its own.',
    );
    return undefined;
  }
  const checked = read.check(() => parseNodes(nodes, 'CORDON_REDIS_CLUSTER_NODES'));
  return checked ? `redis+cluster://${nodes.replace(/\s+/g, '')}` : undefined;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64) || 'cordon';
}

class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  /** Blank counts as unset, so `FOO=` in a .env file means "use the default". */
  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  pattern(name: string, fallback: string, re: RegExp, rule: string): string {
    const value = this.raw(name) ?? fallback;
    if (!re.test(value)) this.problems.push(`${name} must be ${rule}; got "${value}".`);
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}; got "${value}".`);
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}; got "${value}".`);
      return fallback;
    }
    return value as T;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  problem(message: string): void {
    this.problems.push(message);
  }

  /** Runs a parser that throws CordonErrors; its message becomes a problem. */
  check<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (err) {
      this.problems.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    // Cluster URLs list several host:port, which URL cannot parse: checked by parseClusterUrl.
    if (isClusterUrl(value) && protocols.some((p) => p.endsWith('+cluster:'))) return value;
    try {
      const url = new URL(value);
      if (!protocols.includes(url.protocol)) throw new Error('protocol');
      return value;
    } catch {
      // Never echo the value: Redis URLs carry passwords.
      this.problems.push(
        `${name} must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')} (value not shown: it may hold a password).`,
      );
      return undefined;
    }
  }

  list(name: string): string[] {
    const value = this.raw(name);
    return value === undefined
      ? []
      : value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  }

  roles(name: string): ProcessRole[] {
    const values = this.list(name);
    if (values.length === 0) return [...ROLES];
    const bad = values.filter((v) => !(ROLES as readonly string[]).includes(v));
    if (bad.length > 0)
      this.problems.push(
        `${name} lists unknown role(s) ${bad.map((b) => `"${b}"`).join(', ')}; use ${ROLES.join(', ')}.`,
      );
    return values.filter((v): v is ProcessRole => (ROLES as readonly string[]).includes(v));
  }
}

/**
 * Ingest worker threads by default. A process that also correlates or runs playbooks needs its
 * cores for them: none below four cores, else cores − 2 (main thread and Redis), at most 4
 * (measured on two loaded cores, a thread cut the main thread's CPU per `_bulk` event by
 * ~55 % but raised the process's total by ~25 % and did not raise events/s). A process that
 * only serves the API has nothing else for its cores: cores − 1, at least 2 and at most 4, none
 * on one core. Its main thread mostly waits on the threads (half idle in a `_bulk` burst with
 * one), so on two cores a second thread pays: bench/ingest-sources.mjs, Redis on the same
 * machine, six alternating pairs, `_bulk` 47–56k → 53–61k events/s with two threads, higher
 * in every pair, HEC higher in three of four.
 */
export function defaultIngestWorkers(
  roles: readonly ProcessRole[],
  cores = availableParallelism(),
): number {
  if (roles.every((role) => role === 'api'))
    return cores <= 1 ? 0 : Math.min(4, Math.max(2, cores - 1));
  return cores >= 4 ? Math.min(4, cores - 2) : 0;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
