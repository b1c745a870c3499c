import { formatDurationMs } from '../../../shared/duration.js';
import { DURATION, STATE_REF, celExpression, stateObject } from '../schema-parts.js';
import type { DryRunExit, DryRunScope, DryRunStep, GraphNode, JsonSchema } from '../tooling.js';
import type { WaitStateDefinition } from './wait-kind.js';

function waitingFor(def: WaitStateDefinition): string {
  if (def.forMs !== undefined) return `after ${formatDurationMs(def.forMs)}`;
  if (def.until !== undefined) return `at ${def.until}`;
  return `${def.changes ?? 'the incident'} changes`;
}

export function graphWait(def: WaitStateDefinition): GraphNode {
  return {
    edges: [
      { to: def.next, label: waitingFor(def) },
      ...(def.onTimeout && def.timeoutMs !== undefined
        ? [{ to: def.onTimeout, label: `timeout after ${formatDurationMs(def.timeoutMs)}` }]
        : []),
    ],
    note: 'wait',
  };
}

/** Both ways out of a wait are possible; which one a test takes is the script's to decide. */
export function dryRunWait(def: WaitStateDefinition, _scope: DryRunScope): DryRunStep {
  const exits: DryRunExit[] = [];
  if (def.changes !== undefined) {
    exits.push({
      label: 'changed',
      to: def.next,
      trigger: 'incident',
      event: ({ at, incident }) => ({ type: 'incident.changed', incident: incident ?? {}, at }),
    });
  } else {
    exits.push({ label: 'elapsed', to: def.next, trigger: 'clock' });
  }
  if (def.onTimeout !== undefined)
    exits.push({ label: 'timeout', to: def.onTimeout, trigger: 'clock' });
  return { exits };
}

export const waitSchema: JsonSchema = stateObject(
  'wait',
  'Rests until a duration passes, a time comes, or an incident field changes (with a timeout).',
  {
    wait: {
      type: 'object',
      properties: {
        for: DURATION,
        until: celExpression('A CEL time: a timestamp or epoch milliseconds.'),
        changes: {
          type: 'string',
          pattern: '^incident\\.[A-Za-z]+(\\.[A-Za-z0-9_.-]+)?$',
          description: 'An incident field: incident.<field> or incident.group.<field>.',
        },
        timeout: DURATION,
      },
      oneOf: [{ required: ['for'] }, { required: ['until'] }, { required: ['changes'] }],
      additionalProperties: false,
    },
    next: STATE_REF,
    on_timeout: STATE_REF,
  },
  ['next'],
);
