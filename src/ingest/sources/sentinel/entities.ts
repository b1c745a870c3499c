import type { Entity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { parseIp } from '../../normalizers/ip.js';
import { isJsonObject } from '../../normalizers/json-values.js';
import type { JsonObject } from '../../normalizers/json-values.js';
import { putLabel } from '../siem-common/labels.js';
import { Props } from './props.js';

/** What a list of Sentinel entities contributes to an event. */
export interface EntityParts {
  readonly entity: Entity;
  readonly labels: Record<string, string>;
}

/**
 * Sentinel entities (entities-reference): incident `relatedEntities[]` items are
 * `{kind: "Account", properties: {accountName, …}}` (camelCase); SecurityAlert `Entities`
 * items are flat `{Type: "account", Name, UPNSuffix, …}` (PascalCase). The first account, IP
 * and host fill the entity; every one of them is listed in `sentinel.accounts` / `.ips` /
 * `.hosts` when there are several, and URLs and file hashes go to labels.
 */
export function readEntities(items: readonly JsonObject[], at: Location): EntityParts {
  const lists = {
    accounts: [] as string[],
    ips: [] as string[],
    hosts: [] as string[],
    urls: [] as string[],
    hashes: [] as string[],
  };
  const entity: Entity = {};
  const labels: Record<string, string> = {};
  for (const item of items) {
    const outer = new Props(item, at);
    const inner = outer.child('properties');
    const p = inner ?? outer;
    const kind = (outer.text('kind', 'Type') ?? '').toLowerCase();
    if (kind === 'account') {
      const name = p.text('accountName', 'Name');
      const suffix = p.text('upnSuffix', 'UPNSuffix');
      const user =
        name !== undefined && suffix !== undefined
          ? `${name}@${suffix}`
          : (p.text('userPrincipalName') ?? name ?? p.text('friendlyName'));
      if (user === undefined) continue;
      lists.accounts.push(user);
      if (entity.user === undefined) {
        entity.user = user;
        putLabel(labels, 'user_id', p.text('aadUserId', 'AadUserId', 'objectGuid', 'Sid'));
      }
    } else if (kind === 'ip') {
      const address = p.text('address', 'Address');
      if (address === undefined) continue;
      const ip = parseIp(address);
      if (!ip.ok) {
        at.warn(`an Ip entity's address ${ip.reason} It was left out of the entity.`);
        continue;
      }
      lists.ips.push(ip.ip);
      if (entity.ip === undefined) {
        entity.ip = ip.ip;
        const location = p.child('location', 'Location');
        const geo: NonNullable<Entity['geo']> = {};
        const country = location?.text('countryCode', 'CountryCode');
        const region = location?.text('state', 'State');
        const city = location?.text('city', 'City');
        if (country !== undefined) geo.country = country;
        if (region !== undefined) geo.region = region;
        if (city !== undefined) geo.city = city;
        if (Object.keys(geo).length > 0) entity.geo = geo;
        putLabel(labels, 'ip_asn', location?.text('asn', 'Asn'));
      }
    } else if (kind === 'host') {
      const name = p.text('hostName', 'HostName');
      const domain = p.text('dnsDomain', 'DnsDomain');
      const host =
        name !== undefined && domain !== undefined
          ? `${name}.${domain}`
          : (name ?? p.text('friendlyName'));
      if (host === undefined) continue;
      lists.hosts.push(host);
      entity.host ??= host;
    } else if (kind === 'url') {
      const url = p.text('url', 'Url');
      if (url !== undefined) lists.urls.push(url);
    } else if (kind === 'filehash') {
      const value = p.text('hashValue', 'Value');
      if (value !== undefined)
        lists.hashes.push(`${p.text('algorithm', 'Algorithm') ?? 'hash'}:${value}`);
    }
  }
  if (lists.accounts.length > 1) putLabel(labels, 'sentinel.accounts', lists.accounts.join(','));
  if (lists.ips.length > 1) putLabel(labels, 'sentinel.ips', lists.ips.join(','));
  if (lists.hosts.length > 1) putLabel(labels, 'sentinel.hosts', lists.hosts.join(','));
  putLabel(labels, 'sentinel.urls', lists.urls.join(','));
  putLabel(labels, 'sentinel.file_hashes', lists.hashes.join(','));
  return { entity, labels };
}

/** Objects of a list (non-objects are skipped: they carry no entity). */
export function objectsOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}
