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
import { ensureDenyPlugin, inGroup, joinGroup, leaveGroup } from './acl.js';
import { compileKongOptions, DEFAULT_KONG_OPTIONS, type KongOptions } from './options.js';

const ACCESS_INPUTS = {
  key: { type: 'string', required: true, description: 'The Kong consumer (username or id).' },
  reason: { type: 'text', required: false, description: 'Shown to operators and in the history.' },
} as const;

interface DenyResult {
  readonly consumer: string;
  readonly group: string;
  /** False: the consumer was in the group already, so the undo leaves it there. */
  readonly added: boolean;
  /** What happened to the service's acl plugin (`unmanaged`: no acl_service configured). */
  readonly plugin: 'created' | 'extended' | 'present' | 'unmanaged';
}

function kongOptions(client: OutboundClient): KongOptions {
  return (client.instance.options as KongOptions | undefined) ?? DEFAULT_KONG_OPTIONS;
}

/** Kong's rate-limiting windows, all sent so a restore removes windows Cordon added. */
const WINDOWS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
const UNIT_WINDOW: Readonly<Record<number, (typeof WINDOWS)[number]>> = {
  1_000: 'second',
  60_000: 'minute',
  3_600_000: 'hour',
  86_400_000: 'day',
};

interface Plugin {
  readonly id: string;
  readonly enabled: boolean;
  readonly config: Record<string, unknown>;
}

interface SetResult {
  readonly consumer: string;
  readonly pluginId: string;
  readonly created: boolean;
  /** The consumer's rate-limiting plugin before (null: it had none). */
  readonly replaced: { readonly enabled: boolean; readonly config: Record<string, unknown> } | null;
}

/**
 * A credential key.block removed; kept with the effect (its memo) and, for the first block of
 * overlapping ones, with the target's holds until the last undo (holds.ts): the key value is a
 * secret, never in a result.
 */
interface KeptCredential {
  readonly id: string;
  readonly key: string;
  readonly tags?: unknown;
  readonly ttl?: unknown;
}

const consumerPath = (c: unknown): string => `/consumers/${encodeURIComponent(text(c))}`;

async function findLimitPlugin(
  client: OutboundClient,
  consumer: unknown,
  ctx: OperationContext,
): Promise<Plugin | null> {
  const res = await client.request(
    {
      method: 'GET',
      path: `${consumerPath(consumer)}/plugins`,
      query: { size: 1000 },
      idempotent: true,
    },
    ctx.signal,
  );
  const data =
    (
      res.body as
        | { data?: { id?: unknown; name?: unknown; enabled?: unknown; config?: unknown }[] }
        | undefined
    )?.data ?? [];
  const p = data.find((d) => d.name === 'rate-limiting');
  return p
    ? {
        id: String(p.id),
        enabled: p.enabled !== false,
        config: (p.config ?? {}) as Record<string, unknown>,
      }
    : null;
}

function limitConfig(limit: unknown): Record<string, unknown> {
  const rate = parseRate(limit);
  if (!rate.ok)
    throw new CordonError('CORDON_ERR_ACTION_INPUT', `ratelimit.set limit ${rate.reason}.`);
  if (rate.rate.mode === 'block')
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      'Kong connectors cannot rate-limit to zero; use key.block to refuse a consumer, or a limit such as "1/m".',
    );
  const window = UNIT_WINDOW[rate.rate.windowMs];
  if (!window)
    throw new CordonError(
      'CORDON_ERR_ACTION_INPUT',
      `Kong limits per second, minute, hour or day; "${text(limit)}" has another window. Write e.g. "10/m".`,
    );
  const config: Record<string, unknown> = { limit_by: 'consumer' };
  for (const w of WINDOWS) config[w] = w === window ? rate.rate.count : null;
  return config;
}

/** Only the window fields: what a restore needs and what is safe to keep in a result. */
function windowsOf(config: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(WINDOWS.map((w) => [w, config[w] ?? null]));
}

async function clearLimit(
  consumer: unknown,
  ctx: OperationContext,
  client: OutboundClient,
): Promise<unknown> {
  const plugin = await findLimitPlugin(client, consumer, ctx);
  if (!plugin) return { consumer: text(consumer), removed: false };
  await client.request(
    {
      method: 'DELETE',
      path: `/plugins/${encodeURIComponent(plugin.id)}`,
      idempotent: true,
      accept: [404],
    },
    ctx.signal,
  );
  return { consumer: text(consumer), removed: true, pluginId: plugin.id };
}

async function restoreCredentials(
  consumer: string,
  kept: readonly KeptCredential[],
  ctx: OperationContext,
  client: OutboundClient,
): Promise<unknown> {
  for (const cred of kept) {
    // 409: the key already exists (restored by an earlier attempt) — that is the goal.
    await client.request(
      {
        method: 'POST',
        path: `${consumerPath(consumer)}/key-auth`,
        json: {
          id: cred.id,
          key: cred.key,
          ...(cred.tags ? { tags: cred.tags } : {}),
          ...(cred.ttl ? { ttl: cred.ttl } : {}),
        },
        idempotent: true,
        accept: [409],
      },
      ctx.signal,
    );
  }
  return { consumer, restored: kept.map((c) => c.id) };
}

/**
 * Kong Admin API: a rate-limiting plugin scoped to the consumer (one per scope: an existing
 * one is PATCHed, a 409 on add means it is there), and key-auth credentials removed and
 * re-created with the same id and key to block and unblock a consumer.
 */
export const kong = defineConnectorType<OutboundClient>({
  type: 'kong',
  description: 'Kong Gateway Admin API.',
  http: true,
  urlRequired: true,
  exampleUrl: 'http://kong-admin:8001',
  options: { compile: (value, sink) => compileKongOptions(value, sink) },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'access.deny': {
      contract: {
        name: 'access.deny',
        description:
          "Refuse a consumer at the gateway (Kong: ACL group denied by the service's acl plugin; 403 to the client).",
        mutating: true,
        reversibleBy: 'access.allow',
        inputs: ACCESS_INPUTS,
      },
      idempotency:
        'Whether the consumer was in the group is read once and kept with the effect; adding it again answers 409 (applied), and the acl plugin is created once (409 = there) or PATCHed only when its deny list lacks the group.',
      ledger: 'journal',
      holds: { family: 'access', role: 'hold' },
      undoes:
        'access.allow takes the consumer out of the group if access.deny put it there (the plugin stays: denying an empty group changes nothing).',
      run: async (inputs, ctx, client) => {
        const consumer = text(inputs.key);
        const { aclGroup, aclService } = kongOptions(client);
        const wasMember = await ctx.memo.remember('wasMember', () =>
          inGroup(client, consumer, aclGroup, ctx),
        );
        // The plugin first: a group nobody denies would report a block that is not there.
        const plugin = aclService
          ? await ensureDenyPlugin(client, aclService, aclGroup, ctx)
          : 'unmanaged';
        await joinGroup(client, consumer, aclGroup, ctx);
        return { consumer, group: aclGroup, added: !wasMember, plugin } satisfies DenyResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as DenyResult;
        if (r.added) await leaveGroup(client, r.consumer, r.group, ctx);
        return { consumer: r.consumer, group: r.group, removed: r.added };
      },
    },
    'access.allow': {
      contract: {
        name: 'access.allow',
        description: 'Lift an access.deny: take the consumer out of the denied ACL group.',
        mutating: true,
        inputs: ACCESS_INPUTS,
      },
      idempotency: 'DELETE of the group membership; 404 (not in it) is success.',
      ledger: 'journal',
      holds: { family: 'access', role: 'release' },
      run: async (inputs, ctx, client) => {
        const consumer = text(inputs.key);
        const { aclGroup } = kongOptions(client);
        await leaveGroup(client, consumer, aclGroup, ctx);
        return { consumer, group: aclGroup, removed: true };
      },
    },
    'ratelimit.set': {
      contract: RATELIMIT_SET,
      idempotency:
        "Reads the consumer's rate-limiting plugin first (kept with the effect) and PATCHes it, or POSTs one; a 409 on POST (an earlier attempt created it) is treated as applied and PATCHed.",
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'hold', reapply: true },
      undoes: 'Removes the plugin it created, or PATCHes the replaced windows back.',
      run: async (inputs, ctx, client) => {
        const config = limitConfig(inputs.limit);
        const before = await ctx.memo.remember('replaced', () =>
          findLimitPlugin(client, inputs.key, ctx),
        );
        let plugin = before ?? (await findLimitPlugin(client, inputs.key, ctx));
        let created = false;
        if (!plugin) {
          const res = await client.request(
            {
              method: 'POST',
              path: `${consumerPath(inputs.key)}/plugins`,
              json: {
                name: 'rate-limiting',
                config: { ...config, policy: 'local' },
                tags: ['cordon'],
              },
              idempotent: false,
              accept: [409],
            },
            ctx.signal,
          );
          if (res.status !== 409) {
            const id = (res.body as { id?: unknown } | undefined)?.id;
            if (typeof id !== 'string')
              throw outboundError(
                'CORDON_ERR_ACTION_RESPONSE',
                `Connector "${client.instance.name}": Kong created a plugin but its answer has no id.`,
                res.status,
              );
            return {
              consumer: text(inputs.key),
              pluginId: id,
              created: true,
              replaced: null,
            } satisfies SetResult;
          }
          plugin = await findLimitPlugin(client, inputs.key, ctx);
          created = true;
          if (!plugin)
            throw outboundError(
              'CORDON_ERR_ACTION_UNAVAILABLE',
              `Connector "${client.instance.name}": Kong answered 409 for the consumer's rate-limiting plugin but lists none; retrying.`,
              409,
            );
        }
        await client.request(
          {
            method: 'PATCH',
            path: `/plugins/${encodeURIComponent(plugin.id)}`,
            json: { enabled: true, config },
            idempotent: true,
          },
          ctx.signal,
        );
        return {
          consumer: text(inputs.key),
          pluginId: plugin.id,
          created: before === null || created,
          replaced: before ? { enabled: before.enabled, config: windowsOf(before.config) } : null,
        } satisfies SetResult;
      },
      undo: async (undoOf: UndoOf, ctx, client) => {
        const r = undoOf.result as SetResult;
        if (!r.replaced) {
          await client.request(
            {
              method: 'DELETE',
              path: `/plugins/${encodeURIComponent(r.pluginId)}`,
              idempotent: true,
              accept: [404],
            },
            ctx.signal,
          );
          return { consumer: r.consumer, removed: true, pluginId: r.pluginId };
        }
        await client.request(
          {
            method: 'PATCH',
            path: `/plugins/${encodeURIComponent(r.pluginId)}`,
            json: { enabled: r.replaced.enabled, config: r.replaced.config },
            idempotent: true,
          },
          ctx.signal,
        );
        return { consumer: r.consumer, restored: true, pluginId: r.pluginId };
      },
    },
    'ratelimit.clear': {
      contract: RATELIMIT_CLEAR,
      idempotency: "DELETE of the consumer's plugin; none (or 404) is success.",
      ledger: 'journal',
      holds: { family: 'ratelimit', role: 'release' },
      run: (inputs, ctx, client) => clearLimit(inputs.key, ctx, client),
    },
    'key.block': {
      contract: KEY_BLOCK,
      idempotency:
        "The consumer's credentials are listed once and kept with the effect before any is deleted; deletes are by id, 404 = already gone.",
      ledger: 'journal',
      holds: { family: 'key', role: 'hold' },
      undoes: 'key.unblock re-creates the same credentials (id and key) from what was kept.',
      run: async (inputs, ctx, client) => {
        const consumer = text(inputs.key);
        const kept = await ctx.memo.remember<KeptCredential[]>('credentials', async () => {
          const res = await client.request(
            {
              method: 'GET',
              path: `${consumerPath(consumer)}/key-auth`,
              query: { size: 1000 },
              idempotent: true,
            },
            ctx.signal,
          );
          const data =
            (
              res.body as
                | { data?: { id?: unknown; key?: unknown; tags?: unknown; ttl?: unknown }[] }
                | undefined
            )?.data ?? [];
          return data.map((d) => ({
            id: String(d.id),
            key: String(d.key),
            tags: d.tags ?? null,
            ttl: d.ttl ?? null,
          }));
        });
        for (const cred of kept) client.redactor.add(cred.key);
        const deleted: KeptCredential[] = [];
        try {
          for (const cred of kept) {
            await client.request(
              {
                method: 'DELETE',
                path: `${consumerPath(consumer)}/key-auth/${encodeURIComponent(cred.id)}`,
                idempotent: true,
                accept: [404],
              },
              ctx.signal,
            );
            deleted.push(cred);
          }
        } catch (err) {
          // Half a block is not left behind: a step that fails is not undone (it took no
          // effect), and a retry under a new effect key (a run retried through the API) lists
          // only the credentials left, so those deleted here would be lost. Put them back.
          if (deleted.length > 0)
            await restoreCredentials(
              consumer,
              deleted,
              { ...ctx, signal: AbortSignal.timeout(10_000) },
              client,
            ).catch(() => undefined);
          throw err;
        }
        // Ids only: the key values stay with the effect for key.unblock, never in a result.
        return { consumer, disabled: kept.map((c) => c.id) };
      },
      undo: async (undoOf, ctx, client) => {
        const kept = await ctx.memo.recallFrom<KeptCredential[]>(undoOf.effectKey, 'credentials');
        // Said, not undone in silence: the key values were kept with that effect only.
        if (kept === undefined)
          throw new CordonError(
            'CORDON_ERR_ACTION_INPUT',
            `Kong key.unblock cannot restore consumer "${text((undoOf.result as { consumer?: unknown }).consumer)}": the credentials key.block ${undoOf.effectKey} removed are no longer kept (its effects ledger entry is gone, e.g. after CORDON_RETENTION_EFFECTS_MS). Re-create the consumer's key-auth credentials in Kong.`,
          );
        for (const c of kept) client.redactor.add(c.key);
        return restoreCredentials(
          text((undoOf.result as { consumer?: unknown }).consumer),
          kept,
          ctx,
          client,
        );
      },
    },
    'key.unblock': {
      contract: KEY_UNBLOCK,
      idempotency: 'Re-creating a credential that exists answers 409, treated as restored.',
      ledger: 'journal',
      holds: { family: 'key', role: 'release' },
      run: () => {
        throw new CordonError(
          'CORDON_ERR_ACTION_INPUT',
          "Kong key.unblock restores what a key.block of the same run removed; run it as that action's undo (undo: key.unblock), since Kong cannot re-create a deleted key on its own.",
        );
      },
    },
  },
});
