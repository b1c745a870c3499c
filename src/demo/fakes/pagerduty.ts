import { FakeServer, type FakeReply } from './fake-server.js';

export interface FakeAlert {
  status: 'triggered' | 'resolved';
  triggers: number;
  summary: string;
  severity: string;
}

/**
 * PagerDuty Events API v2: POST /v2/enqueue, no auth header, routing_key (32 chars) in the
 * body; 202 {status:"success", message:"Event processed", dedup_key}; 400 "invalid event";
 * triggers with an open alert's dedup_key merge into it; resolve of a resolved key is 202.
 */
export function pagerdutyFake(routingKey: string): {
  server: FakeServer;
  alerts: Map<string, FakeAlert>;
} {
  const alerts = new Map<string, FakeAlert>();
  let generated = 0;
  const invalid = (error: string): FakeReply => ({
    status: 400,
    body: { status: 'invalid event', message: 'Event object is invalid', errors: [error] },
  });
  const server = new FakeServer((req): FakeReply => {
    if (req.method !== 'POST' || req.path !== '/v2/enqueue')
      return { status: 404, body: { message: 'Not found' } };
    const body = req.json as
      | {
          routing_key?: unknown;
          event_action?: unknown;
          dedup_key?: unknown;
          payload?: { summary?: unknown; severity?: unknown; source?: unknown };
        }
      | undefined;
    if (!body)
      return {
        status: 400,
        body: {
          status: 'Unrecognized object',
          message: 'Event object format is unrecognized',
          errors: ['JSON parse error'],
        },
      };
    if (typeof body.routing_key !== 'string' || body.routing_key.length !== 32)
      return invalid("'routing_key' must be 32 characters");
    if (body.routing_key !== routingKey) return invalid('Invalid routing key');
    const key = typeof body.dedup_key === 'string' ? body.dedup_key : `generated-${++generated}`;
    if (body.event_action === 'trigger') {
      const p = body.payload;
      if (
        !p ||
        typeof p.summary !== 'string' ||
        typeof p.source !== 'string' ||
        !['critical', 'error', 'warning', 'info'].includes(String(p.severity))
      )
        return invalid("'payload' must have summary, source and a valid severity");
      const open = alerts.get(key);
      if (open?.status === 'triggered') open.triggers += 1;
      else
        alerts.set(key, {
          status: 'triggered',
          triggers: 1,
          summary: p.summary,
          severity: String(p.severity),
        });
    } else if (body.event_action === 'resolve' || body.event_action === 'acknowledge') {
      if (typeof body.dedup_key !== 'string') return invalid("'dedup_key' is required for resolve");
      const a = alerts.get(key);
      // Accepted even when nothing is open: the event is simply dropped.
      if (a && body.event_action === 'resolve') a.status = 'resolved';
    } else return invalid("'event_action' must be trigger, acknowledge or resolve");
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: key } };
  });
  return { server, alerts };
}
