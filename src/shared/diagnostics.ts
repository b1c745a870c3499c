/**
 * One problem found in a user-written file (rule, playbook, connector, config).
 * Validators collect every diagnostic instead of throwing at the first one, so a
 * user fixes all problems in one pass.
 */
import type { ErrorCode } from './error-codes.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code, e.g. `CORDON_ERR_PLAYBOOK_UNKNOWN_TARGET`. Never reused once retired. */
  readonly code: ErrorCode;
  readonly severity: Severity;
  /** "<subject> <problem>; got <value>. <fix>." */
  readonly message: string;
  readonly file: string;
  /** 1-based; 0 when no position is known. */
  readonly line: number;
  /** 1-based; 0 when no position is known. */
  readonly column: number;
  /** YAML path of the offending node, e.g. `states.throttle.next`. Empty for the whole file. */
  readonly path: string;
}

/** `file:line:col error CODE message (at path)` — the format editors and CI logs recognise. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const at = d.path ? ` (at ${d.path})` : '';
  return `${where} ${d.severity} ${d.code} ${d.message}${at}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Renders a YAML path array as `a.b[0].c`; keys that are not plain identifiers are quoted. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}
