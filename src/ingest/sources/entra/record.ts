import type { NormalisedEvent } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import { EventMaps, Fields, readIpValue, readRfc3339Value } from '../identity-shared/index.js';
import { readSignIn, TIME_HINT } from './sign-in.js';

/**
 * One Azure Monitor resource-log record (Event Hub / storage export of SignInLogs): the
 * envelope (`time`, `resultType`, `callerIpAddress`, 2-letter `location`) around the signIn
 * in `properties`. The envelope fills what `properties` lacks.
 */
export function readRecord(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  const record = Fields.of(value, at, 'an Azure Monitor record object (with "properties")');
  if (record === undefined) return undefined;
  const maps = new EventMaps();
  const timeAt = record.loc('time');
  const time = readRfc3339Value(record.value('time'), timeAt, TIME_HINT);
  const resultType = readResultType(record);
  const callerIp = readIpValue(record.value('callerIpAddress'), record.loc('callerIpAddress'));
  const country = readEnvelopeCountry(record);
  maps.label('category', record.str('category'));
  maps.label('operation_name', record.str('operationName'));
  maps.label('result_signature', record.str('resultSignature'));
  maps.label('result_description', record.str('resultDescription'));
  const tenant = record.str('tenantId');

  const properties = record.obj('properties', 'the sign-in object');
  if (properties === undefined) {
    if (!record.has('properties'))
      record
        .loc('properties')
        .error('is required: the sign-in itself (userPrincipalName, status, …).');
    return undefined;
  }
  const event = readSignIn(
    properties,
    {
      time,
      timeAt,
      resultType,
      hasResultType: record.has('resultType'),
      callerIp,
      country,
      maps,
      tenant,
    },
    ctx,
  );
  return event && { ...event, raw: value };
}

/** Exports write `resultType` as a string ("0", "50126"); Graph's integer belongs in status.errorCode. */
function readResultType(record: Fields): string | undefined {
  const value = record.value('resultType');
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return value.trim();
  const fix = typeof value === 'number' ? ` Send "${String(value)}" in quotes.` : '';
  record
    .loc('resultType')
    .error(
      `must be the error code as a string ("0" for success, e.g. "50126" for a bad password); got ${got(value)}.${fix}`,
    );
  return undefined;
}

/** The envelope's `location` is a 2-letter country; the detailed object lives in properties. */
function readEnvelopeCountry(record: Fields): string | undefined {
  const value = record.value('location');
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && /^[A-Za-z]{2}$/.test(value)) return value.toUpperCase();
  const moved =
    typeof value === 'object' ? ' The location object belongs in properties.location.' : '';
  record
    .loc('location')
    .error(`must be a 2-letter country code such as "SG"; got ${got(value)}.${moved}`);
  return undefined;
}
