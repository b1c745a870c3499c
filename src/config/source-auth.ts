import { describe, parseDuration } from '../shared/duration.js';
import { checkKeys, expectMapping, isMapping } from '../shared/shape.js';
import type { DiagnosticSink } from '../shared/yaml.js';
import type { SecretRef } from './connectors.js';

/**
 * How a source's senders prove who they are, besides Cordon bearer tokens: each as the sender
 * supports it (ingest-formats §0.3). Every one is checked before a body reaches a normaliser;
 * any configured one that matches admits the request.
 */
export interface SourceAuth {
  /** `Authorization: Basic` (Alertmanager, Kibana, Langfuse keys, HEC's basic form). */
  readonly basic?: readonly { readonly username: string; readonly password: SecretRef }[];
  /** `Authorization: Splunk <token>` (Splunk HEC and the forwarders that speak it). */
  readonly splunk?: readonly SecretRef[];
  /** A static secret header (Okta's Authorization value, WhyLabs and Kibana custom headers). */
  readonly header?: readonly { readonly name: string; readonly value: SecretRef }[];
  /** A secret query parameter, for senders that can set nothing else (Splunk webhook action). */
  readonly query?: readonly { readonly name: string; readonly value: SecretRef }[];
  /** A body signature (Grafana, GitHub-style, Slack-style), verified over the raw bytes. */
  readonly hmac?: HmacAuth;
}

export interface HmacAuth {
  /** Several for rotation: any one that verifies admits the request. */
  readonly secrets: readonly SecretRef[];
  /** Header holding the signature (lower-cased). */
  readonly header: string;
  /** Text before the digest in the header (`sha256=`, `v0=`); `''` for none. */
  readonly prefix: string;
  readonly encoding: 'hex' | 'base64';
  /** Header holding the signing time, epoch seconds (lower-cased); absent = no replay window. */
  readonly timestampHeader?: string;
  /** What is signed: `{body}` and `{timestamp}` are replaced (Grafana: `{timestamp}:{body}`). */
  readonly payload: string;
  /** Largest |now − timestamp| accepted. */
  readonly windowMs: number;
}

type SecretParser = (
  ref: unknown,
  sink: DiagnosticSink,
  path: (string | number)[],
) => SecretRef | undefined;

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const DEFAULT_WINDOW_MS = 5 * 60_000;

/** `auth:` of a source connector: `bearer`, `basic`, `splunk`, `header`, `query`, `hmac`. */
export function parseSourceAuth(
  value: unknown,
  sink: DiagnosticSink,
  parseSecret: SecretParser,
): { bearer: SecretRef[]; sender: SourceAuth } {
  const bearer: SecretRef[] = [];
  const sender: {
    basic?: { username: string; password: SecretRef }[];
    splunk?: SecretRef[];
    header?: { name: string; value: SecretRef }[];
    query?: { name: string; value: SecretRef }[];
    hmac?: HmacAuth;
  } = {};
  if (!expectMapping(sink, ['auth'], value, 'auth')) return { bearer, sender };
  checkKeys(sink, ['auth'], value, 'auth', {
    optional: ['bearer', 'basic', 'splunk', 'header', 'query', 'hmac'],
  });
  const list = (key: string): { item: unknown; path: (string | number)[] }[] => {
    const raw = value[key];
    if (raw === undefined || raw === null) return [];
    return Array.isArray(raw)
      ? raw.map((item: unknown, i) => ({ item, path: ['auth', key, i] }))
      : [{ item: raw, path: ['auth', key] }];
  };
  for (const { item, path } of list('bearer')) {
    const ref = parseSecret(item, sink, path);
    if (ref) bearer.push(ref);
  }
  for (const { item, path } of list('splunk')) {
    const ref = parseSecret(item, sink, path);
    if (ref) (sender.splunk ??= []).push(ref);
  }
  for (const { item, path } of list('basic')) {
    if (!expectMapping(sink, path, item, 'auth.basic')) continue;
    checkKeys(sink, path, item, 'auth.basic', { required: ['username', 'password'] });
    const password = parseSecret(item.password, sink, [...path, 'password']);
    if (typeof item.username !== 'string' || item.username === '' || item.username.includes(':')) {
      sink.error(
        [...path, 'username'],
        'CORDON_ERR_DEFINITION_VALUE',
        'auth.basic.username must be a non-empty string without ":".',
      );
      continue;
    }
    if (password) (sender.basic ??= []).push({ username: item.username, password });
  }
  for (const key of ['header', 'query'] as const) {
    for (const { item, path } of list(key)) {
      if (!expectMapping(sink, path, item, `auth.${key}`)) continue;
      checkKeys(sink, path, item, `auth.${key}`, { required: ['name', 'value'] });
      const secret = parseSecret(item.value, sink, [...path, 'value']);
      if (typeof item.name !== 'string' || !HEADER.test(item.name)) {
        sink.error(
          [...path, 'name'],
          'CORDON_ERR_DEFINITION_VALUE',
          `auth.${key}.name must be a ${key} name (letters, digits, "-"); got ${describe(item.name)}.`,
        );
        continue;
      }
      if (secret)
        (sender[key] ??= []).push({
          name: key === 'header' ? item.name.toLowerCase() : item.name,
          value: secret,
        });
    }
  }
  if (value.hmac !== undefined) {
    const hmac = parseHmac(value.hmac, sink, parseSecret);
    if (hmac) sender.hmac = hmac;
  }
  return { bearer, sender };
}

function parseHmac(
  value: unknown,
  sink: DiagnosticSink,
  parseSecret: SecretParser,
): HmacAuth | undefined {
  const at = ['auth', 'hmac'];
  if (!expectMapping(sink, at, value, 'auth.hmac')) return undefined;
  checkKeys(sink, at, value, 'auth.hmac', {
    required: ['secret', 'header'],
    optional: ['prefix', 'encoding', 'timestamp_header', 'payload', 'window'],
  });
  const secrets: SecretRef[] = [];
  const raw = value.secret;
  (Array.isArray(raw) ? raw : [raw]).forEach((ref: unknown, i) => {
    const parsed = parseSecret(
      ref,
      sink,
      Array.isArray(raw) ? [...at, 'secret', i] : [...at, 'secret'],
    );
    if (parsed) secrets.push(parsed);
  });
  const before = sink.diagnostics.length;
  const header = value.header;
  if (typeof header !== 'string' || !HEADER.test(header))
    sink.error(
      [...at, 'header'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth.hmac.header must be a header name, e.g. X-Grafana-Alerting-Signature; got ${describe(header)}.`,
    );
  const timestampHeader = value.timestamp_header;
  if (
    timestampHeader !== undefined &&
    (typeof timestampHeader !== 'string' || !HEADER.test(timestampHeader))
  )
    sink.error(
      [...at, 'timestamp_header'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth.hmac.timestamp_header must be a header name; got ${describe(timestampHeader)}.`,
    );
  const encoding = value.encoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64')
    sink.error(
      [...at, 'encoding'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth.hmac.encoding must be hex or base64; got ${describe(encoding)}.`,
    );
  const prefix = value.prefix ?? '';
  if (typeof prefix !== 'string' || prefix.length > 16)
    sink.error(
      [...at, 'prefix'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth.hmac.prefix must be a short string such as "sha256="; got ${describe(prefix)}.`,
    );
  const payload =
    value.payload ?? (timestampHeader === undefined ? '{body}' : '{timestamp}:{body}');
  if (typeof payload !== 'string' || !payload.includes('{body}'))
    sink.error(
      [...at, 'payload'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth.hmac.payload must contain {body} (and {timestamp} with a timestamp_header), e.g. "v0:{timestamp}:{body}"; got ${describe(payload)}.`,
    );
  else if (payload.includes('{timestamp}') && timestampHeader === undefined)
    sink.error(
      [...at, 'payload'],
      'CORDON_ERR_DEFINITION_VALUE',
      'auth.hmac.payload uses {timestamp} but no timestamp_header says where it comes from; add timestamp_header.',
    );
  let windowMs = DEFAULT_WINDOW_MS;
  if (value.window !== undefined) {
    const parsed = parseDuration(value.window);
    if (!parsed.ok || parsed.ms < 1000 || parsed.ms > 86_400_000)
      sink.error(
        [...at, 'window'],
        'CORDON_ERR_DEFINITION_VALUE',
        `auth.hmac.window must be a duration from 1s to 24h, e.g. 5m; ${parsed.ok ? `got ${describe(value.window)}` : parsed.reason}.`,
      );
    else windowMs = parsed.ms;
  }
  if (
    sink.diagnostics.length > before ||
    secrets.length === 0 ||
    !isMapping(value) ||
    typeof prefix !== 'string' ||
    typeof payload !== 'string'
  )
    return undefined;
  return {
    secrets,
    header: String(header).toLowerCase(),
    prefix,
    encoding: encoding as 'hex' | 'base64',
    ...(typeof timestampHeader === 'string'
      ? { timestampHeader: timestampHeader.toLowerCase() }
      : {}),
    payload,
    windowMs,
  };
}
