import type { SecretRef } from '../../../config/connectors.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { OutboundClient } from '../../http/outbound-client.js';
import type { InputSpec } from '../../operations.js';
import {
  defineConnectorType,
  text,
  type OperationContext,
  type UndoOf,
} from '../connector-type.js';

interface PagerDutyOptions {
  readonly routingKey: SecretRef;
}

/** Cordon severities → PagerDuty's four. */
const SEVERITY: Readonly<Record<string, string>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

const INPUTS: Readonly<Record<string, InputSpec>> = {
  summary: {
    type: 'text',
    required: true,
    description: 'Alert summary (at most 1024 characters are sent).',
  },
  severity: {
    type: 'severity',
    required: false,
    description: 'info, low, medium, high or critical (PagerDuty: info, warning, error, critical).',
  },
  source: { type: 'string', required: false, description: 'Affected system (default "cordon").' },
  component: { type: 'string', required: false, description: 'Affected component.' },
  dedupe: {
    type: 'string',
    required: false,
    description: 'dedup_key; defaults to the incident id so one incident pages once.',
  },
};

/** resolve takes the same inputs (an undo runs with the trigger's), only the key matters. */
const RESOLVE_INPUTS: Readonly<Record<string, InputSpec>> = Object.fromEntries(
  Object.entries(INPUTS).map(([k, v]) => [k, { ...v, required: false }]),
);

interface EnqueueResult {
  readonly dedupKey: string;
  readonly action: 'trigger' | 'resolve';
}

async function enqueue(
  client: OutboundClient,
  options: PagerDutyOptions,
  ctx: OperationContext,
  body: Record<string, unknown>,
): Promise<EnqueueResult> {
  const res = await client.request(
    {
      method: 'POST',
      path: '/v2/enqueue',
      json: { routing_key: client.secret(options.routingKey), ...body },
      idempotent: true,
    },
    ctx.signal,
  );
  const dedupKey = (res.body as { dedup_key?: unknown } | undefined)?.dedup_key;
  return {
    dedupKey: typeof dedupKey === 'string' ? dedupKey : String(body.dedup_key),
    action: body.event_action as 'trigger' | 'resolve',
  };
}

function resolve(
  dedupKey: string,
  client: OutboundClient,
  ctx: OperationContext,
): Promise<EnqueueResult> {
  return enqueue(client, client.instance.options as PagerDutyOptions, ctx, {
    event_action: 'resolve',
    dedup_key: dedupKey,
  });
}

/**
 * PagerDuty Events API v2. The routing key travels in the body and is a secret
 * (`options.routing_key: { env: PAGERDUTY_ROUTING_KEY }`); the dedup_key is the idempotency key:
 * triggers with the same key merge into one open alert.
 */
export const pagerduty = defineConnectorType<OutboundClient>({
  type: 'pagerduty',
  description: 'PagerDuty Events API v2.',
  http: true,
  exampleUrl: 'https://events.pagerduty.com',
  options: {
    compile(value, sink, parseSecret) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { required: ['routing_key'] });
      const routingKey = parseSecret(value.routing_key, sink, ['options', 'routing_key']);
      return routingKey ? { routingKey } : undefined;
    },
    secrets: (options) => (options ? [(options as PagerDutyOptions).routingKey] : []),
  },
  create: (instance, deps) =>
    new OutboundClient(
      instance.url ? instance : { ...instance, url: 'https://events.pagerduty.com' },
      deps,
    ),
  operations: {
    'page.trigger': {
      contract: {
        name: 'page.trigger',
        description: 'Page on-call: trigger a PagerDuty alert.',
        mutating: false,
        reversibleBy: 'page.resolve',
        inputs: INPUTS,
      },
      idempotency:
        'dedup_key (default: the incident id): a retried or repeated trigger merges into the open alert.',
      ledger: 'journal',
      undoes: 'page.resolve resolves the alert with the recorded dedup_key.',
      run: (inputs, ctx, client) =>
        enqueue(client, client.instance.options as PagerDutyOptions, ctx, {
          event_action: 'trigger',
          dedup_key: text(inputs.dedupe) || ctx.incidentId,
          payload: {
            summary: text(inputs.summary).slice(0, 1024),
            source: text(inputs.source) || 'cordon',
            severity: SEVERITY[text(inputs.severity)] ?? 'warning',
            ...(inputs.component === undefined ? {} : { component: text(inputs.component) }),
            custom_details: { incident: ctx.incidentId, run: ctx.runId },
          },
        }),
      undo: (undoOf: UndoOf, ctx, client) =>
        resolve((undoOf.result as EnqueueResult).dedupKey, client, ctx),
    },
    'page.resolve': {
      contract: {
        name: 'page.resolve',
        description: 'Resolve the PagerDuty alert of a dedup key.',
        mutating: false,
        inputs: RESOLVE_INPUTS,
      },
      idempotency: 'Resolving a resolved alert is accepted and changes nothing.',
      ledger: 'journal',
      run: (inputs, ctx, client) => resolve(text(inputs.dedupe) || ctx.incidentId, client, ctx),
    },
  },
});
