import type { DropInContext, DropInProtocol } from './protocol.js';

/**
 * Splunk HTTP Event Collector (ingest-formats §1.2): `/services/collector[/event]` for JSON
 * envelopes, `/raw` for lines, `/ack` for indexer acknowledgement. Cordon answers only once
 * events are durable, so every ackId it hands out is already acknowledged.
 */

/** Channels whose next ackId is remembered; the least recently used beyond it are forgotten. */
const ACK_CHANNEL_CAP = 10_000;

/**
 * Next ackId by channel (Splunk numbers acks per channel, from 0). A Map iterates in insertion
 * order, so re-inserting on use keeps the least recently used channel first, evicted first. A
 * forgotten channel starts again at 0; its earlier ids were durable, so nothing is lost.
 */
const nextAckIds = new Map<string, number>();

function nextAckId(channel: string): number {
  const id = nextAckIds.get(channel) ?? 0;
  nextAckIds.delete(channel);
  nextAckIds.set(channel, id + 1);
  if (nextAckIds.size > ACK_CHANNEL_CAP) {
    const oldest = nextAckIds.keys().next();
    if (!oldest.done) nextAckIds.delete(oldest.value);
  }
  return id;
}

/** The request's data channel: `X-Splunk-Request-Channel`, or `?channel=` (Splunk takes both). */
function channelOf(context: DropInContext): string | undefined {
  const header = context.headers['x-splunk-request-channel'];
  const channel = (Array.isArray(header) ? header[0] : header) || context.query.channel;
  return channel || undefined;
}

/**
 * `{"acks":[0,1,2]}` → `{"acks":{"0":true,"1":true,"2":true}}`. Every id is true: Cordon hands
 * an ackId out only in the 2xx it sends once the events are durable, and an id this process
 * never handed out came from another API process behind the same balancer (or before a
 * restart), which answered only once its events were durable too.
 */
function acknowledge(context: DropInContext): { status: number; body: unknown } {
  if (channelOf(context) === undefined)
    return { status: 400, body: { text: 'Data channel is missing', code: 10 } };
  let acks: unknown;
  try {
    acks = (JSON.parse(context.body.toString('utf8')) as { acks?: unknown } | null)?.acks;
  } catch {
    acks = undefined;
  }
  if (!Array.isArray(acks) || !acks.every((id) => Number.isSafeInteger(id) && id >= 0))
    return {
      status: 400,
      body: hecError(400, 'Send {"acks":[<ackId>, …]}: a list of non-negative integer ackIds.'),
    };
  return {
    status: 200,
    body: { acks: Object.fromEntries(acks.map((id) => [String(id), true])) },
  };
}

/** HEC status codes (text, code) by Cordon's HTTP status. */
function hecError(status: number, message: string, invalidEvent?: number): Record<string, unknown> {
  if (status === 401) return { text: 'Token is required', code: 2 };
  if (status === 403) return { text: 'Invalid token', code: 4 };
  if (status === 413) return { text: 'Content length too large', code: 27 };
  if (status === 503 || status === 429) return { text: 'Server is busy', code: 9 };
  if (status === 400 || status === 415)
    return {
      text: 'Invalid data format',
      code: 6,
      ...(invalidEvent === undefined ? {} : { 'invalid-event-number': invalidEvent }),
      cordon: message,
    };
  return { text: 'Internal server error', code: 8, cordon: message };
}

function firstIndex(errors: unknown): number | undefined {
  if (!Array.isArray(errors)) return undefined;
  for (const e of errors as { path?: unknown }[]) {
    const m = typeof e.path === 'string' ? /^\/(\d+)/.exec(e.path) : null;
    if (m) return Number(m[1]);
  }
  return undefined;
}

export const splunkHec: DropInProtocol = {
  name: 'splunk-hec',
  sourceType: 'splunk-hec',
  routes: [
    {
      paths: ['/services/collector', '/services/collector/event', '/services/collector/event/1.0'],
      endpoint: 'event',
      mediaType: 'application/json',
    },
    {
      paths: ['/services/collector/raw', '/services/collector/raw/1.0'],
      endpoint: 'raw',
      mediaType: 'text/plain',
    },
  ],
  probes: [
    {
      operation: 'splunkHecHealth',
      path: '/services/collector/health',
      method: 'GET',
      answer: () => ({ status: 200, body: { text: 'HEC is healthy', code: 17 } }),
    },
    {
      operation: 'splunkHecHealthVersioned',
      path: '/services/collector/health/1.0',
      method: 'GET',
      answer: () => ({ status: 200, body: { text: 'HEC is healthy', code: 17 } }),
    },
  ],
  acknowledgements: [
    {
      paths: ['/services/collector/ack', '/services/collector/ack/1.0'],
      name: 'ack',
      summary: 'splunk-hec indexer acknowledgement: every ackId Cordon hands out is durable',
      response: {
        description: 'Each asked ackId, acknowledged.',
        type: 'object',
        required: ['acks'],
        properties: {
          acks: {
            type: 'object',
            additionalProperties: { type: 'boolean' },
            description: 'ackId → true (the events were durable when the id was handed out).',
          },
        },
      },
      answer: acknowledge,
    },
  ],
  accepted(outcome, context) {
    if (outcome.rejected.length > 0) {
      // HEC has no partial success: the sender learns the first bad event's number; the good
      // ones are durable and a resend of them is deduplicated.
      return {
        status: 400,
        body: {
          ...hecError(
            400,
            `${outcome.accepted} accepted; refused: ${JSON.stringify(outcome.rejected.slice(0, 5))}`,
            outcome.rejected[0]?.index,
          ),
        },
      };
    }
    const channel = channelOf(context);
    return {
      status: 200,
      body: {
        text: 'Success',
        code: 0,
        ...(channel === undefined ? {} : { ackId: nextAckId(channel) }),
      },
    };
  },
  refused(status, error) {
    return hecError(status, error.message, firstIndex(error.details?.errors));
  },
};
