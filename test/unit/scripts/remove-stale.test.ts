import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStale } from '../../../scripts/remove-stale.mjs';
import { tempDir } from '../../helpers/temp-dir.js';

let root = '';

function touch(path: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), '');
}

describe('removeStale (the build after tsc)', () => {
  it('deletes compiled files whose source is gone, and the folders that leaves empty', () => {
    root = tempDir('stale');
    for (const f of ['src/a.ts', 'src/ui/b.tsx', 'src/kept/c.ts']) touch(f);
    const compiled = ['dist/a.js', 'dist/a.js.map', 'dist/ui/b.js', 'dist/kept/c.js'];
    const stale = ['dist/gone.js', 'dist/gone.js.map', 'dist/old/d.js', 'dist/kept/renamed.js'];
    const foreign = ['dist/console/index.js', 'dist/store/scripts/x.lua', 'dist/.tsbuildinfo'];
    for (const f of [...compiled, ...stale, ...foreign]) touch(f);

    const out = join(root, 'dist');
    removeStale(out, join(root, 'src'), [join(out, 'console'), join(out, 'store', 'scripts')]);

    for (const f of [...compiled, ...foreign]) expect(existsSync(join(root, f)), f).toBe(true);
    for (const f of stale) expect(existsSync(join(root, f)), f).toBe(false);
    expect(existsSync(join(root, 'dist/old'))).toBe(false);
  });
});
