import { isIP } from 'node:net';

export type IpParse =
  | { readonly ok: true; readonly ip: string; readonly port?: number }
  | { readonly ok: false; readonly reason: string };

const V4_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;
const V6_BRACKETS = /^\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(\d{1,5}))?$/;

/**
 * Validates an address as senders write it (`198.51.100.7`, `2001:db8::7`, `198.51.100.7:443`,
 * `[2001:db8::7]:443`, TorchServe's `/198.51.100.7`), returning the bare address so rules
 * compare like with like. IPv6 is lower-cased; a zone (`%eth0`) is dropped.
 */
export function parseIp(text: string): IpParse {
  let value = text.trim();
  if (value.startsWith('/')) value = value.slice(1);
  let port: string | undefined;
  const v4 = V4_PORT.exec(value);
  const v6 = V6_BRACKETS.exec(value);
  if (v4) [, value = '', port] = v4;
  else if (v6) [, value = '', port] = v6;
  value = value.replace(/%[\w.-]+$/, '');
  const family = isIP(value);
  if (family === 0)
    return {
      ok: false,
      reason: `must be an IPv4 or IPv6 address (a port may follow); got ${JSON.stringify(text.slice(0, 80))}.`,
    };
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && portNumber > 65_535)
    return { ok: false, reason: `has port ${port}, above 65535.` };
  return {
    ok: true,
    ip: family === 6 ? value.toLowerCase() : value,
    ...(portNumber === undefined ? {} : { port: portNumber }),
  };
}
