/**
 * The `cidr` modifier: IPv4 and IPv6 networks. Addresses are kept as 16-bit words (8 for IPv6;
 * IPv4 is stored IPv4-mapped, `::ffff:a.b.c.d`), so one comparison handles both families and an
 * IPv4 network also matches the same client written IPv4-mapped by a dual-stack proxy.
 */

export interface Network {
  readonly words: readonly number[];
  /** Prefix length in bits over the 128-bit form. */
  readonly bits: number;
}

const V4_PREFIX = [0, 0, 0, 0, 0, 0xffff] as const;

function parseIPv4Words(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  const [a = 0, b = 0, c = 0, d = 0] = bytes;
  return [(a << 8) | b, (c << 8) | d];
}

function parseHexGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i] ?? '';
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4Words(part);
      if (!v4) return undefined;
      groups.push(...v4);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** Parses an IPv4 or IPv6 address (zone ids such as `%eth0` ignored) to 8 words. */
export function parseIp(input: string): number[] | undefined {
  const text = input.trim();
  if (text.includes(':')) {
    const zone = text.indexOf('%');
    const addr = zone >= 0 ? text.slice(0, zone) : text;
    const halves = addr.split('::');
    if (halves.length > 2) return undefined;
    // An embedded IPv4 address may only end the address (`::ffff:10.0.0.1`).
    if (halves.length === 2 && (halves[0] ?? '').includes('.')) return undefined;
    const head = parseHexGroups(halves[0] ?? '');
    const tail = halves.length === 2 ? parseHexGroups(halves[1] ?? '') : [];
    if (!head || !tail) return undefined;
    if (halves.length === 1) return head.length === 8 ? head : undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    return [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  const v4 = parseIPv4Words(text);
  return v4 ? [...V4_PREFIX, ...v4] : undefined;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a single-host network). */
export function parseNetwork(input: string): Network | undefined {
  const slash = input.indexOf('/');
  const addrText = slash >= 0 ? input.slice(0, slash) : input;
  const words = parseIp(addrText);
  if (!words) return undefined;
  const isV4 = !addrText.includes(':');
  const max = isV4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const lenText = input.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(lenText)) return undefined;
    prefix = Number(lenText);
    if (prefix > max) return undefined;
  }
  return { words, bits: isV4 ? prefix + 96 : prefix };
}

/** True when `words` (from parseIp) lies inside `net`; host bits of the network are ignored. */
export function inNetwork(words: readonly number[], net: Network): boolean {
  let remaining = net.bits;
  for (let i = 0; i < 8 && remaining > 0; i += 1) {
    const take = Math.min(16, remaining);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((words[i] ?? 0) & mask) !== ((net.words[i] ?? 0) & mask)) return false;
    remaining -= take;
  }
  return true;
}
