import type { FieldError } from '../../ingest/normalizers/types.js';
import { langfuseMultiStatus } from '../../ingest/sources/langfuse/multi-status.js';
import type { DropInProtocol } from './protocol.js';

/**
 * Langfuse's ingestion API (`POST /api/public/ingestion`, Basic public:secret key): answers 207
 * Multi-Status item by item, so SDKs pointed at Cordon retry only what failed.
 */
export const langfuseIngestion: DropInProtocol = {
  name: 'langfuse',
  sourceType: 'langfuse',
  routes: [
    { paths: ['/api/public/ingestion'], endpoint: 'ingestion', mediaType: 'application/json' },
  ],
  accepted(outcome, context) {
    const body = langfuseMultiStatus(context.body, {
      ok: true,
      events: [],
      warnings: [],
      rejected: [...outcome.rejected],
    });
    return { status: 207, body: body ?? { successes: [], errors: [] } };
  },
  refused(status, error, context) {
    const errors = (error.details?.errors ?? []) as FieldError[];
    const perItem =
      status === 400 && Array.isArray(errors)
        ? langfuseMultiStatus(context.body, { ok: false, errors })
        : undefined;
    return perItem ?? { message: error.message, error: error.code };
  },
};
