import type { Location } from '../../normalizers/findings.js';
import { parseIp } from '../../normalizers/ip.js';
import { got } from '../../normalizers/json-values.js';
import { isNoAddress } from '../../normalizers/no-address.js';

/**
 * Identity logs say "no address" in several ways (null, "", Okta's "unknown"); those leave
 * `entity.ip` unset. Anything else must be an address (a port is stripped): a bad one is a
 * located error, because an identity event with a wrong IP would feed wrong geo/IP rules.
 */
export function readIpValue(value: unknown, at: Location): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    at.error(`must be an IP address string such as "203.0.113.7"; got ${got(value)}.`);
    return undefined;
  }
  if (isNoAddress(value)) return undefined;
  const parsed = parseIp(value);
  if (parsed.ok) return parsed.ip;
  at.error(`${parsed.reason} Send the client's address, or null when it is not known.`);
  return undefined;
}
