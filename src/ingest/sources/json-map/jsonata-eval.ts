import jsonata from 'jsonata';
import { isJsonObject } from '../../normalizers/json-values.js';

/**
 * Bounds on JSONata evaluation. JSONata can loop (recursive functions, huge ranges), and its
 * evaluate() is async but CPU-bound: a timer could not interrupt it. jsonata's own guardrails
 * run on every evaluation step instead (a time limit, a call-depth limit, a sequence-length
 * limit), each failing that evaluation with an error we report on the item.
 */
export const JSONATA_LIMITS = {
  /** Per evaluation (one item). */
  timeoutMs: 250,
  /** Per body: a large batch of slow items stops here rather than holding the request. */
  bodyBudgetMs: 2_000,
  stack: 300,
  sequence: 100_000,
} as const;

/** Compiles with the guardrails on; throws jsonata's syntax error (`{code, position, message}`). */
export function compileBounded(source: string): jsonata.Expression {
  return jsonata(source, {
    timeout: JSONATA_LIMITS.timeoutMs,
    stack: JSONATA_LIMITS.stack,
    sequence: JSONATA_LIMITS.sequence,
  });
}

export type Evaluated =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** Time left for one body's evaluations (the clock only bounds work; no event reads it). */
export class EvaluationBudget {
  readonly #deadline: number;
  constructor(private readonly clock: () => number = Date.now) {
    this.#deadline = clock() + JSONATA_LIMITS.bodyBudgetMs;
  }
  get spent(): boolean {
    return this.clock() >= this.#deadline;
  }
}

/**
 * Runs the expression on one input. `$now()` and `$millis()` give the receipt time, not the
 * wall clock, so mapping the same delivery twice gives the same events.
 */
export async function evaluateBounded(
  expression: jsonata.Expression,
  input: unknown,
  now: number,
  budget: EvaluationBudget,
): Promise<Evaluated> {
  if (budget.spent)
    return {
      ok: false,
      reason: `was not mapped: the JSONata time budget for one body (${JSONATA_LIMITS.bodyBudgetMs} ms) is used up. Simplify the expression or send smaller batches.`,
    };
  try {
    const value: unknown = await expression.evaluate(input, {
      now: () => new Date(now).toISOString(),
      millis: () => now,
    });
    return { ok: true, value };
  } catch (error) {
    return { ok: false, reason: describeEvaluationError(error) };
  }
}

function describeEvaluationError(error: unknown): string {
  const e = isJsonObject(error) || error instanceof Error ? (error as Record<string, unknown>) : {};
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'D1012')
    return `was not mapped: the JSONata expression ran longer than ${JSONATA_LIMITS.timeoutMs} ms on it (a loop?). Simplify the expression.`;
  if (code === 'D1011' || error instanceof RangeError)
    return `was not mapped: the JSONata expression nested deeper than ${JSONATA_LIMITS.stack} calls on it. Check for unbounded recursion.`;
  if (code === 'D2015')
    return `was not mapped: the JSONata expression built a sequence longer than ${JSONATA_LIMITS.sequence} items on it.`;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const position = typeof e.position === 'number' ? ` at position ${e.position}` : '';
  return `was not mapped: the JSONata expression failed${position}: ${message}${code !== undefined ? ` (${code})` : ''}.`;
}
