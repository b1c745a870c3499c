/**
 * The suite runs from a fresh clone with nothing beside it: no test reads files outside the
 * repository (the team's research folder lives beside the repo in CI, but not for users).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cordon.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

it('no test refers to a path outside the repository', () => {
  const outside: string[] = [];
  for (const file of files(join(REPO_ROOT, 'test'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]((?:\.\.\/)+[^'"`$]*)['"`]/g)) {
      const target = resolve(join(file, '..'), m[1] as string);
      if (relative(REPO_ROOT, target).startsWith('..'))
        outside.push(`${relative(REPO_ROOT, file)}: ${m[1]}`);
    }
  }
  expect(outside).toEqual([]);
});
