// The load generator of bench/ingest-sources.mjs, in a process of its own.
//
// Run by ingest-sources.mjs (child_process.fork); not meant to be started by hand. A shipper
// (Filebeat, a Splunk forwarder) runs apart from the server it sends to: in the server's own
// process it would share Cordon's event loop (building requests, reading every `_bulk` answer
// back, ~5 µs per `_bulk` event) and its CPU would count as Cordon's. Here it still runs on
// the same cores, so its CPU is still taken from Cordon and Redis; the figures stay
// conservative for a sender on another machine.
//
// Messages (process.send): the parent sends {type: 'prepare', id, name, tag, total, batch,
// keys, run, now} and gets {type: 'prepared', id, batches}; then {type: 'send', id, url,
// from, to, maxSeconds, concurrency, token} and gets {type: 'sent', id, result} where result
// holds latencies, sent, accepted, failures, firstFailure, seconds and this process's cpuUs.
import http from 'node:http';
import { filebeatSshFailure } from './filebeat-document.mjs';

const BULK_ACTION = JSON.stringify({ create: { _index: 'filebeat-8' } });

/** A batch body: `count` items from `from`, each written by `item`, back to back. */
const joined = (item) => (tag, from, count) => {
  let s = '';
  for (let i = 0; i < count; i += 1) s += item(tag, from + i);
  return s;
};

/** The request bodies of each path, one shape per path (the ids carry `run` and `tag`). */
export function shapes({ batch, keys, run, now }) {
  const time = (n) => now - 50_000 + (n % 40_000);
  const canonical = (tag, n) => ({
    id: `${run}-${tag}-${n}`,
    kind: 'inference',
    time: time(n),
    name: 'chat.completions',
    entity: { api_key: `key-${n % keys}`, model: 'm1' },
    measures: { latency_ms: 20 + (n % 50), tokens_in: 100 },
  });
  const hecEnvelope = (tag, n) => ({
    time: time(n) / 1000,
    host: 'inference-gw-02',
    source: 'litellm-proxy',
    sourcetype: '_json',
    event: {
      kind: 'inference',
      request_id: `${run}-${tag}-${n}`,
      api_key: `key-${n % keys}`,
      model: 'gpt-4o-mini',
      latency_ms: 20 + (n % 50),
      tokens_in: 512,
      tokens_out: 187,
    },
  });
  const ecsDocument = (tag, n) =>
    filebeatSshFailure(n, { time: time(n), id: `${run}-${tag}-${n}`, user: `user-${n % keys}` });
  return {
    ndjson: {
      path: '/v1/ingest/events',
      contentType: 'application/x-ndjson',
      batch,
      body: joined((tag, n) => `${JSON.stringify(canonical(tag, n))}\n`),
    },
    hec: {
      path: '/services/collector/event',
      contentType: 'application/json',
      batch,
      body: joined((tag, n) => JSON.stringify(hecEnvelope(tag, n))),
    },
    bulk: {
      // Filebeat (libbeat's Elasticsearch output) asks for only what it reads of the answer.
      path: '/_bulk?filter_path=errors,items.*.error,items.*.status',
      contentType: 'application/x-ndjson',
      batch,
      body: joined((tag, n) => `${BULK_ACTION}\n${JSON.stringify(ecsDocument(tag, n))}\n`),
    },
    webhook: {
      path: '/v1/ingest/events',
      contentType: 'application/json',
      batch: 1,
      body: (tag, from) => JSON.stringify(canonical(tag, from)),
    },
  };
}

/** How many events of a batch a response accepted. */
function acceptedBy(name, status, text, count) {
  if (name === 'hec') {
    if (status !== 200) return 0;
    return JSON.parse(text).code === 0 ? count : 0;
  }
  if (name === 'bulk') {
    if (status !== 200) return 0;
    const r = JSON.parse(text);
    return r.items.filter((it) => (it.create ?? it.index)?.status === 201).length;
  }
  if (status !== 202) return 0;
  const r = JSON.parse(text);
  return (r.accepted ?? 0) + (r.duplicates ?? 0);
}

/** Sends `list` on `concurrency` keep-alive sockets until done or `maxSeconds` have passed. */
async function send(name, shape, list, { url: base, maxSeconds, concurrency, token }) {
  const url = new URL(shape.path, base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  let next = 0;
  let accepted = 0;
  let sent = 0;
  let failures = 0;
  let firstFailure;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const post = ({ buf }) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': shape.contentType,
            'content-length': buf.length,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(buf);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length && performance.now() < deadline) {
        const item = list[next];
        next += 1;
        const t0 = performance.now();
        const { status, text } = await post(item);
        latencies.push(performance.now() - t0);
        sent += item.count;
        const ok = acceptedBy(name, status, text, item.count);
        accepted += ok;
        if (ok < item.count) {
          failures += 1;
          firstFailure ??= `${status} ${text.slice(0, 300)}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return {
    latencies,
    sent,
    accepted,
    failures,
    firstFailure,
    seconds,
    clientCpuUs: cpu.user + cpu.system,
  };
}

if (process.send !== undefined && process.argv[2] === '--child') {
  const prepared = new Map();
  process.on('message', async (message) => {
    if (message.type === 'prepare') {
      const { id, name, tag, total } = message;
      const shape = shapes(message)[name];
      const list = [];
      for (let from = 0; from < total; from += shape.batch) {
        const count = Math.min(shape.batch, total - from);
        list.push({ buf: Buffer.from(shape.body(tag, from, count)), count });
      }
      prepared.set(id, { name, shape, list });
      process.send({ type: 'prepared', id, batches: list.length });
    } else if (message.type === 'send') {
      const { name, shape, list } = prepared.get(message.id);
      const result = await send(name, shape, list.slice(message.from, message.to), message);
      process.send({ type: 'sent', id: message.id, result });
    } else if (message.type === 'forget') {
      prepared.delete(message.id);
    }
  });
}
