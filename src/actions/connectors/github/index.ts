import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { defineConnectorType, text } from '../connector-type.js';
import { TICKET_OPEN } from '../contracts.js';
import { dedupeLabel } from '../jira/index.js';

interface GitHubOptions {
  readonly repo: string;
}

const HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'cordon',
};

interface IssueRef {
  readonly number: number;
  readonly url: string;
}

/**
 * GitHub Issues: no idempotency key, so a dedupe label is listed (open issues) before
 * creating. Labels are silently dropped without push access: give the token push access or
 * dedupe degrades to the ledger alone.
 */
export const github = defineConnectorType<OutboundClient>({
  type: 'github',
  description: 'GitHub Issues.',
  http: true,
  exampleUrl: 'https://api.github.com',
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', { required: ['repo'] });
      if (typeof value.repo !== 'string' || !/^[\w.-]+\/[\w.-]+$/.test(value.repo)) {
        sink.error(
          ['options', 'repo'],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.repo is "owner/name"; got ${describe(value.repo)}.`,
        );
        return undefined;
      }
      return { repo: value.repo };
    },
  },
  create: (instance, deps) =>
    new OutboundClient(
      instance.url ? instance : { ...instance, url: 'https://api.github.com' },
      deps,
    ),
  operations: {
    'ticket.open': {
      contract: TICKET_OPEN,
      idempotency:
        'Open issues labelled cordon-dedup-<hash of dedupe or effect key> are listed before creating; the created number is kept with the effect.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const { repo } = client.instance.options as GitHubOptions;
        const label = dedupeLabel(text(inputs.dedupe) || ctx.effectKey);
        const path = `/repos/${repo}/issues`;
        const kept = await ctx.memo.recall<IssueRef>('issue');
        if (kept) return { ...kept, created: false, label };
        const list = await client.request(
          {
            method: 'GET',
            path,
            query: { labels: label, state: 'open', per_page: 1 },
            headers: HEADERS,
            idempotent: true,
          },
          ctx.signal,
        );
        const open = (list.body as { number?: unknown; html_url?: unknown }[] | undefined)?.[0];
        if (typeof open?.number === 'number')
          return { number: open.number, url: String(open.html_url), created: false, label };
        const severity = text(inputs.severity);
        const res = await client.request(
          {
            method: 'POST',
            path,
            headers: HEADERS,
            json: {
              title: text(inputs.summary),
              body: `${text(inputs.description)}\n\nOpened by Cordon for incident ${ctx.incidentId} (run ${ctx.runId}).`,
              labels: [label, ...(severity ? [`severity:${severity}`] : [])],
            },
            idempotent: false,
          },
          ctx.signal,
        );
        const body = res.body as { number?: unknown; html_url?: unknown } | undefined;
        if (typeof body?.number !== 'number')
          throw outboundError(
            'CORDON_ERR_ACTION_RESPONSE',
            `Connector "${client.instance.name}": GitHub created an issue but its answer has no number.`,
            res.status,
          );
        const ref = await ctx.memo.remember<IssueRef>('issue', async () => ({
          number: body.number as number,
          url: String(body.html_url),
        }));
        return { ...ref, created: true, label };
      },
    },
  },
});
