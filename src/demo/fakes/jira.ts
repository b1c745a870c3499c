import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeIssue {
  id: string;
  key: string;
  summary: string;
  labels: string[];
  status: string;
  description: unknown;
  comments: { id: string; body: unknown }[];
}

const WORKFLOW: Readonly<Record<string, { id: string; name: string; to: string }[]>> = {
  'To Do': [
    { id: '11', name: 'Start', to: 'In Progress' },
    { id: '31', name: 'Close', to: 'Done' },
  ],
  'In Progress': [{ id: '31', name: 'Close', to: 'Done' }],
  Done: [{ id: '41', name: 'Reopen', to: 'To Do' }],
};

/**
 * Jira Cloud REST v3: Basic auth (email:api_token); create needs ADF descriptions (a string
 * is 400 with errors.description); /search is gone (410), /search/jql pages by token;
 * transitions list per issue and POST answers 204; errors are {errorMessages, errors}.
 */
export function jiraFake(
  email: string,
  token: string,
): { server: FakeServer; issues: FakeIssue[] } {
  const issues: FakeIssue[] = [];
  const expected = `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`;
  const error = (
    status: number,
    messages: string[],
    errors: Record<string, string> = {},
  ): FakeReply => ({ status, body: { errorMessages: messages, errors } });
  const find = (key: string): FakeIssue | undefined =>
    issues.find((i) => i.key === key || i.id === key);
  const server = new FakeServer((req): FakeReply => {
    if (req.headers.authorization !== expected)
      return error(401, [
        'You are not authenticated. Authentication required to perform this operation.',
      ]);
    const body = req.json as Record<string, unknown> | undefined;
    if (req.path === '/rest/api/3/search' || req.path === '/rest/api/2/search')
      return error(410, [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      ]);
    if (req.method === 'POST' && req.path === '/rest/api/3/search/jql') {
      const label = /labels = "([^"]+)"/.exec(String(body?.jql))?.[1];
      const hits = issues
        .filter((i) => label !== undefined && i.labels.includes(label))
        .slice(0, Number(body?.maxResults ?? 50));
      return {
        status: 200,
        body: {
          issues: hits.map((i) => ({
            id: i.id,
            key: i.key,
            self: `${server.url}/rest/api/3/issue/${i.id}`,
            fields: { summary: i.summary },
          })),
          isLast: true,
        },
      };
    }
    if (req.method === 'POST' && req.path === '/rest/api/3/issue') {
      const fields = (body?.fields ?? {}) as Record<string, unknown>;
      const description = fields.description as { type?: unknown } | undefined;
      if (typeof fields.summary !== 'string' || fields.summary === '')
        return error(400, [], { summary: 'You must specify a summary of the issue.' });
      if (
        description !== undefined &&
        (typeof description !== 'object' || description.type !== 'doc')
      )
        return error(400, [], {
          description:
            'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
        });
      const labels = (fields.labels ?? []) as string[];
      if (labels.some((l) => /\s/.test(l)))
        return error(400, [], { labels: 'The label cannot contain spaces.' });
      const id = String(10000 + issues.length);
      const key = `${String((fields.project as { key?: unknown } | undefined)?.key)}-${issues.length + 1}`;
      issues.push({
        id,
        key,
        summary: fields.summary,
        labels,
        status: 'To Do',
        description,
        comments: [],
      });
      return { status: 201, body: { id, key, self: `${server.url}/rest/api/3/issue/${id}` } };
    }
    const m = /^\/rest\/api\/3\/issue\/([^/]+)(?:\/(comment|transitions))?$/.exec(req.path);
    const issue = m ? find(decodeURIComponent(m[1] as string)) : undefined;
    if (m && !issue)
      return error(404, ['Issue does not exist or you do not have permission to see it.']);
    if (issue && m?.[2] === undefined && req.method === 'GET')
      return {
        status: 200,
        body: {
          id: issue.id,
          key: issue.key,
          fields: { status: { name: issue.status }, summary: issue.summary },
        },
      };
    if (issue && m?.[2] === 'comment') {
      if (req.method === 'GET')
        return {
          status: 200,
          body: {
            comments: issue.comments,
            startAt: 0,
            maxResults: 100,
            total: issue.comments.length,
          },
        };
      const c = body?.body as { type?: unknown } | undefined;
      if (!c || c.type !== 'doc')
        return error(400, [], { comment: 'Comment body must be an Atlassian Document.' });
      const comment = { id: String(20000 + issue.comments.length), body: c };
      issue.comments.push(comment);
      return {
        status: 201,
        body: {
          ...comment,
          self: `${server.url}/rest/api/3/issue/${issue.id}/comment/${comment.id}`,
        },
      };
    }
    if (issue && m?.[2] === 'transitions') {
      const available = WORKFLOW[issue.status] ?? [];
      if (req.method === 'GET')
        return {
          status: 200,
          body: {
            transitions: available.map((t) => ({ id: t.id, name: t.name, to: { name: t.to } })),
          },
        };
      const id = String((body?.transition as { id?: unknown } | undefined)?.id);
      const t = available.find((x) => x.id === id);
      if (!t) return error(400, [`Transition id '${id}' is not valid for this issue.`]);
      issue.status = t.to;
      return { status: 204 };
    }
    return error(404, ['Not found']);
  });
  return { server, issues };
}
