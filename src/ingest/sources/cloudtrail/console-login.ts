import type { Outcome, Severity } from '../../canonical-event.js';
import { got } from '../../normalizers/json-values.js';
import type { EventMaps, Fields } from '../identity-shared/index.js';

/**
 * The sign-in specifics of a `ConsoleLogin` record: the verdict in
 * `responseElements.ConsoleLogin` and the MFA facts in `additionalEventData`.
 */
export function readConsoleLogin(record: Fields, maps: EventMaps): Outcome {
  const response = record.obj('responseElements', 'an object such as {"ConsoleLogin": "Success"}');
  const verdict = response?.str('ConsoleLogin', '"Success" or "Failure"');
  const extra = record.obj('additionalEventData');
  if (extra !== undefined) {
    readMfaUsed(extra, maps);
    maps.label('login_to', extra.str('LoginTo'));
    maps.label('mobile_version', extra.str('MobileVersion'));
    maps.label('mfa_identifier', extra.str('MFAIdentifier'));
    maps.label('mfa_type', extra.str('MfaType'));
    maps.label('credential_type', extra.str('CredentialType'));
  }
  if (verdict === 'Success') return 'success';
  if (verdict === 'Failure') return 'failure';
  maps.label('console_login', verdict);
  // No verdict but an error message: CloudTrail only writes errorMessage for failed sign-ins.
  return verdict === undefined && record.has('errorMessage') ? 'failure' : 'unknown';
}

/** `MFAUsed` is the string "Yes"/"No"; it becomes `mfa_used` "true"/"false" like the other identity kinds. */
function readMfaUsed(extra: Fields, maps: EventMaps): void {
  const value = extra.value('MFAUsed');
  if (value === undefined || value === null) return;
  if (value === 'Yes' || value === 'No') {
    maps.label('mfa_used', value === 'Yes' ? 'true' : 'false');
    return;
  }
  const fix = typeof value === 'boolean' ? ` Send "${value ? 'Yes' : 'No'}".` : '';
  extra
    .loc('MFAUsed')
    .error(`must be "Yes" or "No" (CloudTrail writes a string); got ${got(value)}.${fix}`);
}

/**
 * A failed console sign-in is low; a successful root sign-in is medium (AWS advises against
 * using root at all); other successes are info.
 */
export function consoleLoginSeverity(outcome: Outcome, userType: string | undefined): Severity {
  if (outcome === 'failure') return 'low';
  return userType === 'Root' && outcome === 'success' ? 'medium' : 'info';
}
