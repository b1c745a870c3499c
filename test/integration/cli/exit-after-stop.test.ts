/**
 * A stopped `cordon start` ends even when something still holds the process (a client
 * library's timer, say): exitAfterStop, in a real process built from dist/.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cordon.js';

function run(script: string): { code: number | null; ms: number; stdout: string } {
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: child.status, ms: Date.now() - started, stdout: child.stdout };
}

const prelude = `
import { exitAfterStop } from './dist/cli/exit-after-stop.js';
import { createLogger } from './dist/shared/logger.js';
const logger = createLogger('info');
`;

describe('exitAfterStop', () => {
  it('ends a process that something still holds, with its code, naming what held it', () => {
    const r = run(`${prelude} setInterval(() => {}, 1_000); exitAfterStop(3, logger, 300);`);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stdout).toContain('something still held the process');
    expect(r.stdout).toContain('Timeout');
  });

  it('does not itself keep a process alive that would end by itself', () => {
    const r = run(`${prelude} process.exitCode = 0; exitAfterStop(5, logger, 5_000);`);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(4_000);
    expect(r.stdout).not.toContain('still held');
  });
});
