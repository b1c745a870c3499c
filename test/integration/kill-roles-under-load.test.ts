/**
 * Every role in its own process, each SIGKILLed and restarted while events stream in: nothing
 * acknowledged is lost, and no key is contained twice. A sender retries a batch until it gets
 * its 202 (at-least-once, as real senders do); the deduplicating log makes the retries harmless.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/cordon.js';
import {
  freePort,
  generatedTokens,
  http,
  spawnCordon,
  tempHome,
  waitReady,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';

const ROLES = ['api', 'correlator', 'runner', 'worker'] as const;
/** Killed in this order, while the sender is still sending. */
const KILL_ORDER: readonly Role[] = ['correlator', 'runner', 'worker', 'api'];
type Role = (typeof ROLES)[number];
const KEYS = 12;
const EVENTS_PER_KEY = 101; // the shipped extraction rule's threshold is 100 in a minute
const BATCH = 10;
const HELD_BATCHES = 10;

const store = createTestRedis('killroles');
const spawned: CordonProcess[] = [];
const home = tempHome();

afterAll(async () => {
  for (const p of spawned)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
  await store.cleanup();
});

async function started(proc: CordonProcess, role: Role): Promise<void> {
  if (role === 'api') return waitReady(proc);
  await eventually(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`${role} exited:\n${proc.output()}`);
      return proc.output().includes('Cordon is running') ? true : undefined;
    },
    `the ${role} process to start`,
    20_000,
  );
}

describe('each role killed under load', () => {
  it(
    'loses no acknowledged event and contains each key exactly once',
    { timeout: 150_000 },
    async () => {
      const port = await freePort();
      const procs = new Map<Role, CordonProcess>();
      const start = async (role: Role): Promise<void> => {
        const proc = spawnCordon({
          home,
          prefix: store.prefix,
          port,
          env: { CORDON_ROLES: role, CORDON_INSTANCE_ID: `kill-${role}` },
        });
        spawned.push(proc);
        procs.set(role, proc);
        await started(proc, role);
      };
      for (const role of ROLES) await start(role); // api first: it writes the tokens
      const tokens = generatedTokens(home);

      // Interleaved batches from every key, a little in the past so windows are full.
      const t0 = Date.now() - 50_000;
      const lines: string[] = [];
      for (let i = 0; i < EVENTS_PER_KEY; i += 1)
        for (let k = 0; k < KEYS; k += 1)
          lines.push(
            JSON.stringify({
              id: `kill-k${k}-${i}`,
              kind: 'inference',
              time: t0 + i * 100,
              name: 'chat.completions',
              entity: { api_key: `k-kill-${k}`, model: 'fraud-scorer' },
            }),
          );
      const batches: string[][] = [];
      for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH));

      const acknowledged: string[] = [];
      let retries = 0;
      // The last batches wait for the api's kill (killed last), so it always dies with events
      // still to send: on a slow machine the other roles' restarts can outlast the stream.
      let apiKilled = false;
      const send = async (): Promise<void> => {
        for (const [i, batch] of batches.entries()) {
          while (i >= batches.length - HELD_BATCHES && !apiKilled)
            await new Promise((r) => setTimeout(r, 50));
          for (;;) {
            const res = await http(
              `http://127.0.0.1:${port}`,
              'POST',
              '/v1/ingest/events',
              tokens.ingest as string,
              `${batch.join('\n')}\n`,
              'application/x-ndjson',
            ).catch(() => undefined);
            if (res?.status === 202) break;
            retries += 1;
            await new Promise((r) => setTimeout(r, 100));
          }
          for (const line of batch) acknowledged.push((JSON.parse(line) as { id: string }).id);
          // Paced while the kills go on, so every role dies with events streaming in.
          if (!killsDone) await new Promise((r) => setTimeout(r, 100));
        }
      };
      let killsDone = false;
      const kill = async (): Promise<void> => {
        for (const role of KILL_ORDER) {
          await new Promise((r) => setTimeout(r, 400));
          const proc = procs.get(role) as CordonProcess;
          proc.child.kill('SIGKILL');
          if (role === 'api') apiKilled = true;
          await proc.exited();
          await start(role);
        }
        killsDone = true;
      };
      await Promise.all([send(), kill()]);
      expect(acknowledged).toHaveLength(KEYS * EVENTS_PER_KEY);
      expect(new Set(acknowledged).size).toBe(KEYS * EVENTS_PER_KEY);
      expect(
        retries,
        'the api was killed mid-stream, so some batches were sent again',
      ).toBeGreaterThan(0);

      const api = `http://127.0.0.1:${port}`;
      // Every acknowledged event is in the log.
      const missing: string[] = [];
      for (const id of acknowledged) {
        const res = await http(api, 'GET', `/v1/events/events/${id}`, tokens.analyst as string);
        if (res.status !== 200) missing.push(id);
      }
      expect(missing).toEqual([]);

      // Each key: one incident, one run, one throttle, whatever was killed on the way.
      const keys = Array.from({ length: KEYS }, (_, k) => `k-kill-${k}`);
      const incidents = await eventually(
        async () => {
          const res = await http(api, 'GET', '/v1/incidents?limit=500', tokens.analyst as string);
          const list = (res.json.incidents as { group: { api_key?: string } }[]).filter((i) =>
            keys.includes(i.group.api_key ?? ''),
          );
          return list.length >= KEYS ? list : undefined;
        },
        'an incident for every key',
        40_000,
      );
      expect(incidents).toHaveLength(KEYS);
      for (const key of keys) {
        const limiter = await eventually(
          async () => {
            const res = await http(api, 'GET', `/v1/limiter/keys/${key}`, tokens.analyst as string);
            return res.json?.rule ? res.json : undefined;
          },
          `the throttle of ${key}`,
          40_000,
        );
        expect(
          (limiter.history as { op: string }[]).filter((h) => h.op === 'set'),
          key,
        ).toHaveLength(1);
      }
      const runs = (await http(api, 'GET', '/v1/runs?limit=500', tokens.analyst as string)).json
        .runs as unknown[];
      expect(runs).toHaveLength(KEYS);

      for (const proc of procs.values()) proc.child.kill('SIGTERM');
      for (const proc of procs.values()) expect((await proc.exited()).code).toBe(0);
    },
  );
});
