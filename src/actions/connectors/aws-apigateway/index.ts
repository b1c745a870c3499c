import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import {
  defineConnectorType,
  text,
  type OperationContext,
  type UndoOf,
} from '../connector-type.js';
import { KEY_BLOCK, KEY_UNBLOCK } from '../contracts.js';

interface BlockResult {
  readonly key: string;
  readonly enabled: false;
  /** Whether the key was enabled before (the undo only re-enables a key Cordon disabled). */
  readonly wasEnabled: boolean;
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
 * an API key. The data plane then answers 403 {"message":"Forbidden"} after some propagation.
 */
export const awsApiGateway = defineConnectorType<OutboundClient>({
  type: 'aws-apigateway',
  description: 'AWS API Gateway REST API keys (SigV4).',
  http: true,
  urlRequired: true,
  exampleUrl: 'https://apigateway.eu-west-1.amazonaws.com',
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'key.block': {
      contract: KEY_BLOCK,
      idempotency:
        'Reads the key\'s enabled flag once (kept with the effect), then replaces /enabled with "false": the same patch twice is the same state.',
      ledger: 'journal',
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
      run: async (inputs, ctx, client) => {
        await setEnabled(client, text(inputs.key), true, ctx);
        return { key: text(inputs.key), enabled: true };
      },
    },
  },
});
