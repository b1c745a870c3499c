import { CordonError } from '../../shared/errors.js';
import type { ErrorCode } from '../../shared/error-codes.js';

/**
 * Outbound failures a retry cannot fix. The action worker fails the job at once on these
 * instead of spending its attempts (a 400 stays a 400; a refused host stays refused).
 */
export const NON_RETRYABLE_CONNECTOR_CODES: readonly ErrorCode[] = [
  'CORDON_ERR_ACTION_REJECTED',
  'CORDON_ERR_ACTION_UNAUTHORIZED',
  'CORDON_ERR_ACTION_HOST_REFUSED',
  'CORDON_ERR_ACTION_RESPONSE',
  'CORDON_ERR_CONNECTOR_SECRET',
];

/** The stable code for a final HTTP status (after any retries). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'CORDON_ERR_ACTION_UNAUTHORIZED';
  if (status === 408 || status === 425 || status === 429 || status >= 500)
    return 'CORDON_ERR_ACTION_UNAVAILABLE';
  return 'CORDON_ERR_ACTION_REJECTED';
}

/** An outbound error; `details.status` carries the HTTP status when there was one. */
export function outboundError(code: ErrorCode, message: string, status?: number): CordonError {
  return new CordonError(code, message, status === undefined ? {} : { details: { status } });
}
