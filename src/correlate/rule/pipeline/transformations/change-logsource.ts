import { describe } from '../../../../shared/duration.js';
import type { Logsource, TransformationKind } from '../types.js';

const PARTS = ['category', 'product', 'service'] as const;

/**
 * `change_logsource`: sets the rule's category, product or service, e.g. to turn Sysmon's
 * `process_creation` into the Cordon event kind that carries those events (`alert`).
 */
export const changeLogsource: TransformationKind = {
  type: 'change_logsource',
  keys: PARTS,
  schema: Object.fromEntries(PARTS.map((p) => [p, { type: 'string', minLength: 1 }])),
  renamesFields: false,
  parse(ctx, item) {
    const set: { -readonly [K in keyof Logsource]: string } = {};
    let ok = true;
    for (const part of PARTS) {
      const value = item[part];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value === '') {
        ok = false;
        ctx.sink.error(
          [...ctx.path, part],
          'CORDON_ERR_DEFINITION_TYPE',
          `${ctx.subject} ${part} must be a non-empty string; got ${describe(value)}. Quote it or remove it.`,
        );
      } else set[part] = value;
    }
    if (ok && Object.keys(set).length === 0) {
      ctx.sink.error(
        ctx.path,
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${ctx.subject} changes nothing; got none of ${PARTS.join(', ')}. Add e.g. "category: alert".`,
      );
      return undefined;
    }
    return ok ? { kind: 'logsource', change: (from) => ({ ...from, ...set }) } : undefined;
  },
};
