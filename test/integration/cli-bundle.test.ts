/**
 * The `cordon` binary as users run it: package.json's bin is dist/bundle/main.js, the CLI and its
 * worker threads bundled by scripts/bundle.mjs. It must answer as the unbundled
 * dist/cli/main.js does (which the other CLI tests run): its version, `validate` on the shipped
 * content, `replay` with worker threads, and `cordon start` serving /readyz, with its ingest and
 * log-reader threads, the Lua scripts and the console found from the bundle. Node's ESM debug
 * log (NODE_DEBUG=esm) names every module loaded, the worker threads' too: from the bundle, no
 * compiled file outside dist/bundle/ may load.
 */
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, inferenceEvents, REPO_ROOT } from '../helpers/cordon.js';
import {
  exitedWithin,
  freePort,
  generatedTokens,
  http,
  spawnCordon,
  tempHome,
  waitReady,
  type CordonProcess,
} from '../helpers/process.js';
import { createTestRedis } from '../helpers/redis.js';
import { tempDir } from '../helpers/temp-dir.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  bin: { cordon: string };
};
const BUNDLED = pkg.bin.cordon;
const UNBUNDLED = 'dist/cli/main.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node <cli> <args>` from the repository's root (its shipped content), or the file itself. */
function cordon(cli: string, args: readonly string[], env: Record<string, string> = {}): Run {
  const run = spawnSync(process.execPath, [cli, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', CORDON_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The compiled files (under dist/) that NODE_DEBUG=esm output says were loaded. */
function loadedFromDist(debug: string): Set<string> {
  const dist = `${pathToFileURL(join(REPO_ROOT, 'dist')).href}/`;
  const files = new Set<string>();
  for (const m of debug.matchAll(/file:\/\/[^\s'",)]+?\.js\b/g))
    if (m[0].startsWith(dist)) files.add(m[0].slice(dist.length));
  return files;
}

function expectOnlyBundled(files: Set<string>, workers: readonly string[]): void {
  expect(
    [...files].filter((f) => !f.startsWith('bundle/')),
    'compiled files loaded outside dist/bundle/',
  ).toEqual([]);
  for (const worker of workers) expect(files).toContain(`bundle/${worker}`);
}

describe('the cordon binary (dist/bundle/)', () => {
  it('is the bundled CLI, runs through its own hashbang and prints the version', () => {
    expect(BUNDLED).toBe('dist/bundle/main.js');
    const bin = join(REPO_ROOT, BUNDLED);
    accessSync(bin, constants.X_OK);
    expect(readFileSync(bin, 'utf8').split('\n', 1)[0]).toBe(
      readFileSync(join(REPO_ROOT, UNBUNDLED), 'utf8').split('\n', 1)[0],
    );
    // Executed itself, as npm's link to the bin runs it: the hashbang starts node.
    const run = spawnSync(bin, ['version'], {
      cwd: tempDir('bundle-cwd'),
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`cordon ${pkg.version}\n`);
    expect(cordon(UNBUNDLED, ['--version']).stdout).toBe(cordon(BUNDLED, ['--version']).stdout);
  });

  it('has source maps that lead back to the TypeScript (node --enable-source-maps)', () => {
    const dir = join(REPO_ROOT, 'dist', 'bundle');
    const chunks = readdirSync(dir).filter((f) => f.endsWith('.js'));
    for (const chunk of chunks) {
      // rolldown's own helpers: no source of ours.
      if (chunk.startsWith('rolldown-runtime-')) continue;
      const map = JSON.parse(readFileSync(join(dir, `${chunk}.map`), 'utf8')) as {
        sources: string[];
      };
      expect(map.sources.length, chunk).toBeGreaterThan(0);
      for (const source of map.sources) {
        expect(source, `${chunk}.map`).toMatch(/^\.\.\/\.\.\/src\/.+\.ts$/);
        accessSync(join(dir, source), constants.R_OK);
      }
    }
    // One line of one chunk, mapped as Node maps a stack frame: to its line in src/.
    const engine = chunks.find((f) =>
      readFileSync(join(dir, f), 'utf8').includes('\n\tgroup(slot, info, key, from) {'),
    );
    expect(engine, 'the chunk holding CorrelationEngine#group').toBeDefined();
    const line = readFileSync(join(dir, engine!), 'utf8')
      .split('\n')
      .indexOf('\tgroup(slot, info, key, from) {');
    const url = pathToFileURL(join(dir, engine!)).href;
    const probe = spawnSync(
      process.execPath,
      [
        '--enable-source-maps',
        '--input-type=module',
        '-e',
        `import { findSourceMap } from 'node:module'; await import(${JSON.stringify(url)}); ` +
          `console.log(JSON.stringify(findSourceMap(${JSON.stringify(url)}).findEntry(${line}, 1)));`,
      ],
      { encoding: 'utf8' },
    );
    expect(probe.stderr).toBe('');
    const entry = JSON.parse(probe.stdout) as { originalSource: string; originalLine: number };
    expect(entry.originalSource).toBe(
      pathToFileURL(join(REPO_ROOT, 'src', 'correlate', 'engine', 'engine.ts')).href,
    );
    const ts = readFileSync(join(REPO_ROOT, 'src', 'correlate', 'engine', 'engine.ts'), 'utf8');
    expect(ts.split('\n')[entry.originalLine]).toMatch(/^  private group\($/);
  });

  it('validates the shipped content as the unbundled CLI does, and reports problems alike', () => {
    const bundled = cordon(BUNDLED, ['validate', '.']);
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stdout).toMatch(/^OK: \d+ detection rule/);
    expect(bundled).toEqual(cordon(UNBUNDLED, ['validate', '.']));

    // A broken definition: the located problem, its code and exit 1, word for word.
    const broken = tempDir('bundle-broken');
    mkdirSync(join(broken, 'correlations'));
    writeFileSync(
      join(broken, 'correlations', 'rules.yaml'),
      'title: Broken\nname: broken\nlogsource: { category: login }\ndetection: { sel: { outcome: failure }, condition: nope }\n',
    );
    const bad = cordon(BUNDLED, ['validate', broken]);
    expect(bad.code).toBe(1);
    expect(bad).toEqual(cordon(UNBUNDLED, ['validate', broken]));
    // And a usage error.
    const unknown = cordon(BUNDLED, ['no-such-command']);
    expect(unknown.code).toBe(2);
    expect(unknown).toEqual(cordon(UNBUNDLED, ['no-such-command']));
  });

  it('replays with worker threads (their bundled entries) to the same matches', () => {
    const content = tempDir('bundle-replay');
    mkdirSync(join(content, 'correlations'));
    writeFileSync(
      join(content, 'correlations', 'rules.yaml'),
      [
        'title: Login failure',
        'name: login_failure',
        'logsource: { category: login }',
        'detection: { sel: { outcome: failure }, condition: sel }',
        '---',
        'title: Brute force',
        'name: brute_force',
        'level: high',
        'correlation: { type: event_count, rules: [login_failure], group-by: [user], timespan: 60s, condition: { gte: 5 } }',
        '',
      ].join('\n'),
    );
    const events = join(content, 'events.ndjson');
    const t0 = Date.UTC(2026, 0, 1);
    writeFileSync(
      events,
      Array.from(
        { length: 10 },
        (_, i) =>
          `${JSON.stringify({
            id: `w${i}`,
            time: t0 + 7 + i * 1000,
            kind: 'login',
            name: 'sshd',
            outcome: 'failure',
            entity: { user: `u${i % 2}`, ip: '10.3.7.185', host: 'srv027' },
          })}\n`,
      ).join(''),
    );
    const args = ['replay', '--content', content, '--json', '--workers', '2', events];
    const bundled = cordon(BUNDLED, args, { NODE_DEBUG: 'esm' });
    expect(bundled.code, bundled.stderr.slice(-4000)).toBe(0);
    const plain = cordon(UNBUNDLED, args);
    expect(plain.code, plain.stderr).toBe(0);
    const matches = (run: Run): unknown[] =>
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
    expect(matches(bundled)).toHaveLength(2);
    expect(matches(bundled)).toEqual(matches(plain));
    expect(matches(bundled)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'brute_force', group: { user: 'u0' }, count: 5 }),
        expect.objectContaining({ rule: 'brute_force', group: { user: 'u1' }, count: 5 }),
      ]),
    );
    // The threads ran the bundled replay worker, not the hundred compiled modules behind it.
    const loaded = loadedFromDist(bundled.stderr);
    expectOnlyBundled(loaded, ['main.js', 'replay-worker.js']);
  });

  describe('cordon start', () => {
    const store = createTestRedis('cli-bundle');
    let proc: CordonProcess | undefined;

    afterAll(async () => {
      if (proc && proc.child.exitCode === null && proc.child.signalCode === null)
        proc.child.kill('SIGKILL');
      await store.cleanup();
    });

    it('is ready, serves the console, and takes events in through its worker threads', async () => {
      const home = tempHome();
      const [port, consolePort] = [await freePort(), await freePort()];
      proc = spawnCordon({
        home,
        prefix: store.prefix,
        port,
        bin: BUNDLED,
        env: {
          CORDON_CONSOLE_PORT: String(consolePort),
          // The ingest pool's thread parses every body; the correlator reads on its own thread.
          CORDON_INGEST_WORKERS: '1',
          CORDON_INGEST_WORKER_MIN_BYTES: '0',
          CORDON_CORRELATE_READER_THREADS: '1',
          NODE_DEBUG: 'esm',
        },
      });
      await waitReady(proc, 30_000);

      // The console, found from the bundle the way dist/api/console/ finds it. Its port opens
      // just after the API's, so /readyz may answer first.
      const page = await eventually(
        () => fetch(`http://127.0.0.1:${consolePort}/`),
        'the console port to answer',
      );
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);

      // Events through the ingest thread and the append script, read by the correlator's
      // reader thread: the shipped extraction rule opens an incident.
      const tokens = generatedTokens(home);
      const apiKey = `bundle-${store.prefix.slice(-8)}`;
      const posted = await http(
        proc.url,
        'POST',
        '/v1/ingest/events',
        tokens.ingest as string,
        inferenceEvents(apiKey, 101, Date.now() - 30_000),
        'application/x-ndjson',
      );
      expect(posted.status, JSON.stringify(posted.json)).toBe(202);
      await eventually(
        async () => {
          const res = await http(proc!.url, 'GET', '/v1/incidents', tokens.analyst as string);
          return (res.json.incidents as Record<string, any>[]).find(
            (i) => i.group?.api_key === apiKey,
          );
        },
        'the incident of the ingested burst',
        30_000,
      );

      proc.child.kill('SIGTERM');
      const exit = await exitedWithin(proc, 20_000, 'cordon start to stop on SIGTERM');
      expect(exit.code, proc.output().slice(-4000)).toBe(0);
      expectOnlyBundled(loadedFromDist(proc.output()), [
        'main.js',
        'ingest-worker.js',
        'reader-worker.js',
      ]);
    }, 90_000);
  });
});
