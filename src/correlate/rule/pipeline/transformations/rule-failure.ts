import { describe } from '../../../../shared/duration.js';
import type { ItemContext, TransformationKind } from '../types.js';

/** `rule_failure`: refuses the rules its conditions select, with the pipeline's message. */
export const ruleFailure: TransformationKind = {
  type: 'rule_failure',
  keys: ['message'],
  required: ['message'],
  schema: { message: { type: 'string', description: 'Why the rules it selects are skipped.' } },
  renamesFields: false,
  parse(ctx, item) {
    const message = failureMessage(ctx, item, 'the rules it selects');
    return message === undefined ? undefined : { kind: 'failure', message };
  },
};

/** A failure's `message`, trimmed, or undefined after reporting it missing or empty. */
export function failureMessage(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  what: string,
): string | undefined {
  const message = item.message;
  if (typeof message === 'string' && message.trim() !== '') return message.trim();
  ctx.sink.error(
    [...ctx.path, 'message'],
    message === undefined ? 'CORDON_ERR_DEFINITION_REQUIRED' : 'CORDON_ERR_DEFINITION_TYPE',
    `${ctx.subject} needs "message", why ${what} are refused; got ${describe(message)}. Write e.g. "message: Windows rules need a Windows event source".`,
  );
  return undefined;
}
