import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { EventMaps, finishEvent, readIpValue, readRfc3339Value } from '../identity-shared/index.js';
import type { Fields } from '../identity-shared/index.js';
import { isMfaRequiredCode, outcomeFromCode, signInSeverity } from './outcome.js';

export const TIME_HINT =
  'Entra writes UTC times; a time without a zone is ambiguous, so add "Z" (e.g. "2024-06-10T16:03:40.9113302Z").';

/**
 * What the Azure Monitor envelope (`records[]`) adds or overrides. Graph sign-ins have none.
 */
export interface RecordEnvelope {
  readonly time: number | undefined;
  readonly timeAt: Location;
  /** `resultType` as sent ("0", "50126"), already validated. */
  readonly resultType: string | undefined;
  /** Whether the record had a resultType at all (a bad one is already reported). */
  readonly hasResultType: boolean;
  readonly callerIp: string | undefined;
  readonly country: string | undefined;
  readonly maps: EventMaps;
  readonly tenant: string | undefined;
}

/**
 * One signIn resource (Graph) or the `properties` of one exported record → a login event.
 * Undefined when the item cannot become an event; its problems are reported at their paths.
 */
export function readSignIn(
  signIn: Fields,
  envelope: RecordEnvelope | undefined,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const maps = envelope?.maps ?? new EventMaps();
  const entity: Entity = {};
  const createdAt = signIn.loc('createdDateTime');
  const created = readRfc3339Value(signIn.value('createdDateTime'), createdAt, TIME_HINT);

  const upn = signIn.str('userPrincipalName');
  if (upn !== undefined && upn.trim() === '')
    signIn
      .loc('userPrincipalName')
      .error(
        'must be the user\'s sign-in name (e.g. "bob@contoso.com"); got "" (an empty string). ' +
          'Leave it out (or null) for sign-ins without a user.',
      );
  else if (upn !== undefined) entity.user = upn;

  const ip = readIpValue(signIn.value('ipAddress'), signIn.loc('ipAddress')) ?? envelope?.callerIp;
  if (ip !== undefined) entity.ip = ip;
  const userAgent = signIn.str('userAgent');
  if (userAgent) entity.user_agent = userAgent;
  const tenant = signIn.str('tenantId') ?? envelope?.tenant;
  if (tenant) entity.tenant = tenant;
  readLocation(signIn, entity, envelope?.country);

  // Both are read, so a bad errorCode is reported even when the envelope's resultType decides.
  const { code: statusCode, status } = readErrorCode(signIn);
  const code = envelope?.resultType ?? statusCode;
  // The error code is the sign-in's verdict: without one there is no login to speak of.
  if (code === undefined && envelope?.hasResultType !== true) {
    const verdict =
      'the failure code (e.g. 50126), or 0 for a successful sign-in' +
      (envelope ? ', unless the record carries resultType.' : '.');
    if (!signIn.has('status'))
      signIn.loc('status').error(`is required: {"errorCode": …} with ${verdict}`);
    else if (status !== undefined && !status.has('errorCode'))
      status.loc('errorCode').error(`is required: ${verdict}`);
  }
  const outcome = outcomeFromCode(code);
  maps.label('error_code', code);
  // Entra writes "Other." as failureReason on successes: only a failure's reason means anything.
  if (outcome !== 'success') maps.label('failure_reason', status?.str('failureReason'));
  maps.label('additional_details', status?.str('additionalDetails'));
  if (code !== undefined && isMfaRequiredCode(code)) maps.label('mfa_required', 'true');

  readLabels(signIn, maps);
  const id = signIn.str('id');
  if (id !== undefined && id.trim() === '')
    signIn.loc('id').error('must be the sign-in id (a GUID); got "" (an empty string).');

  const event: Omit<NormalisedEvent, 'time'> = {
    id:
      id !== undefined && id.trim() !== ''
        ? id
        : prefixedHashId(
            'entra',
            [signIn.str('correlationId'), signIn.str('createdDateTime'), upn, code]
              .map((part) => part ?? '')
              .join('|'),
          ),
    kind: 'login',
    name: 'Sign-in activity',
    severity: signInSeverity(outcome, [
      signIn.str('riskLevelDuringSignIn'),
      signIn.str('riskLevelAggregated'),
    ]),
    outcome,
    entity,
    measures: maps.measures,
    labels: maps.labels,
  };
  const time = created ?? envelope?.time;
  return finishEvent(
    event,
    time,
    ctx,
    created === undefined && envelope ? envelope.timeAt : createdAt,
  );
}

/** Graph's `status.errorCode` is an integer; a string one is a sender-side type slip. */
function readErrorCode(signIn: Fields): { code: string | undefined; status: Fields | undefined } {
  const status = signIn.obj('status', 'an object with errorCode and failureReason');
  if (status === undefined) return { code: undefined, status };
  const code = status.value('errorCode');
  if (code === undefined || code === null) return { code: undefined, status };
  if (typeof code === 'number' && Number.isInteger(code)) return { code: String(code), status };
  const unquote =
    typeof code === 'string' && /^\d+$/.test(code) ? ` Send ${code} without quotes.` : '';
  status
    .loc('errorCode')
    .error(
      `must be an integer (0 for success, e.g. 50126 for a bad password); got ${got(code)}.${unquote}`,
    );
  return { code: undefined, status };
}

function readLocation(signIn: Fields, entity: Entity, envelopeCountry: string | undefined): void {
  const location = signIn.obj('location', 'an object with city, state and countryOrRegion');
  const geo: NonNullable<Entity['geo']> = {};
  const country = location?.str('countryOrRegion') ?? envelopeCountry;
  const region = location?.str('state');
  const city = location?.str('city');
  if (country) geo.country = country;
  if (region) geo.region = region;
  if (city) geo.city = city;
  if (Object.keys(geo).length > 0) entity.geo = geo;
}

const PLAIN_LABELS: readonly [string, string][] = [
  ['userId', 'user_id'],
  ['userDisplayName', 'user_display_name'],
  ['appId', 'app_id'],
  ['appDisplayName', 'app_name'],
  ['clientAppUsed', 'client_app'],
  ['correlationId', 'correlation_id'],
  ['conditionalAccessStatus', 'conditional_access_status'],
  ['isInteractive', 'is_interactive'],
  ['riskDetail', 'risk_detail'],
  ['riskLevelAggregated', 'risk_level_aggregated'],
  ['riskLevelDuringSignIn', 'risk_level_during_sign_in'],
  ['riskState', 'risk_state'],
  ['resourceDisplayName', 'resource_name'],
  ['resourceId', 'resource_id'],
  ['authenticationRequirement', 'authentication_requirement'],
  ['servicePrincipalName', 'service_principal_name'],
];

function readLabels(signIn: Fields, maps: EventMaps): void {
  for (const [key, label] of PLAIN_LABELS) {
    const value = signIn.value(key);
    if (typeof value === 'boolean') maps.label(label, value);
    else maps.label(label, signIn.str(key));
  }
  const riskTypes = signIn.list('riskEventTypes_v2') ?? signIn.list('riskEventTypes');
  const names = (riskTypes ?? []).filter((t): t is string => typeof t === 'string');
  if (names.length > 0) maps.label('risk_event_types', names.join(', '));
  const device = signIn.obj('deviceDetail');
  maps.label('device_id', device?.str('deviceId'));
  maps.label('device_name', device?.str('displayName'));
  maps.label('device_os', device?.str('operatingSystem'));
  maps.label('device_browser', device?.str('browser'));
  maps.label('device_trust_type', device?.str('trustType'));
  maps.label('device_compliant', device?.value('isCompliant'));
  maps.label('device_managed', device?.value('isManaged'));
  const mfa = signIn.obj('mfaDetail');
  maps.label('mfa_auth_method', mfa?.str('authMethod'));
  maps.label('mfa_auth_detail', mfa?.str('authDetail'));
  const policies = signIn.list('appliedConditionalAccessPolicies') ?? [];
  const failed = policies.flatMap((policy) => {
    if (!isJsonObject(policy) || policy.result !== 'failure') return [];
    return typeof policy.displayName === 'string' ? [policy.displayName] : [];
  });
  if (failed.length > 0) maps.label('conditional_access_failed_policies', failed.join(', '));
}
