import type { Entity } from '../../canonical-event.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject, setOwn } from '../../normalizers/json-values.js';
import { parseIp } from '../../normalizers/ip.js';
import { snakeKey } from '../inference-common/label-keys.js';

/**
 * `ce-metadata`: the request headers the logger was told to capture (KServe
 * `logger.metadataHeaders`), as Go writes an `http.Header`: `{"x-request-id": ["…"]}`.
 * Identity headers fill the entity, tracing headers become `request_id`/`trace_id`, the rest
 * `header_<name>` labels. Credentials are never kept, whatever was captured.
 */
export interface CapturedHeaders {
  readonly entity: Entity;
  readonly labels: Record<string, string>;
  /** The captured headers as JSON again, credentials' values replaced by "[dropped]", for `raw`. */
  readonly sanitized: string;
}

type EntityKey = Exclude<keyof Entity, 'geo' | 'ip'>;

const ENTITY_HEADERS: readonly (readonly [EntityKey, readonly string[]])[] = [
  [
    'user',
    [
      'x-user',
      'x-user-id',
      'x-forwarded-user',
      'x-auth-request-user',
      'x-auth-request-email',
      'x-user-email',
      'x-forwarded-email',
      'x-remote-user',
    ],
  ],
  ['api_key', ['x-api-key-hash', 'x-api-key-id', 'x-api-key-alias', 'x-consumer-id']],
  ['session', ['x-session-id', 'x-session']],
  ['tenant', ['x-tenant-id', 'x-tenant', 'x-org-id']],
  ['user_agent', ['user-agent']],
];
const IP_HEADERS = ['x-forwarded-for', 'x-real-ip', 'x-envoy-external-address', 'x-client-ip'];
/** Secrets a careless `metadataHeaders` list may capture: dropped, and the sender told. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'set-cookie',
  'x-auth-token',
  'x-access-token',
]);
const MAX_HEADERS = 50;

export function readCapturedHeaders(text: string, at: Location): CapturedHeaders | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    at.error(
      `is not valid JSON (${detail}); got ${got(text)}. It must be a JSON object of captured header name → list of values, ` +
        'as the KServe logger writes it ({"x-request-id":["…"]}). A cut value usually means a proxy limits header size.',
    );
    return undefined;
  }
  if (!isJsonObject(value)) {
    at.error(
      `must be a JSON object of captured header name → list of values ({"x-request-id":["…"]}); got ${got(value)}.`,
    );
    return undefined;
  }
  const headers = new Map<string, string>();
  for (const [name, v] of Object.entries(value)) {
    if (headers.size >= MAX_HEADERS) break;
    const values = (Array.isArray(v) ? v : [v]).filter(
      (item): item is string => typeof item === 'string',
    );
    if (values.length === 0) {
      at.child(name).warn(`is not a string or a list of strings (${got(v)}); it was ignored.`);
      continue;
    }
    headers.set(name.toLowerCase(), values.join(', '));
  }
  const sanitized: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value))
    Object.defineProperty(sanitized, name, {
      value: CREDENTIAL_HEADERS.has(name.toLowerCase()) ? ['[dropped]'] : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return { ...mapHeaders(headers, at), sanitized: JSON.stringify(sanitized) };
}

function mapHeaders(
  headers: Map<string, string>,
  at: Location,
): Omit<CapturedHeaders, 'sanitized'> {
  const entity: Entity = {};
  const labels: Record<string, string> = {};
  const used = new Set<string>();
  for (const [field, names] of ENTITY_HEADERS) {
    const name = names.find((n) => (headers.get(n) ?? '').trim() !== '');
    if (name === undefined) continue;
    entity[field] = (headers.get(name) ?? '').trim();
    used.add(name);
  }
  const ipName = IP_HEADERS.find((n) => headers.has(n));
  if (ipName !== undefined) {
    used.add(ipName);
    // X-Forwarded-For lists the client first, then each proxy.
    const first = (headers.get(ipName) ?? '').split(',')[0] ?? '';
    const ip = parseIp(first);
    if (ip.ok) entity.ip = ip.ip;
    else at.child(ipName).warn(`${ip.reason} The IP was left out.`);
  }
  const requestId = headers.get('x-request-id');
  if (requestId !== undefined) {
    labels.request_id = requestId;
    used.add('x-request-id');
  }
  const traceId = headers.get('x-b3-traceid') ?? traceparentId(headers.get('traceparent'));
  if (traceId !== undefined) {
    labels.trace_id = traceId;
    used.add('x-b3-traceid');
  }
  for (const [name, value] of headers) {
    if (used.has(name)) continue;
    if (CREDENTIAL_HEADERS.has(name)) {
      at.child(name).warn(
        'is a credential; Cordon does not keep secrets, so it was dropped. Capture a hash of the key (e.g. x-api-key-hash) instead.',
      );
      continue;
    }
    setOwn(labels, `header_${snakeKey(name)}`, value);
  }
  return { entity, labels };
}

/** W3C `traceparent`: `00-<trace id>-<span id>-<flags>`. */
function traceparentId(value: string | undefined): string | undefined {
  const id = value?.split('-')[1];
  return id !== undefined && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}
