import type { CompiledPlaybook } from '../../definition/compile-playbook.js';
import type { StateEffect } from '../../runtime/effects.js';
import type { RunRecord } from '../../runtime/run-record.js';
import type { RunServices } from '../state-kind.js';
import type { WaitStateDefinition } from './wait-kind.js';

/**
 * Entering a `changes` wait: compare the incident as it is now with the run's copy at once,
 * so a change that happened before the run got here is not missed.
 */
export async function performWaitCheck(
  effect: StateEffect,
  _def: WaitStateDefinition,
  run: RunRecord,
  _compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  await services.checkIncident(run, { state: effect.state, step: effect.step });
}

/** A lost `incident.changed` notification is healed by checking again. */
export async function reconcileWait(
  run: RunRecord,
  def: WaitStateDefinition,
  _compiled: CompiledPlaybook,
  services: RunServices,
): Promise<void> {
  if (def.changes !== undefined)
    await services.checkIncident(run, { state: run.state, step: run.step });
}
