import { parseDuration } from '../../../shared/duration.js';
import { CordonError } from '../../../shared/errors.js';
import type { LimiterStore } from '../../../store/limiter-store.js';
import { parseRate, type Rate } from '../../rate.js';
import { defineConnectorType, text, type ConnectorOperation } from '../connector-type.js';
import { KEY_BLOCK, KEY_UNBLOCK, RATELIMIT_CLEAR, RATELIMIT_SET } from '../contracts.js';

const ATOMIC =
  'The limit and its ledger entry are written by one Lua script; a retry returns the first result.';
const BLOCK: Rate = { mode: 'block', count: 0, windowMs: 0 };

function store(limiter: LimiterStore | undefined): LimiterStore {
  if (!limiter)
    throw new CordonError(
      'CORDON_ERR_ACTION_CONNECTOR',
      'The built-in limiter is not available in this process.',
    );
  return limiter;
}

/** The operations that set a limit, whose effect a clear run as their undo takes back. */
const SETS: ReadonlySet<string> = new Set(['ratelimit.set', 'key.block']);

/**
 * `ratelimit.clear` and `key.unblock`. Run as the undo of a limit this limiter set on the same
 * key (`ctx.undoOf`), they take back that effect's limit only, so the limits it went over
 * (another run's containment) are in force again and one set over it since stays; run as a
 * step of their own, they lift every limit on the key.
 */
const clear: ConnectorOperation<LimiterStore> = {
  contract: RATELIMIT_CLEAR,
  idempotency: ATOMIC,
  ledger: 'atomic',
  run: (inputs, ctx, limiter) => {
    const key = text(inputs.key);
    const undoOf = ctx.undoOf;
    if (undoOf && SETS.has(undoOf.operation) && text(undoOf.inputs.key) === key)
      return limiter.undo(
        ctx.effectKey,
        key,
        undoOf.effectKey,
        ctx.runId,
        text(inputs.reason),
        ctx.now,
        ctx.connector,
      );
    return limiter.clear(
      ctx.effectKey,
      key,
      ctx.runId,
      text(inputs.reason),
      ctx.now,
      ctx.connector,
    );
  },
};

/**
 * Cordon's own limiter: gateways ask GET /v1/limiter/check per request (nginx auth_request,
 * Envoy ext_authz), so a limit set here takes effect on the next request.
 */
export const builtinLimiter = defineConnectorType<LimiterStore>({
  type: 'builtin-limiter',
  description: 'Built-in rate limiter that gateways consult per request.',
  http: false,
  create: (_instance, deps) => store(deps.limiter),
  operations: {
    'ratelimit.set': {
      contract: RATELIMIT_SET,
      idempotency: ATOMIC,
      ledger: 'atomic',
      undoes:
        'ratelimit.clear as its undo takes back this limit only: the limits it went over (another run’s) are in force again; an explicit ratelimit.clear lifts every limit on the key.',
      run: (inputs, ctx, limiter) => {
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
        return limiter.set(
          ctx.effectKey,
          text(inputs.key),
          rate.rate,
          expiresAt,
          ctx.runId,
          text(inputs.reason),
          ctx.now,
          ctx.connector,
        );
      },
    },
    'ratelimit.clear': clear,
    'key.block': {
      contract: KEY_BLOCK,
      idempotency: ATOMIC,
      ledger: 'atomic',
      undoes:
        'key.unblock as its undo takes back this block only: the limits it went over (another run’s) are in force again; an explicit key.unblock lifts every limit on the key.',
      run: (inputs, ctx, limiter) =>
        limiter.set(
          ctx.effectKey,
          text(inputs.key),
          BLOCK,
          0,
          ctx.runId,
          text(inputs.reason),
          ctx.now,
          ctx.connector,
        ),
    },
    'key.unblock': { ...clear, contract: KEY_UNBLOCK },
  },
});
