import type { FastifyPluginAsync } from 'fastify';
import { CordonError } from '../../shared/errors.js';
import { CURSOR_PATTERN, type ChangeKind } from '../../store/change-feed.js';
import { principalOf } from '../auth.js';
import { READ_ROLES, type ApiDeps } from '../deps.js';
import { ChangeStream } from '../stream/change-stream.js';
import { projectTo, sseMessage, sseRetry } from '../stream/sse.js';
import { errorResponses } from '../schemas.js';
import { approvalSchema } from './approvals.js';
import { incidentSchema } from './incidents.js';
import { runSchema } from './runs.js';

/** How long a client waits before reconnecting after a dropped stream (ms). */
const RETRY_MS = 2_000;

/**
 * GET /v1/stream: the live change feed as server-sent events. Read by fetch + a stream reader
 * (the console sends its bearer token as a header, which EventSource cannot), resumable with
 * `Last-Event-ID` (or `?after=`) from whatever the feed still holds.
 */
export const streamRoutes: FastifyPluginAsync<ApiDeps> = async (app, deps) => {
  const { feed, watcher, maxPerPrincipal, heartbeatMs } = deps.stream;
  const open = new Set<ChangeStream>();
  /** Streams per principal, counted from the moment one is admitted. */
  const counts = new Map<string, number>();
  const release = (principal: string): void => {
    const left = (counts.get(principal) ?? 1) - 1;
    if (left > 0) counts.set(principal, left);
    else counts.delete(principal);
  };
  // Streams never end on their own: end them first, or closing the server would wait forever.
  app.addHook('preClose', async () => {
    for (const s of [...open]) s.terminate();
  });

  const load = async (kind: ChangeKind, ids: readonly string[]) => {
    const out = new Map<string, unknown>();
    if (kind === 'incident')
      for (const i of await deps.incidents.summaries(ids))
        out.set(i.id, projectTo(incidentSchema, i));
    else if (kind === 'approval')
      for (const a of await deps.approvals.getMany(ids))
        out.set(a.id, projectTo(approvalSchema, a));
    else for (const r of await deps.runs.getMany(ids)) out.set(r.id, projectTo(runSchema, r));
    return out;
  };

  app.get<{ Querystring: { after?: string }; Headers: { 'last-event-id'?: string } }>(
    '/v1/stream',
    {
      config: { roles: READ_ROLES },
      schema: {
        operationId: 'streamChanges',
        summary: 'Live changes of incidents, approvals and runs (server-sent events)',
        description: [
          'A `text/event-stream` that stays open. Events: `incident`, `approval` and `run`, each',
          'carrying the object as an item of GET /v1/incidents, /v1/approvals or /v1/runs lists it,',
          'sent when it was created or changed (several changes close together may arrive as one);',
          '`ready` once at the start (`{cursor}`); `reset` when the resume point is no longer held',
          '(refetch the lists, then go on). Every event has an `id:`: reconnect with',
          '`Last-Event-ID: <id>` (or `?after=<id>`) to get what changed since, without loss while',
          'the feed still holds it (about the last 50,000 changes). A comment line (`: ping`) comes',
          'every 15 s (CORDON_STREAM_HEARTBEAT_MS). At most CORDON_STREAMS_PER_PRINCIPAL open',
          'streams per principal and process (429 past it).',
        ].join(' '),
        tags: ['stream'],
        headers: {
          type: 'object',
          properties: {
            'last-event-id': {
              type: 'string',
              pattern: CURSOR_PATTERN.source,
              description: 'Resume after this event id.',
            },
          },
        },
        querystring: {
          type: 'object',
          properties: {
            after: {
              type: 'string',
              pattern: CURSOR_PATTERN.source,
              description: 'Resume after this event id (for clients that cannot set headers).',
            },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            description: 'The event stream (never ends on its own).',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const already = counts.get(principal.id) ?? 0;
      if (already >= maxPerPrincipal)
        throw new CordonError(
          'CORDON_ERR_API_STREAM_LIMIT',
          `Principal "${principal.id}" already has ${already} open streams (CORDON_STREAMS_PER_PRINCIPAL is ${maxPerPrincipal}); close one (one stream per browser tab is enough).`,
          { details: { open: already, limit: maxPerPrincipal } },
        );
      counts.set(principal.id, already + 1);
      const resumeFrom = request.headers['last-event-id'] ?? request.query.after;
      let lost: boolean;
      let cursor: string;
      try {
        lost = resumeFrom !== undefined && (await feed.lostAfter(resumeFrom));
        cursor = resumeFrom !== undefined && !lost ? resumeFrom : await feed.head();
      } catch (err) {
        release(principal.id);
        throw err;
      }

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        // One stream per connection: when it ends, so does the connection (no idle socket holds
        // a server close).
        connection: 'close',
        'x-content-type-options': 'nosniff',
      });
      res.write(sseRetry(RETRY_MS));
      if (lost)
        res.write(
          sseMessage({
            id: cursor,
            event: 'reset',
            data: {
              cursor,
              reason: `Changes after ${resumeFrom} are no longer held: reload the lists, then follow this stream.`,
            },
          }),
        );
      res.write(sseMessage({ id: cursor, event: 'ready', data: { cursor } }));
      request.socket.setNoDelay(true);
      // The request timeout is for reading requests; this response stays open.
      request.socket.setTimeout(0);

      const stream = new ChangeStream({
        response: res,
        feed,
        watcher,
        load,
        cursor,
        heartbeatMs,
        logger: request.log,
        onEnd: () => {
          open.delete(stream);
          release(principal.id);
        },
      });
      open.add(stream);
      // The client may have gone while the cursor was looked up.
      if (request.socket.destroyed || res.destroyed) stream.end();
      request.log.debug({ principal: principal.id, cursor }, 'change stream opened');
      await stream.pump();
    },
  );
};
