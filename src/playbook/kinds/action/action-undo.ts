import { OPERATIONS } from '../../../actions/operations.js';
import { renderValue } from '../../template.js';
import { runScope } from '../../runtime/run-scope.js';
import type { UndoableStep, UndoEntry } from '../../runtime/undo-book.js';
import type { ActionStateDefinition } from './action-definition.js';
import { prepareAction } from './action-runtime.js';

/**
 * The undo book entry for an action step that succeeded and declared `undo`. The original
 * inputs are rendered again from the context the job was queued with (a run resting in an
 * action does not change its context), so they are exactly what ran. `undo: <op>` reuses them,
 * kept to the inputs the undo operation takes; `undo: { with }` is rendered now, when
 * `steps.<state>.result` is known.
 */
export function actionUndoEntry(
  def: ActionStateDefinition,
  step: UndoableStep,
): UndoEntry | undefined {
  if (!def.undo) return undefined;
  const prepared = prepareAction(def, step.before, step.state);
  if (!prepared.ok) return undefined;
  const original = prepared.gated.inputs;
  let inputs: Record<string, unknown>;
  if (def.undoInputs) {
    const rendered = renderValue(def.undoInputs, runScope(step.after));
    // A template that no longer renders falls back to the original inputs (the undo job then
    // fails its input check loudly rather than acting on a guess).
    inputs = rendered.ok ? (rendered.value as Record<string, unknown>) : { ...original };
  } else {
    const accepted = Object.keys(OPERATIONS[def.undo]?.inputs ?? {});
    inputs = Object.fromEntries(Object.entries(original).filter(([k]) => accepted.includes(k)));
  }
  return {
    effectKey: step.effectKey,
    state: step.state,
    operation: def.operation,
    connector: def.connector,
    connectorType: def.connectorType,
    inputs: original,
    result: step.result,
    undo: { operation: def.undo, inputs },
    undoOnReject: def.undoOnReject === true,
    at: step.at,
    ...(def.expiresMs ? { expiresAt: step.at + def.expiresMs } : {}),
    status: 'applied',
  };
}
