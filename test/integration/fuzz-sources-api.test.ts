/**
 * Fuzzing every source type and every drop-in endpoint through the HTTP API (`app.inject`):
 * each shipped source connector (connectors/*.yaml, read as Cordon reads it) and one connector
 * of every other registered source type gets its own samples cut short, with bytes flipped or
 * spliced, recompressed or mislabelled, and plain noise, under any plausible content type —
 * never a 5xx, never a hang, and every answer typed (fuzz-api.test.ts's checks). The drop-in
 * routes (Splunk HEC event/raw/ack, Elasticsearch _bulk with any filter_path and its setup
 * routes, OTLP/HTTP logs, Langfuse ingestion) answer in their protocol's shape whatever comes.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConnectorSet } from '../../src/config/connectors.js';
import { parseHttpRequestFile } from '../../src/ingest/sources/http-request-file.js';
import { allSourceKinds, getSourceKind } from '../../src/ingest/sources/registry.js';
import { readYamlFiles } from '../../src/shared/yaml-files.js';
import {
  REPO_ROOT,
  SAMPLES,
  startTestCordon,
  TOKENS,
  type TestCordon,
  repoContentCopy,
} from '../helpers/cordon.js';
import { jsonBodies, mutated } from '../unit/fuzz/arbitraries.js';

/** Runs per source connector (31 of them) and per drop-in group (four times as many). */
const NUM_RUNS = 60;
const BODY_LIMIT = 64 * 1024;
/** A request that takes longer than this is a hang (generous: two busy cores). */
const REQUEST_TIMEOUT_MS = 10_000;
const RUN = { numRuns: NUM_RUNS, timeout: REQUEST_TIMEOUT_MS } as const;

// ---------------------------------------------------------------------------------------------
// Seeds: each source type's own samples (good and bad), found by file name.

const INGEST_SAMPLES = join(SAMPLES, 'ingest');
const GENERIC_SAMPLES = fileURLToPath(new URL('../fixtures/ingest/generic/', import.meta.url));

/** Sample files of each registered source type, by name under test/fixtures/samples/ingest. */
const SAMPLES_BY_TYPE: Readonly<Record<string, RegExp>> = {
  generic: /^$/, // its samples are test/fixtures/ingest/generic/* (seedsOf)
  alertmanager: /^alertmanager-/,
  'splunk-webhook': /^splunk-webhook-/,
  grafana: /^grafana-/,
  'elastic-alert': /^elastic-(security-alert|alerts-array|search-response|alert-)/,
  kibana: /^elastic-(kibana|webhook-body)/,
  sentinel: /^sentinel-/,
  'splunk-hec': /^splunk-hec-/,
  evidently: /^evidently-/,
  whylabs: /^whylabs-/,
  torchserve: /^torchserve-/,
  'triton-log': /^triton-(server|log)/,
  'triton-metrics': /^triton-metrics/,
  kserve: /^kserve-/,
  seldon: /^seldon-/,
  tfserving: /^tfserving-/,
  litellm: /^litellm-(standard|generic|payload)/,
  'litellm-spend': /^litellm-spendlogs/,
  langfuse: /^langfuse-/,
  openai: /^openai-/,
  okta: /^okta-eventhook-(delivery|empty)|^okta-systemlog/,
  entra: /^entra-/,
  cloudtrail: /^cloudtrail-/,
  ocsf: /^ocsf-/,
  cef: /^cef-/,
  leef: /^leef-/,
  syslog: /^syslog-/,
  'json-map': /^json-map-/,
  ecs: /^ecs-/,
  'elastic-bulk': /^elastic-bulk-/,
  'otlp-logs': /^otlp-logs-/,
};

/** Options for a kind that cannot run without them (the arize-like sample's mapping). */
const OPTIONS_BY_TYPE: Readonly<Record<string, string>> = {
  'json-map': `options:
  fields:
    kind: { const: drift }
    name: monitor.name
    time: { path: triggered_at, as: rfc3339 }
    entity.model: model.id`,
};

interface Seed {
  readonly file: string;
  readonly body: Buffer;
  /** Headers a request file carries besides auth, host, length and type (CloudEvents ce-*). */
  readonly headers: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
}

const DROPPED_HEADERS = new Set([
  'host',
  'content-length',
  'authorization',
  'content-type',
  'content-encoding',
]);

function seedOf(dir: string, file: string): Seed {
  const bytes = readFileSync(join(dir, file));
  if (!file.endsWith('.http.txt'))
    return { file, body: bytes, headers: {}, contentType: undefined };
  const parsed = parseHttpRequestFile(bytes);
  if (!parsed.ok) throw new Error(`${file}: ${parsed.reason}`);
  const headers = Object.fromEntries(
    Object.entries(parsed.request.headers).filter(([k]) => !DROPPED_HEADERS.has(k)),
  );
  return {
    file,
    body: parsed.request.body,
    headers,
    contentType: parsed.request.headers['content-type'],
  };
}

function seedsOf(type: string): Seed[] {
  if (type === 'generic')
    return readdirSync(GENERIC_SAMPLES)
      .sort()
      .map((f) => seedOf(GENERIC_SAMPLES, f));
  const pattern = SAMPLES_BY_TYPE[type];
  if (!pattern) return [];
  const seeds: Seed[] = [];
  for (const dir of [INGEST_SAMPLES, join(INGEST_SAMPLES, 'bad')])
    for (const f of readdirSync(dir).sort())
      if (pattern.test(f) && !f.endsWith('verification.http.txt')) seeds.push(seedOf(dir, f));
  return seeds;
}

// ---------------------------------------------------------------------------------------------
// Sources: the shipped ones, as Cordon reads connectors/, then one of each other registered type.

const shipped = buildConnectorSet(await readYamlFiles(join(REPO_ROOT, 'connectors'))).connectors;
const SHIPPED_SOURCES = shipped
  .filter((c) => c.kind === 'source' && c.listen === undefined)
  .map((c) => ({ name: c.name, type: c.type }));
const EXTRA_SOURCES = allSourceKinds()
  .map((k) => k.type)
  .filter((type) => !SHIPPED_SOURCES.some((s) => s.type === type))
  .map((type) => ({ name: `fuzz-${type}`, type }));
const SOURCES = [...SHIPPED_SOURCES, ...EXTRA_SOURCES];

const EXTRA_CONNECTORS = EXTRA_SOURCES.map((s) =>
  [
    'apiVersion: cordon/v1',
    `name: ${s.name}`,
    `type: ${s.type}`,
    `description: Fuzzed by test/integration/fuzz-sources-api.test.ts.`,
    ...(OPTIONS_BY_TYPE[s.type] ? [OPTIONS_BY_TYPE[s.type]] : []),
  ].join('\n'),
).join('\n---\n');

const sourceOfType = (type: string): string => {
  const source = SOURCES.find((s) => s.type === type);
  if (!source) throw new Error(`no ${type} source`);
  return source.name;
};

let t: TestCordon;
beforeAll(async () => {
  const contentDir = repoContentCopy('fuzz-sources');
  writeFileSync(join(contentDir, 'connectors', 'fuzz-sources.yaml'), `${EXTRA_CONNECTORS}\n`);
  t = await startTestCordon({
    contentDir,
    env: { CORDON_INGEST_BODY_LIMIT_BYTES: String(BODY_LIMIT) },
  });
});
afterAll(async () => {
  await t?.stop();
});

// ---------------------------------------------------------------------------------------------
// Arbitraries.

const printable = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme-ascii', maxLength });

/** A seed's body cut short, with bytes flipped, spliced or repeated, or a structural edit. */
function mutatedBody(seed: fc.Arbitrary<Seed>): fc.Arbitrary<Buffer> {
  const body = seed.map((s) => s.body);
  return fc.oneof(
    { arbitrary: body, weight: 1 },
    {
      arbitrary: fc.tuple(body, fc.nat()).map(([b, n]) => b.subarray(0, n % (b.length + 1))),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(
          body,
          fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
        )
        .map(([b, flips]) => {
          const out = Buffer.from(b);
          if (out.length === 0) return out;
          for (const [at, byte] of flips) out[at % out.length] = byte;
          return out;
        }),
      weight: 3,
    },
    {
      arbitrary: fc
        .tuple(body, fc.nat(), fc.nat({ max: 64 }), fc.uint8Array({ maxLength: 16 }))
        .map(([b, at, cut, insert]) => {
          const i = at % (b.length + 1);
          return Buffer.concat([b.subarray(0, i), Buffer.from(insert), b.subarray(i + cut)]);
        }),
      weight: 2,
    },
    {
      // A stretch repeated (a resent chunk), or the whole body twice (two deliveries glued).
      arbitrary: fc.tuple(body, fc.nat(), fc.nat({ max: 200 })).map(([b, at, len]) => {
        const i = at % (b.length + 1);
        return Buffer.concat([b.subarray(0, i + len), b.subarray(i)]);
      }),
      weight: 1,
    },
    {
      arbitrary: mutated(body.map((b) => b.toString('utf8'))).map((s) => Buffer.from(s)),
      weight: 2,
    },
  );
}

const noise: fc.Arbitrary<Buffer> = fc.oneof(
  jsonBodies(fc.anything()),
  fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.alloc(0)),
  // Over the body limit: 413, not read.
  fc.constant(Buffer.alloc(BODY_LIMIT + 1024, '{"a":1}\n')),
);

type Encoding = 'identity' | 'gzip' | 'deflate' | 'gzip-lie' | 'gzip-cut' | 'br';
const encoding: fc.Arbitrary<Encoding> = fc.oneof(
  { arbitrary: fc.constant('identity' as const), weight: 8 },
  {
    arbitrary: fc.constantFrom<Encoding>('gzip', 'deflate', 'gzip-lie', 'gzip-cut', 'br'),
    weight: 2,
  },
);

/** The body as sent and its Content-Encoding header (when any). */
function encode(body: Buffer, how: Encoding): { payload: Buffer; header?: string } {
  switch (how) {
    case 'identity':
      return { payload: body };
    case 'gzip':
      return { payload: gzipSync(body), header: 'gzip' };
    case 'deflate':
      return { payload: deflateSync(body), header: 'deflate' };
    case 'gzip-lie':
      return { payload: body, header: 'gzip' };
    case 'gzip-cut': {
      const zipped = gzipSync(body);
      return { payload: zipped.subarray(0, Math.max(1, zipped.length >> 1)), header: 'x-gzip' };
    }
    case 'br':
      return { payload: body, header: 'br' };
  }
}

/** Content types a sender of this kind might plausibly label its body with. */
function contentTypes(type: string, seeds: readonly Seed[]): fc.Arbitrary<string> {
  const declared = (getSourceKind(type)?.contentTypes ?? []).filter((c) => c !== '*');
  const fromSeeds = seeds.flatMap((s) => (s.contentType ? [s.contentType] : []));
  // What the kind takes (a kind that takes anything: what its samples say, else text).
  const own = [...new Set([...declared, ...fromSeeds])];
  if (own.length === 0) own.push('text/plain', '');
  const others = [
    'application/json',
    'application/x-ndjson',
    'text/plain',
    'application/octet-stream',
    '',
  ].filter((c) => !own.includes(c));
  return fc.oneof(
    { arbitrary: fc.constantFrom(...own), weight: 6 },
    {
      arbitrary: fc
        .tuple(
          fc.constantFrom(...own),
          fc.constantFrom('; charset=utf-8', '; charset=latin1', ';', ' ; x=y'),
          fc.boolean(),
        )
        .map(([c, p, upper]) => (c === '' ? c : `${upper ? c.toUpperCase() : c}${p}`)),
      weight: 1,
    },
    ...(others.length > 0 ? [{ arbitrary: fc.constantFrom(...others), weight: 2 }] : []),
    { arbitrary: printable(24), weight: 1 },
  );
}

/** The seed's own headers (ce-* …), some of them, or with one value replaced by noise. */
function headersOf(seed: Seed): fc.Arbitrary<Record<string, string>> {
  const entries = Object.entries(seed.headers);
  if (entries.length === 0) return fc.constant({});
  return fc.oneof(
    fc.constant(seed.headers),
    fc.subarray(entries).map((kept) => Object.fromEntries(kept)),
    fc.tuple(fc.nat(), printable(40)).map(([at, value]) => ({
      ...seed.headers,
      [entries[at % entries.length]?.[0] ?? 'x']: value,
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// What every answer must be.

interface CordonErrorBody {
  code: string;
  message: string;
  details?: { deadLetterId?: string; errors?: { path: string; reason: string }[] };
}

/** A 2xx or a 4xx (never a 5xx, nor a redirect), and its body as JSON (HEAD: undefined). */
function answerOf(res: LightMyRequestResponse, what: string): unknown {
  const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
  expect(res.statusCode, context).toBeGreaterThanOrEqual(200);
  expect(res.statusCode, context).toBeLessThan(500);
  expect(res.statusCode >= 300 && res.statusCode < 400, context).toBe(false);
  if (res.body === '') return undefined;
  let parsed: unknown;
  expect(() => {
    parsed = JSON.parse(res.body);
  }, `${context} (not JSON)`).not.toThrow();
  return parsed;
}

/** Cordon's own answer on /v1/ingest/{source}: 202 with counts, or a typed error. */
function expectIngestAnswer(res: LightMyRequestResponse, what: string): void {
  const body = answerOf(res, what) as Record<string, unknown>;
  const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
  if (res.statusCode < 300) {
    expect(res.statusCode, context).toBe(202);
    expect(Number.isInteger(body.accepted), context).toBe(true);
    const rejected = (body.rejected ?? []) as {
      index: number;
      errors: { path: string; reason: string }[];
    }[];
    if (rejected.length > 0) expect(body.deadLetterId, context).toMatch(/^\d+-\d+$/);
    for (const r of rejected) {
      expect(Number.isInteger(r.index), context).toBe(true);
      expect(r.errors.length, context).toBeGreaterThan(0);
      for (const e of r.errors) expectFieldError(e, context);
    }
    return;
  }
  expectCordonError(body, context);
}

function expectFieldError(e: { path: unknown; reason: unknown }, context: string): void {
  expect(typeof e.path, context).toBe('string');
  expect(typeof e.reason, context).toBe('string');
  expect((e.reason as string).length, context).toBeGreaterThan(0);
}

function expectCordonError(body: unknown, context: string): void {
  const error = body as CordonErrorBody;
  expect(error.code, context).toMatch(/^CORDON_ERR_/);
  expect(typeof error.message, context).toBe('string');
  expect(error.message.length, context).toBeGreaterThan(0);
  if (error.code === 'CORDON_ERR_INGEST_INVALID_PAYLOAD')
    expect(error.details?.deadLetterId, context).toMatch(/^\d+-\d+$/);
  if (error.details?.errors !== undefined) {
    expect(Array.isArray(error.details.errors), context).toBe(true);
    for (const e of error.details.errors) expectFieldError(e, context);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function describeRequest(r: {
  url: string;
  contentType?: string;
  encoding?: string;
  body: Buffer;
}): string {
  return `${r.url} [${r.contentType ?? '-'}${r.encoding && r.encoding !== 'identity' ? `, ${r.encoding}` : ''}] ${JSON.stringify(r.body.subarray(0, 200).toString('latin1'))}${r.body.length > 200 ? `… (${r.body.length} bytes)` : ''}`;
}

const BEARER = `Bearer ${TOKENS.ingest}`;
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

// ---------------------------------------------------------------------------------------------

describe('every source connector over /v1/ingest/{source}', () => {
  it('covers every registered source type, each with samples to mutate', () => {
    expect(SOURCES.map((s) => s.type).sort()).toEqual(
      allSourceKinds()
        .map((k) => k.type)
        .sort(),
    );
    for (const { type } of SOURCES) expect(seedsOf(type).length, type).toBeGreaterThan(0);
    // The shipped sources come from connectors/ (none of them a syslog listener, which is not HTTP).
    expect(SHIPPED_SOURCES.length).toBeGreaterThan(0);
  });

  it.each(SOURCES)(
    '$name ($type): its samples mutated, or noise, under any plausible type: a typed 2xx/4xx',
    async ({ name, type }) => {
      const seeds = seedsOf(type);
      const seed = fc.constantFrom(...seeds);
      const request = seed.chain((s) =>
        fc.record({
          body: fc.oneof(
            { arbitrary: mutatedBody(fc.constant(s)), weight: 4 },
            { arbitrary: noise, weight: 1 },
          ),
          headers: headersOf(s),
          contentType: contentTypes(type, seeds),
          encoding,
          ids: fc.boolean(),
          auth: fc.constantFrom(BEARER, BEARER, BEARER, basic('shipper', TOKENS.ingest)),
        }),
      );
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const { payload, header } = encode(r.body, r.encoding);
          const url = `/v1/ingest/${name}${r.ids ? '?ids=true' : ''}`;
          const res = await t.app.inject({
            method: 'POST',
            url,
            headers: {
              ...r.headers,
              authorization: r.auth,
              ...(r.contentType ? { 'content-type': r.contentType } : {}),
              ...(header ? { 'content-encoding': header } : {}),
            },
            payload,
          });
          expectIngestAnswer(res, describeRequest({ url, ...r }));
        }),
        RUN,
      );
    },
  );

  it('GET /v1/ingest/{source} (a handshake) with any headers and query: a 2xx/4xx', async () => {
    const okta = seedOf(INGEST_SAMPLES, 'okta-eventhook-verification.http.txt');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SOURCES.map((s) => s.name), 'nope'),
        headersOf(okta),
        fc.dictionary(fc.constantFrom('challenge', 'verification', 'x'), printable(20), {
          maxKeys: 2,
        }),
        async (source, headers, query) => {
          const search = new URLSearchParams(query).toString();
          const url = `/v1/ingest/${source}${search ? `?${search}` : ''}`;
          const res = await t.app.inject({
            method: 'GET',
            url,
            headers: { ...headers, authorization: BEARER },
          });
          const body = answerOf(res, `GET ${url} ${JSON.stringify(headers)}`);
          if (res.statusCode >= 400) expectCordonError(body, `GET ${url}: ${res.body}`);
        },
      ),
      { ...RUN, numRuns: NUM_RUNS * 3 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Drop-in endpoints.

const seedArb = (type: string): fc.Arbitrary<Seed> => fc.constantFrom(...seedsOf(type));
const dropInBody = (type: string, extra?: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> =>
  fc.oneof(
    { arbitrary: mutatedBody(seedArb(type)), weight: 5 },
    { arbitrary: noise, weight: 1 },
    ...(extra ? [{ arbitrary: extra, weight: 2 }] : []),
  );

/** Cordon's token carried as each protocol's shippers carry it, a wrong one, or none. */
const authHeader = (...carried: string[]): fc.Arbitrary<string | undefined> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(BEARER, ...carried), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        undefined,
        'Bearer wrong-token',
        'Splunk nope',
        basic('x', 'nope'),
        'Basic %%%',
      ),
      weight: 1,
    },
  );

async function send(r: {
  method?: 'POST' | 'GET' | 'HEAD' | 'PUT';
  url: string;
  auth: string | undefined;
  body?: Buffer;
  contentType?: string;
  encoding?: Encoding;
  headers?: Record<string, string>;
}): Promise<LightMyRequestResponse> {
  const { payload, header } =
    r.body === undefined
      ? { payload: undefined, header: undefined }
      : encode(r.body, r.encoding ?? 'identity');
  return t.app.inject({
    method: r.method ?? 'POST',
    url: r.url,
    headers: {
      ...r.headers,
      ...(r.auth ? { authorization: r.auth } : {}),
      ...(r.contentType ? { 'content-type': r.contentType } : {}),
      ...(header ? { 'content-encoding': header } : {}),
    },
    ...(payload === undefined ? {} : { payload }),
  });
}

describe('drop-in endpoints', () => {
  it('Splunk HEC event, raw and ack: HEC JSON with a numeric code (ack: the acks), never a 5xx', async () => {
    const hec = sourceOfType('splunk-hec');
    const paths = [
      '/services/collector',
      '/services/collector/event',
      '/services/collector/event/1.0',
      '/services/collector/raw',
      '/services/collector/raw/1.0',
      '/services/collector/ack',
      '/services/collector/ack/1.0',
    ];
    const ackBody = fc
      .oneof(
        fc.record({
          acks: fc.array(fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.anything()), {
            maxLength: 5,
          }),
        }),
        fc.record({ acks: fc.anything() }),
        fc.anything(),
      )
      .map((v) => JSON.stringify(v) ?? '');
    const request = fc.record({
      path: fc.constantFrom(...paths),
      scoped: fc.boolean(),
      auth: authHeader(`Splunk ${TOKENS.ingest}`, `Splunk ${TOKENS.ingest}`),
      channel: fc.option(fc.oneof(fc.uuid(), printable(40)), { nil: undefined }),
      channelInQuery: fc.boolean(),
      query: fc.dictionary(
        fc.constantFrom('sourcetype', 'host', 'source', 'index', 'time'),
        fc.oneof(
          fc.constantFrom(
            'aws:cloudtrail',
            'OktaIM2:log',
            'azure:aad:signin',
            'cef',
            'leef',
            'syslog',
            'ocsf',
            '_json',
          ),
          printable(20),
        ),
        { maxKeys: 3 },
      ),
      body: dropInBody(
        'splunk-hec',
        fc.oneof(ackBody, mutated(ackBody)).map((s) => Buffer.from(s)),
      ),
      contentType: fc.constantFrom(
        'application/json',
        'text/plain',
        '',
        'application/x-www-form-urlencoded',
      ),
      encoding,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const query = new URLSearchParams({
          ...r.query,
          ...(r.channel !== undefined && r.channelInQuery ? { channel: r.channel } : {}),
        }).toString();
        const url = `${r.scoped ? `/v1/ingest/${hec}` : ''}${r.path}${query ? `?${query}` : ''}`;
        const res = await send({
          url,
          auth: r.auth,
          body: r.body,
          contentType: r.contentType,
          encoding: r.encoding,
          headers:
            r.channel !== undefined && !r.channelInQuery
              ? { 'x-splunk-request-channel': r.channel }
              : {},
        });
        const what = describeRequest({ url, ...r });
        const body = answerOf(res, what);
        const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
        expect(isObject(body), context).toBe(true);
        const answer = body as Record<string, unknown>;
        if (r.path.includes('/ack') && res.statusCode === 200) {
          expect(isObject(answer.acks), context).toBe(true);
          for (const v of Object.values(answer.acks as object)) expect(v, context).toBe(true);
          return;
        }
        expect(typeof answer.code, context).toBe('number');
        expect(typeof answer.text, context).toBe('string');
        if (res.statusCode === 200) expect(answer.code, context).toBe(0);
        else expect(answer.code, context).not.toBe(0);
      }),
      { ...RUN, numRuns: NUM_RUNS * 4 },
    );
  });

  it('Elasticsearch _bulk with any filter_path: JSON answers, never a 5xx or a hang', async () => {
    const bulk = sourceOfType('elastic-bulk');
    const segment = fc.oneof(
      fc.constantFrom(
        'errors',
        'items',
        'took',
        '*',
        '**',
        'status',
        'error',
        'reason',
        'type',
        '_index',
        '_id',
        'create',
        'index',
        'result',
        '*.err*',
        'it*s',
        '',
      ),
      printable(6),
    );
    const filterPath = fc.oneof(
      fc.constant('errors,items.*.error,items.*.status'),
      fc
        .array(
          fc
            .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 5 }))
            .map(([minus, names]) => `${minus ? '-' : ''}${names.join('.')}`),
          { maxLength: 4 },
        )
        .map((paths) => paths.join(',')),
      printable(40),
      // Long runs of wildcards (a few hundred `**.` once took minutes to match).
      fc
        .tuple(
          fc.constantFrom('**.', '*.', '**.*.', '-**.'),
          fc.integer({ min: 50, max: 1500 }),
          segment,
        )
        .map(([unit, n, last]) => `${unit.repeat(n)}${last}`),
    );
    const index = fc.oneof(
      fc.constantFrom('filebeat-8.11.0', 'logs-generic-default'),
      printable(20),
    );
    const request = fc.record({
      route: fc.constantFrom(
        '/_bulk',
        '/{index}/_bulk',
        `/v1/ingest/${bulk}/_bulk`,
        `/v1/ingest/${bulk}/{index}/_bulk`,
      ),
      index,
      filterPath: fc.option(filterPath, { nil: undefined }),
      auth: authHeader(basic('elastic', TOKENS.ingest), basic('beats', TOKENS.ingest)),
      body: dropInBody('elastic-bulk'),
      contentType: fc.constantFrom(
        'application/json',
        'application/x-ndjson',
        'application/vnd.elasticsearch+x-ndjson; compatible-with=8',
        '',
      ),
      encoding,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const search =
          r.filterPath === undefined
            ? ''
            : `?${new URLSearchParams({ filter_path: r.filterPath }).toString()}`;
        const url = `${r.route.replace('{index}', encodeURIComponent(r.index) || 'x')}${search}`;
        const res = await send({
          url,
          auth: r.auth,
          body: r.body,
          contentType: r.contentType,
          encoding: r.encoding,
        });
        const what = describeRequest({ url: url.slice(0, 300), ...r });
        const body = answerOf(res, what);
        const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
        expect(isObject(body), context).toBe(true);
        const answer = body as Record<string, unknown>;
        if (res.statusCode === 200 && r.filterPath === undefined) {
          expect(typeof answer.errors, context).toBe('boolean');
          expect(Array.isArray(answer.items ?? []), context).toBe(true);
        }
        if (res.statusCode >= 400 && isObject(answer.error)) {
          expect(typeof answer.error.type, context).toBe('string');
          expect(answer.status, context).toBe(res.statusCode);
        }
      }),
      { ...RUN, numRuns: NUM_RUNS * 4 },
    );
  });

  it('Elasticsearch setup routes (GET/HEAD/PUT of templates, policies …) with any name: never a 5xx', async () => {
    const bulk = sourceOfType('elastic-bulk');
    const kinds = [
      '/_index_template/',
      '/_template/',
      '/_component_template/',
      '/_ilm/policy/',
      '/_data_stream/',
      '/_ingest/pipeline/',
    ];
    const request = fc.record({
      method: fc.constantFrom<'GET' | 'HEAD' | 'PUT'>('GET', 'HEAD', 'PUT'),
      path: fc.oneof(
        { arbitrary: fc.constantFrom(...kinds), weight: 6 },
        { arbitrary: fc.constantFrom('/_license', '/_xpack'), weight: 1 },
      ),
      name: fc.oneof(
        fc.constantFrom('filebeat-8.11.0', 'filebeat', 'logs'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
      ),
      scoped: fc.boolean(),
      auth: authHeader(basic('elastic', TOKENS.ingest)),
      body: fc.oneof(
        jsonBodies(fc.anything()),
        fc.constant(Buffer.from('{"index_patterns":["filebeat-*"],"template":{"settings":{}}}')),
      ),
      contentType: fc.constantFrom('application/json', '', 'text/plain'),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const named = r.path.endsWith('/');
        const url = `${r.scoped ? `/v1/ingest/${bulk}` : ''}${r.path}${named ? encodeURIComponent(r.name) : ''}`;
        const res = await send({
          method: r.method,
          url,
          auth: r.auth,
          ...(r.method === 'PUT' ? { body: r.body, contentType: r.contentType } : {}),
        });
        const what = `${r.method} ${url}`;
        const body = answerOf(res, what);
        const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
        if (r.method === 'HEAD') return;
        expect(isObject(body), context).toBe(true);
        if (res.statusCode !== 200) return;
        if (r.method === 'PUT') expect(body, context).toEqual({ acknowledged: true });
        else if (r.path === '/_index_template/')
          expect(
            (body as { index_templates: { name: string }[] }).index_templates[0]?.name,
            context,
          ).toBe(r.name);
      }),
      { ...RUN, numRuns: NUM_RUNS * 4 },
    );
  });

  it('OTLP/HTTP /v1/logs: {} or a partialSuccess, else a google.rpc.Status; never a 5xx', async () => {
    const otlp = sourceOfType('otlp-logs');
    const request = fc.record({
      scoped: fc.boolean(),
      auth: authHeader(),
      body: dropInBody('otlp-logs'),
      contentType: fc.constantFrom(
        'application/json',
        'application/x-protobuf',
        'application/protobuf',
        'text/plain',
        '',
      ),
      encoding,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = `${r.scoped ? `/v1/ingest/${otlp}` : ''}/v1/logs`;
        const res = await send({ url, ...r });
        const what = describeRequest({ url, ...r });
        const body = answerOf(res, what);
        const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
        expect(isObject(body), context).toBe(true);
        const answer = body as Record<string, unknown>;
        if (res.statusCode === 200) {
          if (answer.partialSuccess !== undefined) {
            const partial = answer.partialSuccess as Record<string, unknown>;
            expect(partial.rejectedLogRecords, context).toMatch(/^[1-9]\d*$/);
            expect(typeof partial.errorMessage, context).toBe('string');
          } else expect(answer, context).toEqual({});
          return;
        }
        expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
        expect(Number.isInteger(answer.code), context).toBe(true);
        expect(typeof answer.message, context).toBe('string');
        expect(Array.isArray(answer.details), context).toBe(true);
      }),
      { ...RUN, numRuns: NUM_RUNS * 4 },
    );
  });

  it('Langfuse /api/public/ingestion: a 207 multi-status or a Langfuse error; never a 5xx', async () => {
    const langfuse = sourceOfType('langfuse');
    const request = fc.record({
      scoped: fc.boolean(),
      auth: authHeader(basic('pk-lf-any', TOKENS.ingest)),
      body: dropInBody('langfuse'),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        '',
      ),
      encoding,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const url = `${r.scoped ? `/v1/ingest/${langfuse}` : ''}/api/public/ingestion`;
        const res = await send({ url, ...r });
        const what = describeRequest({ url, ...r });
        const body = answerOf(res, what);
        const context = `${what} -> ${res.statusCode}: ${res.body.slice(0, 400)}`;
        expect(isObject(body), context).toBe(true);
        const answer = body as Record<string, unknown>;
        const multiStatus = Array.isArray(answer.successes) && Array.isArray(answer.errors);
        if (res.statusCode < 300) {
          expect(res.statusCode, context).toBe(207);
          expect(multiStatus, context).toBe(true);
          return;
        }
        expect(
          multiStatus || (typeof answer.message === 'string' && typeof answer.error === 'string'),
          context,
        ).toBe(true);
      }),
      { ...RUN, numRuns: NUM_RUNS * 4 },
    );
  });
});
