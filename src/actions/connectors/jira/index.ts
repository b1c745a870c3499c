import { sha256Hex } from '../../../shared/hash.js';
import { describe } from '../../../shared/duration.js';
import { checkKeys, expectMapping } from '../../../shared/shape.js';
import { outboundError } from '../../http/outbound-errors.js';
import { OutboundClient } from '../../http/outbound-client.js';
import { defineConnectorType, text, type OperationContext } from '../connector-type.js';
import { TICKET_OPEN } from '../contracts.js';
import { adfText, toAdf } from './adf.js';

interface JiraOptions {
  readonly project: string;
  readonly issueType: string;
  readonly labels: readonly string[];
}

interface IssueRef {
  readonly issueKey: string;
  readonly issueId: string;
}

const PRIORITY: Readonly<Record<string, string>> = {
  critical: 'Highest',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Lowest',
};

/** The dedupe label: deterministic, no spaces (Jira labels cannot hold them). */
export function dedupeLabel(key: string): string {
  return `cordon-dedup-${sha256Hex(key).slice(0, 16)}`;
}

function issuePath(key: unknown): string {
  return `/rest/api/3/issue/${encodeURIComponent(text(key))}`;
}

async function findByLabel(
  client: OutboundClient,
  label: string,
  ctx: OperationContext,
): Promise<IssueRef | undefined> {
  const res = await client.request(
    {
      method: 'POST',
      path: '/rest/api/3/search/jql',
      json: { jql: `labels = "${label}" ORDER BY created ASC`, fields: ['summary'], maxResults: 1 },
      idempotent: true,
    },
    ctx.signal,
  );
  const issue = (res.body as { issues?: { id?: unknown; key?: unknown }[] } | undefined)
    ?.issues?.[0];
  return issue && typeof issue.key === 'string'
    ? { issueKey: issue.key, issueId: String(issue.id) }
    : undefined;
}

/**
 * Jira Cloud REST v3: ADF bodies, dedupe by a label searched with /search/jql before creating
 * (Jira has no idempotency key), comments and workflow transitions.
 */
export const jira = defineConnectorType<OutboundClient>({
  type: 'jira',
  description: 'Jira Cloud (REST v3).',
  http: true,
  urlRequired: true,
  exampleUrl: 'https://your-site.atlassian.net',
  options: {
    compile(value, sink) {
      if (!expectMapping(sink, ['options'], value, 'options')) return undefined;
      checkKeys(sink, ['options'], value, 'options', {
        required: ['project'],
        optional: ['issue_type', 'labels'],
      });
      const project = value.project;
      if (typeof project !== 'string' || !/^[A-Z][A-Z0-9_]{0,31}$/.test(project)) {
        sink.error(
          ['options', 'project'],
          'CORDON_ERR_DEFINITION_VALUE',
          `options.project is a Jira project key such as SEC; got ${describe(project)}.`,
        );
        return undefined;
      }
      const labels = Array.isArray(value.labels)
        ? value.labels.filter((l): l is string => typeof l === 'string' && !/\s/.test(l))
        : [];
      if (
        value.labels !== undefined &&
        (!Array.isArray(value.labels) || labels.length !== value.labels.length)
      )
        sink.error(
          ['options', 'labels'],
          'CORDON_ERR_DEFINITION_VALUE',
          'options.labels is a list of labels without spaces, e.g. [security, cordon].',
        );
      return {
        project,
        issueType: typeof value.issue_type === 'string' ? value.issue_type : 'Task',
        labels,
      };
    },
  },
  create: (instance, deps) => new OutboundClient(instance, deps),
  operations: {
    'ticket.open': {
      contract: TICKET_OPEN,
      idempotency:
        'A label cordon-dedup-<hash of dedupe or effect key> is searched (/search/jql) before creating, and the created key is kept with the effect, so a retry after a timeout mid-create finds the issue instead of opening another.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const options = client.instance.options as JiraOptions;
        const label = dedupeLabel(text(inputs.dedupe) || ctx.effectKey);
        // The search index lags a create: the key kept with the effect covers a quick retry.
        const kept = await ctx.memo.recall<IssueRef>('issue');
        const found = kept ?? (await findByLabel(client, label, ctx));
        if (found) return { ...found, created: false, label };
        const severity = text(inputs.severity);
        const res = await client.request(
          {
            method: 'POST',
            path: '/rest/api/3/issue',
            json: {
              fields: {
                project: { key: options.project },
                issuetype: { name: options.issueType },
                summary: text(inputs.summary).slice(0, 255),
                description: toAdf(
                  `${text(inputs.description)}\n\nOpened by Cordon for incident ${ctx.incidentId} (run ${ctx.runId}).`,
                ),
                labels: [...options.labels, label],
                ...(severity ? { priority: { name: PRIORITY[severity] ?? 'Medium' } } : {}),
              },
            },
            idempotent: false,
          },
          ctx.signal,
        );
        const body = res.body as { id?: unknown; key?: unknown } | undefined;
        if (typeof body?.key !== 'string')
          throw outboundError(
            'CORDON_ERR_ACTION_RESPONSE',
            `Connector "${client.instance.name}": Jira created an issue but its answer has no key.`,
            res.status,
          );
        const ref = await ctx.memo.remember<IssueRef>('issue', async () => ({
          issueKey: body.key as string,
          issueId: String(body.id),
        }));
        return { ...ref, created: true, label };
      },
    },
    'ticket.comment': {
      contract: {
        name: 'ticket.comment',
        description: 'Add a comment to a ticket.',
        mutating: false,
        inputs: {
          ticket: {
            type: 'string',
            required: true,
            description: 'Issue key, e.g. SEC-42 (a ticket.open result).',
          },
          body: { type: 'text', required: true, description: 'Comment text.' },
        },
      },
      idempotency:
        "The comment ends with a reference derived from the effect key; a retry first lists the issue's comments and skips posting when the reference is there.",
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const ref = `cordon-ref:${sha256Hex(ctx.effectKey).slice(0, 12)}`;
        const list = await client.request(
          {
            method: 'GET',
            path: `${issuePath(inputs.ticket)}/comment`,
            query: { orderBy: '-created', maxResults: 100 },
            idempotent: true,
          },
          ctx.signal,
        );
        const existing = (
          (list.body as { comments?: { id?: unknown; body?: unknown }[] } | undefined)?.comments ??
          []
        ).find((c) => adfText(c.body).includes(ref));
        if (existing)
          return { ticket: text(inputs.ticket), commentId: String(existing.id), created: false };
        const res = await client.request(
          {
            method: 'POST',
            path: `${issuePath(inputs.ticket)}/comment`,
            json: { body: toAdf(`${text(inputs.body)}\n\n${ref}`) },
            idempotent: false,
          },
          ctx.signal,
        );
        return {
          ticket: text(inputs.ticket),
          commentId: String((res.body as { id?: unknown } | undefined)?.id),
          created: true,
        };
      },
    },
    'ticket.transition': {
      contract: {
        name: 'ticket.transition',
        description: 'Move a ticket to a status through its workflow (already there = success).',
        mutating: false,
        inputs: {
          ticket: { type: 'string', required: true, description: 'Issue key, e.g. SEC-42.' },
          status: {
            type: 'string',
            required: true,
            description: 'Target status or transition name, e.g. Done.',
          },
        },
      },
      idempotency:
        'Reads the issue status first; already in the target status is success. Transition ids are listed per issue, never assumed.',
      ledger: 'journal',
      run: async (inputs, ctx, client) => {
        const want = text(inputs.status).toLowerCase();
        const issue = await client.request(
          {
            method: 'GET',
            path: issuePath(inputs.ticket),
            query: { fields: 'status' },
            idempotent: true,
          },
          ctx.signal,
        );
        const current = (issue.body as { fields?: { status?: { name?: unknown } } } | undefined)
          ?.fields?.status?.name;
        if (typeof current === 'string' && current.toLowerCase() === want)
          return { ticket: text(inputs.ticket), status: current, changed: false };
        const list = await client.request(
          { method: 'GET', path: `${issuePath(inputs.ticket)}/transitions`, idempotent: true },
          ctx.signal,
        );
        const transitions =
          (
            list.body as
              | { transitions?: { id?: unknown; name?: unknown; to?: { name?: unknown } }[] }
              | undefined
          )?.transitions ?? [];
        const match =
          transitions.find((t) => String(t.to?.name).toLowerCase() === want) ??
          transitions.find((t) => String(t.name).toLowerCase() === want);
        if (!match)
          throw outboundError(
            'CORDON_ERR_ACTION_REJECTED',
            `Connector "${client.instance.name}": issue ${text(inputs.ticket)} (status ${String(current)}) has no transition to "${text(inputs.status)}"; available: ${transitions.map((t) => String(t.to?.name ?? t.name)).join(', ') || 'none'}.`,
          );
        await client.request(
          {
            method: 'POST',
            path: `${issuePath(inputs.ticket)}/transitions`,
            json: { transition: { id: String(match.id) } },
            idempotent: true,
          },
          ctx.signal,
        );
        return {
          ticket: text(inputs.ticket),
          status: String(match.to?.name ?? match.name),
          changed: true,
        };
      },
    },
  },
});
