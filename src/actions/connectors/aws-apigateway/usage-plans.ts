import { outboundError } from '../../http/outbound-errors.js';
import type { OutboundClient } from '../../http/outbound-client.js';
import { text, type OperationContext } from '../connector-type.js';

const keyIn = (plan: string, key: string): string =>
  `/usageplans/${encodeURIComponent(plan)}/keys/${encodeURIComponent(key)}`;

/** The ids of the usage plans a key belongs to (GetUsagePlans?keyId, paged by `position`). */
export async function plansOfKey(
  client: OutboundClient,
  key: string,
  ctx: OperationContext,
): Promise<string[]> {
  const ids: string[] = [];
  let position: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await client.request(
      {
        method: 'GET',
        path: '/usageplans',
        query: { keyId: key, limit: 500, position },
        idempotent: true,
      },
      ctx.signal,
    );
    const body = res.body as { item?: { id?: unknown }[]; position?: unknown } | undefined;
    for (const p of body?.item ?? []) if (typeof p.id === 'string') ids.push(p.id);
    position = typeof body?.position === 'string' ? body.position : undefined;
    if (!position) break;
  }
  return ids;
}

/** DeleteUsagePlanKey; 404 (not in the plan, e.g. removed by an earlier attempt) is the goal. */
export async function removeFromPlan(
  client: OutboundClient,
  plan: string,
  key: string,
  ctx: OperationContext,
): Promise<void> {
  await client.request(
    { method: 'DELETE', path: keyIn(plan, key), idempotent: true, accept: [404] },
    ctx.signal,
  );
}

/**
 * CreateUsagePlanKey. API Gateway answers 409 both when the key is already in this plan (an
 * earlier attempt added it: the goal) and when another plan of the key covers the same API
 * stage; membership is read back to tell them apart.
 */
export async function addToPlan(
  client: OutboundClient,
  plan: string,
  key: string,
  ctx: OperationContext,
): Promise<void> {
  const res = await client.request(
    {
      method: 'POST',
      path: `/usageplans/${encodeURIComponent(plan)}/keys`,
      json: { keyId: key, keyType: 'API_KEY' },
      // Adding twice cannot duplicate anything (409), so 5xx may be retried.
      idempotent: true,
      accept: [409],
    },
    ctx.signal,
  );
  if (res.status !== 409) return;
  const there = await client.request(
    { method: 'GET', path: keyIn(plan, key), idempotent: true, accept: [404] },
    ctx.signal,
  );
  if (there.status === 404)
    throw outboundError(
      'CORDON_ERR_ACTION_REJECTED',
      `Connector "${client.instance.name}": API Gateway refused to add key ${key} to usage plan ${plan} (409: ${text((res.body as { message?: unknown } | undefined)?.message) || 'conflict'}). A key may be in only one plan per API stage; check which plans the key is in.`,
      409,
    );
}
