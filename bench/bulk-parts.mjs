// The in-process parts of a `_bulk` request that are not HTTP or Redis, this build against
// another build in the same run, alternating (CPU time per event; robust on a loaded machine):
//   (a) the drop-in's _bulk answer for 500 read actions, serialised;
//   (b) each event's log JSON (storedEventJson).
// Events are 10 bodies x 500 Filebeat-style ECS documents read by elastic-bulk.
//
//   npm run build && node --max-semi-space-size=64 bench/bulk-parts.mjs <other checkout>
// where <other checkout> holds a built dist/ (e.g. a worktree of the previous commit).
// Prints the median of 16 rounds per build and the ratio this / other.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { filebeatSshFailure } from './filebeat-document.mjs';
const other = process.argv[2];
if (!other) {
  console.error('usage: node bench/bulk-parts.mjs <other checkout with a built dist/>');
  process.exit(2);
}
const load = async (root) => ({
  // root: a checkout URL whose dist/ is imported
  kind: (await import(`${root}/dist/ingest/sources/elastic-bulk/index.js`)).elasticBulkKind,
  keep: await import(`${root}/dist/ingest/keep-policy.js`),
  json: await import(`${root}/dist/store/event-json.js`),
  drop: (await import(`${root}/dist/api/drop-in/elastic-bulk.js`)).elasticBulk,
});
const B = {
  old: await load(pathToFileURL(resolve(other)).href),
  new: await load(new URL('..', import.meta.url).href.replace(/\/$/, '')),
};
const NOW = Date.now();
function ecs(n) {
  return filebeatSshFailure(n, { time: NOW - 50000 + (n % 40000) });
}
const prepared = {};
for (const name of ['old', 'new']) {
  prepared[name] = [];
  for (let b = 0; b < 10; b++) {
    let s = '';
    for (let i = 0; i < 500; i++)
      s += `{"create":{"_index":"filebeat-8"}}\n${JSON.stringify(ecs(b * 500 + i))}\n`;
    const body = Buffer.from(s);
    const ctx = {
      contentType: 'application/x-ndjson',
      now: NOW,
      source: 'bulk',
      maxDepth: 64,
      options: B[name].kind.options.compile(undefined, () => {}),
      memory: null,
    };
    const r = await B[name].kind.normalise(
      { body, contentType: 'application/x-ndjson', headers: {} },
      ctx,
    );
    const events = r.events.map((e) =>
      B[name].keep.applyKeepPolicy(
        e,
        B[name].keep.DEFAULT_KEEP_POLICY,
        { source: 'bulk', received: NOW },
        false,
      ),
    );
    const outcome = {
      source: 'bulk',
      accepted: 500,
      duplicates: 0,
      events: events.map((e, i) => ({ id: e.id, seq: `1-${i}`, duplicate: false })),
      warnings: [],
      rejected: [],
    };
    prepared[name].push({ body, events, outcome });
  }
}
const cpu = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 5000 / 20;
};
// Bytes written, printed so the serialisation cannot be optimised away.
let written = 0;
const res = { answer: { old: [], new: [] }, json: { old: [], new: [] } };
for (let round = 0; round < 16; round++)
  for (const name of round % 2 ? ['new', 'old'] : ['old', 'new']) {
    const p = prepared[name];
    const X = B[name];
    res.answer[name].push(
      cpu(() => {
        for (let k = 0; k < 20; k++)
          for (const q of p) {
            const { body } = X.drop.accepted(q.outcome, {
              body: q.body,
              params: {},
              endpoint: 'bulk',
              headers: {},
            });
            // A build that writes the answer's JSON itself returns it as a string.
            if (typeof body !== 'string') JSON.stringify(body);
          }
      }),
    );
    res.json[name].push(
      cpu(() => {
        for (let k = 0; k < 20; k++)
          for (const q of p)
            for (const e of q.events) written += X.json.storedEventJson(e).event.length;
      }),
    );
  }
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1].toFixed(2);
for (const part of ['answer', 'json'])
  console.log(
    `${part}: other ${med(res[part].old)}, this ${med(res[part].new)} µs/event (median of 16), this/other ${(Number(med(res[part].new)) / Number(med(res[part].old))).toFixed(2)}`,
  );
console.log(`(${written} bytes of event JSON written)`);
