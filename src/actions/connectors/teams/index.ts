import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { defineConnectorType, text } from '../connector-type.js';
import { compileOnUnknown, postOnce, type OnUnknown } from '../notify-once.js';

interface TeamsOptions {
  /** `workflows` (Adaptive Card envelope, usually 202) or `legacy` (MessageCard, 200 "1"). */
  readonly format: 'workflows' | 'legacy';
  readonly onUnknown: OnUnknown;
}

/**
 * Microsoft Teams incoming webhook. The URL is the credential. Workflows (the replacement for
 * retiring Microsoft 365 connectors) take Adaptive Cards only; legacy connectors answer 200
 * "1", and may report throttling in a 200 body instead of a 429.
 */
export const teams = defineConnectorType<OutboundClient>({
  type: 'teams',
  description: 'Microsoft Teams webhook (Workflows or legacy connector).',
  http: true,
  urlRequired: true,
  exampleUrl: '{ env: TEAMS_WEBHOOK_URL }',
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { optional: ['format', 'on_unknown'] });
      const onUnknown = compileOnUnknown(value.on_unknown, sink);
      if (!onUnknown) return undefined;
      const format = value.format ?? 'workflows';
      if (format !== 'workflows' && format !== 'legacy') {
        sink.error(
          ['options', 'format'],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.format is workflows or legacy; got ${describe(format)}.`,
        );
        return undefined;
      }
      return { format, onUnknown } satisfies TeamsOptions;
    },
  },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'notify.teams': {
      contract: {
        name: 'notify.teams',
        description: 'Post a message (or an Adaptive Card) to a Teams channel webhook.',
        mutating: false,
        inputs: {
          text: {
            type: 'text',
            required: true,
            description: "Message text (the card's text when no card is given).",
          },
          card: {
            type: 'json',
            required: false,
            description: 'An Adaptive Card (workflows format) to send instead of the text card.',
          },
        },
      },
      idempotency:
        'Ledger: a retried job returns the first result. An attempt marker is kept with the effect before each post, so a job retried after a crash, timeout or 5xx (outcome unknown) does not post again and reports posted: "unknown" (options.on_unknown: repost posts again instead). Retried in-call on 429 only (Retry-After).',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const { format, onUnknown } = (client.instance.options ?? {
          format: 'workflows',
          onUnknown: 'skip',
        }) as TeamsOptions;
        const card = inputs.card ?? {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          version: '1.4',
          body: [{ type: 'TextBlock', text: text(inputs.text), wrap: true }],
        };
        const json =
          format === 'legacy'
            ? {
                '@type': 'MessageCard',
                '@context': 'http://schema.org/extensions',
                summary: text(inputs.text).slice(0, 80),
                text: text(inputs.text),
              }
            : {
                type: 'message',
                attachments: [
                  { contentType: 'application/vnd.microsoft.card.adaptive', content: card },
                ],
              };
        return postOnce(ctx, client, onUnknown, async () => {
          const res = await client.request(
            { method: 'POST', path: '', json, idempotent: false },
            ctx.signal,
          );
          if (format === 'legacy' && res.text.trim() !== '1') {
            const throttled = res.text.includes('429');
            // A throttled 200 surely did not post: reported as 429 so a retry may post.
            throw outboundError(
              throttled ? 'CORDON_ERR_ACTION_UNAVAILABLE' : 'CORDON_ERR_ACTION_RESPONSE',
              `Connector "${client.instance.name}": Teams answered ${res.status} "${res.text.slice(0, 120)}" instead of "1"${throttled ? ' (throttled)' : ''}.`,
              throttled ? 429 : res.status,
            );
          }
          return { posted: true, status: res.status };
        });
      },
    },
  },
});
