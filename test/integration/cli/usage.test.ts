/**
 * The CLI's own manners, as users meet them: the built CLI in a real process. Offline: nothing
 * here reaches Redis (a `start` that ignored --help would try, and hang or fail).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cordon.js';
import { tempDir } from '../../helpers/temp-dir.js';

function cordon(
  args: readonly string[],
  env: Record<string, string> = {},
): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: REPO_ROOT,
    // A Redis nobody answers on: a command that tried to start would fail, not pass.
    env: {
      PATH: process.env.PATH ?? '',
      CORDON_LOG_LEVEL: 'warn',
      REDIS_URL: 'redis://127.0.0.1:1',
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cordon --version', () => {
  it("prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const run = cordon([flag]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`cordon ${version}\n`);
    }
  });

  it('runs as the package bin (executable, with its shebang), as `npx cordon` runs it', () => {
    const run = spawnSync(join(REPO_ROOT, 'dist/cli/main.js'), ['--version'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.stdout).toMatch(/^cordon \d+\.\d+\.\d+\n$/);
  });
});

describe('--help', () => {
  it.each([
    ['start', 'Usage: cordon start'],
    ['validate', 'Usage: cordon validate [dir]'],
    ['test', 'Usage: cordon test [dir]'],
    ['replay', 'Usage: cordon replay'],
    ['eval', 'Usage: cordon eval'],
  ])('cordon %s --help prints its usage and does nothing else', (command, first) => {
    const run = cordon([command, command === 'start' ? '-h' : '--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.startsWith(first), run.stdout).toBe(true);
    expect(run.stderr).toBe('');
  });

  it("the top-level help lists replay's and eval's options and says demo serves the console", () => {
    const top = cordon(['--help']);
    expect(top.code, top.stderr).toBe(0);
    for (const command of ['replay', 'eval']) {
      const usage = cordon([command, '--help']).stdout.split('\n')[0] ?? '';
      const line = top.stdout.split('\n').find((l) => l.startsWith(`  ${command} `)) ?? '';
      for (const option of usage.match(/--[a-z-]+/g) ?? []) expect(line).toContain(option);
    }
    // demo serves the console unless --no-console (its own help and the README say so).
    expect(top.stdout).not.toContain('terminal-only');
    expect(top.stdout).toMatch(/browser console \(terminal only: --no-console\)/);
  });

  it("help <command> prints that command's usage", () => {
    expect(cordon(['help', 'start']).stdout.startsWith('Usage: cordon start')).toBe(true);
  });

  it('start refuses arguments it does not know, with its usage', () => {
    const run = cordon(['start', '--port', '9000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('takes no arguments');
    expect(run.stderr).toContain('Usage: cordon start');
  });
});

describe('arguments that are not commands, options or folders', () => {
  it.each([
    ['validate', 'Usage: cordon validate [dir]'],
    ['test', 'Usage: cordon test [dir]'],
  ])(
    'cordon %s refuses an option it does not know, rather than taking it for a folder',
    (command, usage) => {
      const run = cordon([command, '--hlep']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`cordon ${command}: unknown option "--hlep".`);
      expect(run.stderr).toContain(usage);
      expect(run.stderr).not.toContain('does not exist');
      const two = cordon([command, 'a', 'b']);
      expect(two.code).toBe(2);
      expect(two.stderr).toContain(`cordon ${command}: name one folder (got "a", "b").`);
    },
  );

  it('audit export refuses an option; audit verify says --file needs a file', () => {
    const run = cordon(['audit', 'export', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cordon audit export: unknown option "--json".');
    const file = cordon(['audit', 'verify', '--file']);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--file needs a file');
  });

  it('cordon help --help prints the top-level help', () => {
    const run = cordon(['help', '--help']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(cordon(['--help']).stdout);
    expect(run.stdout.startsWith('Usage: cordon <command>')).toBe(true);
  });

  it('suggests the command meant by a typo, and lists the commands otherwise', () => {
    const typo = cordon(['replya']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      'cordon: unknown command "replya". Did you mean "replay"? (cordon --help lists the commands.)\n',
    );
    const help = cordon(['help', 'valdate']);
    expect(help.code).toBe(2);
    expect(help.stderr).toContain('cordon: no command "valdate". Did you mean "validate"?');
    const far = cordon(['xyzzyq']);
    expect(far.code).toBe(2);
    expect(far.stderr).toContain('cordon: unknown command "xyzzyq".\n\nUsage: cordon <command>');
  });
});

describe('cordon validate and cordon test on a folder that is not there', () => {
  it('fail with the folder named, instead of checking nothing', () => {
    const dir = tempDir('usage');
    try {
      const missing = join(dir, 'no-such-folder');
      const validate = cordon(['validate', missing]);
      expect(validate.code).toBe(1);
      expect(validate.stderr).toContain(`${missing} does not exist`);
      // An empty folder holds no content either.
      const empty = cordon(['validate', dir]);
      expect(empty.code).toBe(1);
      expect(empty.stderr).toContain('holds none of correlations/, connectors/, playbooks/');
      const test = cordon(['test', missing]);
      expect(test.code).toBe(1);
      expect(test.stderr).toContain(`${missing} is not a folder`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validate still passes on the shipped content', () => {
    const run = cordon(['validate', '.']);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^OK: \d+ detection rule\(s\)/m);
  });
});

describe('cordon validate and the secrets cordon start needs', () => {
  it("warns, naming the variable, when an enabled connector's secret is not set here", () => {
    const dir = tempDir('validate-secrets');
    try {
      for (const sub of ['correlations', 'connectors', 'playbooks'])
        cpSync(join(REPO_ROOT, sub), join(dir, sub), { recursive: true });
      const slack = join(dir, 'connectors', 'slack.yaml');
      writeFileSync(slack, readFileSync(slack, 'utf8').replace('enabled: false', 'enabled: true'));
      const missing = cordon(['validate', dir]);
      expect(missing.code, missing.stderr).toBe(0);
      expect(missing.stdout).toMatch(
        /warning CORDON_ERR_CONNECTOR_SECRET \(here, cordon start refuses\): .*SLACK_WEBHOOK_URL/,
      );
      expect(missing.stdout).toMatch(/; 1 warning\(s\)\.\n$/);
      // A source's own bearer token, not set here: start would refuse too.
      writeFileSync(
        join(dir, 'connectors', 'events.yaml'),
        `${readFileSync(join(dir, 'connectors', 'events.yaml'), 'utf8')}auth: { bearer: [{ env: EVENTS_TOKEN }] }\n`,
      );
      const source = cordon(['validate', dir]);
      expect(source.code, source.stderr).toBe(0);
      expect(source.stdout).toMatch(
        /warning CORDON_ERR_CONNECTOR_SECRET \(here, cordon start refuses\): connector events .*auth\.bearer: .*EVENTS_TOKEN/,
      );
      const set = cordon(['validate', dir], {
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret-value-xyz',
        EVENTS_TOKEN: 'events-token-value-123',
      });
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout).not.toContain('CORDON_ERR_CONNECTOR_SECRET');
      expect(set.stdout + set.stderr).not.toContain('secret-value-xyz');
      expect(set.stdout + set.stderr).not.toContain('events-token-value-123');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
