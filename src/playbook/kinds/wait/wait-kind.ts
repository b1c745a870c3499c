import { assign } from 'xstate';
import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import type { RunContext, RunEvent } from '../../definition/compile-playbook.js';
import type { BaseStateDefinition } from '../../definition/types.js';
import { durationOr, MAX_WAIT_MS } from '../../definition/value-checks.js';
import { evaluateExpression, toEpochMs } from '../../expressions/cel.js';
import { runScope } from '../../runtime/run-scope.js';
import type { StateKind } from '../state-kind.js';
import { checkWatchedPath, readPath } from './watched-field.js';
import { performWaitCheck, reconcileWait } from './wait-runtime.js';
import { dryRunWait, graphWait, waitSchema } from './wait-tooling.js';

export interface WaitStateDefinition extends BaseStateDefinition {
  readonly kind: 'wait';
  /** Exactly one: a fixed duration, a time (CEL), or an incident field to watch. */
  readonly forMs?: number;
  readonly until?: string;
  readonly changes?: string;
  /** Cap on an `until` or `changes` wait, leading to `onTimeout`. */
  readonly timeoutMs?: number;
  readonly next: string;
  readonly onTimeout?: string;
}

/** What a run records when it leaves a wait: `context.waits.<state>`. */
export interface WaitRecord {
  readonly outcome: 'elapsed' | 'changed' | 'timeout';
  readonly at: number;
}

const MODES = ['for', 'until', 'changes'] as const;

export function waitDelayName(state: string): string {
  return `wait_${state}`;
}

export function waitTimeoutName(state: string): string {
  return `wait_timeout_${state}`;
}

/**
 * `wait`: rests until a duration passes (`for`), a time comes (`until`, a CEL expression giving
 * a timestamp or epoch ms), or an incident field changes (`changes`), with a `timeout` leading
 * to `on_timeout` for the last two. Its timers are xstate `after` delays, which the runner keeps
 * as durable delayed jobs with deterministic ids (the mechanism approvals' timeouts use), so a
 * wait survives restarts; leaving the state cancels them.
 */
export const waitKind: StateKind<WaitStateDefinition> = {
  key: 'wait',
  resting: 'waiting',
  graph: graphWait,
  dryRun: dryRunWait,
  schema: waitSchema,
  validate(input) {
    const { value, path, sink, label, target, checkExpression } = input;
    const before = input.mark();
    checkKeys(sink, path, value, label, {
      required: ['wait', 'next'],
      optional: ['on_timeout', 'description'],
    });
    const w = value.wait;
    const def: { -readonly [K in keyof WaitStateDefinition]: WaitStateDefinition[K] } = {
      kind: 'wait',
      next: '',
    };
    if (w !== undefined && expectMapping(sink, [...path, 'wait'], w, `${label} wait`)) {
      checkKeys(sink, [...path, 'wait'], w, `${label} wait`, {
        optional: [...MODES, 'timeout'],
      });
      const modes = MODES.filter((m) => w[m] !== undefined);
      if (modes.length !== 1) {
        sink.error(
          [...path, 'wait'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} wait must have exactly one of for (a duration such as 10m), until (a CEL time such as incident.lastSeen + 3600000.0) or changes (an incident field such as incident.severity); got ${modes.length === 0 ? 'none' : modes.join(' and ')}.`,
        );
      }
      if (w.for !== undefined)
        def.forMs = durationOr(
          w.for,
          0,
          [...path, 'wait', 'for'],
          sink,
          `${label} wait.for`,
          MAX_WAIT_MS,
        );
      if (
        w.until !== undefined &&
        checkExpression([...path, 'wait', 'until'], w.until, 'time', 'wait.until')
      )
        def.until = w.until;
      if (
        w.changes !== undefined &&
        checkWatchedPath(input, [...path, 'wait', 'changes'], w.changes)
      )
        def.changes = w.changes;
      if (w.timeout !== undefined) {
        if (w.for !== undefined) {
          sink.error(
            [...path, 'wait', 'timeout'],
            'CORDON_ERR_DEFINITION_VALUE',
            `${label} waits a fixed duration, which cannot time out; remove wait.timeout (it applies to until and changes).`,
          );
        } else {
          def.timeoutMs = durationOr(
            w.timeout,
            0,
            [...path, 'wait', 'timeout'],
            sink,
            `${label} wait.timeout`,
            MAX_WAIT_MS,
          );
        }
      } else if (w.until !== undefined || w.changes !== undefined) {
        sink.error(
          [...path, 'wait'],
          'CORDON_ERR_DEFINITION_REQUIRED',
          `${label} waits ${w.until !== undefined ? 'until a time' : 'for an incident field to change'} with no timeout, so a run could wait forever. Add "timeout: <duration>" under wait and "on_timeout: <state>".`,
        );
      }
    }
    if (value.next !== undefined && target([...path, 'next'], value.next, 'next'))
      def.next = value.next;
    if (value.on_timeout !== undefined) {
      if (def.forMs !== undefined) {
        sink.error(
          [...path, 'on_timeout'],
          'CORDON_ERR_DEFINITION_VALUE',
          `${label} waits a fixed duration, which cannot time out; remove on_timeout (the run goes to next).`,
        );
      } else if (target([...path, 'on_timeout'], value.on_timeout, 'on_timeout')) {
        def.onTimeout = value.on_timeout;
      }
    } else if (isMapping(w) && w.timeout !== undefined && w.for === undefined) {
      sink.error(
        path,
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${label} has wait.timeout ${describe(w.timeout)} but no on_timeout; add "on_timeout: <state>" for where a run goes when the wait times out.`,
      );
    }
    if (input.erredSince(before) || !def.next) return undefined;
    return def;
  },
  edges: (def) => [
    { to: def.next, approved: false },
    ...(def.onTimeout ? [{ to: def.onTimeout, approved: false }] : []),
  ],
  compile: (name, def, machine) => {
    const after: Record<string, object> = {};
    const record = (outcome: WaitRecord['outcome']): object[] => [
      { type: 'recordWait', params: { state: name, outcome } },
    ];
    if (def.forMs !== undefined) {
      machine.delays[waitDelayName(name)] = def.forMs;
      after[waitDelayName(name)] = { target: def.next, actions: record('elapsed') };
    }
    if (def.until !== undefined) {
      const until = def.until;
      const never = (def.timeoutMs ?? 0) + 1;
      // The time is computed when the state is entered, from the run's context; `at` is when
      // the entering event was applied (the start of the run for the start state).
      machine.delays[waitDelayName(name)] = ({
        context,
        event,
      }: {
        context: RunContext;
        event: { at?: number };
      }): number => {
        const enteredAt = typeof event.at === 'number' ? event.at : context.run.startedAt;
        const result = evaluateExpression(until, runScope(context));
        const ms = result.ok ? toEpochMs(result.value) : undefined;
        // A time that cannot be computed never comes: the timeout decides.
        return ms === undefined ? never : Math.max(0, ms - enteredAt);
      };
      after[waitDelayName(name)] = { target: def.next, actions: record('elapsed') };
    }
    if (def.timeoutMs !== undefined && def.onTimeout !== undefined) {
      machine.delays[waitTimeoutName(name)] = def.timeoutMs;
      after[waitTimeoutName(name)] = { target: def.onTimeout, actions: record('timeout') };
    }
    return {
      ...(def.changes !== undefined
        ? { entry: [{ type: 'cordon.wait', params: { state: name } }] }
        : {}),
      after,
      ...(def.changes !== undefined
        ? {
            on: {
              'incident.changed': {
                guard: { type: 'cordon.changed', params: { path: def.changes } },
                target: def.next,
                actions: [...record('changed'), { type: 'refreshIncident' }],
              },
            },
          }
        : {}),
    };
  },
  guards: {
    'cordon.changed': ({ context, event }, params: { path: string }) => {
      const e = event as RunEvent;
      if (e.type !== 'incident.changed') return false;
      const seen = readPath({ incident: (context as RunContext).incident }, params.path);
      const now = readPath({ incident: e.incident }, params.path);
      return JSON.stringify(seen ?? null) !== JSON.stringify(now ?? null);
    },
  },
  actions: {
    recordWait: assign(
      (
        { context, event }: { context: RunContext; event: RunEvent },
        params: { state: string; outcome: WaitRecord['outcome'] },
      ) => {
        const at =
          typeof (event as { at?: unknown }).at === 'number' ? (event as { at: number }).at : 0;
        const record: WaitRecord = { outcome: params.outcome, at };
        return { waits: { ...context.waits, [params.state]: record } };
      },
    ),
    refreshIncident: assign(({ context, event }: { context: RunContext; event: RunEvent }) =>
      event.type === 'incident.changed'
        ? { incident: { ...context.incident, ...event.incident } }
        : {},
    ),
  },
  watchesIncident: (def) => def.changes !== undefined,
  effect: {
    action: 'cordon.wait',
    idPrefix: 'wat',
    perform: performWaitCheck,
    timeline: 'wait.watching',
    timelineId: 'checkId',
  },
  reconcile: reconcileWait,
};

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
