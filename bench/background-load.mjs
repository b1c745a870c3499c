// Steady background traffic for bench/ingest-throughput.mjs: LOAD_RATE canonical inference
// events per second, in NDJSON batches every 20 ms, from LOAD_KEYS API keys, to LOAD_URL with
// LOAD_TOKEN, until SIGTERM; then prints the rate it achieved ("rate=<events/s>").
const url = process.env.LOAD_URL;
const token = process.env.LOAD_TOKEN;
const rate = Number(process.env.LOAD_RATE ?? 5_000);
const keys = Number(process.env.LOAD_KEYS ?? 5_000);
const tick = 20;
const perTick = Math.max(1, Math.round((rate * tick) / 1000));
let n = 0;
let ok = 0;
let stop = false;
process.on('SIGTERM', () => {
  stop = true;
});
const start = performance.now();
while (!stop) {
  const lines = [];
  for (let i = 0; i < perTick; i += 1, n += 1)
    lines.push(
      JSON.stringify({
        id: `bg-${n}`,
        kind: 'inference',
        time: Date.now(),
        name: 'chat.completions',
        entity: { api_key: `steady-${n % keys}`, model: 'm1' },
        measures: { latency_ms: 20, tokens_in: 100 },
      }),
    );
  void fetch(url, {
    method: 'POST',
    body: lines.join('\n'),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
  })
    .then(async (r) => {
      await r.arrayBuffer();
      if (r.status === 202) ok += perTick;
    })
    .catch(() => undefined);
  const due = start + (n / perTick) * tick;
  await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
}
process.stdout.write(`rate=${Math.round(ok / ((performance.now() - start) / 1000))}\n`);
