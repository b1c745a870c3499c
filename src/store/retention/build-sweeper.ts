import type { RedisClient } from '../redis.js';
import type { Config } from '../../config/load-config.js';
import type { CorrelationStateStore } from '../../correlate/state-store.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import type { EventLog } from '../event-log.js';
import type { IncidentStore } from '../incident-store.js';
import type { Keys } from '../keys.js';
import { CaseRetention } from './case-retention.js';
import { EffectRetention } from './effect-retention.js';
import { IncidentRetention } from './incident-retention.js';
import { LimiterRetention } from './limiter-retention.js';
import { RetentionSweeper } from './retention-sweeper.js';
import { RunRetention } from './run-retention.js';
import { TextRetention } from './text-retention.js';

export interface SweeperDeps {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly config: Config;
  readonly eventLog: EventLog;
  readonly state: CorrelationStateStore;
  readonly incidents: IncidentStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** The sweeper with every record's policy from the configuration (README "Retention"). */
export function buildRetentionSweeper(deps: SweeperDeps): RetentionSweeper {
  const { redis, keys, config, metrics } = deps;
  const r = config.retention;
  const records = [
    new IncidentRetention(
      redis,
      keys,
      deps.incidents,
      { resolvedMs: r.incidentsResolvedMs, idleMs: r.incidentsIdleMs, max: r.incidentsMax },
      (reason) =>
        metrics.inc(
          'cordon_retention_incidents_closed_total',
          'Open incidents resolved by retention (idle too long, or past the count).',
          { reason },
        ),
    ),
    new RunRetention(redis, keys, { ms: r.runsMs, max: r.runsMax }),
    new EffectRetention(redis, keys, { ms: r.effectsMs, max: r.effectsMax }),
    new CaseRetention(redis, keys, { ms: r.casesMs, max: r.casesMax }),
    new LimiterRetention(redis, keys, { ms: r.limiterHistoryMs, max: r.limiterHistoryMax }),
    new TextRetention(deps.eventLog, { ms: r.textMs }),
  ];
  return new RetentionSweeper(
    redis,
    keys,
    deps.eventLog,
    deps.state,
    records,
    {
      member: config.instanceId,
      intervalMs: r.sweepIntervalMs,
      batch: r.sweepBatch,
      eventRetentionMs: config.ingest.eventRetentionMs,
      eventsMax: r.eventsMax,
      dedupeWindowMs: config.ingest.dedupeWindowMs,
      partitions: config.correlate.partitions,
      memberLeaseMs: config.correlate.leaseMs,
    },
    deps.clock,
    deps.logger,
    metrics,
  );
}
