import type { CompiledPlaybook, RunEvent } from '../definition/compile-playbook.js';
import type { Effect } from './effects.js';
import type { RunRecord } from './run-record.js';
import type { RunnerDeps } from './runner.js';

/** Saves that lose a compare-and-set race are retried this many times before giving up. */
export const MAX_CONFLICT_RETRIES = 25;

/**
 * What the runner lends its helpers (cancel and retry, undo events): its dependencies and the
 * outbox machinery, so each of them lives in its own file and the run loop stays small.
 */
export interface RunnerCore {
  readonly deps: RunnerDeps;
  flush(run: RunRecord): Promise<void>;
  compiled(hash: string, runId: string): Promise<CompiledPlaybook>;
  perform(run: RunRecord, compiled: CompiledPlaybook, effect: Effect): Promise<void>;
  queueEvent(
    runId: string,
    at: { readonly state: string; readonly step: number },
    eventId: string,
    event: RunEvent,
    delayMs?: number,
  ): Promise<void>;
}
