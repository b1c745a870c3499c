import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { defineConnectorType, text } from '../connector-type.js';
import { compileOnUnknown, postOnce, type OnUnknown } from '../notify-once.js';

interface SlackOptions {
  readonly onUnknown: OnUnknown;
}

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
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { optional: ['on_unknown'] });
      const onUnknown = compileOnUnknown(value.on_unknown, sink);
      return onUnknown ? ({ onUnknown } satisfies SlackOptions) : undefined;
    },
  },
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
        'Ledger: a retried job returns the first result. An attempt marker is kept with the effect before each post, so a job retried after a crash, timeout or 5xx (outcome unknown; Slack has no idempotency key) does not post again and reports posted: "unknown" (options.on_unknown: repost posts again instead). Retried in-call only on 429 (Retry-After).',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const body: Record<string, unknown> = { text: text(inputs.text) };
        if (inputs.blocks !== undefined) body.blocks = inputs.blocks;
        const { onUnknown } = (client.instance.options as SlackOptions | undefined) ?? {
          onUnknown: 'skip',
        };
        return postOnce(ctx, client, onUnknown, async () => {
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
        });
      },
    },
  },
});
