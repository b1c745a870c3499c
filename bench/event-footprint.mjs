// Redis memory per accepted event: what one event costs in the durable log and the dedupe
// memory, as Cordon stored it before (a canonical item's raw was a second copy of the item) and
// now (stored once; CORDON_RETENTION_RAW=drop keeps no raw at all).
//
//   npm run build && node bench/event-footprint.mjs
//   BENCH_EVENTS=20000 node bench/event-footprint.mjs
//
// Each variant appends the same generic events (~1 KB of JSON each: entity, measures, labels
// and a prompt) under its own random prefix and sums MEMORY USAGE (exact, SAMPLES 0) of the
// log stream with the text kept beside it (HASH and LIST), the seen LIST and the where HASH. Bounded in count; keys deleted at the end.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { genericNormaliser } from '../dist/ingest/normalizers/generic.js';
import { EventLog } from '../dist/store/event-log.js';
import { elasticBulkKind } from '../dist/ingest/sources/elastic-bulk/index.js';
import { applyKeepPolicy, DEFAULT_KEEP_POLICY } from '../dist/ingest/keep-policy.js';
import { Keys } from '../dist/store/keys.js';
import { filebeatSshFailure } from './filebeat-document.mjs';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(REDIS_URL);

function item(i) {
  return {
    id: `evt-${i}`,
    time: Date.now(),
    kind: 'llm',
    name: 'chat completion',
    severity: 'low',
    outcome: 'success',
    entity: {
      user: `svc-${i % 100}`,
      api_key: `key-${i % 500}`,
      ip: '198.51.100.23',
      geo: { country: 'DE', region: 'BY', city: 'Munich' },
      model: 'gpt-support',
      model_version: '3',
      endpoint: '/v1/chat/completions',
      tenant: 'acme',
    },
    measures: { latency_ms: 812.4, tokens_in: 1200, tokens_out: 87, cost: 0.0031 },
    labels: { gateway: 'litellm', stream: 'false', retry: '2' },
    text: {
      prompt: `Summarise ticket ${i}: ${'the customer reports that the login page rejects a valid password after the reset email; '.repeat(5)}`,
      response: 'The user cannot log in after a password reset.',
    },
  };
}

async function measure(label, shape) {
  const keys = new Keys(`cordon-bench-footprint-${randomUUID().slice(0, 8)}`);
  const log = new EventLog(redis, keys);
  let jsonBytes = 0;
  const now = Date.now();
  for (let i = 0; i < EVENTS; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(EVENTS, i + 500); j += 1) {
      const raw = item(j);
      jsonBytes += Buffer.byteLength(JSON.stringify(raw));
      const result = genericNormaliser.normalise(Buffer.from(JSON.stringify(raw)), {
        contentType: 'application/json',
        now,
        source: 'events',
      });
      if (!result.ok) throw new Error(JSON.stringify(result.errors[0]));
      batch.push(shape({ ...result.events[0], source: 'events', received: now }, raw));
    }
    await log.append(batch, now, 86_400_000);
  }
  const usage = async (key) => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  // An event's prompt/response text (and raw) is stored beside its log entry, for retention.
  const logBytes =
    (await usage(keys.eventLog)) +
    (await usage(keys.eventText)) +
    (await usage(keys.eventTextOrder));
  const dedupeBytes = (await usage(keys.eventSeenOrder)) + (await usage(keys.eventWhere));
  await redis.unlink(
    keys.eventLog,
    keys.eventText,
    keys.eventTextOrder,
    keys.eventSeenOrder,
    keys.eventWhere,
  );
  const perEvent = (logBytes + dedupeBytes) / EVENTS;
  const sent = jsonBytes / EVENTS;
  console.log(
    `| ${label} | ${Math.round(sent)} B | ${Math.round(logBytes / EVENTS)} B | ${Math.round(dedupeBytes / EVENTS)} B | ${(perEvent / sent).toFixed(2)} |`,
  );
}

console.log(`${EVENTS} generic events\n`);
console.log('| stored | event as sent | log per event | dedupe memory per event | Redis / sent |');
console.log('|---|---|---|---|---|');
await measure('before: canonical event + raw copy of the item', (event, raw) => ({
  ...event,
  raw,
}));
await measure('now: a generic event, stored once', (event) => event);
await measure(
  'now, a format whose original differs (raw kept: CORDON_RETENTION_RAW=keep)',
  (event, raw) => ({
    ...event,
    raw,
  }),
);
await measure('the same, CORDON_RETENTION_RAW=drop', ({ raw: _raw, ...event }) => event);

// Filebeat ECS documents through `_bulk` (the shape bench/ingest-sources.mjs sends): raw is
// the document, kept as the sender's text; labels copied from it are stored by reference to
// it (store/event-log-labels.ts). "Before" stores the same events with every label written
// out (raw copied, so no sender text is known and nothing is referred to).
function ecsDocument(n) {
  return filebeatSshFailure(n, { time: Date.now() - (n % 40_000), id: `bulk-${n}` });
}

async function measureBulk(label, shape) {
  const keys = new Keys(`cordon-bench-footprint-${randomUUID().slice(0, 8)}`);
  const log = new EventLog(redis, keys);
  let sentBytes = 0;
  const now = Date.now();
  for (let i = 0; i < EVENTS; i += 500) {
    let body = '';
    for (let j = i; j < Math.min(EVENTS, i + 500); j += 1) {
      const doc = JSON.stringify(ecsDocument(j));
      sentBytes += Buffer.byteLength(doc);
      body += `{"create":{"_index":"filebeat-8"}}\n${doc}\n`;
    }
    const result = await elasticBulkKind.normalise(
      { body: Buffer.from(body), contentType: 'application/x-ndjson', headers: {} },
      {
        contentType: 'application/x-ndjson',
        now,
        source: 'bulk',
        maxDepth: 64,
        options: elasticBulkKind.options.compile(undefined, () => {}),
        memory: null,
      },
    );
    const stamp = { source: 'bulk', received: now };
    await log.append(
      result.events.map((e) => shape(applyKeepPolicy(e, DEFAULT_KEEP_POLICY, stamp, false))),
      now,
      86_400_000,
    );
  }
  const usage = async (key) => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  const logBytes = await usage(keys.eventLog);
  const dedupeBytes = (await usage(keys.eventSeenOrder)) + (await usage(keys.eventWhere));
  await redis.unlink(keys.eventLog, keys.eventSeenOrder, keys.eventWhere);
  const sent = sentBytes / EVENTS;
  console.log(
    `| ${label} | ${Math.round(sent)} B | ${Math.round(logBytes / EVENTS)} B | ${Math.round(dedupeBytes / EVENTS)} B | ${((logBytes + dedupeBytes) / EVENTS / sent).toFixed(2)} |`,
  );
}

console.log(`\n${EVENTS} Filebeat ECS documents through _bulk\n`);
console.log(
  '| stored | document as sent | log per event | dedupe memory per event | Redis / sent |',
);
console.log('|---|---|---|---|---|');
await measureBulk('before: every label written out', (e) => ({ ...e, raw: { ...e.raw } }));
await measureBulk('now: labels raw holds stored by reference', (e) => e);
redis.disconnect();
