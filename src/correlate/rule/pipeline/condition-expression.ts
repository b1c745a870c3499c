/**
 * pySigma's condition expressions (`rule_cond_expr`, `field_name_cond_expr`,
 * `detection_item_cond_expr`): `and`, `or`, `not` and parentheses over the names of an item's
 * conditions, `not` binding tightest and `or` loosest. A leaf is the index of the named
 * condition, so an expression is decided on the list of the conditions' results.
 */
export type CondExpr =
  | { readonly kind: 'leaf'; readonly index: number }
  | { readonly kind: 'not'; readonly operand: CondExpr }
  | { readonly kind: 'and' | 'or'; readonly left: CondExpr; readonly right: CondExpr };

export type ParsedExpr =
  | { readonly ok: true; readonly expr: CondExpr }
  | { readonly ok: false; readonly offset: number; readonly problem: string };

/** Parses `text` against the condition names, in their order (a leaf's index is its name's). */
export function parseCondExpr(text: string, names: readonly string[]): ParsedExpr {
  const tokens: { readonly text: string; readonly at: number }[] = [];
  for (const m of text.matchAll(/[()]|[A-Za-z0-9_-]+|\S/g))
    tokens.push({ text: m[0], at: m.index });
  let i = 0;
  const fail = (problem: string): ParsedExpr => ({
    ok: false,
    offset: tokens[i]?.at ?? text.length,
    problem,
  });
  // Keywords are lower case, as pySigma's grammar has them.
  const peek = (): string | undefined => tokens[i]?.text;

  const primary = (): ParsedExpr => {
    const t = tokens[i];
    if (!t) return fail('ends where a condition name or "(" should be');
    if (t.text === '(') {
      i += 1;
      const inner = or();
      if (!inner.ok) return inner;
      if (tokens[i]?.text !== ')') return fail('has a "(" that is never closed');
      i += 1;
      return inner;
    }
    const word = t.text;
    if (word === 'not') {
      i += 1;
      const operand = primary();
      return operand.ok ? { ok: true, expr: { kind: 'not', operand: operand.expr } } : operand;
    }
    const index = names.indexOf(t.text);
    if (index < 0 || word === 'and' || word === 'or')
      return fail(
        /^[A-Za-z0-9_-]+$/.test(t.text) && word !== 'and' && word !== 'or'
          ? `names "${t.text}", which is not one of its conditions (${names.join(', ')})`
          : `has "${t.text}" where a condition name should be`,
      );
    i += 1;
    return { ok: true, expr: { kind: 'leaf', index } };
  };
  const binary = (op: 'and' | 'or', operand: () => ParsedExpr) => (): ParsedExpr => {
    let left = operand();
    while (left.ok && peek() === op) {
      i += 1;
      const right = operand();
      if (!right.ok) return right;
      left = { ok: true, expr: { kind: op, left: left.expr, right: right.expr } };
    }
    return left;
  };
  const and = binary('and', primary);
  const or = binary('or', and);

  const parsed = or();
  if (!parsed.ok) return parsed;
  if (i < tokens.length) return fail(`has "${tokens[i]?.text}" after a complete expression`);
  return parsed;
}

/** The expression's value for the conditions' results. */
export function evaluateCondExpr(expr: CondExpr, results: readonly boolean[]): boolean {
  switch (expr.kind) {
    case 'leaf':
      return results[expr.index] === true;
    case 'not':
      return !evaluateCondExpr(expr.operand, results);
    case 'and':
      return evaluateCondExpr(expr.left, results) && evaluateCondExpr(expr.right, results);
    case 'or':
      return evaluateCondExpr(expr.left, results) || evaluateCondExpr(expr.right, results);
  }
}

/** The indexes of the conditions an expression uses. */
export function leaves(expr: CondExpr): number[] {
  switch (expr.kind) {
    case 'leaf':
      return [expr.index];
    case 'not':
      return leaves(expr.operand);
    case 'and':
    case 'or':
      return [...leaves(expr.left), ...leaves(expr.right)];
  }
}
