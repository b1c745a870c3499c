import type { SecretRef } from '../../config/connectors.js';
import { describe, parseDuration } from '../../shared/duration.js';
import { checkKeys, expectMapping, isMapping } from '../../shared/shape.js';
import type { DiagnosticSink, YamlPath } from '../../shared/yaml.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../http/retry-policy.js';
import { parseRate, type Rate } from '../rate.js';
import type { ConnectorType } from './connector-type.js';

export type ConnectorAuth =
  | { readonly scheme: 'none' }
  | { readonly scheme: 'bearer'; readonly token: SecretRef }
  | {
      readonly scheme: 'basic';
      readonly username: string | SecretRef;
      readonly password: SecretRef;
    }
  | { readonly scheme: 'header'; readonly name: string; readonly value: SecretRef }
  | {
      readonly scheme: 'sigv4';
      readonly accessKeyId: SecretRef;
      readonly secretAccessKey: SecretRef;
      readonly sessionToken?: SecretRef;
      readonly region: string;
      readonly service: string;
    }
  | {
      readonly scheme: 'hmac';
      readonly secret: SecretRef;
      readonly header: string;
      readonly timestampHeader: string;
    };

/** One action connector instance from `connectors/*.yaml`, validated. */
export interface ActionInstance {
  readonly name: string;
  readonly type: string;
  /** Disabled instances are validated but never started (their secrets are not needed). */
  readonly enabled: boolean;
  /** Base URL: a string, or a secret reference when the URL is the credential (webhooks). */
  readonly url?: string | SecretRef;
  readonly auth: ConnectorAuth;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Outbound requests per window from this process; none = unpaced. */
  readonly rateLimit?: Rate;
  /** Hosts requests may go to (`host`, `host:port` or `*.domain`); empty = the URL's host. */
  readonly allowHosts: readonly string[];
  /** The type's compiled `options:`. */
  readonly options: unknown;
}

type ParseSecret = (
  ref: unknown,
  sink: DiagnosticSink,
  path: (string | number)[],
) => SecretRef | undefined;

export const ACTION_INSTANCE_KEYS = [
  'enabled',
  'url',
  'auth',
  'timeout',
  'retry',
  'rate_limit',
  'allow_hosts',
  'options',
];

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/i;
const HEADER = /^[A-Za-z0-9-]{1,64}$/;

/**
 * Validates the action-connector keys of a connector document (name/type/description are the
 * caller's). Every problem goes to `sink`; the result is undefined when there was any.
 */
export function parseActionInstance(
  value: Record<string, unknown>,
  type: ConnectorType,
  sink: DiagnosticSink,
  parseSecret: ParseSecret,
): Omit<ActionInstance, 'name' | 'type'> | undefined {
  const before = sink.diagnostics.length;
  const err = (path: YamlPath, message: string): void =>
    sink.error(path, 'CORDON_ERR_DEFINITION_VALUE', message);
  const enabled = value.enabled ?? true;
  if (typeof enabled !== 'boolean')
    err(['enabled'], `enabled must be true or false; got ${describe(enabled)}.`);
  if (!type.http) {
    // A non-HTTP type with options (a route) takes them; nothing else applies.
    const takes = (k: string): boolean => k === 'enabled' || (k === 'options' && !!type.options);
    for (const key of ACTION_INSTANCE_KEYS.filter((k) => !takes(k) && value[k] !== undefined))
      sink.error(
        [key],
        'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
        `"${key}" does not apply to ${type.type} connectors (Cordon runs them itself); remove it.`,
        true,
      );
    const options = type.options?.compile(value.options ?? {}, sink, parseSecret);
    return sink.diagnostics.length > before
      ? undefined
      : {
          enabled: enabled === true,
          auth: { scheme: 'none' },
          timeoutMs: 0,
          retry: DEFAULT_RETRY,
          allowHosts: [],
          options,
        };
  }
  const url = parseUrl(value.url, type, sink, parseSecret);
  const auth = parseAuth(value.auth, sink, parseSecret);
  const timeoutMs = durationIn(value.timeout, 10_000, ['timeout'], 'timeout', 120_000, sink);
  const retry = parseRetry(value.retry, sink);
  let rateLimit: Rate | undefined;
  if (value.rate_limit !== undefined) {
    const r = parseRate(value.rate_limit);
    if (!r.ok || r.rate.mode === 'block')
      err(
        ['rate_limit'],
        `rate_limit is the most requests this connector sends, "<count>/<unit>" (e.g. "5/s"); ${r.ok ? 'got "block"' : r.reason}.`,
      );
    else rateLimit = r.rate;
  }
  const allowHosts: string[] = [];
  if (value.allow_hosts !== undefined) {
    if (!Array.isArray(value.allow_hosts))
      err(
        ['allow_hosts'],
        `allow_hosts is a list of host names, e.g. [api.example.com, "*.atlassian.net"]; got ${describe(value.allow_hosts)}.`,
      );
    else
      value.allow_hosts.forEach((h: unknown, i) => {
        if (typeof h === 'string' && HOST.test(h)) allowHosts.push(h.toLowerCase());
        else
          err(
            ['allow_hosts', i],
            `allow_hosts entries are host names ("api.example.com", "host:8443", "*.example.com"); got ${describe(h)}.`,
          );
      });
  }
  if (typeof url === 'string' && allowHosts.length > 0 && !hostAllowed(new URL(url), allowHosts))
    err(
      ['url'],
      `url host ${new URL(url).host} is not in allow_hosts (${allowHosts.join(', ')}); add it or fix the url.`,
    );
  if (url !== undefined && typeof url !== 'string' && allowHosts.length === 0)
    err(
      ['allow_hosts'],
      'The url comes from a secret, so Cordon cannot know its host before start: list it in allow_hosts (e.g. [hooks.slack.com]).',
    );
  let options: unknown;
  if (type.options) {
    options = type.options.compile(value.options ?? {}, sink, parseSecret);
  } else if (value.options !== undefined)
    sink.error(
      ['options'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `${type.type} connectors take no options; remove "options".`,
      true,
    );
  if (sink.diagnostics.length > before || !auth) return undefined;
  return {
    enabled: enabled === true,
    ...(url === undefined ? {} : { url }),
    auth,
    timeoutMs,
    retry,
    ...(rateLimit ? { rateLimit } : {}),
    allowHosts,
    options,
  };
}

/** Whether a URL may be requested under an allowlist (exact host[:port] or `*.suffix`). */
export function hostAllowed(url: URL, allowHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const withPort = url.port ? `${host}:${url.port}` : host;
  return allowHosts.some((entry) => {
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1);
      return host.endsWith(suffix) && host.length > suffix.length;
    }
    return entry === withPort || (!entry.includes(':') && entry === host && !url.port);
  });
}

function parseUrl(
  value: unknown,
  type: ConnectorType,
  sink: DiagnosticSink,
  parseSecret: ParseSecret,
): string | SecretRef | undefined {
  if (value === undefined) {
    if (type.urlRequired)
      sink.error(
        ['url'],
        'CORDON_ERR_DEFINITION_VALUE',
        `${type.type} connectors need a url, e.g. "url: ${type.exampleUrl}".`,
      );
    return undefined;
  }
  if (isMapping(value)) return parseSecret(value, sink, ['url']);
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    sink.error(
      ['url'],
      'CORDON_ERR_DEFINITION_VALUE',
      `url must be an http(s) URL such as "${type.exampleUrl}"; got ${describe(value)}.`,
    );
    return undefined;
  }
  if (parsed.username || parsed.password || parsed.search) {
    sink.error(
      ['url'],
      'CORDON_ERR_CONNECTOR_SECRET',
      'url must not carry credentials or a query (they would be written inline); use auth, or make the whole url a secret: { env: NAME }.',
    );
    return undefined;
  }
  return value as string;
}

function parseAuth(
  value: unknown,
  sink: DiagnosticSink,
  parseSecret: ParseSecret,
): ConnectorAuth | undefined {
  if (value === undefined || value === null) return { scheme: 'none' };
  if (!expectMapping(sink, ['auth'], value, 'auth')) return undefined;
  const schemes = Object.keys(value);
  if (schemes.length !== 1) {
    sink.error(
      ['auth'],
      'CORDON_ERR_DEFINITION_VALUE',
      `auth takes exactly one of bearer, basic, header, hmac or sigv4; got ${schemes.join(', ') || 'none'}.`,
    );
    return undefined;
  }
  const scheme = schemes[0] as string;
  const body = value[scheme];
  const path = ['auth', scheme];
  switch (scheme) {
    case 'bearer': {
      const token = parseSecret(body, sink, path);
      return token ? { scheme, token } : undefined;
    }
    case 'basic': {
      if (!expectMapping(sink, path, body, 'auth.basic')) return undefined;
      checkKeys(sink, path, body, 'auth.basic', { required: ['username', 'password'] });
      // A user name is not a secret (Jira: the account e-mail); it may still be referenced.
      const username =
        typeof body.username === 'string'
          ? body.username
          : parseSecret(body.username, sink, [...path, 'username']);
      const password = parseSecret(body.password, sink, [...path, 'password']);
      return username && password ? { scheme, username, password } : undefined;
    }
    case 'header': {
      if (!expectMapping(sink, path, body, 'auth.header')) return undefined;
      checkKeys(sink, path, body, 'auth.header', { required: ['name', 'value'] });
      const name = body.name;
      if (typeof name !== 'string' || !HEADER.test(name)) {
        sink.error(
          [...path, 'name'],
          'CORDON_ERR_DEFINITION_VALUE',
          `auth.header.name is a header name such as Kong-Admin-Token; got ${describe(name)}.`,
        );
        return undefined;
      }
      const secret = parseSecret(body.value, sink, [...path, 'value']);
      return secret ? { scheme, name, value: secret } : undefined;
    }
    case 'hmac': {
      if (!expectMapping(sink, path, body, 'auth.hmac')) return undefined;
      checkKeys(sink, path, body, 'auth.hmac', {
        required: ['secret'],
        optional: ['header', 'timestamp_header'],
      });
      const secret = parseSecret(body.secret, sink, [...path, 'secret']);
      const header = body.header ?? 'X-Cordon-Signature';
      const timestampHeader = body.timestamp_header ?? 'X-Cordon-Timestamp';
      for (const [k, h] of [
        ['header', header],
        ['timestamp_header', timestampHeader],
      ] as const)
        if (typeof h !== 'string' || !HEADER.test(h)) {
          sink.error(
            [...path, k],
            'CORDON_ERR_DEFINITION_VALUE',
            `auth.hmac.${k} is a header name; got ${describe(h)}.`,
          );
          return undefined;
        }
      return secret
        ? { scheme, secret, header: header as string, timestampHeader: timestampHeader as string }
        : undefined;
    }
    case 'sigv4': {
      if (!expectMapping(sink, path, body, 'auth.sigv4')) return undefined;
      checkKeys(sink, path, body, 'auth.sigv4', {
        required: ['access_key_id', 'secret_access_key', 'region', 'service'],
        optional: ['session_token'],
      });
      const accessKeyId = parseSecret(body.access_key_id, sink, [...path, 'access_key_id']);
      const secretAccessKey = parseSecret(body.secret_access_key, sink, [
        ...path,
        'secret_access_key',
      ]);
      const sessionToken =
        body.session_token === undefined
          ? undefined
          : parseSecret(body.session_token, sink, [...path, 'session_token']);
      for (const k of ['region', 'service'] as const)
        if (typeof body[k] !== 'string' || !/^[a-z0-9-]+$/.test(body[k])) {
          sink.error(
            [...path, k],
            'CORDON_ERR_DEFINITION_VALUE',
            `auth.sigv4.${k} is e.g. ${k === 'region' ? 'eu-west-1' : 'apigateway'}; got ${describe(body[k])}.`,
          );
          return undefined;
        }
      return accessKeyId && secretAccessKey
        ? {
            scheme,
            accessKeyId,
            secretAccessKey,
            ...(sessionToken ? { sessionToken } : {}),
            region: body.region as string,
            service: body.service as string,
          }
        : undefined;
    }
    default:
      sink.error(
        ['auth'],
        'CORDON_ERR_DEFINITION_VALUE',
        `auth scheme "${scheme}" is not known; use bearer, basic, header, hmac or sigv4.`,
      );
      return undefined;
  }
}

function parseRetry(value: unknown, sink: DiagnosticSink): RetryPolicy {
  if (value === undefined || value === null) return DEFAULT_RETRY;
  if (!expectMapping(sink, ['retry'], value, 'retry')) return DEFAULT_RETRY;
  checkKeys(sink, ['retry'], value, 'retry', {
    optional: ['attempts', 'delay', 'max_delay', 'max_retry_after'],
  });
  const attempts = value.attempts ?? DEFAULT_RETRY.attempts;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 10)
    sink.error(
      ['retry', 'attempts'],
      'CORDON_ERR_DEFINITION_VALUE',
      `retry.attempts is a whole number from 1 (no retry) to 10; got ${describe(attempts)}.`,
    );
  return {
    attempts: typeof attempts === 'number' ? attempts : DEFAULT_RETRY.attempts,
    baseDelayMs: durationIn(
      value.delay,
      DEFAULT_RETRY.baseDelayMs,
      ['retry', 'delay'],
      'retry.delay',
      60_000,
      sink,
    ),
    maxDelayMs: durationIn(
      value.max_delay,
      DEFAULT_RETRY.maxDelayMs,
      ['retry', 'max_delay'],
      'retry.max_delay',
      300_000,
      sink,
    ),
    maxRetryAfterMs: durationIn(
      value.max_retry_after,
      DEFAULT_RETRY.maxRetryAfterMs,
      ['retry', 'max_retry_after'],
      'retry.max_retry_after',
      300_000,
      sink,
    ),
  };
}

function durationIn(
  value: unknown,
  fallback: number,
  path: YamlPath,
  label: string,
  maxMs: number,
  sink: DiagnosticSink,
): number {
  if (value === undefined || value === null) return fallback;
  const d = parseDuration(value);
  if (!d.ok || d.ms <= 0 || d.ms > maxMs) {
    sink.error(
      path,
      'CORDON_ERR_DEFINITION_VALUE',
      `${label} must be a duration above 0 and at most ${maxMs / 1000}s (e.g. "10s"); ${d.ok ? `got ${describe(value)}` : d.reason}.`,
    );
    return fallback;
  }
  return d.ms;
}
