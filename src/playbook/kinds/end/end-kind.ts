import { describe } from '../../../shared/duration.js';
import { checkKeys } from '../../../shared/shape.js';
import type { BaseStateDefinition } from '../../definition/types.js';
import type { StateKind } from '../state-kind.js';
import { endSchema, graphEnd } from './end-tooling.js';

export type EndOutcome = 'resolved' | 'failed' | 'cancelled';

const END_OUTCOMES: readonly EndOutcome[] = ['resolved', 'failed', 'cancelled'];

export interface EndStateDefinition extends BaseStateDefinition {
  readonly kind: 'end';
  readonly outcome: EndOutcome;
}

/** `end: resolved | failed | cancelled`: a final state; the run's status is its outcome. */
export const endKind: StateKind<EndStateDefinition> = {
  key: 'end',
  resting: 'final',
  graph: graphEnd,
  dryRun: () => ({ exits: [] }),
  schema: endSchema,
  validate({ value, path, sink, label }) {
    checkKeys(sink, path, value, label, { required: ['end'], optional: ['description'] });
    if (!END_OUTCOMES.includes(value.end as EndOutcome)) {
      sink.error(
        [...path, 'end'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${label} end must be one of ${END_OUTCOMES.join(', ')}; got ${describe(value.end)}.`,
      );
      return undefined;
    }
    return { kind: 'end', outcome: value.end as EndOutcome };
  },
  edges: () => [],
  outcome: (def) => def.outcome,
  compile: (_name, def) => ({
    type: 'final',
    entry: [{ type: 'cordon.end', params: { outcome: def.outcome } }],
  }),
  actions: { 'cordon.end': () => undefined },
};
