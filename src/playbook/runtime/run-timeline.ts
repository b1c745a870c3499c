import type { RunEvent } from '../definition/compile-playbook.js';
import { stateKind } from '../kinds/registry.js';
import {
  isCancelTimer,
  isExpiry,
  isRedeliver,
  isTimer,
  isUndo,
  isWithdraw,
  type Effect,
} from './effects.js';
import type { TimelineEntry } from './run-record.js';

export function effectEntries(effects: readonly Effect[], at: number): TimelineEntry[] {
  return effects.map((e) => {
    if (isTimer(e))
      return { at, type: 'timer.set', state: e.state, fireAt: e.fireAt, timerId: e.id };
    if (isCancelTimer(e)) return { at, type: 'timer.cancelled', timerId: e.id };
    if (isUndo(e)) return { at, type: 'undo.queued', effectKey: e.effectKey, jobId: e.id };
    if (isExpiry(e)) return { at, type: 'expiry.set', effectKey: e.effectKey, fireAt: e.fireAt };
    if (isWithdraw(e)) return { at, type: 'withdrawn', states: e.at.map((p) => p.state) };
    if (isRedeliver(e))
      return { at, type: 'event.redelivered', state: e.expect.state, event: e.event.type };
    const said = stateKind(e.kind)?.effect;
    return {
      at,
      type: said?.timeline ?? `${e.kind}.requested`,
      state: e.state,
      [said?.timelineId ?? 'id']: e.id,
    };
  });
}

export function eventSummary(event: RunEvent): Record<string, unknown> {
  switch (event.type) {
    case 'action.succeeded':
      return { state: event.state, result: event.result, attempts: event.attempts };
    case 'action.failed':
      return { state: event.state, error: event.error, attempts: event.attempts };
    case 'approval.approved':
    case 'approval.rejected':
      return { approvalId: event.approvalId, by: event.by };
    case 'call.ended':
      return {
        state: event.state,
        childRunId: event.child,
        outcome: event.outcome,
        ...(event.error ? { error: event.error } : {}),
      };
    case 'incident.changed':
    case 'undo.done':
    case 'undo.expire':
      return {};
    default:
      return event.approvalId ? { approvalId: event.approvalId, timeout: true } : {};
  }
}
