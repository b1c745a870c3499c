import { outboundError } from '../../http/outbound-errors.js';
import type { OutboundClient } from '../../http/outbound-client.js';
import type { OperationContext } from '../connector-type.js';

const enc = encodeURIComponent;

/** Whether the consumer is in `group` (GET /consumers/{c}/acls). */
export async function inGroup(
  client: OutboundClient,
  consumer: string,
  group: string,
  ctx: OperationContext,
): Promise<boolean> {
  const res = await client.request(
    {
      method: 'GET',
      path: `/consumers/${enc(consumer)}/acls`,
      query: { size: 1000 },
      idempotent: true,
    },
    ctx.signal,
  );
  const data = (res.body as { data?: { group?: unknown }[] } | undefined)?.data ?? [];
  return data.some((d) => d.group === group);
}

/** Adds the consumer to the group; 409 (already in it) is the goal. */
export async function joinGroup(
  client: OutboundClient,
  consumer: string,
  group: string,
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    {
      method: 'POST',
      path: `/consumers/${enc(consumer)}/acls`,
      json: { group, tags: ['cordon'] },
      // A second add answers 409 rather than duplicating, so 5xx may be retried.
      idempotent: true,
      accept: [409],
    },
    ctx.signal,
  );
}

/** Removes the consumer from the group; 404 (not in it) is the goal. */
export async function leaveGroup(
  client: OutboundClient,
  consumer: string,
  group: string,
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    {
      method: 'DELETE',
      path: `/consumers/${enc(consumer)}/acls/${enc(group)}`,
      idempotent: true,
      accept: [404],
    },
    ctx.signal,
  );
}

interface AclPlugin {
  readonly id: string;
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

async function findAclPlugin(
  client: OutboundClient,
  service: string,
  ctx: OperationContext,
): Promise<AclPlugin | undefined> {
  const res = await client.request(
    {
      method: 'GET',
      path: `/services/${enc(service)}/plugins`,
      query: { size: 1000 },
      idempotent: true,
    },
    ctx.signal,
  );
  const data =
    (
      res.body as
        | {
            data?: { id?: unknown; name?: unknown; config?: { allow?: unknown; deny?: unknown } }[];
          }
        | undefined
    )?.data ?? [];
  const p = data.find((d) => d.name === 'acl');
  if (!p) return undefined;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return { id: String(p.id), allow: list(p.config?.allow), deny: list(p.config?.deny) };
}

/**
 * Makes the service's acl plugin deny `group`: creates it (one per scope; 409 = created by an
 * earlier attempt, then read again) or adds the group to its deny list. A plugin using `allow`
 * cannot also deny (Kong: mutually exclusive), which is reported rather than rewritten.
 * Returns what it changed, for the result.
 */
export async function ensureDenyPlugin(
  client: OutboundClient,
  service: string,
  group: string,
  ctx: OperationContext,
): Promise<'created' | 'extended' | 'present'> {
  let plugin = await findAclPlugin(client, service, ctx);
  if (!plugin) {
    const res = await client.request(
      {
        method: 'POST',
        path: `/services/${enc(service)}/plugins`,
        json: {
          name: 'acl',
          config: { deny: [group], hide_groups_header: true },
          tags: ['cordon'],
        },
        idempotent: true,
        accept: [409],
      },
      ctx.signal,
    );
    if (res.status !== 409) return 'created';
    plugin = await findAclPlugin(client, service, ctx);
    if (!plugin)
      throw outboundError(
        'CORDON_ERR_ACTION_UNAVAILABLE',
        `Connector "${client.instance.name}": Kong answered 409 for the acl plugin of service ${service} but lists none; retrying.`,
        409,
      );
  }
  if (plugin.deny.includes(group)) return 'present';
  if (plugin.allow.length > 0)
    throw outboundError(
      'CORDON_ERR_ACTION_REJECTED',
      `Connector "${client.instance.name}": the acl plugin of service ${service} uses an allow list, and Kong's allow and deny are mutually exclusive. Deny by leaving group "${group}" out of the allow list instead, or remove options.acl_service and configure the plugin yourself.`,
    );
  await client.request(
    {
      method: 'PATCH',
      path: `/plugins/${enc(plugin.id)}`,
      json: { config: { deny: [...plugin.deny, group] } },
      idempotent: true,
    },
    ctx.signal,
  );
  return 'extended';
}
