import { Findings } from '../../normalizers/findings.js';
import type { Location } from '../../normalizers/findings.js';
import { got, isJsonObject } from '../../normalizers/json-values.js';
import { parseJsonBody } from '../../normalizers/parse-json-body.js';
import type { SourceKind } from '../source-kind.js';
import { batchItemAt } from '../json-map/index.js';
import { field, readKeyValues } from './any-value.js';
import { readLogRecord } from './log-record.js';
import type { RecordContext } from './log-record.js';

export const OTLP_PROTOBUF_TYPES = ['application/x-protobuf', 'application/protobuf'];

/**
 * OpenTelemetry logs over OTLP/HTTP with the JSON encoding (`ExportLogsServiceRequest`): each
 * log record is a batch item, numbered in order across all resources and scopes.
 */
export const otlpLogsKind: SourceKind<undefined> = {
  type: 'otlp-logs',
  title: 'OpenTelemetry logs, OTLP/HTTP JSON (Collector otlphttp exporter, SDK log exporters)',
  category: 'mapped',
  // Protobuf is accepted here only to answer it with a precise fix instead of a bare 415.
  contentTypes: ['application/json', ...OTLP_PROTOBUF_TYPES],
  auth: ['bearer', 'basic', 'header'],
  normalise(request, ctx) {
    const findings = new Findings();
    const root = findings.root();
    if (OTLP_PROTOBUF_TYPES.includes(ctx.contentType)) {
      root.error(
        `is OTLP protobuf (Content-Type ${ctx.contentType}); this source reads the OTLP JSON encoding only (unsupported media type). ` +
          'Set the exporter to JSON: in the Collector\'s otlphttp exporter "encoding: json", in SDKs OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/json.',
      );
      return findings.result([]);
    }
    const parsed = parseJsonBody(request.body, root, {
      expected: 'an OTLP ExportLogsServiceRequest ({"resourceLogs": [...]})',
      maxDepth: ctx.maxDepth,
    });
    if (!parsed.ok) return findings.result([]);
    const message = parsed.value;
    if (!isJsonObject(message)) {
      root.error(
        `must be an OTLP ExportLogsServiceRequest object ({"resourceLogs": [...]}); got ${got(message)}.`,
      );
      return findings.result([]);
    }
    let index = 0;
    for (const { context, records, at } of readScopes(message, root)) {
      records.forEach((record, k) => {
        const recordAt = batchItemAt(findings, at, k, index);
        index += 1;
        const event = readLogRecord(record, recordAt, context, ctx.now);
        if (event !== undefined) findings.emit(event, recordAt);
      });
    }
    return findings.batch();
  },
};

interface Scope {
  readonly context: RecordContext;
  readonly records: readonly unknown[];
  readonly at: Location;
}

/** The envelope: problems here concern every record under it, so they refuse the body. */
function readScopes(message: Record<string, unknown>, root: Location): Scope[] {
  const scopes: Scope[] = [];
  const resourceLogs = list(
    field(message, 'resourceLogs'),
    root.child('resourceLogs'),
    'resourceLogs',
    true,
  );
  resourceLogs.forEach((entry, i) => {
    const at = root.child('resourceLogs').child(i);
    if (!isJsonObject(entry)) {
      at.error(`must be a ResourceLogs object; got ${got(entry)}.`);
      return;
    }
    const resource = field(entry, 'resource');
    const resourceAttributes = isJsonObject(resource)
      ? readKeyValues(field(resource, 'attributes'), at.child('resource').child('attributes'))
      : {};
    const scopeLogs = list(field(entry, 'scopeLogs'), at.child('scopeLogs'), 'scopeLogs', false);
    scopeLogs.forEach((scopeEntry, j) => {
      const scopeAt = at.child('scopeLogs').child(j);
      if (!isJsonObject(scopeEntry)) {
        scopeAt.error(`must be a ScopeLogs object; got ${got(scopeEntry)}.`);
        return;
      }
      const scope = field(scopeEntry, 'scope');
      const scopeObject = isJsonObject(scope) ? scope : {};
      const scopeAttributes = readKeyValues(
        field(scopeObject, 'attributes'),
        scopeAt.child('scope').child('attributes'),
      );
      const name = field(scopeObject, 'name');
      const version = field(scopeObject, 'version');
      const records = list(
        field(scopeEntry, 'logRecords'),
        scopeAt.child('logRecords'),
        'logRecords',
        false,
      );
      scopes.push({
        context: {
          resource: { ...resourceAttributes, ...scopeAttributes },
          scope: {
            ...(typeof name === 'string' && name !== '' ? { name } : {}),
            ...(typeof version === 'string' && version !== '' ? { version } : {}),
          },
        },
        records,
        at: scopeAt.child('logRecords'),
      });
    });
  });
  return scopes;
}

function list(value: unknown, at: Location, name: string, required: boolean): readonly unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (value === undefined || value === null) {
    if (required)
      at.error(
        `is required: the array of ${name} ({"resourceLogs": [{"scopeLogs": [{"logRecords": [...]}]}]}).`,
      );
    return [];
  }
  at.error(`must be an array of ${name}; got ${got(value)}.`);
  return [];
}
