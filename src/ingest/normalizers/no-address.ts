/**
 * How identity logs, proxies and SQL exports say "no client address": "", Okta's "unknown",
 * "null", "-". Such a value leaves `entity.ip` unset; it is not a bad address.
 */
export function isNoAddress(value: string): boolean {
  const text = value.trim().toLowerCase();
  return text === '' || text === 'unknown' || text === 'null' || text === '-';
}
