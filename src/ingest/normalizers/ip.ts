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
  // ECS readers ask twice for the same document's address (the entity's ip, then its port as a
  // label): the last answer is kept. Results are immutable.
  if (text === lastText && lastResult !== undefined) return lastResult;
  const result = parse(text);
  lastText = text;
  lastResult = result;
  return result;
}

let lastText: string | undefined;
let lastResult: IpParse | undefined;

function parse(text: string): IpParse {
  let value = text.trim();
  if (value.startsWith('/')) value = value.slice(1);
  let port: string | undefined;
  // Only a bracketed address can be IPv6 with a port; a port needs a colon at all.
  const v4 = value.includes(':') ? V4_PORT.exec(value) : null;
  const v6 = v4 === null && value.startsWith('[') ? V6_BRACKETS.exec(value) : null;
  if (v4) [, value = '', port] = v4;
  else if (v6) [, value = '', port] = v6;
  if (value.includes('%')) value = value.replace(/%[\w.-]+$/, '');
  const family = isIP(value);
  if (family === 0)
    return {
      ok: false,
      reason: `must be an IPv4 or IPv6 address (a port may follow); got ${JSON.stringify(text.slice(0, 80))}.`,
    };
  const portNumber = port === undefined ? undefined : Number(port);
  if (portNumber !== undefined && portNumber > 65_535)
    return { ok: false, reason: `has port ${port}, above 65535.` };
  const ip = family === 6 ? value.toLowerCase() : value;
  return portNumber === undefined ? { ok: true, ip } : { ok: true, ip, port: portNumber };
}
