import type { BooleanExpr, Condition } from '../../rule/types.js';
import { thresholdTest } from '../../engine/aggregation.js';

/**
 * The test of a temporal rule over which referenced rules were seen in a window: its boolean
 * condition (Sigma v2.2 draft: `a and b and not c`), a threshold on how many distinct rules
 * were seen (`{ gte: 2 }`, pySigma), or, by default, all of them.
 */
export function presenceTest(
  condition: Condition | undefined,
  inputs: number,
): (present: readonly boolean[]) => boolean {
  if (condition?.kind === 'boolean') return compile(condition.expr);
  if (condition?.kind === 'threshold') {
    const test = thresholdTest(condition);
    return (present) => test(present.filter(Boolean).length);
  }
  return (present) => present.length === inputs && present.every(Boolean);
}

function compile(expr: BooleanExpr): (present: readonly boolean[]) => boolean {
  switch (expr.kind) {
    case 'ref': {
      const i = expr.input;
      return (p) => p[i] === true;
    }
    case 'not': {
      const inner = compile(expr.operand);
      return (p) => !inner(p);
    }
    case 'and': {
      const parts = expr.operands.map(compile);
      return (p) => parts.every((f) => f(p));
    }
    case 'or': {
      const parts = expr.operands.map(compile);
      return (p) => parts.some((f) => f(p));
    }
  }
}

/** Input indices an expression requires to be absent (under a NOT). */
export function negatedInputs(
  expr: BooleanExpr,
  negated = false,
  out = new Set<number>(),
): Set<number> {
  switch (expr.kind) {
    case 'ref':
      if (negated) out.add(expr.input);
      break;
    case 'not':
      negatedInputs(expr.operand, !negated, out);
      break;
    default:
      for (const o of expr.operands) negatedInputs(o, negated, out);
  }
  return out;
}
