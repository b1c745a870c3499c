import { randomUUID } from 'node:crypto';
import { buildExecutorTable } from '../../src/actions/connectors/executor-table.js';
import type { ActionInstance } from '../../src/actions/connectors/instance-config.js';
import type { ActionContext, ExecutorTable } from '../../src/actions/executors.js';
import { buildConnectorSet } from '../../src/config/connectors.js';
import { formatDiagnostic } from '../../src/shared/diagnostics.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { Logger } from '../../src/shared/logger.js';
import { EffectLedger } from '../../src/store/effect-ledger.js';
import { Keys } from '../../src/store/keys.js';
import type { ReplicaAck } from '../../src/store/replica-ack.js';
import { createTestRedis, type TestRedis } from './redis.js';

/** Action connector instances from YAML text, as connectors/*.yaml would hold them. */
export function instancesFromYaml(...docs: string[]): ActionInstance[] {
  const { connectors, diagnostics } = buildConnectorSet(
    docs.map((text, i) => ({ file: `c${i}.yaml`, text })),
  );
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map(formatDiagnostic).join('\n'));
  return connectors.flatMap((c) => (c.action ? [c.action] : []));
}

export interface ConnectorHarness {
  readonly table: ExecutorTable;
  readonly ledger: EffectLedger;
  readonly clock: ManualClock;
  readonly redis: TestRedis;
  /** Backoff and pacing waits the client asked for (none really waited). */
  readonly sleeps: number[];
  run(
    type: string,
    operation: string,
    inputs: Record<string, unknown>,
    ctx?: Partial<ActionContext> & { undoOf?: unknown },
  ): Promise<unknown>;
  cleanup(): Promise<void>;
}

/**
 * The executor table over real Redis (ledger and memo) for the given instances, with secrets
 * from `env`, a manual clock and sleeps recorded instead of waited.
 */
export function connectorHarness(
  instances: readonly ActionInstance[],
  env: Record<string, string>,
  options: {
    logger?: Logger;
    readFile?: (path: string) => string;
    /** `process`: each instance paces alone (no Redis bucket). Default: shared, as in production. */
    pacing?: 'shared' | 'process';
    /** Another Redis than the tests' (a private one, a master with replicas). */
    redisUrl?: string;
    /** The ledger's replica acknowledgement (CORDON_EFFECT_ACK_REPLICAS). */
    effectAck?: ReplicaAck;
  } = {},
): ConnectorHarness {
  const redis = createTestRedis('connectors', options.redisUrl);
  const ledger = new EffectLedger(redis.redis, new Keys(redis.prefix), options.effectAck);
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const sleeps: number[] = [];
  const table = buildExecutorTable(instances, {
    clock,
    ledger,
    secrets: {
      env,
      readFile:
        options.readFile ??
        (() => {
          throw new Error('no file');
        }),
    },
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.set(clock.now() + ms);
    },
    random: () => 0.5,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.pacing === 'process'
      ? {}
      : { pacing: { redis: redis.redis, prefix: redis.prefix } }),
  });
  return {
    table,
    ledger,
    clock,
    redis,
    sleeps,
    run(type, operation, inputs, ctx = {}) {
      const executor = table[type]?.[operation];
      if (!executor) throw new Error(`no executor ${type}/${operation}`);
      return executor(inputs, {
        connector: instances.find((i) => i.type === type)?.name ?? type,
        effectKey: `effect-${randomUUID()}`,
        runId: 'run_1',
        incidentId: 'inc_1',
        now: clock.now(),
        signal: new AbortController().signal,
        ...ctx,
      });
    },
    cleanup: () => redis.cleanup(),
  };
}

/** An effect a harness ran: what its undo is handed as `undoOf`. */
export interface RanEffect {
  readonly effectKey: string;
  readonly operation: string;
  readonly inputs: Record<string, unknown>;
  readonly result: unknown;
}

/**
 * Effects and their undos through a harness, as the runtime runs them: each effect under its
 * own run id (`run-<effectKey>`), its undo under the effect key `undo:<effectKey>`.
 */
export function effectSteps(harness: () => ConnectorHarness): {
  act: (
    type: string,
    operation: string,
    inputs: Record<string, unknown>,
    effectKey: string,
    signal?: AbortSignal,
  ) => Promise<RanEffect>;
  undo: (type: string, operation: string, of: RanEffect, signal?: AbortSignal) => Promise<unknown>;
} {
  return {
    act: async (type, operation, inputs, effectKey, signal) => {
      const result = await harness().run(type, operation, inputs, {
        effectKey,
        runId: `run-${effectKey}`,
        ...(signal ? { signal } : {}),
      });
      return { effectKey, operation, inputs, result };
    },
    undo: (type, operation, of, signal) =>
      harness().run(type, operation, of.inputs, {
        effectKey: `undo:${of.effectKey}`,
        runId: `run-${of.effectKey}`,
        undoOf: of,
        ...(signal ? { signal } : {}),
      }),
  };
}
