/**
 * `cordon ingest --follow <path> --format torchserve`, the built CLI in a child process, as a
 * server that only writes logs uses it: it tails TorchServe log files (test/fixtures samples)
 * and posts their lines to a local HTTP receiver standing in for Cordon, which records every
 * request. Covers README "servers that only write logs" and INGEST_USAGE: start at the end
 * (or --from-start), rotation and truncation like tail -F, --state resume, batches, and retries
 * of what Cordon asks to retry (429, 503 with Retry-After, unreachable) but not of a 400.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFile, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/temp-dir.js';
import { REPO_ROOT, SAMPLES } from '../../helpers/cordon.js';

const TOKEN = 'ingest-follow-test-token';
const POLL_MS = 50;
/** Long enough for a follower polling every 50 ms to have read what was there, or sent more. */
const SETTLE_MS = 400;

async function sample(name: string): Promise<string[]> {
  const text = await readFile(join(SAMPLES, 'ingest', name), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '');
}

const ACCESS = await sample('torchserve-access.log'); // 5 lines
const TS_METRICS = await sample('torchserve-ts_metrics.log'); // 11 lines
const TS_LOG = await sample('torchserve-ts_log-console.log'); // 7 lines
const MODEL_METRICS = await sample('torchserve-model_metrics.log'); // 3 lines

interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  at: number;
}

type Answer = { status: number; headers?: Record<string, string>; body?: string };

/** A stand-in for Cordon: records requests and answers each with `answer` (202 by default). */
class Receiver {
  readonly requests: Recorded[] = [];
  answer: (body: string) => Answer = (body) => ({
    status: 202,
    body: JSON.stringify({ accepted: lines(body).length, duplicates: 0, rejected: [] }),
  });
  readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const a = this.answer(body);
      this.requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        status: a.status,
        at: Date.now(),
      });
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? '{}');
    });
  });

  async listen(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Every line Cordon took (202), in order of arrival. */
  accepted(): string[] {
    return this.requests.filter((r) => r.status === 202).flatMap((r) => lines(r.body));
  }
}

function lines(body: string): string[] {
  return body.split('\n').filter((l) => l !== '');
}

interface Follower {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

let dir: string;
let logPath: string;
let receiver: Receiver;
const children: ChildProcess[] = [];

/** Starts `cordon ingest --follow`, resolving once it says it is following (and has looked). */
async function follow(args: string[], env: Record<string, string> = {}): Promise<Follower> {
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'ingest', '--follow', logPath, '--poll-ms', String(POLL_MS), ...args],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, CORDON_URL: '', CORDON_TOKEN: '', CORDON_INGEST_TOKEN: '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.push(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await until(
    () => stderr.includes('cordon ingest: following'),
    'the follower to start',
    () => stderr,
  );
  // The position to start from is taken at the first look, right after that message.
  await sleep(SETTLE_MS);
  return { child, stderr: () => stderr, exited };
}

async function until(
  ok: () => boolean,
  what: string,
  detail: () => string = () => '',
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await sleep(25);
  }
}

/** Waits until the receiver accepted `count` lines, then a while longer for any extra ones. */
async function acceptedLines(count: number, f?: Follower, timeoutMs = 5_000): Promise<string[]> {
  await until(
    () => receiver.accepted().length >= count,
    `${count} accepted line(s)`,
    () => `accepted: ${JSON.stringify(receiver.accepted(), null, 1)}\nstderr: ${f?.stderr() ?? ''}`,
    timeoutMs,
  );
  await sleep(SETTLE_MS);
  return receiver.accepted();
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const text = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('');

async function stop(f: Follower): Promise<number | null> {
  f.child.kill('SIGTERM');
  const code = await Promise.race([f.exited, sleep(5_000).then(() => 'hung' as const)]);
  if (code === 'hung') throw new Error(`the follower did not end on SIGTERM\n${f.stderr()}`);
  return code;
}

beforeEach(async () => {
  dir = tempDir('ingest-follow');
  logPath = join(dir, 'access_log.log');
  receiver = new Receiver();
});

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('cordon ingest --follow', () => {
  it('starts at the end and posts appended lines to /v1/ingest/<type> with the token (CORDON_URL, CORDON_TOKEN)', async () => {
    const url = await receiver.listen();
    await writeFile(logPath, text(ACCESS.slice(0, 2)));
    const f = await follow(['--format', 'torchserve'], { CORDON_URL: url, CORDON_TOKEN: TOKEN });
    expect(receiver.requests).toEqual([]); // what was there before the start is not sent

    await appendFile(logPath, text(ACCESS.slice(2)));
    expect(await acceptedLines(3, f)).toEqual(ACCESS.slice(2));
    for (const r of receiver.requests) {
      expect(r.method).toBe('POST');
      expect(r.url).toBe('/v1/ingest/torchserve');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      // The torchserve type takes any content type; its lines go as text.
      expect(r.headers['content-type']).toBe('text/plain');
      expect(r.body.endsWith('\n')).toBe(true);
    }

    // A line is sent only once complete (ended by a newline).
    const [first, second] = TS_LOG;
    await appendFile(logPath, `${first}\n${(second as string).slice(0, 20)}`);
    expect(await acceptedLines(4, f)).toEqual([...ACCESS.slice(2), first]);
    await appendFile(logPath, `${(second as string).slice(20)}\n`);
    expect(await acceptedLines(5, f)).toEqual([...ACCESS.slice(2), first, second]);
    expect(await stop(f)).toBe(0);
  });

  it('with --from-start sends what was there first, in batches of --batch, to --source with --url/--token', async () => {
    const url = await receiver.listen();
    await writeFile(logPath, text(ACCESS));
    const f = await follow([
      '--format',
      'torchserve',
      '--source',
      'ts-prod',
      '--from-start',
      '--batch',
      '2',
      '--url',
      `${url}/`,
      '--token',
      TOKEN,
    ]);
    expect(await acceptedLines(5, f)).toEqual(ACCESS);
    expect(receiver.requests.map((r) => lines(r.body).length)).toEqual([2, 2, 1]);
    await appendFile(logPath, text(MODEL_METRICS));
    expect(await acceptedLines(8, f)).toEqual([...ACCESS, ...MODEL_METRICS]);
    for (const r of receiver.requests) {
      expect(r.url).toBe('/v1/ingest/ts-prod');
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(lines(r.body).length).toBeLessThanOrEqual(2);
    }
  });

  it('follows a rotation (rename, new file): the old file’s last lines and the new file’s, each once', async () => {
    const url = await receiver.listen();
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);
    await appendFile(logPath, text(ACCESS));
    expect(await acceptedLines(5, f)).toEqual(ACCESS);

    // Lines written just before the rename, as logrotate's `create` leaves them, are still sent.
    const beforeRotation = TS_METRICS.slice(0, 3);
    await appendFile(logPath, text(beforeRotation));
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, text(TS_METRICS.slice(3, 6)));
    expect(await acceptedLines(11, f)).toEqual([...ACCESS, ...TS_METRICS.slice(0, 6)]);

    // The new file is followed on; and again after a second rotation.
    await appendFile(logPath, text(TS_METRICS.slice(6, 8)));
    expect(await acceptedLines(13, f)).toEqual([...ACCESS, ...TS_METRICS.slice(0, 8)]);
    await rename(logPath, `${logPath}.2`);
    await sleep(SETTLE_MS); // the path missing for a while (between rotation and re-creation)
    await writeFile(logPath, text(TS_METRICS.slice(8)));
    expect(await acceptedLines(16, f)).toEqual([...ACCESS, ...TS_METRICS]);
  });

  it('waits for a file not there yet and sends it whole once it appears, like tail -F', async () => {
    const url = await receiver.listen();
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);
    // Said on stderr, so a mistyped path does not wait silently.
    expect(f.stderr()).toContain(
      `cordon ingest: warning: ${logPath} does not exist yet; waiting for it to appear`,
    );
    await writeFile(logPath, text(TS_LOG.slice(0, 3)));
    expect(await acceptedLines(3, f)).toEqual(TS_LOG.slice(0, 3));
    await appendFile(logPath, text(TS_LOG.slice(3)));
    expect(await acceptedLines(7, f)).toEqual(TS_LOG);
  });

  it('follows a truncation (copytruncate): what is written after it is sent, once', async () => {
    const url = await receiver.listen();
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);
    expect(f.stderr()).not.toContain('does not exist'); // an existing file: no warning
    await appendFile(logPath, text(TS_METRICS));
    expect(await acceptedLines(11, f)).toEqual(TS_METRICS);

    await truncate(logPath, 0);
    await appendFile(logPath, text(ACCESS.slice(0, 2)));
    expect(await acceptedLines(13, f)).toEqual([...TS_METRICS, ...ACCESS.slice(0, 2)]);
    await appendFile(logPath, text(ACCESS.slice(2)));
    expect(await acceptedLines(16, f)).toEqual([...TS_METRICS, ...ACCESS]);

    // Truncated again, after a pause, then written again.
    await truncate(logPath, 0);
    await sleep(SETTLE_MS);
    await appendFile(logPath, text(MODEL_METRICS));
    expect(await acceptedLines(19, f)).toEqual([...TS_METRICS, ...ACCESS, ...MODEL_METRICS]);
  });

  it('with --state resumes where it stopped: lines written while stopped are sent once, nothing earlier again', async () => {
    const url = await receiver.listen();
    const state = join(dir, 'follow.state');
    const args = ['--format', 'torchserve', '--url', url, '--token', TOKEN, '--state', state];
    await writeFile(logPath, text(TS_LOG.slice(0, 2)));
    const first = await follow(args);
    await appendFile(logPath, text(ACCESS));
    expect(await acceptedLines(5, first)).toEqual(ACCESS); // from the end on the first run
    expect(await stop(first)).toBe(0);

    await appendFile(logPath, text(MODEL_METRICS));
    const second = await follow(args);
    expect(await acceptedLines(8, second)).toEqual([...ACCESS, ...MODEL_METRICS]);
    await appendFile(logPath, text(TS_LOG.slice(2, 4)));
    expect(await acceptedLines(10, second)).toEqual([
      ...ACCESS,
      ...MODEL_METRICS,
      ...TS_LOG.slice(2, 4),
    ]);
    expect(await stop(second)).toBe(0);

    // Rotated while stopped: the new file (another inode) is read from its start.
    await rename(logPath, `${logPath}.1`);
    await writeFile(logPath, text(TS_LOG.slice(4)));
    const third = await follow(args);
    expect(await acceptedLines(13, third)).toEqual([
      ...ACCESS,
      ...MODEL_METRICS,
      ...TS_LOG.slice(2),
    ]);
  });

  it('retries batches Cordon answers 503 or 429 with Retry-After, after the time asked, losing nothing', async () => {
    const url = await receiver.listen();
    const refusals: Answer[] = [
      { status: 503, headers: { 'retry-after': '1' }, body: '{"error":"unavailable"}' },
      { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"rate limited"}' },
    ];
    const normal = receiver.answer;
    receiver.answer = (body) => refusals.shift() ?? normal(body);
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);

    await appendFile(logPath, text(ACCESS));
    await until(() => receiver.requests.length >= 1, 'the first (refused) delivery');
    await appendFile(logPath, text(MODEL_METRICS)); // written while Cordon refuses
    expect(await acceptedLines(8, f)).toEqual([...ACCESS, ...MODEL_METRICS]);

    const [r503, r429, ok] = receiver.requests;
    expect(r503?.status).toBe(503);
    expect(lines(r503?.body ?? '')).toEqual(ACCESS);
    expect(r429?.status).toBe(429);
    expect(ok?.status).toBe(202);
    // Each retry waited the Retry-After (1 s), with some slack for timer granularity.
    expect((r429?.at ?? 0) - (r503?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect((ok?.at ?? 0) - (r429?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(f.stderr()).toContain('Cordon asked to retry (503)');
    expect(f.stderr()).toContain('Cordon asked to retry (429)');
  });

  it('retries while Cordon is unreachable and sends once it answers', async () => {
    // A port nothing listens on (yet).
    const probe = new Receiver();
    const url = await probe.listen();
    await probe.close();
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);
    await appendFile(logPath, text(ACCESS));
    await until(() => f.stderr().includes('cannot reach Cordon'), 'a failed delivery', f.stderr);
    await receiver.listen(Number(new URL(url).port));
    expect(await acceptedLines(5, f)).toEqual(ACCESS);
  });

  it('does not resend a batch Cordon refuses for good (400) and goes on with the next lines', async () => {
    const url = await receiver.listen();
    const normal = receiver.answer;
    receiver.answer = (body) =>
      body.includes('PredictionTime')
        ? { status: 400, body: '{"error":"bad line"}' }
        : normal(body);
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url, '--token', TOKEN]);
    await appendFile(logPath, text(MODEL_METRICS));
    await until(() => receiver.requests.length >= 1, 'the refused delivery');
    await appendFile(logPath, text(ACCESS));
    expect(await acceptedLines(5, f)).toEqual(ACCESS);
    expect(receiver.requests.map((r) => r.status)).toEqual([400, 202]);
    expect(f.stderr()).toContain('3 line(s) refused (400)');
  });

  it('ends with one line and exit 1 when Cordon refuses the token (401), sending nothing more', async () => {
    const url = await receiver.listen();
    receiver.answer = () => ({ status: 401, body: '{"error":"unauthorized"}' });
    await writeFile(logPath, '');
    const f = await follow(['--format', 'torchserve', '--url', url], { CORDON_TOKEN: 'wrong' });
    await appendFile(logPath, text(ACCESS));
    const code = await Promise.race([f.exited, sleep(5_000).then(() => 'hung' as const)]);
    expect(code, f.stderr()).toBe(1);
    expect(receiver.requests.length).toBe(1);
    const said = f.stderr().trim().split('\n').slice(1);
    expect(said).toEqual([
      `cordon ingest: Cordon at ${url} refused the token (401): the token from CORDON_TOKEN is not a token it knows. Check --token, CORDON_TOKEN or CORDON_INGEST_TOKEN (in .cordon/credentials.env).`,
    ]);
  });
});

/** `cordon ingest <file>` (sent once), the built CLI in a child process. */
describe('cordon ingest <file>', () => {
  function ingestOnce(
    args: string[],
    env: Record<string, string>,
  ): Promise<{ code: number | null; stderr: string }> {
    // Asynchronous: the receiver answers in this process.
    const child = spawn(process.execPath, ['dist/cli/main.js', 'ingest', ...args], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        CORDON_URL: '',
        CORDON_TOKEN: '',
        CORDON_INGEST_TOKEN: '',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => (stderr += d));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  }

  it('takes the token from CORDON_INGEST_TOKEN (what .cordon/credentials.env sets) when no other is given', async () => {
    const url = await receiver.listen();
    await writeFile(logPath, text(ACCESS));
    const run = await ingestOnce([logPath, '--format', 'torchserve'], {
      CORDON_URL: url,
      CORDON_INGEST_TOKEN: TOKEN,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(receiver.accepted()).toEqual(ACCESS);
    expect(receiver.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    // CORDON_TOKEN, then --token, go before it.
    await ingestOnce([logPath, '--format', 'torchserve'], {
      CORDON_URL: url,
      CORDON_INGEST_TOKEN: TOKEN,
      CORDON_TOKEN: 'from-cordon-token',
    });
    await ingestOnce([logPath, '--format', 'torchserve', '--token', 'from-flag'], {
      CORDON_URL: url,
      CORDON_INGEST_TOKEN: TOKEN,
      CORDON_TOKEN: 'from-cordon-token',
    });
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      'Bearer from-cordon-token',
      'Bearer from-flag',
    ]);
    // Without any, it says which to set.
    const none = spawnSync(
      process.execPath,
      ['dist/cli/main.js', 'ingest', logPath, '--format', 'torchserve'],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' },
    );
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--token, CORDON_TOKEN or CORDON_INGEST_TOKEN');
  });

  it('says in one line, without a stack trace, that Cordon refused the token (403), exit 1', async () => {
    const url = await receiver.listen();
    receiver.answer = () => ({ status: 403, body: '{"error":"forbidden"}' });
    await writeFile(logPath, text(ACCESS));
    const run = await ingestOnce([logPath, '--format', 'torchserve', '--token', 'analyst'], {
      CORDON_URL: url,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `cordon ingest: Cordon at ${url} refused the token (403): the token from --token may not send to source "torchserve" (its principal lacks the ingest role or this source). Check --token, CORDON_TOKEN or CORDON_INGEST_TOKEN (in .cordon/credentials.env). Stopped after sending 0 of 5 line(s).\n`,
    );
    expect(receiver.requests.length).toBe(1);
  });
});
