import type { TransformationKind } from '../types.js';
import { failureMessage } from './rule-failure.js';

/**
 * `detection_item_failure`: a rule with a detection item its conditions select is skipped,
 * with the pipeline's message (e.g. a field no source of this deployment carries).
 */
export const detectionItemFailure: TransformationKind = {
  type: 'detection_item_failure',
  keys: ['message'],
  required: ['message'],
  schema: {
    message: { type: 'string', description: 'Why the rules with such an item are skipped.' },
  },
  renamesFields: false,
  detectionItems: true,
  parse(ctx, item) {
    const message = failureMessage(ctx, item, 'the rules with such a detection item');
    return message === undefined
      ? undefined
      : { kind: 'item', apply: () => ({ kind: 'fail', message }) };
  },
};
