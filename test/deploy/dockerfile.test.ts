import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerignoreExcludes, parseDockerfile, type Stage } from './dockerfile-parse.js';

// No Docker daemon runs where this was written: the image is checked statically here (its
// stages, user, health check, entrypoint and that everything it copies exists and is sent to
// the build), and its health-check script is run for real against local HTTP servers.
const dockerfile = readFileSync('Dockerfile', 'utf8');
const stages = parseDockerfile(dockerfile);
const ignore = readFileSync('.dockerignore', 'utf8');
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages[stages.length - 1]!;

const args = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
/** COPY sources from the build context (not from another stage), in order. */
const contextCopies = (stage: Stage): string[][] =>
  stage.instructions
    .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
    .map((i) => {
      const parts = i.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1);
    });
// The files a checkout has (tracked, or new and not ignored by git).
const tracked = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .stdout.split('\0')
  .filter(Boolean);

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on a Node 20 slim base', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    const baseArg = /ARG NODE_IMAGE=(\S+)/.exec(dockerfile)?.[1];
    expect(baseArg).toMatch(/^node:20-[a-z]+-slim$/);
    for (const stage of stages) expect(stage.from).toBe('${NODE_IMAGE}');
  });

  it('builds with npm ci and npm run build, after copying every input of the build', () => {
    const runs = args(build, 'RUN');
    expect(runs.some((r) => /\bnpm ci\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    // scripts/build.mjs names its inputs (INPUTS): each must be in the stage before the build.
    const buildScript = readFileSync('scripts/build.mjs', 'utf8');
    const inputs = [.../const INPUTS = \[([^\]]+)\]/.exec(buildScript)![1]!.matchAll(/'([^']+)'/g)]
      .map((m) => m[1]!)
      .concat('scripts/build.mjs', 'package.json');
    expect(inputs.length).toBeGreaterThan(4);
    const buildAt = build.instructions.findIndex(
      (i) => i.keyword === 'RUN' && i.args.includes('npm run build'),
    );
    const copiedBefore = build.instructions
      .slice(0, buildAt)
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((p) => p.replace(/\/$/, ''));
    for (const input of inputs) {
      const covered = copiedBefore.some((c) => input === c || input.startsWith(`${c}/`));
      expect(covered, `${input} is copied before npm run build`).toBe(true);
    }
  });

  it('ships production dependencies only, dist/ from the build stage and the content folders', () => {
    expect(args(runtime, 'RUN').some((r) => /npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(args(runtime, 'COPY')).toContain('--from=build /app/dist/ dist/');
    const copied = contextCopies(runtime).flat();
    for (const folder of ['correlations/', 'playbooks/', 'connectors/'])
      expect(copied).toContain(folder);
    // The dev tool chain never reaches the runtime stage.
    expect(copied).not.toContain('src/');
    expect(args(runtime, 'RUN').some((r) => /npm run build/.test(r))).toBe(false);
  });

  it('needs at run time only modules that a production install has', () => {
    // The runtime stage installs `dependencies` only: every package dist/ imports must be one.
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const files = readdirSync('dist', { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.js') && !f.startsWith('console/'),
    );
    expect(files.length).toBeGreaterThan(50);
    const imported = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join('dist', file), 'utf8');
      // Import and export statements (tsc writes them at the start of a line) and import().
      const specs = [
        ...text.matchAll(/^(?:import|export)\s[^;]*?\bfrom\s+['"]([^'"]+)['"]/gm),
        ...text.matchAll(/^import\s+['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1]!);
      for (const spec of specs) {
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        imported.add(
          spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!,
        );
      }
    }
    expect(imported.has('fastify')).toBe(true);
    const missing = [...imported].filter((name) => !(name in pkg.dependencies));
    expect(missing, 'imported by dist/ but not production dependencies').toEqual([]);
  });

  it('runs as a numeric non-root user', () => {
    const users = args(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [user, group] = users[0]!.split(':');
    // Numeric, so that Kubernetes' runAsNonRoot can verify it.
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    expect(Number(group ?? user)).toBeGreaterThan(0);
    // The user is the last word: nothing after it switches back.
    const last = runtime.instructions.findLastIndex((i) => i.keyword === 'USER');
    expect(
      runtime.instructions.slice(last + 1).some((i) => i.keyword === 'RUN' || i.keyword === 'USER'),
    ).toBe(false);
  });

  it('has a HEALTHCHECK that runs node on a script the image contains', () => {
    const checks = args(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const cmd = /CMD\s+(\[.*\])\s*$/.exec(checks[0]!)?.[1];
    const argv = JSON.parse(cmd!) as string[];
    expect(argv[0]).toBe('node');
    expect(existsSync(argv[1]!)).toBe(true);
    expect(contextCopies(runtime).flat()).toContain(argv[1]);
    // It reads Cordon's own settings only, and gives up before Docker's timeout does.
    const script = readFileSync(argv[1]!, 'utf8');
    const config = readFileSync('src/config/load-config.ts', 'utf8');
    const names = [...script.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]!);
    expect(names).toEqual(
      expect.arrayContaining(['CORDON_ROLES', 'CORDON_PORT', 'CORDON_OPS_PORT']),
    );
    for (const name of names)
      expect(config, `${name} is read by load-config.ts`).toContain(`'${name}'`);
    const dockerTimeoutS = Number(/--timeout=(\d+)s/.exec(checks[0]!)?.[1]);
    const scriptTimeoutMs = Number(/const timeoutMs = (\d+);/.exec(script)?.[1]);
    expect(scriptTimeoutMs).toBeLessThan(dockerTimeoutS * 1000);
  });

  it('starts `cordon start` through the CLI entrypoint', () => {
    expect(JSON.parse(args(runtime, 'ENTRYPOINT')[0]!)).toEqual(['node', 'dist/bundle/main.js']);
    const cmd = JSON.parse(args(runtime, 'CMD')[0]!) as string[];
    expect(cmd).toEqual(['start']);
    // The subcommand exists in the built CLI (a made-up one is refused, so this can fail).
    const help = spawnSync(process.execPath, ['dist/bundle/main.js', 'help', cmd[0]!], {
      encoding: 'utf8',
    });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/cordon start/);
    const unknown = spawnSync(process.execPath, ['dist/bundle/main.js', 'help', 'no-such-command']);
    expect(unknown.status).toBe(2);
  });

  it('sets the environment the image needs under names Cordon reads', () => {
    const env = Object.fromEntries(
      args(runtime, 'ENV')
        .join(' ')
        .split(/\s+/)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    // Reachable from outside the container, and probes for non-api roles.
    expect(env.CORDON_HOST).toBe('0.0.0.0');
    expect(Number(env.CORDON_OPS_PORT)).toBeGreaterThan(0);
    // The entrypoint bypasses the CLI's shebang, which carries this flag.
    expect(env.NODE_OPTIONS).toContain('--max-semi-space-size=64');
    const config = readFileSync('src/config/load-config.ts', 'utf8');
    for (const name of Object.keys(env).filter((n) => n.startsWith('CORDON_')))
      expect(config, `${name} is read by load-config.ts`).toContain(`'${name}'`);
    const exposed = args(runtime, 'EXPOSE').join(' ').split(/\s+/).map(Number);
    for (const port of ['CORDON_PORT', 'CORDON_CONSOLE_PORT', 'CORDON_OPS_PORT'])
      expect(exposed).toContain(Number(env[port]));
  });

  it('copies only paths that exist and that .dockerignore sends to the build', () => {
    const sources = stages.flatMap(contextCopies).flat();
    expect(sources.length).toBeGreaterThan(8);
    for (const source of sources) {
      const path = source.replace(/\/$/, '');
      expect(existsSync(path), `${source} exists`).toBe(true);
      expect(dockerignoreExcludes(ignore, path), `${source} is not ignored`).toBe(false);
      // Every tracked file under a copied folder reaches the build too.
      const under = tracked.filter((f) => f === path || f.startsWith(`${path}/`));
      expect(under.length, `${source} has tracked files`).toBeGreaterThan(0);
      const lost = under.filter((f) => dockerignoreExcludes(ignore, f));
      expect(lost, `files under ${source} excluded by .dockerignore`).toEqual([]);
    }
  });

  it('.dockerignore keeps local state, dependencies and build output out of the context', () => {
    for (const path of [
      'node_modules/ajv/package.json',
      'dist/cli/main.js',
      '.cordon/tokens.json',
      '.cordon/credentials.env',
      'sub/.cordon/credentials.env',
      '.git/config',
    ])
      expect(dockerignoreExcludes(ignore, path), path).toBe(true);
    // The matcher itself: re-inclusion and ** as Docker reads them.
    expect(dockerignoreExcludes('docs\n!docs/keep.md', 'docs/keep.md')).toBe(false);
    expect(dockerignoreExcludes('**/*.log', 'a/b/c.log')).toBe(true);
    expect(dockerignoreExcludes('*.md', 'src/x.md')).toBe(false);
  });
});

describe('the image health check (deploy/docker/healthcheck.mjs)', () => {
  let server: Server;
  let port = 0;
  let status = 200;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const check = (env: Record<string, string>): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, ['deploy/docker/healthcheck.mjs'], {
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
    });

  it('asks /healthz on CORDON_PORT for a process with the api role and passes on 200', async () => {
    status = 200;
    paths.length = 0;
    expect((await check({ CORDON_PORT: String(port), CORDON_HOST: '0.0.0.0' })).code).toBe(0);
    expect(paths).toEqual(['/healthz']);
    const withApi = await check({ CORDON_ROLES: 'api,worker', CORDON_PORT: String(port) });
    expect(withApi.code).toBe(0);
  });

  it('asks CORDON_OPS_PORT for a process without the api role', async () => {
    status = 200;
    // CORDON_PORT points nowhere useful: only the ops port may be asked.
    const ok = await check({
      CORDON_ROLES: 'correlator',
      CORDON_OPS_PORT: String(port),
      CORDON_PORT: '1',
    });
    expect(ok.code).toBe(0);
    const none = await check({ CORDON_ROLES: 'worker' });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/CORDON_OPS_PORT/);
  });

  it('fails on a non-200 answer and on a refused connection', async () => {
    status = 503;
    const unhealthy = await check({ CORDON_PORT: String(port) });
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toMatch(/503/);
    status = 200;
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const refused = await check({ CORDON_PORT: String(closed) });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/ECONNREFUSED/);
  });
});
