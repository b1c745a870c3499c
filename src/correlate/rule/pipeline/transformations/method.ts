import { describe } from '../../../../shared/duration.js';
import type { ItemContext } from '../types.js';

/**
 * An item's `method`, one of `methods` (`fallback` when absent), or undefined after reporting
 * another value (case, regex).
 */
export function parseMethod<M extends string>(
  ctx: ItemContext,
  item: Readonly<Record<string, unknown>>,
  methods: readonly M[],
  fallback: M,
): M | undefined {
  const method = item.method === undefined ? fallback : item.method;
  if (methods.includes(method as M)) return method as M;
  ctx.sink.error(
    [...ctx.path, 'method'],
    'CORDON_ERR_DEFINITION_VALUE',
    `${ctx.subject} method must be one of ${methods.join(', ')}; got ${describe(method)}.`,
  );
  return undefined;
}
