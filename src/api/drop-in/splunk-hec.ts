import type { DropInProtocol } from './protocol.js';

/**
 * Splunk HTTP Event Collector (ingest-formats §1.2): `/services/collector[/event]` for JSON
 * envelopes, `/raw` for lines, `/ack` for indexer acknowledgement. Cordon answers only once
 * events are durable, so every ackId it hands out is already acknowledged.
 */
let nextAckId = 0;

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
    const channel = context.headers['x-splunk-request-channel'];
    return {
      status: 200,
      body: { text: 'Success', code: 0, ...(channel ? { ackId: (nextAckId += 1) } : {}) },
    };
  },
  refused(status, error) {
    return hecError(status, error.message, firstIndex(error.details?.errors));
  },
};
