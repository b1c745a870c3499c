import type { DropInProtocol } from './protocol.js';

/** google.rpc.Code values OTLP/HTTP puts in its Status body. */
const RPC_CODE: Readonly<Record<number, number>> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  413: 8, // RESOURCE_EXHAUSTED
  415: 3,
  429: 8,
  503: 14, // UNAVAILABLE
};

/**
 * OTLP/HTTP logs with the JSON encoding (`POST /v1/logs`): success is `{}` or a
 * `partialSuccess` naming how many records were refused and why; errors are a google.rpc.Status.
 */
export const otlpLogs: DropInProtocol = {
  name: 'otlp-logs',
  sourceType: 'otlp-logs',
  routes: [{ paths: ['/v1/logs'], endpoint: 'logs' }],
  accepted(outcome) {
    if (outcome.rejected.length === 0) return { status: 200, body: {} };
    const first = outcome.rejected[0]?.errors[0];
    return {
      status: 200,
      body: {
        partialSuccess: {
          rejectedLogRecords: String(outcome.rejected.length),
          errorMessage: `${outcome.rejected.length} log record(s) refused${first ? `; first: ${first.path}: ${first.reason}` : ''}. They are kept as dead letter ${outcome.deadLetterId ?? ''}.`,
        },
      },
    };
  },
  refused(status, error) {
    return { code: RPC_CODE[status] ?? 13, message: error.message, details: [] };
  },
};
