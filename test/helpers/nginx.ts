import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './process.js';
import { tempDir } from './temp-dir.js';

/** The Debian package's binary (`apt-get install nginx`; .ci/run installs it). */
export const NGINX = '/usr/sbin/nginx';

export interface NginxProcess {
  readonly url: string;
  /** nginx's stderr and error log, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The frame of a stand-alone nginx.conf that needs no root and touches nothing outside `dir`:
 * foreground, its own pid file, logs and temp paths (the package's defaults are under /var).
 * `http` is the body of the http block (server blocks and all).
 */
function frame(dir: string, http: string): string {
  return `daemon off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events { worker_connections 64; }
http {
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
${http}
}
`;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a real nginx on a free loopback port, its configuration's http block built by
 * `http(port)`, and waits until it accepts connections. Fails naming the package when the
 * binary is missing: the test runs the real thing or not at all.
 */
export async function startNginx(http: (port: number) => string): Promise<NginxProcess> {
  if (!existsSync(NGINX))
    throw new Error(
      `${NGINX} is missing: this test runs a real nginx in front of a model endpoint. ` +
        'Install it with `apt-get install nginx` (.ci/run does so in CI).',
    );
  const dir = tempDir('nginx');
  // Run as root (containers), the master drops its workers to nobody, who must reach the
  // temp paths under this folder (created owner-only).
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, frame(dir, http(port)));
  let stderr = '';
  const output = (): string => {
    const log = join(dir, 'error.log');
    return `${stderr}${existsSync(log) ? readFileSync(log, 'utf8') : ''}`;
  };
  // -e: the error log nginx writes before it has read the configuration (the package's
  // default is under /var/log).
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', `${dir}/`, '-c', conf, '-e', join(dir, 'error.log')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // SIGTERM: fast shutdown; the master takes its workers down with it.
    child.kill('SIGTERM');
    const timer = setTimeout(kill, 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, output, stop };
}
