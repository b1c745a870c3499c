/**
 * `cordon demo` as users meet it: the built CLI in a real process. Ctrl-C ends it early with a
 * summary and leaves nothing behind: no keys under the demo's Redis prefix, no tokens file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { tempDir } from '../../helpers/temp-dir.js';

const CLI = join(REPO_ROOT, 'dist/cli/main.js');

describe('cordon demo (CLI)', () => {
  it('--help says what it does and how to do without the console', () => {
    const run = spawnSync(process.execPath, [CLI, 'demo', '--help'], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: cordon demo/);
    expect(run.stdout).toContain('--no-console');
    expect(run.stdout).toContain('sign-in link');
  });

  it('refuses bad arguments with exit 2 before touching Redis', () => {
    const run = spawnSync(process.execPath, [CLI, 'demo', '--speed', 'fast'], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: 'redis://127.0.0.1:1' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--speed must be a number from 1 to 600');
  });

  it('stops cleanly on Ctrl-C: summary, exit 0, its Redis keys and tokens file gone', async () => {
    const home = tempDir('demo-home');
    const base = uniquePrefix('democli');
    const child = spawn(
      process.execPath,
      [CLI, 'demo', '--scenario', 'extraction', '--speed', '30', '--duration', '60', '--port', '0'],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          REDIS_URL: TEST_REDIS_URL,
          CORDON_REDIS_PREFIX: base,
          CORDON_HOME: home,
          CORDON_LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const credentials = join(home, 'demo', 'credentials.env');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no containment in time:\n${out}\n${err}`)),
          25_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('scenario extraction: attacker contained')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      expect(existsSync(credentials)).toBe(true);
      expect((await redis.keys(`${base}-demo:*`)).length).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exited, err).toBe(0);
      expect(out).toContain('Summary');
      expect(out).toMatch(/contained \+[\d.]+ s/);
      // The console's sign-in link (or, unbuilt, where it would be) is printed…
      expect(out).toMatch(
        /Console: {5}(open http:\/\/127\.0\.0\.1:\d+\/#token=cdn_demo_[\w-]+|http:\/\/127\.0\.0\.1:\d+ answers "not built")/,
      );
      // …and it is the only token printed: the rest stay in the owner-only file.
      expect(out.replace(/#token=cdn_demo_[\w-]+/, '')).not.toMatch(/cdn_demo_/);
      expect(await redis.keys(`${base}-demo*`)).toEqual([]);
      expect(existsSync(credentials)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      redis.disconnect();
    }
  }, 40_000);
  it('--connectors fakes: the key is throttled at the fake Kong and a ticket opens in the fake Jira', async () => {
    const home = tempDir('demo-home');
    const base = uniquePrefix('democonn');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'demo',
        '--scenario',
        'extraction',
        '--speed',
        '30',
        '--duration',
        '60',
        '--port',
        '0',
        '--no-console',
        '--connectors',
        'fakes',
      ],
      {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          REDIS_URL: TEST_REDIS_URL,
          CORDON_REDIS_PREFIX: base,
          CORDON_HOME: home,
          CORDON_LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ticket in time:\n${out}\n${err}`)),
          30_000,
        );
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Contained (the observer read the limit at the fake Kong) and the run's case opened.
          if (
            out.includes('scenario extraction: attacker contained') &&
            /contain-abusive-key: \w+ → done/.test(out)
          ) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGINT');
      expect(await exited, err).toBe(0);
      expect(out).toContain('Connectors:  fakes on 127.0.0.1');
      expect(out).toContain('gateway: key-trial-7f3a throttled at Kong to 10/minute');
      expect(out).toMatch(
        /fake Kong \(http:\/\/127\.0\.0\.1:\d+\): key-trial-7f3a throttled \(rate-limiting 10\/minute\)/,
      );
      expect(out).toMatch(
        /fake Jira \(http:\/\/127\.0\.0\.1:\d+\): ticket SEC-1 opened "Model extraction/,
      );
      // The fake Kong refused the attacker after containment (429s from its data plane).
      const after = /after (\d+) served\/(\d+) refused/.exec(out);
      expect(Number(after?.[2])).toBeGreaterThan(0);
      // Per-run secrets of the fakes are never printed.
      expect(out + err).not.toMatch(/services\/TDEMO\/BDEMO\/[0-9a-f]{24}/);
      expect(await redis.keys(`${base}-demo*`)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      redis.disconnect();
    }
  }, 45_000);
});
