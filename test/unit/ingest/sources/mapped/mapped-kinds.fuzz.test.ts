/**
 * Fuzzing the mapped kinds: for random bytes, random JSON, shaped-but-wrong documents and
 * every truncation-like cut of the samples, each kind returns events or located errors —
 * never throws, never hangs — and what it accepts can be stored as is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NormaliseResult } from '../../../../../src/ingest/normalizers/types.js';
import { ecsKind } from '../../../../../src/ingest/sources/ecs/index.js';
import { elasticBulkKind } from '../../../../../src/ingest/sources/elastic-bulk/index.js';
import { jsonMapKind } from '../../../../../src/ingest/sources/json-map/index.js';
import { otlpLogsKind } from '../../../../../src/ingest/sources/otlp-logs/index.js';
import type { AnySourceKind } from '../../../../../src/ingest/sources/source-kind.js';
import { checkResult, randomBytes, randomJson } from '../../../../helpers/source-fuzz.js';
import { fixtureBytes, runKind } from '../../../../helpers/source-kind.js';

const RUNS = 60;

const ECS_KEYS = [
  '@timestamp',
  'event',
  'event.outcome',
  'event.category',
  'event.kind',
  'event.duration',
  'user',
  'user.name',
  'source',
  'source.ip',
  'client.ip',
  'gen_ai',
  'gen_ai.usage.input_tokens',
  'labels',
  'labels.cordon_kind',
  'host',
  'host.name',
  'tags',
];
const ecsLike = fc.dictionary(fc.constantFrom(...ECS_KEYS), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 8,
});
const anyValue = fc.oneof(
  fc.record({ stringValue: fc.oneof(fc.string(), fc.jsonValue()) }),
  fc.record({ intValue: fc.oneof(fc.string(), fc.integer(), fc.double()) }),
  fc.jsonValue({ maxDepth: 2 }),
);
const otlpLike = fc.record({
  resourceLogs: fc.array(
    fc.record({
      resource: fc.record({
        attributes: fc.array(fc.record({ key: fc.string(), value: anyValue }), { maxLength: 3 }),
      }),
      scopeLogs: fc.array(
        fc.record({
          logRecords: fc.array(
            fc.record(
              {
                timeUnixNano: fc.oneof(
                  fc.string(),
                  fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
                  fc.integer(),
                ),
                severityNumber: fc.oneof(fc.integer({ min: -2, max: 30 }), fc.string()),
                body: anyValue,
                attributes: fc.array(
                  fc.record({
                    key: fc.constantFrom(
                      'cordon.kind',
                      'client.address',
                      'gen_ai.usage.input_tokens',
                      'event.name',
                    ),
                    value: anyValue,
                  }),
                  { maxLength: 4 },
                ),
                traceId: fc.oneof(
                  fc.string(),
                  fc.constantFrom('5b8efff798038103d269b633813fc60c', 'W47/95gDgQPSabYzgT/GDA=='),
                ),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 2 },
      ),
    }),
    { maxLength: 2 },
  ),
});

const JSON_MAP_OPTIONS = {
  items: 'alerts',
  fields: {
    kind: { const: 'drift' },
    id: 'alert_id',
    time: { path: 'timestamp', as: 'epoch_s' },
    severity: { path: 'severity', as: { map: { CRITICAL: 'critical' } } },
    'entity.ip': 'ip',
    'measures.drift_score': 'value',
    'labels.org': '$.organization',
  },
};
const JSONATA_OPTIONS = {
  jsonata: 'alerts.{"kind": "drift", "time": timestamp, "measures": {"v": value}}',
};

const cases: [string, AnySourceKind, string, unknown, string][] = [
  ['ecs', ecsKind, 'application/json', undefined, 'samples/ingest/ecs-authentication-event.json'],
  [
    'ecs ndjson',
    ecsKind,
    'application/x-ndjson',
    undefined,
    'samples/ingest/ecs-inference-event.json',
  ],
  [
    'elastic-bulk',
    elasticBulkKind,
    'application/x-ndjson',
    undefined,
    'samples/ingest/elastic-bulk-filebeat.ndjson',
  ],
  [
    'otlp-logs',
    otlpLogsKind,
    'application/json',
    undefined,
    'samples/ingest/otlp-logs-collector.json',
  ],
  [
    'json-map fields',
    jsonMapKind,
    'application/json',
    JSON_MAP_OPTIONS,
    'samples/ingest/json-map-fiddler-like-alerts.json',
  ],
  [
    'json-map jsonata',
    jsonMapKind,
    'application/json',
    JSONATA_OPTIONS,
    'samples/ingest/json-map-fiddler-like-alerts.json',
  ],
];

describe.each(cases)('%s: fuzzed bodies', (_name, kind, contentType, options, sample) => {
  const run = async (body: Buffer | string) => {
    let result: NormaliseResult | undefined;
    await expect(
      (async () => {
        result = await runKind(kind, body, { contentType, options });
      })(),
    ).resolves.toBeUndefined();
    if (result !== undefined) checkResult(result);
  };

  it('random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(randomBytes(200), (bytes) => run(bytes)),
      { numRuns: RUNS },
    );
  });

  it('random JSON', async () => {
    await fc.assert(
      fc.asyncProperty(randomJson(4), (body) => run(body)),
      { numRuns: RUNS },
    );
  });

  it('shaped but wrong documents', async () => {
    const shaped =
      kind === otlpLogsKind
        ? otlpLike
        : kind === jsonMapKind
          ? fc.record({
              organization: fc.jsonValue(),
              alerts: fc.array(
                fc.dictionary(
                  fc.constantFrom('alert_id', 'timestamp', 'severity', 'ip', 'value'),
                  fc.jsonValue({ maxDepth: 2 }),
                ),
                { maxLength: 4 },
              ),
            })
          : ecsLike;
    const bodies =
      kind === elasticBulkKind
        ? fc
            .array(
              fc.tuple(
                fc.constantFrom(
                  '{"index":{}}',
                  '{"create":{"_id":"a"}}',
                  '{"delete":{}}',
                  '{"update":{}}',
                  '{}',
                ),
                ecsLike,
              ),
              { maxLength: 4 },
            )
            .map((pairs) =>
              pairs.map(([action, doc]) => `${action}\n${JSON.stringify(doc)}`).join('\n'),
            )
        : shaped.map((value) => JSON.stringify(value));
    await fc.assert(
      fc.asyncProperty(bodies, (body) => run(body)),
      { numRuns: RUNS },
    );
  });

  it('cuts and byte flips of the sample', async () => {
    const bytes = fixtureBytes(sample);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: bytes.length }),
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        async (cut, at, byte) => {
          await run(bytes.subarray(0, cut));
          const flipped = Buffer.from(bytes);
          flipped[at] = byte;
          await run(flipped);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('options of json-map and elastic-bulk: fuzzed', () => {
  const spec = fc.oneof(
    fc.string(),
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        path: fc.oneof(fc.string(), fc.array(fc.string())),
        as: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        const: fc.jsonValue({ maxDepth: 1 }),
        required: fc.jsonValue({ maxDepth: 0 }),
      },
      { requiredKeys: [] },
    ),
  );
  const options = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        items: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
        fields: fc.dictionary(
          fc.oneof(
            fc.constantFrom('kind', 'time', 'severity', 'entity.ip', 'measures.x', 'labels.y'),
            fc.string(),
          ),
          spec,
          { maxKeys: 5 },
        ),
        jsonata: fc.string(),
      },
      { requiredKeys: [] },
    ),
  );

  it('compile returns options or reports problems, never throws', () => {
    fc.assert(
      fc.property(options, (value) => {
        for (const kind of [jsonMapKind, elasticBulkKind]) {
          const problems: string[] = [];
          const compiled: unknown = kind.options?.compile(value, (path, reason) =>
            problems.push(`${path.join('.')}: ${reason}`),
          );
          if (compiled === undefined) expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) expect(problem.trim().length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
