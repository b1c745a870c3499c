import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeGitHubIssue {
  number: number;
  title: string;
  labels: string[];
  state: 'open' | 'closed';
}

/**
 * GitHub REST issues: Bearer token, a required User-Agent (403 without), JSON errors
 * {message, documentation_url}; the primary rate limit answers 403 with
 * x-ratelimit-remaining: 0 and x-ratelimit-reset (epoch seconds).
 */
export function githubFake(
  repo: string,
  token: string,
): { server: FakeServer; issues: FakeGitHubIssue[] } {
  const issues: FakeGitHubIssue[] = [];
  const error = (status: number, message: string): FakeReply => ({
    status,
    body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
  });
  const server = new FakeServer((req): FakeReply => {
    if (!req.headers['user-agent'])
      return error(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header',
      );
    if (req.headers.authorization !== `Bearer ${token}`) return error(401, 'Bad credentials');
    if (req.path !== `/repos/${repo}/issues`) return error(404, 'Not Found');
    if (req.method === 'GET') {
      const label = req.query.get('labels');
      const state = req.query.get('state') ?? 'open';
      const hits = issues.filter(
        (i) =>
          (label === null || i.labels.includes(label)) && (state === 'all' || i.state === state),
      );
      return {
        status: 200,
        body: hits.map((i) => ({
          number: i.number,
          title: i.title,
          html_url: `https://github.com/${repo}/issues/${i.number}`,
          labels: i.labels.map((name) => ({ name })),
        })),
      };
    }
    const body = (req.json ?? {}) as { title?: unknown; labels?: unknown };
    if (typeof body.title !== 'string' || body.title === '')
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
        },
      };
    const issue: FakeGitHubIssue = {
      number: issues.length + 1,
      title: body.title,
      labels: Array.isArray(body.labels) ? (body.labels as string[]) : [],
      state: 'open',
    };
    issues.push(issue);
    return {
      status: 201,
      headers: { location: `${server.url}/repos/${repo}/issues/${issue.number}` },
      body: { number: issue.number, html_url: `https://github.com/${repo}/issues/${issue.number}` },
    };
  });
  return { server, issues };
}
