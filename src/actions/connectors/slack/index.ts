import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { defineConnectorType, text } from '../connector-type.js';

/**
 * Slack incoming webhook. The URL is the credential, so instances write it as a secret
 * (`url: { env: SLACK_WEBHOOK_URL }`) and list hooks.slack.com in allow_hosts. Success is 200
 * with the plain-text body `ok`; errors are plain-text codes (invalid_payload, no_service, ...).
 */
export const slack = defineConnectorType<OutboundClient>({
  type: 'slack',
  description: 'Slack incoming webhook.',
  http: true,
  urlRequired: true,
  exampleUrl: '{ env: SLACK_WEBHOOK_URL }',
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'notify.slack': {
      contract: {
        name: 'notify.slack',
        description: 'Post a message to the Slack channel of an incoming webhook.',
        mutating: false,
        inputs: {
          text: {
            type: 'text',
            required: true,
            description: 'Message text (also the notification fallback when blocks are sent).',
          },
          blocks: { type: 'json', required: false, description: 'Block Kit blocks, a list.' },
        },
      },
      idempotency:
        'Ledger: a retried job returns the first result. Retried in-call only on 429 (Retry-After), since Slack has no idempotency key and a retried post after a 5xx or timeout could post twice.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const body: Record<string, unknown> = { text: text(inputs.text) };
        if (inputs.blocks !== undefined) body.blocks = inputs.blocks;
        const res = await client.request(
          { method: 'POST', path: '', json: body, idempotent: false },
          ctx.signal,
        );
        if (res.text.trim() !== 'ok')
          throw outboundError(
            'CORDON_ERR_ACTION_RESPONSE',
            `Connector "${client.instance.name}" posted to Slack, which answered ${res.status} "${res.text.slice(0, 100)}" instead of "ok".`,
            res.status,
          );
        return { posted: true };
      },
    },
  },
});
