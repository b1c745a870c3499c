// The ingest worker pool's own cost, without HTTP or Redis: CPU (every thread of the process,
// process.cpuUsage) per event to read Filebeat-style `_bulk` bodies of 500 ECS documents up to
// what the log appends, inline (normalise, keep policy, stored JSON) against on one worker
// thread (the same, plus the copy there, the packed block back and restoring the actions).
// Bodies go one at a time, so the two threads never run at once: on a loaded machine, threads
// running side by side slow each other (shared caches, preemption) and that shows as more CPU
// per event in the HTTP bench; this isolates what the hand-over itself costs.
//
//   npm run build && node --max-semi-space-size=64 bench/ingest-pool-parts.mjs
// Prints the median of 12 alternating rounds per side (µs of CPU per event) and the ratio.
import { elasticBulkKind } from '../dist/ingest/sources/elastic-bulk/index.js';
import { IngestPool } from '../dist/ingest/pool/ingest-pool.js';
import { storedEvents } from '../dist/ingest/stored-batch.js';
import { DEFAULT_KEEP_POLICY } from '../dist/ingest/keep-policy.js';
import { filebeatSshFailure } from './filebeat-document.mjs';

const NOW = Date.now();
const BODIES = 10;
function ecs(n) {
  return filebeatSshFailure(n, { time: NOW - 50000 + (n % 40000) });
}
const bodies = [];
for (let b = 0; b < BODIES; b++) {
  let s = '';
  for (let i = 0; i < 500; i++)
    s += `{"create":{"_index":"filebeat-8"}}\n${JSON.stringify(ecs(b * 500 + i))}\n`;
  bodies.push(Buffer.from(s));
}
const options = elasticBulkKind.options.compile(undefined, () => {});
const pool = new IngestPool({
  workers: 1,
  maxQueued: 4,
  init: {
    sources: [{ name: 'bulk', type: 'elastic-bulk', options, keep: DEFAULT_KEEP_POLICY }],
    maxDepth: 64,
  },
});
let sink = 0;
async function inline() {
  for (const body of bodies) {
    const r = await elasticBulkKind.normalise(
      { body, contentType: 'application/x-ndjson', headers: {} },
      {
        contentType: 'application/x-ndjson',
        now: NOW,
        source: 'bulk',
        maxDepth: 64,
        options,
        memory: null,
      },
    );
    const events = storedEvents(
      r.events,
      DEFAULT_KEEP_POLICY,
      { source: 'bulk', received: NOW },
      false,
    );
    for (const e of events) sink += e.event.length;
  }
}
async function pooled() {
  for (const body of bodies) {
    const r = await pool.prepare({
      source: 'bulk',
      body,
      contentType: 'application/x-ndjson',
      headers: {},
      now: NOW,
    });
    elasticBulkKind.offload.restore(body, r.carried);
    sink += r.events.bytes.length;
  }
}
async function cpu(f) {
  const c0 = process.cpuUsage();
  for (let k = 0; k < 4; k++) await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (4 * BODIES * 500);
}
for (let w = 0; w < 3; w++) {
  await inline();
  await pooled();
}
const res = { inline: [], pooled: [] };
for (let round = 0; round < 12; round++)
  for (const name of round % 2 ? ['pooled', 'inline'] : ['inline', 'pooled'])
    res[name].push(await cpu(name === 'inline' ? inline : pooled));
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const i = med(res.inline);
const p = med(res.pooled);
console.log(
  `inline ${i.toFixed(2)}, one worker thread ${p.toFixed(2)} µs CPU per event (all threads; median of 12), pooled/inline ${(p / i).toFixed(2)}  (${sink} bytes)`,
);
await pool.close();
