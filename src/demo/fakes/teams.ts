import { FakeServer, type FakeReply } from './fake-server.js';

/**
 * Microsoft Teams webhooks: Workflows take {type:"message", attachments:[Adaptive Card]} and
 * answer 202; legacy connectors take a MessageCard and answer 200 "1". Errors are plain text
 * (400 bad card, 404 webhook gone, 413 too large, 429).
 */
export function teamsFake(
  secretPath: string,
  format: 'workflows' | 'legacy',
): { server: FakeServer; posts: unknown[] } {
  const posts: unknown[] = [];
  const server = new FakeServer((req): FakeReply => {
    if (req.method !== 'POST' || req.path !== secretPath)
      return { status: 404, body: 'Webhook not found' };
    const body = req.json as
      { type?: unknown; attachments?: { contentType?: unknown }[]; '@type'?: unknown } | undefined;
    if (format === 'workflows') {
      if (
        body?.type !== 'message' ||
        body.attachments?.[0]?.contentType !== 'application/vnd.microsoft.card.adaptive'
      )
        return { status: 400, body: 'Bad payload: Adaptive Card expected' };
      posts.push(body);
      return { status: 202 };
    }
    if (body?.['@type'] !== 'MessageCard')
      return { status: 400, body: 'Summary or Text is required.' };
    posts.push(body);
    return { status: 200, body: '1' };
  });
  return { server, posts };
}
