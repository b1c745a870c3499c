/**
 * Tests leave nothing behind in the system's temp folder: every temporary folder comes from
 * test/helpers/temp-dir.ts, which removes it when the test file ends.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cordon.js';
import { tempDir } from '../helpers/temp-dir.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

it('no test makes a temporary folder except through the helper that removes it', () => {
  const helper = join(REPO_ROOT, 'test', 'helpers', 'temp-dir.ts');
  const self = join(REPO_ROOT, 'test', 'unit', 'temp-dirs.test.ts');
  const offenders = files(join(REPO_ROOT, 'test'))
    .filter((f) => f !== helper && f !== self)
    .filter((f) =>
      /\bmkdtemp(Sync)?\b|\bmkdirSync\(\s*(join\()?tmpdir\(\)/.test(readFileSync(f, 'utf8')),
    )
    .map((f) => relative(REPO_ROOT, f));
  expect(offenders).toEqual([]);
});

it('the helper hands out distinct folders that exist until the file ends', () => {
  const a = tempDir('check');
  const b = tempDir('check');
  expect(a).not.toBe(b);
  expect(readdirSync(a)).toEqual([]);
});
