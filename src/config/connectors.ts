import { isIP } from 'node:net';
import { DERIVED_SOURCE, type EntityField } from '../ingest/canonical-event.js';
import { PARTITION_FIELDS, partitionField } from '../ingest/event-partition.js';
import { RAW_POLICIES, TEXT_POLICIES } from '../ingest/keep-policy.js';
import type { KeepPolicy, RawPolicy, TextPolicy } from '../ingest/keep-policy.js';
import { getSourceKind, SOURCE_KIND_TYPES } from '../ingest/sources/registry.js';
import { connectorType, CONNECTOR_TYPES } from '../actions/connectors/registry.js';
import {
  ACTION_INSTANCE_KEYS,
  parseActionInstance,
  type ActionInstance,
} from '../actions/connectors/instance-config.js';
import { checkRoutes } from '../actions/connectors/route/routes.js';
import { parseWatermark, type Watermark } from './connector-watermark.js';
import { parseSourceAuth } from './source-auth.js';
import type { SourceAuth } from './source-auth.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import { describe } from '../shared/duration.js';
import { checkKeys, expectMapping, expectString, isMapping, suggest } from '../shared/shape.js';
import { DiagnosticSink, loadYaml } from '../shared/yaml.js';
import type { YamlSource } from '../shared/yaml-files.js';

/**
 * `connectors/*.yaml`: one file per system instance Cordon talks to. Source connectors
 * (`generic`, `alertmanager`, `splunk-webhook`, ...) receive webhooks at /v1/ingest/<name>;
 * action connectors (the types of src/actions/connectors/registry.ts: `builtin-limiter`,
 * `jira`, `kong`, ...) are what playbook actions act on. Secrets are only ever referenced
 * (`{ env: NAME }` or `{ file: path }`), never written inline.
 */
export const SOURCE_TYPES: readonly string[] = SOURCE_KIND_TYPES;
export const ACTION_CONNECTOR_TYPES: readonly string[] = CONNECTOR_TYPES.map((t) => t.type);
const ALL_TYPES: readonly string[] = [...SOURCE_TYPES, ...ACTION_CONNECTOR_TYPES];

export type SecretRef = { readonly env: string } | { readonly file: string };

export interface ConnectorDefinition {
  readonly name: string;
  readonly type: string;
  readonly kind: 'source' | 'action';
  readonly description: string;
  readonly origin: string;
  /** Source connectors: bearer tokens that may post to this source only. */
  readonly bearerTokens: readonly SecretRef[];
  /** Source connectors: sender credentials other than bearer tokens (basic, HMAC, …). */
  readonly senderAuth: SourceAuth;
  /** Source connectors: the kind's compiled `options:` (its defaults when absent). */
  readonly options: unknown;
  /** Source connectors: `keep:` overrides of the configured raw and text policy. */
  readonly keep: Partial<KeepPolicy>;
  /**
   * Source connectors: the entity field its events are spread over the event-log partitions by
   * (`partition_by: entity.<field>`; default: the primary entity, ingest/event-partition.ts).
   */
  readonly partitionBy?: EntityField;
  /** Line-format sources: a syslog listener (UDP and/or TCP) feeding this source. */
  readonly listen?: ListenConfig;
  /**
   * Source connectors: how far out of order its events may arrive and after how long a silent
   * source stops holding correlation windows open (defaults from the configuration).
   */
  readonly watermark: Watermark;
  /** Action connectors: url, auth, timeout, retry, rate limit, allow_hosts and options. */
  readonly action?: ActionInstance;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Validates every connector file. `connectors` holds the valid ones even when others have
 * errors, so checks that depend on connectors (playbooks) do not cascade from one bad file.
 */
export function buildConnectorSet(sources: readonly YamlSource[]): {
  connectors: ConnectorDefinition[];
  diagnostics: Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const out: ConnectorDefinition[] = [];
  const seen = new Map<string, string>();
  const sinks = new Map<string, DiagnosticSink>();
  for (const source of sources) {
    const loaded = loadYaml(source.text, source.file);
    diagnostics.push(...loaded.diagnostics);
    for (const doc of loaded.documents) {
      const sink = new DiagnosticSink(source.file, doc.positions);
      const def = validateConnector(
        doc.value,
        sink,
        `${source.file}:${doc.positions.get([]).line}`,
      );
      diagnostics.push(...sink.diagnostics);
      if (!def) continue;
      const prior = seen.get(def.name);
      if (prior) {
        sink.error(
          ['name'],
          'CORDON_ERR_DEFINITION_DUPLICATE',
          `Connector name "${def.name}" is also defined at ${prior}. Names must be unique; rename one.`,
        );
        diagnostics.push(...sink.diagnostics.slice(-1));
        continue;
      }
      seen.set(def.name, def.origin);
      sinks.set(def.name, sink);
      out.push(def);
    }
  }
  // Routes name other connectors: checked once every file is read, located in the route's file.
  const bad = new Set<string>();
  checkRoutes(out, (route, path, message) => {
    const sink = sinks.get(route.name);
    if (!sink) return;
    sink.error(path, 'CORDON_ERR_CONNECTOR_ROUTE', message);
    diagnostics.push(...sink.diagnostics.slice(-1));
    bad.add(route.name);
  });
  return { connectors: out.filter((c) => !bad.has(c.name)), diagnostics };
}

function validateConnector(
  value: unknown,
  sink: DiagnosticSink,
  origin: string,
): ConnectorDefinition | undefined {
  if (!expectMapping(sink, [], value, 'A connector document')) return undefined;
  const kind = SOURCE_TYPES.includes(String(value.type)) ? 'source' : 'action';
  checkKeys(sink, [], value, 'Connector', {
    required: ['name', 'type'],
    optional: [
      'apiVersion',
      'description',
      'auth',
      'watermark',
      'options',
      'keep',
      'partition_by',
      'listen',
      ...(kind === 'action'
        ? ACTION_INSTANCE_KEYS.filter((k) => k !== 'auth' && k !== 'options')
        : []),
    ],
  });
  const before = sink.diagnostics.length;
  if (value.apiVersion !== undefined && value.apiVersion !== 'cordon/v1') {
    sink.error(
      ['apiVersion'],
      'CORDON_ERR_DEFINITION_VALUE',
      `apiVersion must be "cordon/v1"; got ${JSON.stringify(value.apiVersion)}.`,
    );
  }
  const name = value.name;
  if (typeof name === 'string' && !NAME.test(name)) {
    sink.error(
      ['name'],
      'CORDON_ERR_DEFINITION_VALUE',
      `Connector name must be lower-case letters, digits and "-" (it appears in URLs); got "${name}".`,
    );
  } else if (name === DERIVED_SOURCE) {
    sink.error(
      ['name'],
      'CORDON_ERR_DEFINITION_VALUE',
      `Connector name "${DERIVED_SOURCE}" is reserved: Cordon's own matches enter the event log under it. Pick another name.`,
    );
  } else if (name !== undefined) expectString(sink, ['name'], name, 'Connector name');
  const type = value.type;
  if (typeof type === 'string' && !ALL_TYPES.includes(type)) {
    const hint = suggest(type, ALL_TYPES);
    sink.error(
      ['type'],
      'CORDON_ERR_CONNECTOR_TYPE',
      `Connector type "${type}" is not known.${hint ? ` Did you mean "${hint}"?` : ''} Types: ${ALL_TYPES.join(', ')}.`,
    );
  }
  let bearerTokens: SecretRef[] = [];
  let senderAuth: SourceAuth = {};
  const actionType =
    kind === 'action' && typeof type === 'string' ? connectorType(type) : undefined;
  const action = actionType
    ? parseActionInstance(value, actionType, sink, parseSecretRef)
    : undefined;
  if (value.auth !== undefined) {
    if (kind === 'source') {
      const parsed = parseSourceAuth(value.auth, sink, parseSecretRef);
      bearerTokens = [...parsed.bearer];
      senderAuth = parsed.sender;
    }
  }
  const options = kind === 'source' ? parseOptions(value.options, kind, type, sink) : undefined;
  const keep = parseKeep(value.keep, kind, sink);
  const partitionBy = parsePartitionBy(value.partition_by, kind, sink);
  const listen = parseListen(value.listen, type, sink);
  const watermark = parseWatermark(value.watermark, kind, sink);
  if (sink.diagnostics.length > before || typeof name !== 'string' || typeof type !== 'string')
    return undefined;
  return {
    name,
    type,
    kind,
    description: typeof value.description === 'string' ? value.description : '',
    origin,
    bearerTokens,
    senderAuth,
    options,
    keep,
    ...(partitionBy ? { partitionBy } : {}),
    ...(listen ? { listen } : {}),
    watermark,
    ...(action ? { action: { ...action, name, type } } : {}),
  };
}

export interface ListenConfig {
  readonly host: string;
  readonly udp?: number;
  readonly tcp?: number;
  /** Peers allowed to send (addresses or CIDR ranges); syslog carries no credentials. */
  readonly allow: readonly string[];
}

const CIDR = /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/;

/** `listen: { host, udp, tcp, allow }` on a line-format source (syslog, cef, leef). */
function parseListen(
  value: unknown,
  type: unknown,
  sink: DiagnosticSink,
): ListenConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const kind = typeof type === 'string' ? getSourceKind(type) : undefined;
  if (kind?.category !== 'line') {
    sink.error(
      ['listen'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      `"listen" opens a syslog listener and applies to line-format sources (syslog, cef, leef); ${String(type)} sources receive over HTTP. Remove it.`,
      true,
    );
    return undefined;
  }
  if (!expectMapping(sink, ['listen'], value, 'listen')) return undefined;
  checkKeys(sink, ['listen'], value, 'listen', { optional: ['host', 'udp', 'tcp', 'allow'] });
  const before = sink.diagnostics.length;
  const host = value.host ?? '127.0.0.1';
  if (typeof host !== 'string' || isIP(host) === 0)
    sink.error(
      ['listen', 'host'],
      'CORDON_ERR_DEFINITION_VALUE',
      `listen.host must be an IP address to bind (127.0.0.1, 0.0.0.0, ::); got ${describe(host)}.`,
    );
  const port = (key: 'udp' | 'tcp'): number | undefined => {
    const v = value[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65_535) {
      sink.error(
        ['listen', key],
        'CORDON_ERR_DEFINITION_VALUE',
        `listen.${key} must be a port from 0 to 65535 (e.g. 5514; ports below 1024 need privileges); got ${describe(v)}.`,
      );
      return undefined;
    }
    return v;
  };
  const udp = port('udp');
  const tcp = port('tcp');
  if (value.udp === undefined && value.tcp === undefined)
    sink.error(
      ['listen'],
      'CORDON_ERR_DEFINITION_VALUE',
      'listen needs a udp or a tcp port (or both), e.g. "listen: { tcp: 5514 }".',
    );
  const allow: string[] = [];
  const rawAllow: unknown = value.allow ?? ['127.0.0.1/32', '::1/128'];
  if (!Array.isArray(rawAllow))
    sink.error(
      ['listen', 'allow'],
      'CORDON_ERR_DEFINITION_VALUE',
      `listen.allow must be a list of addresses or CIDR ranges, e.g. [10.0.0.0/8]; got ${describe(rawAllow)}.`,
    );
  else
    rawAllow.forEach((entry: unknown, i) => {
      const m = typeof entry === 'string' ? CIDR.exec(entry) : null;
      const family = m ? isIP(m[1] ?? '') : 0;
      const bits = m?.[2] === undefined ? undefined : Number(m[2]);
      if (!m || family === 0 || (bits !== undefined && bits > (family === 4 ? 32 : 128)))
        sink.error(
          ['listen', 'allow', i],
          'CORDON_ERR_DEFINITION_VALUE',
          `listen.allow entries are addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32); got ${describe(entry)}.`,
        );
      else allow.push(entry as string);
    });
  if (sink.diagnostics.length > before || typeof host !== 'string') return undefined;
  return {
    host,
    ...(udp === undefined ? {} : { udp }),
    ...(tcp === undefined ? {} : { tcp }),
    allow,
  };
}

/** `partition_by: entity.user` on a source connector (CORDON_EVENT_LOG_PARTITIONS). */
function parsePartitionBy(
  value: unknown,
  kind: 'source' | 'action',
  sink: DiagnosticSink,
): EntityField | undefined {
  if (value === undefined || value === null) return undefined;
  if (kind !== 'source') {
    sink.error(
      ['partition_by'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      '"partition_by" applies to source connectors only; remove it.',
      true,
    );
    return undefined;
  }
  const field = typeof value === 'string' ? partitionField(value) : undefined;
  if (field === undefined) {
    const hint = typeof value === 'string' ? suggest(value, PARTITION_FIELDS) : undefined;
    sink.error(
      ['partition_by'],
      'CORDON_ERR_DEFINITION_VALUE',
      `partition_by names the entity field this source's events are spread over the event-log partitions by: one of ${PARTITION_FIELDS.join(', ')}; got ${describe(value)}.${hint ? ` Did you mean "${hint}"?` : ''}`,
    );
  }
  return field;
}

/** Longest `keep.text_ms`, as for CORDON_RETENTION_TEXT_MS. */
const MAX_TEXT_MS = 3_650 * 86_400_000;

/** `keep: { raw: sampled, raw_sample: 0.05, text: redact, text_ms: 86400000 }` on a source connector. */
function parseKeep(
  value: unknown,
  kind: 'source' | 'action',
  sink: DiagnosticSink,
): Partial<KeepPolicy> {
  if (value === undefined || value === null) return {};
  if (kind !== 'source') {
    sink.error(
      ['keep'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      '"keep" applies to source connectors only; remove it.',
      true,
    );
    return {};
  }
  if (!expectMapping(sink, ['keep'], value, 'keep')) return {};
  checkKeys(sink, ['keep'], value, 'keep', {
    optional: ['raw', 'raw_sample', 'text', 'text_ms'],
  });
  const out: { raw?: RawPolicy; rawSample?: number; text?: TextPolicy; textMs?: number } = {};
  if (value.raw !== undefined) {
    if ((RAW_POLICIES as readonly unknown[]).includes(value.raw)) out.raw = value.raw as RawPolicy;
    else
      sink.error(
        ['keep', 'raw'],
        'CORDON_ERR_DEFINITION_VALUE',
        `keep.raw must be one of ${RAW_POLICIES.join(', ')}; got ${describe(value.raw)}.`,
      );
  }
  if (value.raw_sample !== undefined) {
    const n = value.raw_sample;
    if (typeof n === 'number' && n >= 0 && n <= 1) out.rawSample = n;
    else
      sink.error(
        ['keep', 'raw_sample'],
        'CORDON_ERR_DEFINITION_VALUE',
        `keep.raw_sample must be a share from 0 to 1 (0.05 keeps 5%); got ${describe(n)}.`,
      );
  }
  if (value.text !== undefined) {
    if ((TEXT_POLICIES as readonly unknown[]).includes(value.text))
      out.text = value.text as TextPolicy;
    else
      sink.error(
        ['keep', 'text'],
        'CORDON_ERR_DEFINITION_VALUE',
        `keep.text must be one of ${TEXT_POLICIES.join(', ')}; got ${describe(value.text)}.`,
      );
  }
  if (value.text_ms !== undefined) {
    const n = value.text_ms;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_TEXT_MS)
      out.textMs = n;
    else
      sink.error(
        ['keep', 'text_ms'],
        'CORDON_ERR_DEFINITION_VALUE',
        `keep.text_ms must be whole milliseconds from 0 (as long as the event) to ${MAX_TEXT_MS} (3650 days), such as 86400000 for one day; got ${describe(n)}.`,
      );
  }
  return out;
}

/** `options:` of a source connector, checked and compiled by its kind. */
function parseOptions(
  value: unknown,
  kind: 'source' | 'action',
  type: unknown,
  sink: DiagnosticSink,
): unknown {
  const source = kind === 'source' && typeof type === 'string' ? getSourceKind(type) : undefined;
  if (value !== undefined && kind !== 'source') {
    sink.error(
      ['options'],
      'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
      '"options" applies to source connectors only; remove it.',
      true,
    );
    return undefined;
  }
  if (!source) return undefined;
  if (!source.options) {
    if (value !== undefined)
      sink.error(
        ['options'],
        'CORDON_ERR_DEFINITION_UNKNOWN_KEY',
        `Source type "${source.type}" takes no options; remove "options".`,
        true,
      );
    return undefined;
  }
  return source.options.compile(value ?? undefined, (path, reason) => {
    sink.error(
      ['options', ...path],
      'CORDON_ERR_DEFINITION_VALUE',
      `options.${path.join('.')}${path.length ? ': ' : ''}${reason}`,
    );
  });
}

export function parseSecretRef(
  ref: unknown,
  sink: DiagnosticSink,
  path: (string | number)[],
): SecretRef | undefined {
  if (typeof ref === 'string') {
    sink.error(
      path,
      'CORDON_ERR_CONNECTOR_SECRET',
      'Secrets are never written inline; reference an environment variable ({ env: NAME }) or a file ({ file: /run/secrets/name }).',
    );
    return undefined;
  }
  if (!isMapping(ref) || Object.keys(ref).length !== 1) {
    sink.error(
      path,
      'CORDON_ERR_CONNECTOR_SECRET',
      'A secret reference is a mapping with exactly one of env or file, e.g. { env: CORDON_SOURCE_TOKEN }.',
    );
    return undefined;
  }
  if (typeof ref.env === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(ref.env)) return { env: ref.env };
  if (typeof ref.file === 'string' && ref.file.startsWith('/')) return { file: ref.file };
  sink.error(
    path,
    'CORDON_ERR_CONNECTOR_SECRET',
    'env must be an upper-case variable name (A-Z, 0-9, _) and file an absolute path.',
  );
  return undefined;
}
