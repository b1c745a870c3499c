import { Redis } from 'ioredis';
import { keySlot } from '../../src/store/key-slot.js';
import { ScriptRunner } from '../../src/store/redis-scripts.js';

/**
 * Redis Cluster runs a script, a MULTI or a pipeline only when all its keys share a slot (a
 * pipeline: a node). This check wraps, in this process, the script runner and ioredis's
 * pipeline exec (MULTI is a pipeline too), computes each call's key slots (CRC16 mod 16384,
 * hash-tag rule: src/store/key-slot.ts) and records every call that spans slots — on a single
 * Redis, where nothing else would notice. Auto-pipelining's batches are left out: they are not
 * atomic and ioredis splits them per node on a cluster.
 */
export interface SlotCheck {
  /** Calls seen, by kind. */
  readonly calls: { scripts: number; transactions: number; pipelines: number };
  /** One line per call whose keys span slots. */
  readonly violations: string[];
  uninstall(): void;
}

interface QueuedCommand {
  readonly name: string;
  getKeys(): (string | Buffer)[];
}

export function installSlotCheck(): SlotCheck {
  const calls = { scripts: 0, transactions: 0, pipelines: 0 };
  const violations: string[] = [];
  const describe = (keys: readonly string[]): string =>
    keys.map((k) => `${k} (slot ${keySlot(k)})`).join(', ');
  const spansSlots = (keys: readonly string[]): boolean =>
    new Set(keys.map((k) => keySlot(k))).size > 1;

  // Restored as it was, and only ever called with .call(this, …).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalRun = ScriptRunner.prototype.run;
  ScriptRunner.prototype.run = function (name, keys, args) {
    calls.scripts += 1;
    if (spansSlots(keys)) violations.push(`script ${name}: ${describe(keys)}`);
    return originalRun.call(this, name, keys, args);
  };

  const probe = new Redis({ lazyConnect: true });
  const pipelineProto = Object.getPrototypeOf(probe.pipeline()) as {
    exec: (...args: unknown[]) => unknown;
  };
  probe.disconnect();
  const originalExec = pipelineProto.exec;
  pipelineProto.exec = function (this: Record<string | symbol, unknown>, ...args: unknown[]) {
    const auto = Object.getOwnPropertySymbols(this).some((s) => s.description === 'callbacks');
    if (!auto) {
      const transaction = (this._transactions as number) > 0;
      if (transaction) calls.transactions += 1;
      else calls.pipelines += 1;
      const queue = (this._queue as QueuedCommand[] | undefined) ?? [];
      const keys = queue.flatMap((c) => c.getKeys().map(String));
      if (spansSlots(keys))
        violations.push(
          `${transaction ? 'MULTI' : 'pipeline'} ${queue.map((c) => c.name).join(' ')}: ${describe(keys)}`,
        );
    }
    return originalExec.apply(this, args);
  };

  return {
    calls,
    violations,
    uninstall() {
      ScriptRunner.prototype.run = originalRun;
      pipelineProto.exec = originalExec;
    },
  };
}
