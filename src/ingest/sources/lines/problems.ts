import type { Location } from '../../normalizers/findings.js';

/**
 * What a pure line parser found wrong, by field (`['extension', 'rt']`), so the parsers stay
 * testable on their own and the kind turns each into a located error or warning.
 */
export interface Problem {
  readonly at: readonly string[];
  readonly reason: string;
  /** A warning keeps the message (the field is dropped or defaulted); an error refuses it. */
  readonly warning?: boolean;
}

export class Problems {
  readonly list: Problem[] = [];

  error(at: readonly string[], reason: string): void {
    this.list.push({ at, reason });
  }

  warn(at: readonly string[], reason: string): void {
    this.list.push({ at, reason, warning: true });
  }

  get failed(): boolean {
    return this.list.some((p) => p.warning !== true);
  }
}

/** Reports problems under a message's location (its batch item). */
export function reportProblems(problems: readonly Problem[], at: Location): void {
  for (const problem of problems) {
    let where = at;
    for (const segment of problem.at) where = where.child(segment);
    if (problem.warning === true) where.warn(problem.reason);
    else where.error(problem.reason);
  }
}
