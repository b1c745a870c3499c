import type { Entity } from '../../canonical-event.js';
import { got } from '../../normalizers/json-values.js';
import { readIpValue } from '../identity-shared/index.js';
import type { EventMaps, Fields } from '../identity-shared/index.js';

/**
 * OCSF `user` object → `entity.user` (name, else email, else uid) and `labels.user_id`.
 * A bare string is a common slip when hand-mapping; it is refused with the shape to send.
 */
export function readUser(parent: Fields, key: string, entity: Entity, maps: EventMaps): void {
  const value = parent.value(key);
  if (typeof value === 'string') {
    parent
      .loc(key)
      .error(
        `must be an OCSF User object such as {"name": ${JSON.stringify(value.slice(0, 60))}}; got ${got(value)}.`,
      );
    return;
  }
  const user = parent.obj(key, 'an OCSF User object such as {"name": "alice@example.com"}');
  if (user === undefined) return;
  const name = user.str('name') ?? user.str('email_addr') ?? user.str('uid');
  if (name !== undefined && name.trim() !== '' && name.toLowerCase() !== 'unknown')
    entity.user = name;
  maps.label('user_id', user.str('uid'));
  maps.label('user_type', user.str('type'));
  maps.label('user_domain', user.str('domain'));
}

/** `src_endpoint` → ip, geo and the network owner (autonomous system) as labels. */
export function readSourceEndpoint(item: Fields, entity: Entity, maps: EventMaps): void {
  const endpoint = item.obj('src_endpoint', 'an OCSF Network Endpoint object');
  if (endpoint === undefined) return;
  const ip = readIpValue(endpoint.value('ip'), endpoint.loc('ip'));
  if (ip !== undefined) entity.ip = ip;
  maps.label('src_hostname', endpoint.str('hostname'));
  const location = endpoint.obj('location', 'an OCSF Geo Location object');
  if (location !== undefined) {
    const geo: NonNullable<Entity['geo']> = {};
    const country = location.str('country');
    const region = location.str('region');
    const city = location.str('city');
    if (country) geo.country = country;
    if (region) geo.region = region;
    if (city) geo.city = city;
    if (Object.keys(geo).length > 0) entity.geo = geo;
  }
  const as = endpoint.obj('autonomous_system');
  maps.label('as_number', as?.value('number'));
  maps.label('as_org', as?.str('name'));
}

/** A session uid, unless it is a placeholder. */
export function sessionUid(session: Fields | undefined): string | undefined {
  const uid = session?.str('uid');
  return uid !== undefined && uid.trim() !== '' && uid.toLowerCase() !== 'unknown'
    ? uid
    : undefined;
}

export function readUserAgent(item: Fields, entity: Entity): void {
  const agent = item.obj('http_request')?.str('user_agent');
  if (agent !== undefined && agent.trim() !== '') entity.user_agent = agent;
}
