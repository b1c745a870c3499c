import { OPERATIONS, checkInputValue, type InputSpec } from '../../../actions/operations.js';
import { SEVERITIES } from '../../../ingest/canonical-event.js';
import { formatDurationMs } from '../../../shared/duration.js';
import type { RunEvent } from '../../definition/compile-playbook.js';
import { FAILED_STATE } from '../../definition/failed-state.js';
import { renderValue } from '../../template.js';
import { runScope } from '../../runtime/run-scope.js';
import { DURATION, STATE_REF, stateObject } from '../schema-parts.js';
import {
  readsRanSteps,
  type DryRunScope,
  type DryRunStep,
  type GraphInput,
  type GraphNode,
  type JsonSchema,
  type PlannedCall,
} from '../tooling.js';
import type { ActionStateDefinition } from './action-definition.js';
import { prepareAction } from './action-runtime.js';

export function graphAction(def: ActionStateDefinition, input: GraphInput): GraphNode {
  const mutating = input.operation(def.operation)?.mutating === true;
  return {
    edges: [
      { to: def.next, label: 'succeeded' },
      {
        to: def.onFailure ?? FAILED_STATE,
        label: `failed (${def.retry.attempts} attempt${def.retry.attempts === 1 ? '' : 's'}, timeout ${formatDurationMs(def.timeoutMs)})`,
      },
    ],
    note: `${def.operation} on ${def.connector}${def.via ? ` (via ${def.via})` : ''}${undoNote(def)}`,
    classes: mutating ? [def.automatic ? 'automatic' : 'mutation'] : [],
  };
}

/** `, undo ratelimit.clear, expires 1h, undone on reject` (empty without an undo). */
export function undoNote(def: ActionStateDefinition): string {
  if (!def.undo) return '';
  const expires = def.expiresMs ? `, expires ${formatDurationMs(def.expiresMs)}` : '';
  return `, undo ${def.undo}${expires}${def.undoOnReject ? ', undone on reject' : ''}`;
}

function plannedUndo(def: ActionStateDefinition): Pick<PlannedCall, 'undo'> {
  if (!def.undo) return {};
  return {
    undo: {
      operation: def.undo,
      ...(def.expiresMs ? { expiresMs: def.expiresMs } : {}),
      ...(def.undoOnReject ? { onReject: true } : {}),
    },
  };
}

/**
 * The call the runner would queue, rendered by the runner's own `prepareAction`. When only the
 * incident is known (plan), inputs that read steps.* keep their template text.
 */
export function dryRunAction(def: ActionStateDefinition, scope: DryRunScope): DryRunStep {
  const mutating = OPERATIONS[def.operation]?.mutating === true;
  let call: PlannedCall;
  const prepared = prepareAction(def, scope.context, scope.name);
  if (prepared.ok) {
    call = {
      state: scope.name,
      connector: def.connector,
      ...(def.via ? { via: def.via } : {}),
      operation: def.operation,
      inputs: prepared.gated.inputs,
      unresolved: [],
      automatic: def.automatic,
      mutating,
      ...plannedUndo(def),
    };
  } else {
    const inputs: Record<string, unknown> = {};
    const unresolved: string[] = [];
    for (const [key, value] of Object.entries(def.inputs)) {
      const r = renderValue(value, runScope(scope.context));
      if (r.ok) inputs[key] = r.value;
      else {
        inputs[key] = value;
        unresolved.push(key);
      }
    }
    // What the incident alone cannot render is decided when the step runs; anything else the
    // runner refuses, and the step fails.
    // An input that rendered and is invalid fails the step whatever the step results say.
    const spec = OPERATIONS[def.operation];
    const renderedInvalid = Object.entries(inputs).some(
      ([key, v]) =>
        !unresolved.includes(key) &&
        spec?.inputs[key] !== undefined &&
        checkInputValue(spec.inputs[key], v) !== undefined,
    );
    const decidedLater =
      scope.known === 'incident' &&
      !renderedInvalid &&
      readsRanSteps(def.inputs, unresolved, scope.context.steps);
    call = {
      state: scope.name,
      connector: def.connector,
      ...(def.via ? { via: def.via } : {}),
      operation: def.operation,
      inputs,
      unresolved,
      automatic: def.automatic,
      mutating,
      ...plannedUndo(def),
      ...(decidedLater
        ? {}
        : { refused: { code: 'CORDON_ERR_ACTION_INPUT', message: prepared.reason } }),
    };
  }
  const succeeded = (input: { result?: unknown }): RunEvent => ({
    type: 'action.succeeded',
    state: scope.name,
    result: input.result ?? null,
    attempts: 1,
  });
  const failed = (input: { error?: { code: string; message: string } }): RunEvent => ({
    type: 'action.failed',
    state: scope.name,
    error: input.error ?? { code: 'CORDON_ERR_ACTION_FAILED', message: 'the action failed' },
    attempts: def.retry.attempts,
  });
  return {
    call,
    exits: [
      ...(call.refused
        ? []
        : [{ label: 'succeeded', to: def.next, trigger: 'reply' as const, event: succeeded }]),
      { label: 'failed', to: def.onFailure ?? FAILED_STATE, trigger: 'reply', event: failed },
    ],
  };
}

const INPUT_SCHEMA: Readonly<Record<InputSpec['type'], JsonSchema>> = {
  string: { type: ['string', 'number', 'boolean'] },
  text: { type: ['string', 'number', 'boolean'] },
  duration: DURATION,
  rate: { type: 'string', description: 'A rate: a number per s, m, h or d, e.g. 10/m.' },
  severity: { enum: [...SEVERITIES] },
  json: { description: 'Any JSON value (a request body, Slack blocks, an Adaptive Card).' },
};

/** `with:` per operation, generated from the operation catalogue (src/actions/operations.ts). */
function withFor(name: string): JsonSchema {
  const op = OPERATIONS[name];
  if (!op) return { type: 'object' };
  const properties: Record<string, JsonSchema> = {
    connector: { type: 'string', description: 'The connector (connectors/) to act on.' },
  };
  for (const [key, spec] of Object.entries(op.inputs)) {
    const base = INPUT_SCHEMA[spec.type];
    // A {{ template }} or a ${{ computed }} value is checked by the validator and again when
    // rendered, so any string holding one is accepted where one may stand.
    properties[key] = {
      description: spec.description,
      anyOf: [base, { type: 'string', pattern: '\\{\\{' }],
    };
  }
  return {
    type: 'object',
    properties,
    required: Object.entries(op.inputs)
      .filter(([, s]) => s.required)
      .map(([k]) => k),
    additionalProperties: false,
  };
}

export const actionSchema: JsonSchema = stateObject(
  'action',
  'Runs one operation on a connector (queued, retried, with a timeout).',
  {
    action: { enum: Object.keys(OPERATIONS), description: 'The operation to run.' },
    with: {
      type: 'object',
      description:
        'The connector and the inputs; values may hold {{ templates }} or be one computed value, ${{ <CEL> }}.',
    },
    undo: {
      description:
        "The operation that reverses this one: its name (run with this step's own inputs), or { action, with } with inputs of its own.",
      anyOf: [
        { enum: Object.keys(OPERATIONS) },
        {
          type: 'object',
          required: ['action'],
          properties: {
            action: { enum: Object.keys(OPERATIONS) },
            with: {
              type: 'object',
              description:
                "The undo's inputs; values may hold {{ templates }}, steps.<this state> included.",
            },
          },
          additionalProperties: false,
        },
      ],
    },
    expires: {
      ...DURATION,
      description: 'Undo this step automatically this long after it took effect (needs undo).',
    },
    undo_on_reject: {
      type: 'boolean',
      description: 'Undo this step when a later approval of the run is rejected (needs undo).',
    },
    retry: {
      type: 'object',
      properties: {
        attempts: { type: 'integer', minimum: 1, maximum: 100 },
        backoff: { enum: ['fixed', 'exponential'] },
        delay: DURATION,
      },
      additionalProperties: false,
    },
    timeout: DURATION,
    automatic: { type: 'boolean', description: 'Runs without an approval although it mutates.' },
    next: STATE_REF,
    on_failure: STATE_REF,
  },
  ['next'],
  {
    dependentRequired: { expires: ['undo'], undo_on_reject: ['undo'] },
    allOf: Object.keys(OPERATIONS).map((name) => ({
      if: { properties: { action: { const: name } }, required: ['action'] },
      then: { properties: { with: withFor(name) } },
    })),
  },
);
