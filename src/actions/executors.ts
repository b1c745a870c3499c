import { parseDuration } from '../shared/duration.js';
import { CordonError } from '../shared/errors.js';
import { deterministicId } from '../shared/hash.js';
import type { CaseStore } from '../store/case-store.js';
import type { LimiterStore } from '../store/limiter-store.js';
import { parseRate } from './operations.js';

export interface ActionContext {
  /** Idempotency key of this side effect; the same key never acts twice. */
  readonly effectKey: string;
  readonly runId: string;
  readonly incidentId: string;
  readonly now: number;
  readonly signal: AbortSignal;
  /**
   * Set when this call takes back an earlier effect (a playbook `undo`): that effect's key,
   * operation, inputs and result, so the connector can restore what the original replaced.
   */
  readonly undoOf?: {
    readonly effectKey: string;
    readonly operation: string;
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly result: unknown;
  };
}

export type Executor = (
  inputs: Readonly<Record<string, unknown>>,
  ctx: ActionContext,
) => Promise<unknown>;

/** Implementations by connector type, then operation. */
export type ExecutorTable = Readonly<Record<string, Readonly<Record<string, Executor>>>>;

/**
 * The built-in connectors. Both record the effect in the effects ledger atomically with the
 * effect itself (one Lua script), so a retry or crash-resume returns the first result.
 */
export function builtinExecutors(deps: { limiter: LimiterStore; cases: CaseStore }): ExecutorTable {
  return {
    'builtin-limiter': {
      'ratelimit.set': async (inputs, ctx) => {
        const rate = parseRate(inputs.limit);
        if (!rate.ok)
          throw new CordonError('CORDON_ERR_ACTION_INPUT', `ratelimit.set limit ${rate.reason}.`);
        let expiresAt = 0;
        if (inputs.expires !== undefined) {
          const d = parseDuration(inputs.expires);
          if (!d.ok)
            throw new CordonError('CORDON_ERR_ACTION_INPUT', `ratelimit.set expires ${d.reason}.`);
          expiresAt = ctx.now + d.ms;
        }
        return deps.limiter.set(
          ctx.effectKey,
          text(inputs.key),
          rate.rate,
          expiresAt,
          ctx.runId,
          text(inputs.reason),
          ctx.now,
        );
      },
      'ratelimit.clear': (inputs, ctx) =>
        deps.limiter.clear(
          ctx.effectKey,
          text(inputs.key),
          ctx.runId,
          text(inputs.reason),
          ctx.now,
        ),
    },
    'builtin-cases': {
      'ticket.open': (inputs, ctx) => {
        const dedupe = text(inputs.dedupe);
        const caseId = deterministicId('case', dedupe || ctx.effectKey);
        return deps.cases.open(
          ctx.effectKey,
          caseId,
          dedupe,
          {
            summary: text(inputs.summary),
            description: text(inputs.description),
            severity: text(inputs.severity) || 'medium',
            openedBy: ctx.runId,
            incidentId: ctx.incidentId,
          },
          ctx.now,
        );
      },
    },
  };
}

/** Inputs were validated as scalars; this renders one as text ('' when absent). */
function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}
