import {
  BlockList,
  createServer as createNetServer,
  isIP,
  type Server as NetServer,
} from 'node:net';
import type { AddressInfo } from 'node:net';
import { engineOptions } from './correlate/engine-options.js';
import { rulesOutlastingDedupe } from './correlate/rule/dedupe-check.js';
import { Queue, Worker, type Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from './store/redis.js';
import type { ReplicaAck } from './store/replica-ack.js';
import { createActionProcessor } from './actions/action-worker.js';
import { buildExecutorTable, checkConnectorSecrets } from './actions/connectors/executor-table.js';
import { processSecrets } from './actions/connectors/secrets.js';
import { buildApp } from './api/build-app.js';
import { buildOpsApp } from './api/build-ops-app.js';
import { buildConsoleApp } from './api/console/console-app.js';
import { defaultConsoleDir, loadConsoleFiles } from './api/console/console-files.js';
import { configLoaded, contentLoaded } from './audit/audit-inputs.js';
import { AuditTrail } from './audit/audit-trail.js';
import { TokenUseAggregator } from './audit/token-use.js';
import { RateLimiter } from './api/rate-limit.js';
import { IngestBackpressure } from './ingest/backpressure.js';
import type { ReadinessCheck } from './api/deps.js';
import type { Config, ProcessRole } from './config/load-config.js';
import {
  loadPrincipals,
  resolveSourceTokens,
  type PrincipalDirectory,
} from './config/principals.js';
import { loadContentOrThrow, type Content } from './content.js';
import { Correlator } from './correlate/correlator.js';
import type { Match, Retraction } from './correlate/match.js';
import type { ConnectorDefinition, ListenConfig } from './config/connectors.js';
import type { TextPolicy } from './ingest/keep-policy.js';
import { SyslogListener, toOctetCountedBody } from './ingest/syslog/index.js';
import { resolveSenderAuth } from './ingest/auth/sender-auth.js';
import type { ResolvedSenderAuth } from './ingest/auth/sender-auth.js';
import { poolForSources } from './ingest/pool/ingest-pool.js';
import { IngestService } from './ingest/ingest-service.js';
import type { ActionJob, ActionJobOptions, RunJob, RunQueues } from './playbook/runtime/jobs.js';
import { encodeStandardJob } from './playbook/runtime/queued-job.js';
import { PlaybookCatalog } from './playbook/runtime/playbook-catalog.js';
import { Runner } from './playbook/runtime/runner.js';
import { sourcesOfRefs } from './playbook/runtime/trigger-match.js';
import { failedUndoOutcome } from './playbook/runtime/undo-events.js';
import { systemClock, type Clock } from './shared/clock.js';
import { createCrashHook } from './shared/crash-points.js';
import { formatDurationMs } from './shared/duration.js';
import { CordonError } from './shared/errors.js';
import { sha256Hex } from './shared/hash.js';
import type { Logger } from './shared/logger.js';
import { declareCordonMetrics } from './shared/metric-families.js';
import { Metrics } from './shared/metrics.js';
import { ApprovalStore } from './store/approval-store.js';
import { backlogCollector } from './store/backlog-gauges.js';
import { RedisAuditLog } from './store/audit-log.js';
import { CaseStore } from './store/case-store.js';
import { ChangeFeed } from './store/change-feed.js';
import { ChangeWatcher } from './store/change-watcher.js';
import { RuleHits } from './store/rule-hits.js';
import { SourceStats } from './store/source-stats.js';
import { RuleCatalog, buildRuleCatalog } from './correlate/rule-catalog.js';
import { loadRuleTestSources } from './correlate/rule/load-rules.js';
import { resolve as resolvePath } from 'node:path';
import { CorrelatorProgress } from './store/correlator-progress.js';
import { RedisStateStore } from './store/correlation-state-store.js';
import { DeadLetterStore } from './store/dead-letters.js';
import { EffectLedger } from './store/effect-ledger.js';
import { holdsReader } from './actions/connectors/holds-view.js';
import { containmentReader } from './actions/containment.js';
import { EventLog } from './store/event-log.js';
import { IncidentStore } from './store/incident-store.js';
import { Keys } from './store/keys.js';
import { RedisSourceMemory } from './store/source-memory.js';
import { LimiterStore } from './store/limiter-store.js';
import { preloadScripts } from './store/redis-scripts.js';
import { writePerTurn } from './store/write-per-turn.js';
import { createRedis, isRedisConnectionError, outageOptions, waitForRedis } from './store/redis.js';
import { RedisOutage } from './store/redis-outage.js';
import { migrateKeyLayout } from './store/key-layout-migration.js';
import { buildRetentionSweeper } from './store/retention/build-sweeper.js';
import { RunStore } from './store/run-store.js';

export const RUN_QUEUE = 'runs';
export const ACTION_QUEUE = 'actions';
/** How often each correlator publishes how far it has read (ingest backpressure). */
const PROGRESS_INTERVAL_MS = 1_000;

export interface CordonOptions {
  readonly config: Config;
  /** The Redis to use (resolved by the CLI: REDIS_URL, 6379, or a private server). */
  readonly redisUrl: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Defaults to the principals file named by the config. */
  readonly principals?: PrincipalDirectory;
  /** Defaults to the config's content dir. */
  readonly content?: Content;
  /** Listen on config.host:port (the CLI); tests use `app.inject()` instead. */
  readonly listen?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The ingest worker threads' module (default ingest-worker.js): tests give one whose
   * answers they can hold back, to fill the bounded queue over HTTP.
   */
  readonly ingestWorkerUrl?: URL;
}

export interface Cordon {
  readonly app: FastifyInstance | undefined;
  /** Base URL when listening. */
  readonly url: string | undefined;
  /** Base URL of the browser console (CORDON_CONSOLE_PORT), when listening with the API role. */
  readonly consoleUrl: string | undefined;
  /** False when the console port serves the "not built" page (no dist/console/index.html). */
  readonly consoleBuilt: boolean;
  /** Base URL of the probes and /metrics of a process without the API role (CORDON_OPS_PORT). */
  readonly opsUrl: string | undefined;
  /** Bound addresses of each line-format source's syslog listener, by source name. */
  readonly syslog: ReadonlyMap<string, { udp?: AddressInfo; tcp?: AddressInfo }>;
  readonly content: Content;
  readonly runner: Runner;
  readonly roles: readonly ProcessRole[];
  /** Runs one reconcile pass now (tests; the runner role also runs it periodically). */
  reconcile(): Promise<void>;
  /** Stops accepting work, finishes what is in flight, closes connections. */
  stop(): Promise<void>;
}

/**
 * The composition root: the only place that knows every concrete adapter. Starts the roles the
 * config asks for (all of them by default) against one Redis.
 */
export async function startCordon(options: CordonOptions): Promise<Cordon> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const roles = config.roles;
  const has = (role: ProcessRole): boolean => roles.includes(role);
  const crash = createCrashHook(config.crashPoints);
  const metrics = new Metrics({ runtime: true });
  const keys = new Keys(config.redisPrefix);
  const content = options.content ?? (await loadContentOrThrow(config.contentDir));
  declareCordonMetrics(metrics, {
    sources: content.connectors.filter((c) => c.kind === 'source').map((c) => c.name),
    rules: [...content.rules.detections.values(), ...content.rules.correlations]
      .filter((r) => r.alerts)
      .map((r) => r.key),
    queues: [RUN_QUEUE, ACTION_QUEUE],
    playbooks: content.playbooks.map((p) => p.definition.id),
  });
  for (const d of content.diagnostics)
    logger.warn({ diagnostic: d }, `${d.file}:${d.line}:${d.column} ${d.message}`);
  const lenient = rulesOutlastingDedupe(content.rules, config.ingest.dedupeWindowMs);
  if (lenient.length > 0)
    logger.warn(
      { rules: lenient, dedupeWindowMs: config.ingest.dedupeWindowMs },
      `${lenient.length} rule(s) accept events later than CORDON_DEDUPE_WINDOW_MS: a delivery retried after the window would count twice for them. Raise CORDON_DEDUPE_WINDOW_MS above the largest lateness.`,
    );
  // Credentials are resolved before anything starts: a bad token file must not leave roles running.
  let principals: PrincipalDirectory | undefined;
  if (has('api')) {
    principals = options.principals ?? (await loadPrincipals(config.tokensFile, options.env));
    await addSourceTokens(principals, content, options.env ?? process.env);
  } else if (config.opsPort > 0) {
    principals = options.principals ?? (await loadPrincipals(config.tokensFile, options.env));
  }
  const actionInstances = content.connectors.flatMap((c) => (c.action ? [c.action] : []));
  const secrets = { ...processSecrets, env: options.env ?? process.env };
  // Names each missing variable or file (never a value) before anything starts.
  if (has('worker')) checkConnectorSecrets(actionInstances, { secrets });

  // A port in use (another Cordon on this host, say) is found before any role starts: a start
  // that failed only when it came to listen had first taken the running correlator's partitions.
  if (options.listen)
    await portsFree(
      config.host,
      has('api')
        ? [
            [config.port, 'CORDON_PORT'],
            [config.consolePort, 'CORDON_CONSOLE_PORT'],
          ]
        : principals
          ? [[config.opsPort, 'CORDON_OPS_PORT']]
          : [],
    );

  // Everything started is registered here; stop() (or a failed start) closes it in reverse.
  const closers: (() => Promise<void>)[] = [];
  let stopOutageWatch: (() => void) | undefined;
  const closeAll = async (): Promise<void> => {
    // Closing connections on purpose is no outage.
    stopOutageWatch?.();
    for (const close of closers.splice(0).reverse())
      await close().catch((err: unknown) => logger.error({ err }, 'error while stopping'));
  };
  try {
    const commandTimeoutMs = config.redis.commandTimeoutMs;
    const redis = createRedis(options.redisUrl, {
      // writePerTurn (below) sends a turn's commands in one write. ioredis's auto-pipelining
      // flushes from a setImmediate of its own, which could land after writePerTurn's and so
      // wait a whole further turn; without it every command is a write that turn holds.
      enableAutoPipelining: false,
      connectionName: `cordon:${config.instanceId}`,
      ...outageOptions('commands', commandTimeoutMs),
    });
    // Every request of the API, the correlator's and runner's stores write to this connection
    // (an append, counters, run saves): one write per event-loop turn (store/write-per-turn.ts).
    writePerTurn(redis);
    const outage = new RedisOutage(
      redis,
      1_000,
      clock,
      logger.child({ domain: 'redis' }),
      metrics,
      commandTimeoutMs + 1_000,
    );
    stopOutageWatch = () => outage.stop();
    outage.watch('redis', redis);
    closers.push(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    // Bounded: an unreachable Redis fails the start with CORDON_ERR_CONFIG_REDIS_UNAVAILABLE.
    await waitForRedis(redis, options.redisUrl, config.redis.connectWaitMs);
    await warnIfNotDurable(redis, logger);
    await migrateKeyLayout(redis, keys, logger);
    await preloadScripts(redis).catch((err: unknown) =>
      logger.warn({ err }, 'loading the Lua scripts ahead failed; each loads on first use'),
    );
    // CORDON_INGEST_ACK_REPLICAS (appends) and CORDON_EFFECT_ACK_REPLICAS (effects ledger
    // records): the writes and their WAIT get a connection of their own, since WAIT holds the
    // connection it is sent on until the replicas answer.
    const replicaAck = (
      name: string,
      replicas: number,
      timeoutMs: number,
      role: ProcessRole,
    ): ReplicaAck | undefined => {
      if (replicas === 0 || !has(role)) return undefined;
      const connection = createRedis(options.redisUrl, {
        connectionName: `cordon:${config.instanceId}:${name}`,
        ...outageOptions('commands', commandTimeoutMs + timeoutMs),
      });
      outage.watch(`redis:${name}`, connection);
      closers.push(async () => {
        await connection.quit().catch(() => connection.disconnect());
      });
      return { replicas, timeoutMs, connection };
    };
    const ingestAck = (): ReplicaAck | undefined =>
      replicaAck(
        'ingest-ack',
        config.redis.ingestAckReplicas,
        config.redis.ingestAckTimeoutMs,
        'api',
      );
    const effectAck = (): ReplicaAck | undefined =>
      replicaAck(
        'effect-ack',
        config.redis.effectAckReplicas,
        config.redis.effectAckTimeoutMs,
        'worker',
      );
    const auditLog = new RedisAuditLog(redis, keys);
    const audit = new AuditTrail(auditLog, clock);
    await audit.record(configLoaded(config));
    await audit.record(contentLoaded(config, content));

    const eventLog = new EventLog(redis, keys, ingestAck(), config.redis.eventLogPartitions);
    const deadLetters = new DeadLetterStore(redis, keys, {
      maxEntries: config.ingest.deadLetterMaxEntries,
      bodyLimitBytes: config.ingest.deadLetterBodyLimitBytes,
      maxBytes: config.ingest.deadLetterMaxBytes,
      maxAgeMs: config.ingest.deadLetterMaxAgeMs,
      textMsFor: deadLetterTextPeriods(content.connectors, config.retention.textMs),
      textPolicyFor: deadLetterTextPolicies(content.connectors, config.retention.keep.text),
    });
    const incidents = new IncidentStore(redis, keys);
    const runs = new RunStore(redis, keys, metrics);
    const approvals = new ApprovalStore(redis, keys);
    const limiter = new LimiterStore(redis, keys);
    const cases = new CaseStore(redis, keys);
    const progress = new CorrelatorProgress(redis, keys);
    const ruleHits = new RuleHits(redis, keys);
    const sourceStats = new SourceStats(redis, keys);

    // BullMQ gets its own plain connections (no auto-pipelining; it manages its own commands):
    // producers fail fast like every command, workers wait out an outage as BullMQ requires.
    // (Auto-pipelining the producers' saved 2-3 socket writes per playbook run but not node CPU:
    // 4.5 ms per run with it, 4.3 without, bench/playbook-runs.mjs on a loaded machine.)
    const bullRedis = createRedis(options.redisUrl, {
      connectionName: `cordon:${config.instanceId}:bull`,
      enableAutoPipelining: false,
      ...outageOptions('worker', commandTimeoutMs),
    });
    outage.watch('redis:workers', bullRedis);
    closers.push(async () => {
      await bullRedis.quit().catch(() => bullRedis.disconnect());
    });
    const queueRedis = createRedis(options.redisUrl, {
      connectionName: `cordon:${config.instanceId}:queues`,
      enableAutoPipelining: false,
      ...outageOptions('commands', commandTimeoutMs),
    });
    outage.watch('redis:queues', queueRedis);
    closers.push(async () => {
      await queueRedis.quit().catch(() => queueRedis.disconnect());
    });
    const queueOptions = { connection: queueRedis, prefix: keys.bullPrefix };
    const runQueue = new Queue<RunJob>(RUN_QUEUE, queueOptions);
    const actionQueue = new Queue<ActionJob>(ACTION_QUEUE, queueOptions);
    outage.watch('queue:runs', runQueue);
    outage.watch('queue:actions', actionQueue);
    closers.push(async () => {
      await runQueue.close();
      await actionQueue.close();
    });
    // Backlogs every process shares, read from Redis when /metrics is scraped.
    metrics.onScrape(
      'backlog',
      backlogCollector(metrics, {
        incidents,
        approvals,
        runs,
        queues: new Map([
          [RUN_QUEUE, (states) => runQueue.getJobCounts(...states)],
          [ACTION_QUEUE, (states) => actionQueue.getJobCounts(...states)],
        ]),
        clock,
      }),
    );
    const keepCompleted = { age: Math.round(config.jobs.keepCompletedMs / 1000) };
    const keepFailed = { age: 30 * 86_400 };
    const actionJobOptions = (opts: ActionJobOptions) => ({
      jobId: opts.jobId,
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
      attempts: opts.attempts,
      backoff: {
        type: opts.backoff.type,
        delay: opts.backoff.delayMs,
        ...(opts.backoff.type === 'exponential' ? { jitter: 0.3 } : {}),
      },
      removeOnComplete: keepCompleted,
      removeOnFail: keepFailed,
    });
    const queues: RunQueues = {
      async addRunJob(job, opts) {
        await runQueue.add(job.type, job, {
          jobId: opts.jobId,
          ...(opts.delayMs ? { delay: opts.delayMs } : {}),
          attempts: 20,
          backoff: { type: 'exponential', delay: 250, jitter: 0.5 },
          removeOnComplete: keepCompleted,
          removeOnFail: keepFailed,
        });
      },
      async removeRunJob(jobId) {
        const job = await runQueue.getJob(jobId);
        if (job && (await job.isDelayed())) await job.remove().catch(() => undefined);
      },
      async runJobState(jobId) {
        const job = await runQueue.getJob(jobId);
        return job ? await job.getState() : 'unknown';
      },
      async removeActionJob(jobId) {
        const job = await actionQueue.getJob(jobId);
        const state = job ? await job.getState() : 'unknown';
        if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized'))
          await job.remove().catch(() => undefined);
      },
      async removeFailedActionJob(jobId) {
        const job = await actionQueue.getJob(jobId);
        if (job && (await job.isFailed())) await job.remove().catch(() => undefined);
      },
      async addActionJob(job, opts) {
        await actionQueue.add(job.operation, job, actionJobOptions(opts));
      },
      // A run's save adds its next action job in the same script (saveRunAndQueue).
      encodeActionJob: (job, opts) =>
        encodeStandardJob(actionQueue, job.operation, job, actionJobOptions(opts)),
      async actionJobState(jobId) {
        const job = await actionQueue.getJob(jobId);
        if (!job) return { state: 'unknown', attempts: 0 };
        return {
          state: await job.getState(),
          attempts: job.attemptsMade,
          runId: job.data.runId,
          job: job.data,
          ...(job.failedReason ? { failedReason: job.failedReason } : {}),
          ...(job.returnvalue === undefined || job.returnvalue === null
            ? {}
            : { returnValue: job.returnvalue as unknown }),
        };
      },
    };

    const catalog = new PlaybookCatalog(content.playbooks, runs, content.ruleKeys);
    const runner = new Runner({
      runs,
      approvals,
      playbooks: catalog,
      queues,
      clock,
      logger: logger.child({ domain: 'playbook' }),
      crash,
      audit,
      incidents,
      metrics,
      startsRuns: has('runner'),
    });
    // Closed after the workers (closers run in reverse): outbox clears still in flight land first.
    closers.push(() => runner.settle());

    const readiness: ReadinessCheck[] = [
      // The outage monitor's last probe (at most a second old): /readyz never waits on Redis.
      { name: 'redis', check: async () => outage.available },
    ];

    if (has('correlator')) {
      const containMaxAgeMs = config.correlate.containMaxEventAgeMs;
      const onMatch = async (match: Match): Promise<void> => {
        const now = clock.now();
        const ageMs = now - match.lastTime;
        // Replays and backfills never contain live: an old match records its incident only.
        const containment =
          containMaxAgeMs > 0 && ageMs > containMaxAgeMs
            ? `No playbook started: the match's last event is ${formatDurationMs(Math.round(ageMs / 1000) * 1000)} old, more than CORDON_CONTAIN_MAX_EVENT_AGE_MS (${formatDurationMs(containMaxAgeMs)}), so this looks like a replay or backfill. Start a playbook by hand if it is still needed.`
            : undefined;
        const outcome = await incidents.recordMatch(match, now, containment);
        if (!outcome.replayed)
          await ruleHits
            .record(match.rule, now, outcome.created)
            .catch((err: unknown) =>
              logger.warn({ err, rule: match.rule }, 'rule hit not counted'),
            );
        if (!outcome.created) {
          if (outcome.replayed) return;
          // A match joined an open incident: runs waiting for it to change are told, and
          // playbooks it passes the trigger of start if they have not run for the incident
          // (or run again per match with on.every_match).
          await runner.incidentChanged(outcome.incidentId);
          if (containment || !catalog.triggeredBy(match.rule)) return;
          const joined = await incidents.summary(outcome.incidentId);
          if (joined?.status === 'open' && !joined.containment)
            await runner.trigger(
              joined,
              `correlation:${match.rule}`,
              sourcesOfRefs(match.refs, match.sources),
              match.matchId,
            );
          return;
        }
        // A replayed creation's incident may have moved on since: read it as it is now.
        const incident = outcome.incident ?? (await incidents.summary(outcome.incidentId));
        if (!incident) return;
        if (!outcome.replayed)
          logger.info(
            {
              incidentId: incident.id,
              rule: match.rule,
              group: match.group,
              contained: !containment,
            },
            'incident opened',
          );
        metrics.inc('cordon_incidents_opened_total', 'Incidents opened.', { rule: match.rule });
        if (incident.containment) {
          metrics.inc(
            'cordon_incidents_not_contained_total',
            'Incidents opened without starting playbooks (events older than CORDON_CONTAIN_MAX_EVENT_AGE_MS).',
            { rule: match.rule },
          );
          return;
        }
        await runner.trigger(
          incident,
          `correlation:${match.rule}`,
          sourcesOfRefs(match.refs, match.sources),
        );
      };
      // A match withdrawn by a later event: its incident says so (and is not closed: people
      // decide), and runs waiting on the incident are told, so a playbook can undo.
      const onRetraction = async (r: Retraction): Promise<void> => {
        const recorded = await incidents.recordRetraction(r, clock.now());
        if (recorded.outcome === 'no-incident') return;
        if (recorded.outcome === 'recorded')
          logger.info(
            { incidentId: recorded.incidentId, rule: r.rule, matchId: r.matchId, by: r.ref },
            'match retracted',
          );
        // Redelivered too (a crash may have come between recording and telling): telling
        // twice is harmless, the runs' events have deterministic ids.
        await runner.incidentChanged(recorded.incidentId);
      };
      const blockMs = 1_000;
      const connectionName = `cordon:${config.instanceId}:correlator`;
      // With a reader thread, the thread reads the log over a connection of its own.
      const threaded = config.correlate.readerThreads > 0;
      const blocking = threaded
        ? undefined
        : createRedis(options.redisUrl, {
            connectionName,
            ...outageOptions('blocking', commandTimeoutMs, blockMs),
          });
      if (blocking) outage.watch('redis:correlator', blocking);
      const stateStore = new RedisStateStore(redis, keys);
      const correlator = new Correlator(
        content.rules,
        engineOptions(config.correlate, content.connectors),
        eventLog,
        blocking,
        stateStore,
        onMatch,
        {
          member: config.instanceId,
          partitions: config.correlate.partitions,
          batchSize: config.correlate.batchSize,
          blockMs,
          checkpointMs: config.correlate.checkpointMs,
          leaseMs: config.correlate.leaseMs,
          dedupeWindowMs: config.ingest.dedupeWindowMs,
          onRetraction,
          ...(threaded
            ? {
                readerThread: {
                  redisUrl: options.redisUrl,
                  keyPrefix: keys.prefix,
                  eventLogPartitions: config.redis.eventLogPartitions,
                  connectionName,
                  commandTimeoutMs,
                  sources: content.ruleSources,
                },
              }
            : {}),
        },
        clock,
        logger.child({ domain: 'correlate' }),
        metrics,
        crash,
        async ({ event }, err) => {
          await deadLetters.add({
            source: event.source,
            reason: 'correlate',
            errors: [
              {
                path: '',
                reason: `correlation failed: ${err instanceof Error ? err.message : String(err)}`,
              },
            ],
            contentType: 'application/json',
            body: Buffer.from(JSON.stringify(event)),
            principal: 'correlator',
            received: clock.now(),
          });
        },
      );
      closers.push(() => correlator.stop());
      await correlator.start();
      readiness.push({ name: 'correlator', check: async () => correlator.ready });
      // How far it has read, for ingest backpressure in any API process.
      const reportProgress = setInterval(() => {
        if (!correlator.ready || !outage.available) return;
        progress
          .report(config.instanceId, correlator.entriesRead, clock.now())
          .catch(() => undefined);
      }, PROGRESS_INTERVAL_MS);
      reportProgress.unref();
      closers.push(async () => clearInterval(reportProgress));
      // Retention runs beside the correlator: it keeps the log from the correlators' checkpoints.
      const sweeper = buildRetentionSweeper({
        redis,
        keys,
        config,
        eventLog,
        state: stateStore,
        incidents,
        clock,
        logger: logger.child({ domain: 'retention' }),
        metrics,
      });
      sweeper.start();
      closers.push(() => sweeper.stop());
    }

    const workerOptions = {
      connection: bullRedis,
      prefix: keys.bullPrefix,
      lockDuration: config.jobs.lockDurationMs,
      stalledInterval: config.jobs.stalledIntervalMs,
      // A job survives several crashes of the process running it before BullMQ gives up on it.
      maxStalledCount: 10,
    };
    if (has('runner')) {
      const worker = new Worker<RunJob>(
        RUN_QUEUE,
        async (job: Job<RunJob>) => {
          if (job.data.type === 'start') await runner.start(job.data);
          else await runner.apply(job.data);
        },
        { ...workerOptions, concurrency: config.jobs.runConcurrency },
      );
      worker.on('failed', (job, err) => logger.error({ err, jobId: job?.id }, 'run job failed'));
      outage.watch('worker:runs', worker);
      // One pass at a time: a slow pass (many active runs) never overlaps the next.
      let reconciling: Promise<void> | undefined;
      const reconcileOnce = (): Promise<void> =>
        (reconciling ??= runner
          .reconcile()
          .catch((err: unknown) => {
            if (!isRedisConnectionError(err)) logger.error({ err }, 'reconcile failed');
          })
          .finally(() => {
            reconciling = undefined;
          }));
      const timer = setInterval(() => void reconcileOnce(), config.jobs.reconcileIntervalMs);
      timer.unref();
      closers.push(async () => {
        clearInterval(timer);
        await reconciling;
        await worker.close();
      });
      await reconcileOnce();
      readiness.push({ name: 'runner', check: async () => worker.isRunning() });
    }

    if (has('worker')) {
      const ledger = new EffectLedger(redis, keys, effectAck());
      const executors = buildExecutorTable(actionInstances, {
        limiter,
        cases,
        clock,
        ledger,
        secrets,
        logger: logger.child({ domain: 'connectors' }),
        // Outbound rate limits hold across every worker process, not per process.
        pacing: { redis, prefix: keys.prefix },
      });
      const processor = createActionProcessor({
        executors,
        runner,
        ledger,
        approvals,
        clock,
        logger: logger.child({ domain: 'actions' }),
        crash,
        metrics,
        audit,
        // A run's automatic steps go on in the job of the step before (one queue hop less each).
        continueInPlace: true,
      });
      const worker = new Worker<ActionJob>(ACTION_QUEUE, processor, {
        ...workerOptions,
        concurrency: config.jobs.actionConcurrency,
      });
      // An undo job's end, once its queue has recorded it, reaches the runs that asked for the
      // same undo while this job had it (the job's own report reaches its run and `tell`, or
      // they are listed among those runs when that report failed: Runner.watchOwnUndo).
      worker.on('completed', (job, result: unknown) => {
        if (job.data.undoOf) void runner.undoJobEnded(job.data, { ok: true, result });
      });
      worker.on('failed', (job, err) => {
        if (!job?.data.undoOf) return;
        // Only a job with no attempt left has ended; one backing off tries again.
        void runner.undoJobEnded(
          job.data,
          failedUndoOutcome(job.failedReason ?? err.message),
          async () => (await job.getState()) === 'failed',
        );
      });
      outage.watch('worker:actions', worker);
      closers.push(() => worker.close());
      readiness.push({ name: 'worker', check: async () => worker.isRunning() });
    }

    let app: FastifyInstance | undefined;
    let url: string | undefined;
    let consoleUrl: string | undefined;
    let consoleBuilt = false;
    const syslog = new Map<string, { udp?: AddressInfo; tcp?: AddressInfo }>();
    if (has('api') && principals) {
      const sourceConnectors = content.connectors.filter((c) => c.kind === 'source');
      const sources = new Map(
        sourceConnectors.map((c) => [
          c.name,
          {
            name: c.name,
            type: c.type,
            options: c.options,
            keep: { ...config.retention.keep, ...c.keep },
            ...(c.partitionBy === undefined ? {} : { partitionBy: c.partitionBy }),
          },
        ]),
      );
      const senderAuth = await resolveSourceSenderAuth(
        sourceConnectors,
        options.env ?? process.env,
      );
      const ingestPool = poolForSources(
        sources.values(),
        {
          workers: config.ingest.workers,
          maxQueued: config.ingest.workerQueue,
          maxDepth: config.ingest.maxDepth,
          workerUrl: options.ingestWorkerUrl,
        },
        (err, lostJobs) =>
          logger.error(
            { err, lostJobs },
            'ingest worker thread stopped; replaced (its bodies answered 503)',
          ),
      );
      // Registered before the HTTP closer, so it runs after it: the last bodies are read.
      if (ingestPool) closers.push(() => ingestPool.close());
      const ingest = new IngestService({
        sources,
        ...(ingestPool ? { pool: ingestPool, poolMinBytes: config.ingest.workerMinBytes } : {}),
        log: eventLog,
        deadLetters,
        clock,
        metrics,
        logger: logger.child({ domain: 'ingest' }),
        dedupeWindowMs: config.ingest.dedupeWindowMs,
        maxDepth: config.ingest.maxDepth,
        memoryFor: (source) => new RedisSourceMemory(redis, keys, source),
        stats: sourceStats,
      });
      const tokenUse = new TokenUseAggregator(audit, clock, (err) => {
        const msg = 'token use not recorded in the audit trail; kept for the next flush';
        // An outage is logged once by the outage watch; a flush it interrupts is no bug.
        if (isRedisConnectionError(err))
          logger.warn({ reason: err instanceof Error ? err.message : String(err) }, msg);
        else logger.error({ err }, msg);
      });
      const flushTimer = setInterval(() => void tokenUse.flush(clock.now()), tokenUse.windowMs);
      flushTimer.unref();
      // Registered before the HTTP closer, so it runs after it: the last requests are counted.
      closers.push(async () => {
        clearInterval(flushTimer);
        await tokenUse.flush(Number.POSITIVE_INFINITY);
      });
      // The stream's blocking reads get a connection of their own, opened on first use.
      const watcher = new ChangeWatcher(
        () =>
          createRedis(options.redisUrl, {
            connectionName: `cordon:${config.instanceId}:changes`,
            ...outageOptions('blocking', commandTimeoutMs, 5_000),
          }),
        keys,
        logger.child({ domain: 'stream' }),
      );
      closers.push(() => watcher.close());
      const ruleTests = await loadRuleTestSources(resolvePath(config.contentDir, 'correlations'));
      app = await buildApp({
        principals,
        ingest,
        eventLog,
        deadLetters,
        incidents,
        runs,
        approvals,
        runner,
        playbooks: content.playbooks,
        limiter,
        holds: holdsReader(actionInstances, new EffectLedger(redis, keys)),
        containment: containmentReader(actionInstances, {
          limiter,
          ledger: new EffectLedger(redis, keys),
          runs,
        }),
        cases,
        metrics,
        clock,
        logger,
        readiness,
        ingestBodyLimitBytes: config.ingest.bodyLimitBytes,
        senderAuth,
        audit: { trail: audit, reader: auditLog, tokenUse },
        rules: {
          catalog: new RuleCatalog(() =>
            buildRuleCatalog(content.rules, content.ruleSources, ruleTests),
          ),
          hits: ruleHits,
        },
        sourceStats,
        stream: {
          feed: new ChangeFeed(redis, keys),
          watcher,
          maxPerPrincipal: config.stream.maxPerPrincipal,
          heartbeatMs: config.stream.heartbeatMs,
        },
        limits: {
          http: config.http,
          redisAvailable: () => outage.available,
          rateLimiter: new RateLimiter(
            { ratePerS: config.limits.apiRatePerS, burst: config.limits.apiRateBurst },
            clock,
          ),
          backpressure: new IngestBackpressure(eventLog, progress, clock, {
            maxLagEntries: config.limits.ingestMaxLagEntries,
            liveMs: Math.max(config.correlate.leaseMs, 5 * PROGRESS_INTERVAL_MS),
            refreshMs: 1_000,
          }),
          retryAfterS: config.limits.retryAfterS,
        },
      });
      // Dead letters age out even while none arrive (every add trims as well).
      const deadLetterTrim = setInterval(() => {
        deadLetters
          .trim(clock.now())
          .catch((err: unknown) => logger.warn({ err }, 'dead-letter trim failed'));
      }, 60_000);
      deadLetterTrim.unref();
      closers.push(async () => clearInterval(deadLetterTrim));
      const api = app;
      // HTTP closes first on stop: no new work; in-flight requests finish.
      const closeApi = (): Promise<void> => api.close();
      closers.push(closeApi);
      await app.ready();
      if (options.listen) url = await listenOrExplain(app, config.host, config.port, 'CORDON_PORT');
      if (options.listen && config.consolePort > 0) {
        const files = await loadConsoleFiles(config.consoleDir ?? defaultConsoleDir());
        consoleBuilt = files !== undefined;
        if (!files)
          logger.warn(
            { dir: config.consoleDir ?? defaultConsoleDir() },
            'the console is not built: its port answers 503 until `npm run build` and a restart',
          );
        const consoleApp = await buildConsoleApp({ api, files, http: config.http });
        // Closed after the API (closers run in reverse): the API ends its streams first, which
        // may be open through this port.
        closers.splice(closers.indexOf(closeApi), 0, () => consoleApp.close());
        await consoleApp.ready();
        consoleUrl = await listenOrExplain(
          consoleApp,
          config.host,
          config.consolePort,
          'CORDON_CONSOLE_PORT (0: no console)',
        );
      }
      for (const connector of sourceConnectors) {
        if (!connector.listen) continue;
        const listener = syslogListenerFor(
          connector.name,
          connector.listen,
          ingest,
          metrics,
          logger,
        );
        closers.push(() => listener.stop());
        syslog.set(connector.name, await listener.start());
      }
    }

    outage.start();

    let opsUrl: string | undefined;
    if (!has('api') && principals && config.opsPort > 0) {
      const ops = await buildOpsApp({ principals, metrics, readiness, logger });
      closers.push(() => ops.close());
      await ops.ready();
      if (options.listen)
        opsUrl = await listenOrExplain(ops, config.host, config.opsPort, 'CORDON_OPS_PORT');
    }

    let stopped: Promise<void> | undefined;
    return {
      app,
      url,
      consoleUrl,
      consoleBuilt,
      opsUrl,
      syslog,
      content,
      runner,
      roles,
      reconcile: () => runner.reconcile(),
      stop() {
        stopped ??= closeAll();
        return stopped;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * A syslog listener (UDP/TCP, RFC 6587 framing) feeding a line-format source. Syslog carries no
 * credentials, so only peers in `listen.allow` are heard; the rest are counted and dropped
 * before any parsing.
 */
function syslogListenerFor(
  source: string,
  listen: ListenConfig,
  ingest: IngestService,
  metrics: Metrics,
  logger: Logger,
): SyslogListener {
  const allowed = new BlockList();
  for (const entry of listen.allow) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(bits), family);
  }
  const log = logger.child({ domain: 'syslog', source });
  metrics.inc(
    'cordon_syslog_refused_peers_total',
    'Syslog messages dropped: the peer is not in listen.allow.',
    { source },
    0,
  );
  return new SyslogListener({
    host: listen.host,
    ...(listen.udp === undefined ? {} : { udpPort: listen.udp }),
    ...(listen.tcp === undefined ? {} : { tcpPort: listen.tcp }),
    logger: log,
    deliver: async (messages, peer) => {
      // The listener names peers "<address>:<port>".
      const address = peer.slice(0, peer.lastIndexOf(':')).replace(/^::ffff:/, '');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (!allowed.check(address, family)) {
        metrics.inc(
          'cordon_syslog_refused_peers_total',
          'Syslog messages dropped: the peer is not in listen.allow.',
          { source },
          messages.length,
        );
        log.warn(
          { peer, messages: messages.length },
          'syslog peer not in listen.allow; messages dropped',
        );
        return;
      }
      await ingest.ingest(
        source,
        { body: toOctetCountedBody(messages), contentType: 'text/plain' },
        `syslog:${address}`,
      );
    },
  });
}

/** Resolves every source's sender credentials at start; a missing secret names its variable. */
async function resolveSourceSenderAuth(
  sources: readonly ConnectorDefinition[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ReadonlyMap<string, ResolvedSenderAuth>> {
  const out = new Map<string, ResolvedSenderAuth>();
  const problems: string[] = [];
  for (const source of sources) {
    const resolved = await resolveSenderAuth(
      source.senderAuth,
      `connector ${source.name} (${source.origin})`,
      env,
    );
    problems.push(...resolved.problems);
    out.set(source.name, resolved.auth);
  }
  if (problems.length > 0)
    throw new CordonError(
      'CORDON_ERR_CONNECTOR_SECRET',
      `Source credentials could not be resolved:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  return out;
}

/** Source connectors with `auth.bearer` get their own ingest-only principals. */
async function addSourceTokens(
  principals: PrincipalDirectory,
  content: Content,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  const { tokens, problems } = await resolveSourceTokens(content, env);
  for (const t of tokens)
    principals.add(
      { id: `source:${t.source}`, roles: ['ingest'], sources: [t.source] },
      sha256Hex(t.value),
    );
  if (problems.length > 0) {
    throw new CordonError(
      'CORDON_ERR_CONNECTOR_SECRET',
      `Source tokens could not be resolved:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

async function warnIfNotDurable(redis: RedisClient, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'appendonly')) as string[];
    if (reply[1] === 'no') {
      logger.warn(
        'Redis has appendonly=no: accepted events survive a Cordon crash but not a Redis restart. Production Redis should run with appendonly yes.',
      );
    }
  } catch {
    // CONFIG is often disabled on managed Redis; durability is then the operator's setting.
  }
}

/** Listens, turning the usual failures into a configuration error that says what to change. */
async function listenOrExplain(
  app: FastifyInstance,
  host: string,
  port: number,
  setting: string,
): Promise<string> {
  try {
    return await app.listen({ host, port });
  } catch (err) {
    throw listenError(err, host, port, setting);
  }
}

/**
 * Throws listenOrExplain's error for the first of `ports` that cannot be listened on now (0:
 * any port, not probed). Each is held until all are bound, so two settings naming one port
 * fail here too.
 */
async function portsFree(
  host: string,
  ports: readonly (readonly [port: number, setting: string])[],
): Promise<void> {
  const probes: NetServer[] = [];
  try {
    for (const [port, setting] of ports) {
      if (port === 0) continue;
      const probe = createNetServer();
      try {
        await new Promise<void>((resolve, reject) => {
          probe.once('error', reject);
          probe.listen({ host, port, exclusive: true }, resolve);
        });
      } catch (err) {
        throw listenError(err, host, port, setting);
      }
      probes.push(probe);
    }
  } finally {
    await Promise.all(probes.map((p) => new Promise<void>((resolve) => p.close(() => resolve()))));
  }
}

/** A listen failure said plainly (a busy, forbidden or foreign address); others as they are. */
function listenError(err: unknown, host: string, port: number, setting: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') return err;
  return new CordonError(
    'CORDON_ERR_CONFIG_INVALID',
    `Cannot listen on ${host}:${port} (${code === 'EADDRINUSE' ? 'another process is using it' : code}). Stop that process or set ${setting} / CORDON_HOST.`,
    { cause: err },
  );
}

/**
 * Each source's text retention period (its `keep.text_ms`, else CORDON_RETENTION_TEXT_MS), as
 * dead letters apply it to refused bodies: a body may hold prompts.
 */
function deadLetterTextPeriods(
  connectors: readonly ConnectorDefinition[],
  textMs: number,
): (source: string) => number {
  const own = new Map<string, number>();
  for (const c of connectors)
    if (c.kind === 'source' && c.keep.textMs !== undefined) own.set(c.name, c.keep.textMs);
  return (source) => own.get(source) ?? textMs;
}

/** Each source's `keep.text` (else CORDON_INGEST_TEXT), as dead letters apply it to refused bodies. */
function deadLetterTextPolicies(
  connectors: readonly ConnectorDefinition[],
  text: TextPolicy,
): (source: string) => TextPolicy {
  const own = new Map<string, TextPolicy>();
  for (const c of connectors)
    if (c.kind === 'source' && c.keep.text !== undefined) own.set(c.name, c.keep.text);
  return (source) => own.get(source) ?? text;
}
