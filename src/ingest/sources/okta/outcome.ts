import type { Outcome, Severity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';

/** `outcome.result`: SUCCESS/ALLOW and FAILURE/DENY are verdicts; SKIPPED, CHALLENGE … are not. */
export function oktaOutcome(result: string): Outcome {
  switch (result.toUpperCase()) {
    case 'SUCCESS':
    case 'ALLOW':
      return 'success';
    case 'FAILURE':
    case 'DENY':
      return 'failure';
    default:
      return 'unknown';
  }
}

const SEVERITIES: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['DEBUG', 'info'],
  ['INFO', 'info'],
  ['WARN', 'medium'],
  ['ERROR', 'high'],
]);

/** ingest-formats §0.5: DEBUG/INFO → info, WARN → medium, ERROR → high; unknown → info + warning. */
export function oktaSeverity(value: string | undefined, at: Location): Severity {
  if (value === undefined) return 'info';
  const level = SEVERITIES.get(value.trim().toUpperCase());
  if (level !== undefined) return level;
  at.warn(`${got(value)} is not an Okta severity (DEBUG, INFO, WARN, ERROR); used "info".`);
  return 'info';
}

/**
 * Session and authentication events are sign-ins (or their ends); everything else in the
 * System Log (user lifecycle, policy, app changes) is an audit trail entry.
 */
export function isLoginEventType(eventType: string): boolean {
  return eventType.startsWith('user.session.') || eventType.startsWith('user.authentication.');
}
