import type { Outcome, Severity } from '../../canonical-event.js';

/** Entra error codes meaning "MFA was required" (50074/50076 strong auth, 50079 registration). */
const MFA_REQUIRED_CODES = new Set(['50074', '50076', '50079']);

export function isMfaRequiredCode(code: string): boolean {
  return MFA_REQUIRED_CODES.has(code);
}

/** Entra's verdict is the error code: 0 is a successful sign-in, anything else failed. */
export function outcomeFromCode(code: string | undefined): Outcome {
  if (code === undefined) return 'unknown';
  return code === '0' ? 'success' : 'failure';
}

const RISK_ORDER: readonly string[] = ['none', 'low', 'medium', 'high'];

/**
 * Entra's own risk verdict (the higher of risk during sign-in and aggregated risk) sets the
 * severity when it says anything; otherwise a failed sign-in is low and the rest info.
 */
export function signInSeverity(outcome: Outcome, risks: readonly (string | undefined)[]): Severity {
  let highest = 0;
  for (const risk of risks)
    highest = Math.max(highest, RISK_ORDER.indexOf(risk?.toLowerCase() ?? ''));
  if (highest === 3) return 'high';
  if (highest === 2) return 'medium';
  if (highest === 1) return 'low';
  return outcome === 'failure' ? 'low' : 'info';
}
