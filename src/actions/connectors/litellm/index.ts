import { CordonError } from '../../../shared/errors.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { parseRate } from '../../rate.js';
import {
  defineConnectorType,
  text,
  type OperationContext,
  type UndoOf,
} from '../connector-type.js';
import { KEY_BLOCK, KEY_UNBLOCK, RATELIMIT_CLEAR, RATELIMIT_SET } from '../contracts.js';

interface KeyInfo {
  readonly blocked: boolean;
  readonly rpm_limit: number | null;
  readonly tpm_limit: number | null;
}

/**
 * The key is the token hash (SHA-256 hex of the sk- key), never the raw key: the hash keeps
 * secrets out of /key/info query strings and 404 messages that echo the value.
 */
function checkHash(key: unknown): string {
  const k = text(key);
  if (k.startsWith('sk-'))
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      "LiteLLM connectors take the key's token hash (as spend logs and /key/list show it), not the raw sk- key; pass the hash so the key itself never travels in requests or logs.",
    );
  return k;
}

function changedBy(ctx: OperationContext): Record<string, string> {
  return { 'litellm-changed-by': `cordon/${ctx.runId}` };
}

async function keyInfo(
  client: OutboundClient,
  key: string,
  ctx: OperationContext,
): Promise<KeyInfo> {
  const res = await client.request(
    { method: 'GET', path: '/key/info', query: { key }, idempotent: true },
    ctx.signal,
  );
  const info = (res.body as { info?: Record<string, unknown> } | undefined)?.info;
  if (!info)
    throw outboundError(
      'CORDON_ERR_ACTION_RESPONSE',
      `Connector "${client.instance.name}": LiteLLM /key/info answered without "info".`,
      res.status,
    );
  const n = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    blocked: info.blocked === true,
    rpm_limit: n(info.rpm_limit),
    tpm_limit: n(info.tpm_limit),
  };
}

async function setBlocked(
  client: OutboundClient,
  key: string,
  blocked: boolean,
  ctx: OperationContext,
): Promise<{ key: string; blocked: boolean; propagating: true }> {
  await client.request(
    {
      method: 'POST',
      path: blocked ? '/key/block' : '/key/unblock',
      headers: changedBy(ctx),
      json: { key },
      idempotent: true,
    },
    ctx.signal,
  );
  // Proxies cache key objects: confirm the stored state; other instances follow within their cache TTL.
  const info = await keyInfo(client, key, ctx);
  if (info.blocked !== blocked)
    throw outboundError(
      'CORDON_ERR_ACTION_UNAVAILABLE',
      `Connector "${client.instance.name}": LiteLLM accepted ${blocked ? 'block' : 'unblock'} but /key/info still says blocked=${String(info.blocked)}; retrying.`,
    );
  return { key, blocked, propagating: true };
}

async function updateLimits(
  client: OutboundClient,
  key: string,
  limits: { rpm_limit: number | null; tpm_limit?: number | null },
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    {
      method: 'POST',
      path: '/key/update',
      headers: changedBy(ctx),
      json: { key, ...limits },
      idempotent: true,
    },
    ctx.signal,
  );
}

/**
 * LiteLLM proxy key management: block/unblock a virtual key and lower its rpm limit, keeping
 * the previous limits with the effect so the undo restores them exactly (null included).
 */
export const litellm = defineConnectorType<OutboundClient>({
  type: 'litellm-proxy',
  description: 'LiteLLM proxy (virtual keys).',
  http: true,
  urlRequired: true,
  exampleUrl: 'http://litellm:4000',
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'key.block': {
      contract: KEY_BLOCK,
      idempotency: 'Blocking a blocked key is not an error; the state is confirmed with /key/info.',
      ledger: 'journal',
      holds: { family: 'key', role: 'hold' },
      undoes: 'key.unblock unblocks it, unless it was blocked before.',
      run: async (inputs, ctx, client) => {
        const key = checkHash(inputs.key);
        // Kept with the effect: the undo leaves a key blocked that was blocked before.
        const wasBlocked = await ctx.memo.remember(
          'wasBlocked',
          async () => (await keyInfo(client, key, ctx)).blocked === true,
        );
        return { ...(await setBlocked(client, key, true, ctx)), wasBlocked };
      },
      undo: (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as { key?: unknown; wasBlocked?: unknown };
        return r.wasBlocked === true
          ? Promise.resolve({ key: r.key, blocked: true, keptBlocked: true })
          : setBlocked(client, checkHash(r.key), false, ctx);
      },
    },
    'key.unblock': {
      contract: KEY_UNBLOCK,
      idempotency: 'Unblocking an unblocked key is not an error.',
      ledger: 'journal',
      holds: { family: 'key', role: 'release' },
      run: (inputs, ctx, client) => setBlocked(client, checkHash(inputs.key), false, ctx),
    },
    'ratelimit.set': {
      contract: RATELIMIT_SET,
      idempotency:
        'The limits before are read once and kept with the effect; /key/update with the same body gives the same state.',
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'hold', reapply: true },
      undoes: 'ratelimit.clear restores the rpm/tpm limits it replaced (null = none).',
      run: async (inputs, ctx, client) => {
        const key = checkHash(inputs.key);
        const rate = parseRate(inputs.limit);
        if (!rate.ok)
          throw new CordonError('CORDON_ERR_ACTION_INPUT', `ratelimit.set limit ${rate.reason}.`);
        if (rate.rate.mode === 'block' || rate.rate.windowMs !== 60_000)
          throw new CordonError(
            'CORDON_ERR_ACTION_INPUT',
            `LiteLLM limits requests per minute (rpm_limit); write e.g. "10/m"${rate.rate.mode === 'block' ? ', or use key.block' : ''}.`,
          );
        const before = await ctx.memo.remember('replaced', async () => {
          const info = await keyInfo(client, key, ctx);
          return { rpm_limit: info.rpm_limit, tpm_limit: info.tpm_limit };
        });
        await updateLimits(client, key, { rpm_limit: rate.rate.count }, ctx);
        return { key, rpmLimit: rate.rate.count, replaced: before };
      },
      undo: async (undoOf, ctx, client) => {
        const r = undoOf.result as {
          key: string;
          replaced: { rpm_limit: number | null; tpm_limit: number | null };
        };
        await updateLimits(client, checkHash(r.key), r.replaced, ctx);
        return { key: r.key, restored: r.replaced };
      },
    },
    'ratelimit.clear': {
      contract: RATELIMIT_CLEAR,
      idempotency: 'Sets rpm_limit to null (no limit); repeating changes nothing.',
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'release' },
      run: async (inputs, ctx, client) => {
        const key = checkHash(inputs.key);
        await updateLimits(client, key, { rpm_limit: null }, ctx);
        return { key, rpmLimit: null };
      },
    },
  },
});
