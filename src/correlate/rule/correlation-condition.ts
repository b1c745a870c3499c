import { describe } from '../../shared/duration.js';
import { checkKeys, isMapping } from '../../shared/shape.js';
import type { RuleContext } from './context.js';
import { quoteList } from './context.js';
import type { CorrelationType } from './parse-correlation.js';

/**
 * The threshold of a correlation (`condition: { gt: 100 }`). Sigma allows one comparison or a
 * lower/upper pair. This version fires eagerly — at the event that crosses the threshold — so it
 * runs event_count with a single gt or gte only; the other forms can only be decided when the
 * window closes and are reported as not implemented yet.
 */

const THRESHOLD_OPS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
type ThresholdOp = (typeof THRESHOLD_OPS)[number];

export function parseThreshold(
  ctx: RuleContext,
  type: CorrelationType | undefined,
  value: unknown,
): { op: 'gt' | 'gte'; value: number } | undefined {
  const path = ['correlation', 'condition'];
  const temporal = type === 'temporal' || type === 'temporal_ordered';
  if (value === undefined || value === null) {
    if (!temporal) {
      ctx.sink.error(
        ['correlation'],
        'CORDON_ERR_DEFINITION_REQUIRED',
        `${ctx.subject} correlation is missing required key "condition". Add e.g. "condition: { gte: 10 }".`,
      );
    }
    return undefined;
  }
  // Sigma v2.2 drafts a boolean condition over rule names for temporal types; accept its shape.
  if (temporal && typeof value === 'string') return undefined;
  if (!isMapping(value)) {
    ctx.sink.error(
      path,
      'CORDON_ERR_YAML_NOT_MAPPING',
      `${ctx.subject} condition must be a mapping such as { gte: 10 }; got ${describe(value)}. Rewrite it as a mapping.`,
    );
    return undefined;
  }
  const extra =
    type === 'value_percentile'
      ? ['field', 'percentile']
      : type?.startsWith('value_')
        ? ['field']
        : [];
  checkKeys(ctx.sink, path, value, `${ctx.subject} condition`, {
    optional: [...THRESHOLD_OPS, ...extra],
  });
  const ops = THRESHOLD_OPS.filter((op) => value[op] !== undefined);
  const counts = type === 'event_count' || type === 'value_count' || temporal;
  for (const op of ops) {
    const n = value[op];
    const valid =
      typeof n === 'number' && Number.isFinite(n) && n >= 0 && (!counts || Number.isInteger(n));
    if (!valid) {
      ctx.sink.error(
        [...path, op],
        'CORDON_ERR_DEFINITION_VALUE',
        `${ctx.subject} condition ${op} must be a non-negative ${counts ? 'integer' : 'number'}; got ${describe(n)}. Write e.g. "${op}: 100".`,
      );
      return undefined;
    }
  }
  if (ops.length === 0) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_REQUIRED',
      `${ctx.subject} condition needs one of ${THRESHOLD_OPS.join(', ')}; got none. Add e.g. "gte: 10".`,
    );
    return undefined;
  }
  const [first, second] = ops;
  if (ops.length > 2 || (second !== undefined && !isRange(first, second))) {
    ctx.sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${ctx.subject} condition must be one comparison, or a range of one lower (gt/gte) and one upper (lt/lte) bound; got ${quoteList(ops, 'and')}. Keep one comparison or a lower/upper pair.`,
    );
    return undefined;
  }
  if (type !== 'event_count') return undefined; // the type itself is reported as unsupported
  if (second === undefined && (first === 'gt' || first === 'gte')) {
    return { op: first, value: value[first] as number };
  }
  const written = ops.map((op) => `${op}: ${String(value[op])}`).join(', ');
  ctx.sink.error(
    path,
    'CORDON_ERR_RULE_UNSUPPORTED',
    `${ctx.subject} condition ${second === undefined ? `"${first ?? ''}"` : 'range'} can only be decided when the window closes (on-close firing), which arrives with the full correlation engine; got { ${written} }. Use a single gt or gte for now.`,
  );
  return undefined;
}

function isRange(a: ThresholdOp | undefined, b: ThresholdOp): boolean {
  const lower = (op: ThresholdOp | undefined): boolean => op === 'gt' || op === 'gte';
  const upper = (op: ThresholdOp | undefined): boolean => op === 'lt' || op === 'lte';
  return (lower(a) && upper(b)) || (upper(a) && lower(b));
}
