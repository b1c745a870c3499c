import { deterministicId } from '../../shared/hash.js';
import { kindByEffectAction } from '../kinds/registry.js';

/**
 * A side effect a transition asks for, decided purely from xstate's action list and stored
 * with the run (outbox) before it is performed. Performing one is idempotent: its id is
 * derived from run, state and step, and every target (BullMQ job ids, approval records)
 * ignores a second create with the same id.
 *
 * A state effect's `kind` is the state kind that asked for it (`action`, `approval`, `wait`)
 * and that kind performs it; timers are the runner's own.
 */
export type Effect =
  | StateEffect
  | TimerEffect
  | CancelTimerEffect
  | UndoEffect
  | ExpiryEffect
  | WithdrawEffect
  | RedeliverEffect;

/** Queue the undo job of one undo book entry (id = its undo key). */
export interface UndoEffect {
  readonly kind: 'undo';
  readonly id: string;
  readonly effectKey: string;
}

/** Schedule the automatic undo of an effect declared with `expires` (a delayed run job). */
export interface ExpiryEffect {
  readonly kind: 'expiry';
  readonly id: string;
  readonly effectKey: string;
  readonly fireAt: number;
}

/** Withdraw what the run's resting states asked for (queued jobs, pending approvals). */
export interface WithdrawEffect {
  readonly kind: 'withdraw';
  readonly id: string;
  readonly at: readonly { readonly state: string; readonly step: number }[];
}

/**
 * Queue again an event that waited for an undo pass (UndoPass.deferred), under a job id of its
 * own (`id`): the event keeps its id, so it still applies at most once.
 */
export interface RedeliverEffect {
  readonly kind: 'redeliver';
  readonly id: string;
  readonly eventId: string;
  readonly event: { readonly type: string };
  readonly expect: { readonly state: string; readonly step: number };
}

/** Effects the runner performs itself (no state kind asks for them). */
const RUNNER_KINDS = new Set(['timer', 'cancel-timer', 'undo', 'expiry', 'withdraw', 'redeliver']);

export interface StateEffect {
  readonly kind: string;
  readonly id: string;
  readonly state: string;
  readonly step: number;
  readonly at: number;
}

export interface TimerEffect {
  readonly kind: 'timer';
  readonly id: string;
  readonly state: string;
  readonly step: number;
  readonly fireAt: number;
  readonly event: { readonly type: string };
}

export interface CancelTimerEffect {
  readonly kind: 'cancel-timer';
  readonly id: string;
}

export function isTimer(effect: Effect): effect is TimerEffect {
  return effect.kind === 'timer';
}

export function isCancelTimer(effect: Effect): effect is CancelTimerEffect {
  return effect.kind === 'cancel-timer';
}

export function isUndo(effect: Effect): effect is UndoEffect {
  return effect.kind === 'undo';
}

export function isExpiry(effect: Effect): effect is ExpiryEffect {
  return effect.kind === 'expiry';
}

export function isRedeliver(effect: Effect): effect is RedeliverEffect {
  return effect.kind === 'redeliver';
}

export function isWithdraw(effect: Effect): effect is WithdrawEffect {
  return effect.kind === 'withdraw';
}

export function isStateEffect(effect: Effect): effect is StateEffect {
  return !RUNNER_KINDS.has(effect.kind);
}

export interface XstateAction {
  readonly type: string;
  readonly params?: unknown;
}

export function stateEffectId(prefix: string, runId: string, state: string, step: number): string {
  return deterministicId(prefix, runId, state, String(step));
}

export function actionEffectId(runId: string, state: string, step: number): string {
  return stateEffectId('act', runId, state, step);
}

export function approvalEffectId(runId: string, state: string, step: number): string {
  return stateEffectId('apr', runId, state, step);
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
    /** The step a resting state was entered at (parallel branches each have their own). */
    readonly stepOf?: (state: string) => number | undefined;
  },
): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    const params = (action.params ?? {}) as Record<string, unknown>;
    if (action.type === 'xstate.raise') {
      // Only delayed raises are timers; an immediate raise is handled inside transition().
      if (typeof params.delay !== 'number' || typeof params.id !== 'string') continue;
      const event = params.event as { type: string };
      effects.push({
        kind: 'timer',
        id: timerEffectId(runId, params.id, position.step),
        state: timerState(params.id),
        step: position.step,
        fireAt: position.at + params.delay,
        event: { type: event.type },
      });
      continue;
    }
    if (action.type === 'xstate.cancel') {
      if (typeof params.sendId === 'string') {
        effects.push({
          kind: 'cancel-timer',
          id: timerEffectId(
            runId,
            params.sendId,
            position.stepOf?.(timerState(params.sendId)) ?? position.prevStep,
          ),
        });
      }
      continue;
    }
    const kind = kindByEffectAction(action.type);
    if (!kind?.effect) continue; // cordon.end and context updates: the saved run records them.
    const state = String(params.state);
    effects.push({
      kind: kind.key,
      id: stateEffectId(kind.effect.idPrefix, runId, state, position.step),
      state,
      step: position.step,
      at: position.at,
    });
  }
  return effects;
}

/**
 * The state a delayed event belongs to. xstate names it `xstate.after.<delay>.<state node id>`
 * and node ids are the dotted path from the machine (`<playbook>.<parallel>.<branch>.<state>`);
 * state names hold no dots, so the last segment is the state, nested or not.
 */
function timerState(id: string): string {
  return id.slice(id.lastIndexOf('.') + 1);
}
