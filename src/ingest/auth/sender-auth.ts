import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SecretRef } from '../../config/connectors.js';
import { readSecret } from '../../config/principals.js';
import type { HmacAuth, SourceAuth } from '../../config/source-auth.js';
import { digestsEqual, sha256Hex } from '../../shared/hash.js';

/**
 * A source's sender credentials with secrets resolved: digests for static secrets (compared in
 * constant time, never kept in clear), the HMAC keys themselves (a signature needs them).
 */
export interface ResolvedSenderAuth {
  readonly basic: readonly { readonly username: string; readonly passwordSha256: string }[];
  readonly splunk: readonly string[];
  readonly header: readonly { readonly name: string; readonly sha256: string }[];
  readonly query: readonly { readonly name: string; readonly sha256: string }[];
  readonly hmac?: Omit<HmacAuth, 'secrets'> & { readonly keys: readonly string[] };
}

export const NO_SENDER_AUTH: ResolvedSenderAuth = { basic: [], splunk: [], header: [], query: [] };

export function hasSenderAuth(auth: ResolvedSenderAuth): boolean {
  return (
    auth.basic.length + auth.splunk.length + auth.header.length + auth.query.length > 0 ||
    auth.hmac !== undefined
  );
}

type Env = Readonly<Record<string, string | undefined>>;

/** Resolves every secret; each problem names the connector and the variable or file. */
export async function resolveSenderAuth(
  auth: SourceAuth,
  where: string,
  env: Env,
): Promise<{ auth: ResolvedSenderAuth; problems: string[] }> {
  const problems: string[] = [];
  const read = async (ref: SecretRef, field: string): Promise<string | undefined> => {
    const secret = await readSecret(
      'env' in ref ? ref.env : undefined,
      'file' in ref ? ref.file : undefined,
      env,
    );
    if (!secret.ok) problems.push(`${where} auth.${field}: ${secret.reason}`);
    return secret.ok ? secret.value : undefined;
  };
  const basic: { username: string; passwordSha256: string }[] = [];
  for (const entry of auth.basic ?? []) {
    const password = await read(entry.password, 'basic.password');
    if (password !== undefined)
      basic.push({ username: entry.username, passwordSha256: sha256Hex(password) });
  }
  const splunk: string[] = [];
  for (const ref of auth.splunk ?? []) {
    const token = await read(ref, 'splunk');
    if (token !== undefined) splunk.push(sha256Hex(token));
  }
  const named = async (
    list: readonly { name: string; value: SecretRef }[] | undefined,
    field: string,
  ): Promise<{ name: string; sha256: string }[]> => {
    const out: { name: string; sha256: string }[] = [];
    for (const entry of list ?? []) {
      const value = await read(entry.value, `${field}.value`);
      if (value !== undefined) out.push({ name: entry.name, sha256: sha256Hex(value) });
    }
    return out;
  };
  const header = await named(auth.header, 'header');
  const query = await named(auth.query, 'query');
  let hmac: ResolvedSenderAuth['hmac'];
  if (auth.hmac) {
    const { secrets, ...rest } = auth.hmac;
    const keys: string[] = [];
    for (const ref of secrets) {
      const key = await read(ref, 'hmac.secret');
      if (key !== undefined) keys.push(key);
    }
    if (keys.length > 0) hmac = { ...rest, keys };
  }
  return { auth: { basic, splunk, header, query, ...(hmac ? { hmac } : {}) }, problems };
}

export interface SenderRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query: Readonly<Record<string, unknown>>;
}

function header(request: SenderRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks the credentials a sender can present before its body is read: Basic, `Splunk <token>`
 * (also HEC's Basic form with the token as password), a static header or a query secret.
 * `'hmac'` means none matched but the body may still prove itself by signature.
 */
export function authenticateSender(
  auth: ResolvedSenderAuth,
  request: SenderRequest,
): 'ok' | 'hmac' | 'denied' {
  const authorization = header(request, 'authorization') ?? '';
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const digest = sha256Hex(colon < 0 ? '' : decoded.slice(colon + 1));
    let ok = false;
    for (const entry of auth.basic)
      if (digestsEqual(digest, entry.passwordSha256) && entry.username === user) ok = true;
    for (const token of auth.splunk) if (digestsEqual(digest, token)) ok = true;
    if (ok) return 'ok';
  }
  const splunk = /^Splunk\s+(\S+)\s*$/i.exec(authorization);
  if (splunk?.[1]) {
    const digest = sha256Hex(splunk[1]);
    if (auth.splunk.some((token) => digestsEqual(digest, token))) return 'ok';
  }
  for (const entry of auth.header) {
    const value = header(request, entry.name);
    if (value !== undefined && digestsEqual(sha256Hex(value.trim()), entry.sha256)) return 'ok';
  }
  for (const entry of auth.query) {
    const value = request.query[entry.name];
    if (typeof value === 'string' && digestsEqual(sha256Hex(value), entry.sha256)) return 'ok';
  }
  return auth.hmac ? 'hmac' : 'denied';
}

export type HmacCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Verifies a body signature over the raw bytes, before any parsing, in constant time, against
 * every configured key (rotation). With a timestamp header the signing time must be within the
 * window, so a captured request cannot be replayed later.
 */
export function verifyHmac(
  hmac: NonNullable<ResolvedSenderAuth['hmac']>,
  headers: SenderRequest['headers'],
  body: Buffer,
  now: number,
): HmacCheck {
  const presented = header({ headers, query: {} }, hmac.header)?.trim();
  if (!presented) return { ok: false, reason: `the ${hmac.header} signature header is missing.` };
  if (!presented.startsWith(hmac.prefix))
    return {
      ok: false,
      reason: `the ${hmac.header} header must start with "${hmac.prefix}".`,
    };
  let timestamp = '';
  if (hmac.timestampHeader) {
    timestamp = header({ headers, query: {} }, hmac.timestampHeader)?.trim() ?? '';
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!Number.isFinite(seconds))
      return {
        ok: false,
        reason: `the ${hmac.timestampHeader} header must hold the signing time in epoch seconds.`,
      };
    if (Math.abs(now - seconds * 1000) > hmac.windowMs)
      return {
        ok: false,
        reason: `the signature is ${Math.round(Math.abs(now - seconds * 1000) / 1000)} s from now, outside the ${hmac.windowMs / 1000} s replay window. Check the sender's clock.`,
      };
  }
  const digestText = presented.slice(hmac.prefix.length);
  const given = Buffer.from(digestText, hmac.encoding);
  if (given.length === 0) return { ok: false, reason: 'the signature is empty.' };
  const [before = '', after = ''] = hmac.payload.split('{body}');
  const fill = (part: string): Buffer => Buffer.from(part.replaceAll('{timestamp}', timestamp));
  const signed = Buffer.concat([fill(before), body, fill(after)]);
  let ok = false;
  for (const key of hmac.keys) {
    const expected = createHmac('sha256', key).update(signed).digest();
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok ? { ok: true } : { ok: false, reason: 'the signature does not match the body.' };
}
