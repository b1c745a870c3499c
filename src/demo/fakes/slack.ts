import { FakeServer, type FakeReply } from './fake-server.js';

/**
 * Slack incoming webhook: POST /services/T…/B…/<secret> with JSON; 200 plain-text `ok`;
 * errors are plain-text codes (400 invalid_payload / no_text, 404 no_service, 410
 * channel_is_archived); 429 with Retry-After.
 */
export function slackFake(secretPath: string): { server: FakeServer; posts: unknown[] } {
  const posts: unknown[] = [];
  const server = new FakeServer((req): FakeReply => {
    if (req.method !== 'POST' || req.path !== secretPath)
      return { status: 404, body: 'no_service' };
    if (req.json === undefined) return { status: 400, body: 'invalid_payload' };
    const text = (req.json as { text?: unknown }).text;
    if (typeof text !== 'string' || text === '') return { status: 400, body: 'no_text' };
    posts.push(req.json);
    return { status: 200, body: 'ok' };
  });
  return { server, posts };
}
