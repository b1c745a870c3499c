import type { Entity, NormalisedEvent } from '../../canonical-event.js';
import { prefixedHashId } from '../../normalizers/event-id.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import type { NormaliseContext } from '../../normalizers/types.js';
import {
  EventMaps,
  Fields,
  finishEvent,
  readIpValue,
  readRfc3339Value,
} from '../identity-shared/index.js';
import { addDebugData } from './debug-data.js';
import { isLoginEventType, oktaOutcome, oktaSeverity } from './outcome.js';

/** Envelope facts worth keeping on every event of an event-hook delivery. */
export interface HookEnvelope {
  readonly eventId: string | undefined;
}

const TIME_HINT = 'Okta sends `published` as UTC, e.g. "2024-06-10T16:04:58.441Z".';

/**
 * One Okta LogEvent (System Log API item or event-hook `data.events[]` item) → one event.
 * Undefined when the item cannot become an event; its problems are reported under `at`.
 */
export function readLogEvent(
  value: unknown,
  at: Location,
  envelope: HookEnvelope | undefined,
  ctx: NormaliseContext,
): NormalisedEvent | undefined {
  if (!isJsonObject(value)) {
    at.error(`must be an Okta LogEvent object; got ${got(value)}.`);
    return undefined;
  }
  if (Object.keys(value).length === 0) {
    at.error(
      'is an empty LogEvent; each event needs at least uuid, published, eventType and outcome. ' +
        'Check the hook filter or the code building the delivery.',
    );
    return undefined;
  }
  const item = new Fields(value, at);
  const maps = new EventMaps();
  const entity: Entity = {};

  const eventType = item.str('eventType');
  if (eventType === undefined && !item.has('eventType'))
    item
      .loc('eventType')
      .error('is required: the System Log event type, e.g. "user.session.start".');
  const uuid = item.str('uuid');
  const time = readRfc3339Value(item.value('published'), item.loc('published'), TIME_HINT);
  const outcome = readOutcome(item, maps);

  readActor(item.obj('actor'), entity, maps);
  readClient(item, entity, maps);
  readSecurityContext(item.obj('securityContext'), maps);
  const auth = item.obj('authenticationContext');
  const session = auth?.str('externalSessionId');
  if (session !== undefined && session !== '' && session !== 'unknown') entity.session = session;
  maps.label('credential_type', auth?.str('credentialType'));
  maps.label('authentication_provider', auth?.str('authenticationProvider'));
  const transaction = item.obj('transaction');
  maps.label('transaction_id', transaction?.str('id'));
  maps.label('transaction_type', transaction?.str('type'));
  addDebugData(
    item.obj('debugContext')?.value('debugData'),
    item.loc('debugContext').child('debugData'),
    maps,
  );
  // The one event type that says a factor was verified; labelled like the other identity kinds.
  if (eventType === 'user.authentication.auth_via_mfa') maps.label('mfa_used', 'true');
  maps.label('legacy_event_type', item.str('legacyEventType'));
  maps.label('display_message', item.str('displayMessage'));
  maps.label('targets', targets(item.list('target')));
  maps.label('hook_event_id', envelope?.eventId);

  if (eventType === undefined || outcome === undefined) return undefined;
  const event: Omit<NormalisedEvent, 'time'> = {
    id:
      uuid !== undefined && uuid !== ''
        ? uuid
        : prefixedHashId(
            'okta',
            [item.str('published'), eventType, maps.labels.user_id, maps.labels.transaction_id]
              .map((part) => part ?? '')
              .join('|'),
          ),
    kind: isLoginEventType(eventType) ? 'login' : 'audit',
    name: eventType,
    severity: oktaSeverity(item.str('severity'), item.loc('severity')),
    outcome,
    entity,
    measures: maps.measures,
    labels: maps.labels,
    raw: value,
  };
  return finishEvent(event, time, ctx, item.loc('published'));
}

function readOutcome(item: Fields, maps: EventMaps): NormalisedEvent['outcome'] | undefined {
  if (!item.has('outcome')) {
    item
      .loc('outcome')
      .error('is required: {"result": "SUCCESS" | "FAILURE" | "ALLOW" | "DENY" | …, "reason": …}.');
    return undefined;
  }
  const outcome = item.obj('outcome', 'an object with result and reason');
  if (outcome === undefined) return undefined;
  const result = outcome.str('result');
  maps.label('reason', outcome.str('reason'));
  if (result === undefined) {
    if (!outcome.has('result'))
      outcome
        .loc('result')
        .error('is required: SUCCESS, FAILURE, ALLOW, DENY, SKIPPED, CHALLENGE or UNKNOWN.');
    return undefined;
  }
  if (result.trim() === '') {
    outcome.loc('result').error('must not be empty: send SUCCESS, FAILURE, ALLOW, DENY, …');
    return undefined;
  }
  maps.label('outcome_result', result);
  return oktaOutcome(result);
}

/** `alternateId` is the login name; Okta writes "unknown" when the name matched no user. */
function readActor(actor: Fields | undefined, entity: Entity, maps: EventMaps): void {
  if (actor === undefined) return;
  const alternateId = actor.str('alternateId');
  if (alternateId !== undefined && alternateId.trim() !== '') {
    if (alternateId.trim().toLowerCase() === 'unknown') maps.label('user_unknown', 'true');
    else entity.user = alternateId;
  }
  const known = (text: string | undefined): string | undefined =>
    text?.trim().toLowerCase() === 'unknown' ? undefined : text;
  maps.label('user_id', known(actor.str('id')));
  maps.label('actor_type', actor.str('type'));
  maps.label('user_display_name', known(actor.str('displayName')));
}

/**
 * The client's address: the first hop of `request.ipChain` is the original client when Okta
 * sits behind proxies, so it wins over `client.ipAddress`.
 */
function readClient(item: Fields, entity: Entity, maps: EventMaps): void {
  const client = item.obj('client');
  const chain = item.obj('request')?.list('ipChain');
  const chainIps: string[] = [];
  chain?.forEach((hop, index) => {
    const hopAt = item.loc('request').child('ipChain').child(index);
    const hopFields = Fields.of(hop, hopAt, 'an object with ip');
    const ip = hopFields && readIpValue(hopFields.value('ip'), hopFields.loc('ip'));
    if (ip !== undefined) chainIps.push(ip);
  });
  const clientIp = client && readIpValue(client.value('ipAddress'), client.loc('ipAddress'));
  const ip = chainIps[0] ?? clientIp;
  if (ip !== undefined) entity.ip = ip;
  if (chainIps.length > 1) maps.label('ip_chain', chainIps.join(', '));
  if (client === undefined) return;
  const agent = client.obj('userAgent');
  const rawAgent = agent?.str('rawUserAgent');
  if (rawAgent !== undefined && rawAgent.trim() !== '') entity.user_agent = rawAgent;
  maps.label('client_os', agent?.str('os'));
  maps.label('client_browser', agent?.str('browser'));
  maps.label('client_device', client.str('device'));
  maps.label('client_id', client.str('id'));
  const zone = client.str('zone');
  if (zone !== 'null') maps.label('client_zone', zone);
  const place = client.obj('geographicalContext');
  if (place !== undefined) {
    const geo: NonNullable<Entity['geo']> = {};
    const country = place.str('country');
    const region = place.str('state');
    const city = place.str('city');
    if (country) geo.country = country;
    if (region) geo.region = region;
    if (city) geo.city = city;
    if (Object.keys(geo).length > 0) entity.geo = geo;
    maps.label('postal_code', place.str('postalCode'));
  }
}

function readSecurityContext(context: Fields | undefined, maps: EventMaps): void {
  if (context === undefined) return;
  maps.label('as_number', context.value('asNumber'));
  maps.label('as_org', context.str('asOrg'));
  maps.label('isp', context.str('isp'));
  maps.label('as_domain', context.str('domain'));
  maps.label('is_proxy', context.value('isProxy'));
}

/** `target[]` as `type:alternateId` pairs, for audit events about other users and apps. */
function targets(list: readonly unknown[] | undefined): string | undefined {
  if (list === undefined) return undefined;
  const names = list.flatMap((target) => {
    if (!isJsonObject(target)) return [];
    const name = target.alternateId ?? target.displayName ?? target.id;
    if (typeof name !== 'string' || name === '') return [];
    return [typeof target.type === 'string' ? `${target.type}:${name}` : name];
  });
  return names.length > 0 ? names.join(', ') : undefined;
}
