import { formatDurationMs } from '../../../shared/duration.js';
import { isMapping } from '../../../shared/shape.js';
import type { RunEvent } from '../../definition/compile-playbook.js';
import { FAILED_STATE } from '../../definition/failed-state.js';
import { renderValue } from '../../template.js';
import { runScope } from '../../runtime/run-scope.js';
import { DURATION, STATE_REF, stateObject } from '../schema-parts.js';
import {
  readsRanSteps,
  type DryRunExit,
  type DryRunScope,
  type DryRunStep,
  type GraphNode,
  type JsonSchema,
  type PlannedCall,
} from '../tooling.js';
import type { CallStateDefinition } from './call-definition.js';

/** The operation name a call is listed under in plans and playbook tests. */
export const CALL_OPERATION = 'playbook.call';

function target(def: CallStateDefinition): string {
  return def.version ? `${def.playbook}@${def.version.slice(0, 12)}` : def.playbook;
}

export function graphCall(def: CallStateDefinition): GraphNode {
  const timeout = def.timeoutMs === undefined ? '' : `, timeout ${formatDurationMs(def.timeoutMs)}`;
  return {
    edges: [
      { to: def.next, label: 'sub-run resolved' },
      { to: def.onFailure ?? FAILED_STATE, label: `sub-run failed or cancelled${timeout}` },
    ],
    note: `call ${target(def)}`,
    classes: ['call'],
  };
}

/**
 * A dry run does not run the called playbook: the call is listed like a connector call (the
 * rendered inputs, operation `playbook.call`, connector = the called playbook's id) and its
 * outcome is scripted like a connector's reply — `result` is the outputs the parent keeps,
 * `error` a sub-run that did not resolve. `cordon plan` on the called playbook shows its own.
 */
export function dryRunCall(def: CallStateDefinition, scope: DryRunScope): DryRunStep {
  const inputs: Record<string, unknown> = {};
  const unresolved: string[] = [];
  let reason: string | undefined;
  for (const [key, value] of Object.entries(def.inputs)) {
    const r = renderValue(value, runScope(scope.context));
    if (r.ok) inputs[key] = r.value;
    else {
      inputs[key] = value;
      unresolved.push(key);
      reason ??= r.reason;
    }
  }
  // What the incident alone cannot render is decided when the step runs (it reads a step
  // result); anything else the runner refuses, and the call fails (call-runtime.ts).
  const refused =
    unresolved.length > 0 &&
    !(scope.known === 'incident' && readsRanSteps(def.inputs, unresolved, scope.context.steps));
  const call: PlannedCall = {
    state: scope.name,
    connector: target(def),
    operation: CALL_OPERATION,
    inputs,
    unresolved,
    automatic: false,
    mutating: false,
    callee: { playbook: def.playbook, ...(def.version ? { version: def.version } : {}) },
    ...(refused
      ? {
          refused: {
            code: 'CORDON_ERR_RUN_CALL',
            message: `State "${scope.name}": the call inputs do not render: ${reason ?? 'a template reads nothing'}.`,
          },
        }
      : {}),
  };
  const child = `dry-run-${scope.name}`;
  const resolved = (input: { result?: unknown }): RunEvent => ({
    type: 'call.ended',
    state: scope.name,
    child,
    outcome: 'resolved',
    outputs: isMapping(input.result) ? input.result : {},
  });
  const failed = (input: { error?: { code: string; message: string } }): RunEvent => ({
    type: 'call.ended',
    state: scope.name,
    child,
    outcome: 'failed',
    error: input.error ?? { code: 'CORDON_ERR_RUN_CALL', message: 'the sub-run failed' },
  });
  const exits: DryRunExit[] = [
    ...(refused
      ? []
      : [{ label: 'succeeded', to: def.next, trigger: 'reply' as const, event: resolved }]),
    { label: 'failed', to: def.onFailure ?? FAILED_STATE, trigger: 'reply', event: failed },
  ];
  if (def.timeoutMs !== undefined && !refused)
    exits.push({ label: 'timeout', to: def.onFailure ?? FAILED_STATE, trigger: 'clock' });
  return { call, exits };
}

export const callSchema: JsonSchema = stateObject(
  'call',
  'Runs another playbook as a sub-run (its own run, with parent set) and rests until it ends.',
  {
    call: {
      type: 'object',
      required: ['playbook'],
      properties: {
        playbook: {
          type: 'string',
          pattern: '^[a-z][a-z0-9-]{0,62}$',
          description: 'The id of the playbook to run.',
        },
        version: {
          type: 'string',
          pattern: '^[0-9a-f]{64}$',
          description: 'Pin a version (its hash, as GET /v1/playbooks lists it); default: current.',
        },
        inputs: {
          type: 'object',
          description:
            'What the called playbook reads as run.inputs.<name>; values may hold {{ templates }}.',
        },
        outputs: {
          type: 'object',
          description:
            'What this run keeps in steps.<state>.result.<name>: {{ templates }} over the sub-run (incident, run with outcome, steps).',
        },
        timeout: {
          ...DURATION,
          description: 'Cancel the sub-run and take on_failure when it has not ended by then.',
        },
      },
      additionalProperties: false,
    },
    next: STATE_REF,
    on_failure: STATE_REF,
  },
  ['next'],
);
