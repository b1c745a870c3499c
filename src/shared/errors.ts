import type { Diagnostic } from './diagnostics.js';
import { formatDiagnostic } from './diagnostics.js';
import type { ErrorCode } from './error-codes.js';

/**
 * Base of every error Cordon raises on purpose. `code` is stable and documented in
 * `error-codes.ts`; callers branch on `code`, never on `message`. `name` is set so errors
 * that crossed a process boundary (BullMQ job failures) can still be classified.
 */
export class CordonError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}
CordonError.prototype.name = 'CordonError';

/** A user definition (YAML files, config) has problems; carries all of them. */
export class DefinitionError extends CordonError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(code: ErrorCode, summary: string, diagnostics: readonly Diagnostic[]) {
    const lines = diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n');
    super(code, lines ? `${summary}\n${lines}` : summary, {
      details: { diagnostics: diagnostics.map((d) => ({ ...d })) },
    });
    this.diagnostics = diagnostics;
  }
}
DefinitionError.prototype.name = 'DefinitionError';

export function isCordonError(err: unknown): err is CordonError {
  return (
    err instanceof CordonError ||
    (typeof err === 'object' &&
      err !== null &&
      typeof (err as { code?: unknown }).code === 'string' &&
      String((err as { code: string }).code).startsWith('CORDON_ERR_'))
  );
}
