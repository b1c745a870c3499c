// One deterministic authentication workload in two forms, for comparing engines on the same
// events: sshd-style syslog lines (for SEC) and canonical NDJSON (for Cordon).
//
//   node bench/workload.mjs <events> <out-prefix> [seed]
//     → <out-prefix>.log (sshd lines) and <out-prefix>.ndjson (canonical events)
//
// 10,000 users log in through interleaved sessions (95 % normal: 0-2 failures then success;
// 5 % brute force: 5-12 failures from an outside address, success in 30 % of them); ~40 % of
// lines are noise no rule matches (cron, firewall, systemd, inference gateway). Event time
// starts 2026-01-01T00:00:00Z and advances 1-9 ms per line. Same arguments, same bytes.
import { createWriteStream } from 'node:fs';

const LINES = Number(process.argv[2] ?? 1_000_000);
const PREFIX = process.argv[3] ?? 'workload';
let seed = Number(process.argv[4] ?? 42) >>> 0;
function rnd() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const ri = (n) => Math.floor(rnd() * n);
const USERS = 10_000;
const INFLIGHT = 64;
const user = (i) => `user${String(i).padStart(5, '0')}`;
const userIp = (i) => `10.${(i >> 8) & 255}.${i & 255}.${10 + (i % 200)}`;
const host = () => `srv${String(ri(100)).padStart(3, '0')}`;

function newSession() {
  const u = ri(USERS);
  const steps = [];
  if (rnd() < 0.95) {
    const r = rnd();
    const f = r < 0.7 ? 0 : r < 0.9 ? 1 : 2;
    const ip = userIp(u);
    for (let k = 0; k < f; k += 1) steps.push(['F', u, ip]);
    steps.push(['A', u, ip]);
  } else {
    const ip = `203.0.${ri(256)}.${ri(256)}`;
    const f = 5 + ri(8);
    for (let k = 0; k < f; k += 1) steps.push(['F', u, ip]);
    if (rnd() < 0.3) steps.push(['A', u, ip]);
  }
  return { steps, i: 0, host: host(), pid: 1000 + ri(60000), port: 1024 + ri(64000) };
}

function noise() {
  const h = host();
  switch (ri(5)) {
    case 0:
      return [
        `${h} CRON[${1000 + ri(60000)}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`,
        { kind: 'audit', name: 'cron', entity: { host: h } },
      ];
    case 1: {
      const src = `198.51.100.${ri(256)}`;
      return [
        `${h} kernel: [UFW BLOCK] IN=eth0 OUT= SRC=${src} DST=10.0.0.${ri(256)} PROTO=TCP DPT=${[23, 445, 3389, 8080][ri(4)]} SYN`,
        { kind: 'audit', name: 'firewall.block', entity: { host: h, ip: src } },
      ];
    }
    case 2: {
      const u = user(ri(USERS));
      return [
        `${h} systemd[1]: Started session-${ri(99999)}.scope - Session of User ${u}.`,
        { kind: 'audit', name: 'session.start', entity: { host: h, user: u } },
      ];
    }
    case 3: {
      const src = `198.51.100.${ri(256)}`;
      return [
        `${h} sshd[${1000 + ri(60000)}]: Connection closed by ${src} port ${1024 + ri(64000)} [preauth]`,
        { kind: 'audit', name: 'sshd.preauth', entity: { host: h, ip: src } },
      ];
    }
    default: {
      const u = user(ri(USERS));
      const latency = 1 + ri(80);
      return [
        `${h} inference-gw[${1000 + ri(60000)}]: model=risk-v3 user=${u} latency_ms=${latency}`,
        {
          kind: 'inference',
          name: 'predict',
          entity: { host: h, user: u, model: 'risk-v3' },
          measures: { latency_ms: latency },
        },
      ];
    }
  }
}

const sessions = Array.from({ length: INFLIGHT }, newSession);
let t = Date.parse('2026-01-01T00:00:00.000Z');
const log = createWriteStream(`${PREFIX}.log`, { highWaterMark: 1 << 20 });
const nd = createWriteStream(`${PREFIX}.ndjson`, { highWaterMark: 1 << 20 });
const stats = { failures: 0, successes: 0, noise: 0 };
let lb = [];
let nb = [];
async function flush() {
  const a = log.write(`${lb.join('\n')}\n`);
  const b = nd.write(`${nb.join('\n')}\n`);
  lb = [];
  nb = [];
  // Both listeners at once: awaiting one stream's drain first could miss the other's.
  await Promise.all([
    a || new Promise((r) => log.once('drain', r)),
    b || new Promise((r) => nd.once('drain', r)),
  ]);
}
for (let n = 0; n < LINES; n += 1) {
  t += 1 + ri(9);
  const ts = new Date(t).toISOString();
  let line;
  let event;
  if (rnd() < 0.4) {
    [line, event] = noise();
    stats.noise += 1;
  } else {
    const si = ri(INFLIGHT);
    const s = sessions[si];
    const [kind, u, ip] = s.steps[s.i];
    s.i += 1;
    const failed = kind === 'F';
    line = `${s.host} sshd[${s.pid}]: ${failed ? 'Failed' : 'Accepted'} password for ${user(u)} from ${ip} port ${s.port} ssh2`;
    event = {
      kind: 'login',
      name: 'sshd',
      outcome: failed ? 'failure' : 'success',
      entity: { user: user(u), ip, host: s.host },
    };
    if (failed) stats.failures += 1;
    else stats.successes += 1;
    if (s.i >= s.steps.length) sessions[si] = newSession();
  }
  lb.push(`${ts} ${line}`);
  nb.push(JSON.stringify({ id: `w${n}`, time: t, ...event }));
  if (lb.length === 10_000) await flush();
}
if (lb.length) await flush();
log.end();
nd.end();
await Promise.all([
  new Promise((r) => log.on('finish', r)),
  new Promise((r) => nd.on('finish', r)),
]);
console.error(
  JSON.stringify({
    lines: LINES,
    ...stats,
    first: '2026-01-01T00:00:00Z',
    last: new Date(t).toISOString(),
  }),
);
