import { deterministicId } from '../../shared/hash.js';

/**
 * A side effect a transition asks for, decided purely from xstate's action list and stored
 * with the run (outbox) before it is performed. Performing one is idempotent: its id is
 * derived from run, state and step, and every target (BullMQ job ids, approval records)
 * ignores a second create with the same id.
 */
export type Effect =
  | {
      readonly kind: 'action';
      readonly id: string;
      readonly state: string;
      readonly step: number;
      readonly at: number;
    }
  | {
      readonly kind: 'approval';
      readonly id: string;
      readonly state: string;
      readonly step: number;
      readonly at: number;
    }
  | {
      readonly kind: 'timer';
      readonly id: string;
      readonly state: string;
      readonly step: number;
      readonly fireAt: number;
      readonly event: { readonly type: string };
    }
  | { readonly kind: 'cancel-timer'; readonly id: string };

export interface XstateAction {
  readonly type: string;
  readonly params?: unknown;
}

export function actionEffectId(runId: string, state: string, step: number): string {
  return deterministicId('act', runId, state, String(step));
}

export function approvalEffectId(runId: string, state: string, step: number): string {
  return deterministicId('apr', runId, state, String(step));
}

export function timerEffectId(runId: string, sendId: string, step: number): string {
  return deterministicId('tmr', runId, sendId, String(step));
}

/**
 * Maps the actions of one transition to effects. `state`/`step` describe where the run is
 * after it; `prevStep` is the step of the state it left (for cancelling that state's timers).
 */
export function toEffects(
  actions: readonly XstateAction[],
  runId: string,
  position: {
    readonly state: string;
    readonly step: number;
    readonly prevStep: number;
    readonly at: number;
  },
): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    switch (action.type) {
      case 'cordon.action': {
        const state = String(params.state);
        effects.push({
          kind: 'action',
          id: actionEffectId(runId, state, position.step),
          state,
          step: position.step,
          at: position.at,
        });
        break;
      }
      case 'cordon.approval': {
        const state = String(params.state);
        effects.push({
          kind: 'approval',
          id: approvalEffectId(runId, state, position.step),
          state,
          step: position.step,
          at: position.at,
        });
        break;
      }
      case 'xstate.raise': {
        // Only delayed raises are timers; an immediate raise is handled inside transition().
        if (typeof params.delay !== 'number' || typeof params.id !== 'string') break;
        const event = params.event as { type: string };
        effects.push({
          kind: 'timer',
          id: timerEffectId(runId, params.id, position.step),
          state: position.state,
          step: position.step,
          fireAt: position.at + params.delay,
          event: { type: event.type },
        });
        break;
      }
      case 'xstate.cancel':
        if (typeof params.sendId === 'string') {
          effects.push({
            kind: 'cancel-timer',
            id: timerEffectId(runId, params.sendId, position.prevStep),
          });
        }
        break;
      default:
        break; // cordon.end: the saved status already records the outcome.
    }
  }
  return effects;
}
