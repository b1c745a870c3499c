/**
 * A real rsyslogd forwards CEF lines to the SyslogListener over TCP, once with octet-counted
 * framing and once with traditional LF framing; the listener must frame both and the syslog
 * kind must read CEF out of them. rsyslogd is required (Debian/Ubuntu package: rsyslog): if
 * it is missing, this fails and says how to install it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SyslogListener } from '../../../../../src/ingest/syslog/syslog-listener.js';
import { syslogKind } from '../../../../../src/ingest/sources/syslog/syslog-kind.js';
import { okEvents, runKind } from '../../../../helpers/source-kind.js';
import { tempDir } from '../../../../helpers/temp-dir.js';

function rsyslogd(): string {
  const found = spawnSync('sh', ['-c', 'command -v rsyslogd || ls /usr/sbin/rsyslogd'], {
    encoding: 'utf8',
  });
  const path = found.stdout.trim().split('\n')[0] ?? '';
  if (found.status !== 0 || path === '')
    throw new Error(
      'rsyslogd is not installed, and this test needs a real one. Install it with ' +
        '`apt-get update && apt-get install -y rsyslog` (Debian/Ubuntu package "rsyslog").',
    );
  return path;
}

const CEF_LINES = [
  'CEF:0|Acme|LLM Gateway|2.8.0|auth.failure|API key authentication failed|7|rt=1718035498441 src=203.0.113.77 suser=alice@example.com cs1Label=api_key_hash cs1=88d1f0c2b7e4 outcome=failure',
  'CEF:0|Acme|Model Monitor|1.4|drift.detected|Feature drift detected|High|rt=1718035200000 cs1Label=model cs1=churn-predictor cfp1Label=drift_score cfp1=0.3127',
  'CEF:0|Acme|LLM Gateway|2.8.0|prompt.injection|Prompt injection heuristic fired|9|rt=1718035498441 src=198.51.100.23 msg=non-ASCII – and a\\=b',
];

let child: ChildProcess | undefined;
let listener: SyslogListener | undefined;

afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  await listener?.stop();
});

async function waitFor(check: () => boolean, what: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; rsyslogd said:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('syslog listener fed by a real rsyslogd', () => {
  it('receives CEF over TCP with octet-counted and LF framing, and the syslog kind maps it', async () => {
    const binary = rsyslogd();
    const received: { peer: string; message: string }[] = [];
    const closed: Record<string, unknown>[] = [];
    const ignore = (): void => {};
    listener = new SyslogListener({
      host: '127.0.0.1',
      tcpPort: 0,
      batchDelayMs: 20,
      logger: {
        info: (details, message) => {
          if (message.includes('connection closed'))
            closed.push(details as Record<string, unknown>);
        },
        warn: ignore,
        error: ignore,
      },
      deliver: async (messages, peer) => {
        for (const message of messages) received.push({ peer, message: message.toString('utf8') });
      },
    });
    const { tcp } = await listener.start();
    const port = tcp?.port ?? 0;
    expect(port).toBeGreaterThan(0);

    const dir = tempDir('rsyslog');
    const input = join(dir, 'cef.log');
    writeFileSync(input, '');
    const conf = join(dir, 'rsyslog.conf');
    // No imuxsock/imklog: only the file input, forwarded twice to the listener.
    writeFileSync(
      conf,
      [
        `global(workDirectory="${dir}")`,
        'module(load="imfile")',
        `input(type="imfile" File="${input}" Tag="cef:" Severity="notice" Facility="local4" ruleset="forward")`,
        'ruleset(name="forward") {',
        `  action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`,
        `  action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="traditional" template="RSYSLOG_ForwardFormat")`,
        '}',
        '',
      ].join('\n'),
    );
    const output: string[] = [];
    child = spawn(binary, ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const log = (): string => `${output.join('')}\n(config: ${readFileSync(conf, 'utf8')})`;

    // rsyslogd checks its config before it starts reading; give imfile time to watch the file.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const line of CEF_LINES) appendFileSync(input, `${line}\n`);
    await waitFor(() => received.length >= CEF_LINES.length * 2, 'both forwards', log);

    const octet = received.filter((r) => /^<\d+>1 /.test(r.message));
    const traditional = received.filter((r) => !/^<\d+>1 /.test(r.message));
    expect(octet).toHaveLength(CEF_LINES.length);
    expect(traditional).toHaveLength(CEF_LINES.length);
    // Two connections, so two peers.
    expect(new Set(received.map((r) => r.peer)).size).toBe(2);

    // Each connection was framed as configured: rsyslogd closes them when it stops.
    const pid = child.pid ?? 0;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    process.kill(pid, 'SIGTERM');
    await exited;
    await waitFor(() => closed.length >= 2, 'the connections to close', log);
    expect(closed.map((c) => [c.framing, c.messages]).sort()).toEqual([
      ['non-transparent', CEF_LINES.length],
      ['octet-counted', CEF_LINES.length],
    ]);

    for (const group of [octet, traditional]) {
      const body = group.map((r) => r.message).join('\n');
      const result = await runKind(syslogKind, body, { now: Date.now() });
      const events = okEvents(result);
      expect(result.ok && result.warnings).toEqual([]);
      expect(events.map((e) => e.labels.signature_id)).toEqual([
        'auth.failure',
        'drift.detected',
        'prompt.injection',
      ]);
      expect(events.map((e) => e.time)).toEqual([1718035498441, 1718035200000, 1718035498441]);
      expect(events[0]?.entity).toMatchObject({
        ip: '203.0.113.77',
        user: 'alice@example.com',
        api_key: '88d1f0c2b7e4',
      });
      expect(events[0]?.kind).toBe('login');
      expect(events[0]?.outcome).toBe('failure');
      expect(events[1]?.measures).toEqual({ drift_score: 0.3127 });
      expect(events[2]?.labels.msg).toBe('non-ASCII – and a=b');
      expect(events[2]?.severity).toBe('critical');
      // The syslog header rsyslogd added names the host the line came from.
      expect(typeof events[1]?.entity.host).toBe('string');
    }
  });
});
