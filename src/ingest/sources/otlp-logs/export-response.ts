import type { NormaliseResult } from '../../normalizers/types.js';

/** The OTLP/HTTP reply for a logs export (OTLP spec "OTLP/HTTP Response"). */
export interface OtlpExportReply {
  readonly status: number;
  readonly body: unknown;
}

/** gRPC INVALID_ARGUMENT, the code OTLP/HTTP uses in a `google.rpc.Status` for a bad request. */
const INVALID_ARGUMENT = 3;

/**
 * What an OTLP exporter expects back: 200 with `{}` when all records went in; 200 with
 * `partialSuccess` (how many records were refused and why) when some were — exporters must
 * not retry those; 400 with a `Status` when the whole export was refused (not retryable).
 * Errors are summarised: the first few reasons, which name the record paths.
 */
export function otlpExportResponse(result: NormaliseResult, maxReasons = 5): OtlpExportReply {
  const describe = (errors: readonly { path: string; reason: string }[]): string =>
    errors
      .slice(0, maxReasons)
      .map((e) => `${e.path === '' ? '(body)' : e.path}: ${e.reason}`)
      .join('; ') + (errors.length > maxReasons ? `; and ${errors.length - maxReasons} more` : '');
  if (!result.ok)
    return { status: 400, body: { code: INVALID_ARGUMENT, message: describe(result.errors) } };
  const rejected = result.rejected ?? [];
  if (rejected.length === 0) return { status: 200, body: {} };
  return {
    status: 200,
    body: {
      partialSuccess: {
        // int64 is a string in OTLP/JSON.
        rejectedLogRecords: String(rejected.length),
        errorMessage: describe(rejected.flatMap((item) => item.errors)),
      },
    },
  };
}
