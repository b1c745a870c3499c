import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import {
  EventMaps,
  Fields,
  finishEvent,
  readIpValue,
  readRfc3339Value,
} from '../identity-shared/index.js';
import { consoleLoginSeverity, readConsoleLogin } from './console-login.js';
import { readUserIdentity } from './user-identity.js';

const TIME_HINT = 'CloudTrail writes eventTime in UTC, e.g. "2024-06-10T16:04:29Z".';

/**
 * One CloudTrail record → one event: `ConsoleLogin` is a login, every other eventName an
 * audit entry. Undefined when it cannot become an event; problems are reported under `at`.
 */
export function readCloudTrailRecord(
  value: unknown,
  at: Location,
  ctx: NormaliseContext,
  envelope: EventMaps | undefined,
): NormalisedEvent | undefined {
  const record = Fields.of(value, at, 'a CloudTrail record object');
  if (record === undefined) return undefined;
  const maps = new EventMaps();
  Object.assign(maps.labels, envelope?.labels);
  const entity: Entity = {};
  const eventName = record.str('eventName');
  if (!record.has('eventName'))
    record
      .loc('eventName')
      .error('is required: the API or sign-in event name, e.g. "ConsoleLogin".');
  const time = readRfc3339Value(record.value('eventTime'), record.loc('eventTime'), TIME_HINT);
  const userType = readUserIdentity(record.obj('userIdentity'), entity, maps);
  readSourceAddress(record, entity, maps);
  const agent = record.str('userAgent');
  if (agent !== undefined && agent.trim() !== '') entity.user_agent = agent;
  const account = record.str('recipientAccountId');
  if (account) entity.tenant = account;

  maps.label('aws_region', record.str('awsRegion'));
  maps.label('event_source', record.str('eventSource'));
  maps.label('event_type', record.str('eventType'));
  maps.label('event_category', record.str('eventCategory'));
  maps.label('error_code', record.str('errorCode'));
  maps.label('error_message', record.str('errorMessage'));
  maps.label('read_only', record.value('readOnly'));
  maps.label('request_id', record.str('requestID'));

  const isLogin = eventName === 'ConsoleLogin';
  const outcome = isLogin
    ? readConsoleLogin(record, maps)
    : record.has('errorCode')
      ? 'failure'
      : 'success';
  if (eventName === undefined) return undefined;
  const eventId = record.str('eventID');
  const event: Omit<NormalisedEvent, 'time'> = {
    id:
      eventId !== undefined && eventId.trim() !== ''
        ? eventId
        : prefixedHashId(
            'ct',
            [
              record.str('eventTime'),
              eventName,
              maps.labels.principal_id,
              record.str('sourceIPAddress'),
              record.str('eventSource'),
            ]
              .map((part) => part ?? '')
              .join('|'),
          ),
    kind: isLogin ? 'login' : 'audit',
    name: eventName,
    severity: isLogin
      ? consoleLoginSeverity(outcome, userType)
      : outcome === 'failure'
        ? 'low'
        : 'info',
    outcome,
    entity,
    measures: maps.measures,
    labels: maps.labels,
    raw: value,
  };
  return finishEvent(event, time, ctx, record.loc('eventTime'));
}

/**
 * `sourceIPAddress` is an address for people and a service name ("AWS Internal",
 * "lambda.amazonaws.com") for AWS acting on its own: a name goes to `source_service`, not
 * an error. Only something that looks like an address but is not one is refused.
 */
function readSourceAddress(record: Fields, entity: Entity, maps: EventMaps): void {
  const value = record.value('sourceIPAddress');
  if (typeof value === 'string' && /[g-zG-Z]/.test(value)) {
    maps.label('source_service', value);
    return;
  }
  if (value !== undefined && value !== null && typeof value !== 'string') {
    record
      .loc('sourceIPAddress')
      .error(`must be an IP address or an AWS service name (a string); got ${got(value)}.`);
    return;
  }
  const ip = readIpValue(value, record.loc('sourceIPAddress'));
  if (ip !== undefined) entity.ip = ip;
}
