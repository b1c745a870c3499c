import { CordonError } from '../../../shared/errors.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import {
  defineConnectorType,
  text,
  type OperationContext,
  type UndoOf,
} from '../connector-type.js';
import { KEY_BLOCK, KEY_UNBLOCK, RATELIMIT_CLEAR, RATELIMIT_SET } from '../contracts.js';
import { compileApiGatewayOptions, normalLimit, type ApiGatewayOptions } from './options.js';
import { addToPlan, plansOfKey, removeFromPlan } from './usage-plans.js';

interface BlockResult {
  readonly key: string;
  readonly enabled: false;
  /** Whether the key was enabled before (the undo only re-enables a key Cordon disabled). */
  readonly wasEnabled: boolean;
}

interface MoveResult {
  readonly key: string;
  readonly plan: string;
  /** The plans the key was in before (what the undo puts it back into). */
  readonly previousPlans: readonly string[];
}

function optionsOf(client: OutboundClient): ApiGatewayOptions {
  return (client.instance.options as ApiGatewayOptions | undefined) ?? { throttlePlans: {} };
}

function planFor(client: OutboundClient, limit: unknown): string {
  const { throttlePlans } = optionsOf(client);
  const plan = throttlePlans[normalLimit(text(limit))];
  if (plan) return plan;
  const offered = Object.keys(throttlePlans)
    .map((l) => {
      const [count, ms] = l.split('/');
      return `${count}/${Number(ms) / 1000}s`;
    })
    .join(', ');
  throw new CordonError(
    'CORDON_ERR_ACTION_INPUT',
    text(limit) === 'block'
      ? `AWS API Gateway cannot throttle to zero; use key.block on connector "${client.instance.name}", which disables the key.`
      : `Connector "${client.instance.name}" has no usage plan for limit "${text(limit)}" (options.throttle_plans offers ${offered || 'none'}). Add the limit with the id of a usage plan throttled to it.`,
  );
}

/**
 * Moves a key into `plan` alone: out of its other plans first, since API Gateway refuses a key
 * in two plans covering one API stage (the key serves no traffic between the two calls, which
 * fails closed), then into the plan. Both calls are idempotent (404 on remove, 409 on add).
 */
async function moveKey(
  client: OutboundClient,
  key: string,
  from: readonly string[],
  to: readonly string[],
  ctx: OperationContext,
): Promise<void> {
  for (const p of from) if (!to.includes(p)) await removeFromPlan(client, p, key, ctx);
  for (const p of to) await addToPlan(client, p, key, ctx);
}

const keyPath = (key: string): string => `/apikeys/${encodeURIComponent(key)}`;

async function setEnabled(
  client: OutboundClient,
  key: string,
  enabled: boolean,
  ctx: OperationContext,
): Promise<void> {
  // Patch values are always strings in API Gateway.
  const res = await client.request(
    {
      method: 'PATCH',
      path: keyPath(key),
      json: { patchOperations: [{ op: 'replace', path: '/enabled', value: String(enabled) }] },
      idempotent: true,
    },
    ctx.signal,
  );
  if ((res.body as { enabled?: unknown } | undefined)?.enabled !== enabled)
    throw outboundError(
      'CORDON_ERR_ACTION_RESPONSE',
      `Connector "${client.instance.name}": API Gateway answered without enabled=${String(enabled)} for key ${key}.`,
      res.status,
    );
}

/**
 * AWS API Gateway (REST APIs) through its SigV4-signed control plane: disable and re-enable
 * an API key, or throttle it by moving it to a usage plan made for the limit. The data plane
 * then answers 403 {"message":"Forbidden"} or 429 after some propagation.
 */
export const awsApiGateway = defineConnectorType<OutboundClient>({
  type: 'aws-apigateway',
  description: 'AWS API Gateway REST API keys and usage plans (SigV4).',
  http: true,
  urlRequired: true,
  exampleUrl: 'https://apigateway.eu-west-1.amazonaws.com',
  options: { compile: (value, sink) => compileApiGatewayOptions(value, sink) },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'ratelimit.set': {
      contract: RATELIMIT_SET,
      idempotency:
        'The plans the key is in are read once and kept with the effect before it moves; removing a key a plan no longer has (404) and adding one it has (409, read back) are success.',
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'hold', reapply: true },
      undoes:
        'ratelimit.clear moves the key out of the throttle plans and back into the plans it was in.',
      run: async (inputs, ctx, client) => {
        const key = text(inputs.key);
        const plan = planFor(client, inputs.limit);
        const previousPlans = await ctx.memo.remember('plans', () => plansOfKey(client, key, ctx));
        await moveKey(client, key, previousPlans, [plan], ctx);
        return { key, plan, previousPlans } satisfies MoveResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as MoveResult;
        // Out of every throttle plan, not only its own: the plan in force may be another run's
        // (the last of overlapping limits undone restores what the first one found).
        const throttles = Object.values(optionsOf(client).throttlePlans);
        const from = [r.plan, ...throttles.filter((p) => p !== r.plan)];
        await moveKey(client, r.key, from, r.previousPlans, ctx);
        return { key: r.key, plans: r.previousPlans };
      },
    },
    'ratelimit.clear': {
      contract: RATELIMIT_CLEAR,
      idempotency:
        'The plans the key is in are read once and kept with the effect; it leaves the throttle plans and joins options.release_plan (409 on add, read back, and 404 on remove are success).',
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'release' },
      run: async (inputs, ctx, client) => {
        const key = text(inputs.key);
        const { throttlePlans, releasePlan } = optionsOf(client);
        if (!releasePlan)
          throw new CordonError(
            'CORDON_ERR_ACTION_INPUT',
            `Connector "${client.instance.name}" cannot tell which usage plan to return key ${key} to: run ratelimit.clear as the undo of a ratelimit.set (it restores the recorded plans), or set options.release_plan.`,
          );
        const before = await ctx.memo.remember('plans', () => plansOfKey(client, key, ctx));
        const throttles = new Set(Object.values(throttlePlans));
        const kept = before.filter((p) => !throttles.has(p));
        await moveKey(client, key, before, kept.length > 0 ? kept : [releasePlan], ctx);
        return { key, plans: kept.length > 0 ? kept : [releasePlan] };
      },
    },
    'key.block': {
      contract: KEY_BLOCK,
      idempotency:
        'Reads the key\'s enabled flag once (kept with the effect), then replaces /enabled with "false": the same patch twice is the same state.',
      ledger: 'journal',
      holds: { family: 'key', role: 'hold' },
      undoes: 'key.unblock re-enables the key if it was enabled before.',
      run: async (inputs, ctx, client) => {
        const key = text(inputs.key);
        const wasEnabled = await ctx.memo.remember('wasEnabled', async () => {
          const res = await client.request(
            { method: 'GET', path: keyPath(key), idempotent: true },
            ctx.signal,
          );
          return (res.body as { enabled?: unknown } | undefined)?.enabled === true;
        });
        await setEnabled(client, key, false, ctx);
        return { key, enabled: false, wasEnabled } satisfies BlockResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as BlockResult;
        if (r.wasEnabled) await setEnabled(client, r.key, true, ctx);
        return { key: r.key, enabled: r.wasEnabled };
      },
    },
    'key.unblock': {
      contract: KEY_UNBLOCK,
      idempotency: 'Replaces /enabled with "true": the same patch twice is the same state.',
      ledger: 'journal',
      holds: { family: 'key', role: 'release' },
      run: async (inputs, ctx, client) => {
        await setEnabled(client, text(inputs.key), true, ctx);
        return { key: text(inputs.key), enabled: true };
      },
    },
  },
});
