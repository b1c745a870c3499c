import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasMissingOutput, removeStale } from '../../../scripts/remove-stale.mjs';
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

  it('tells when a source has no compiled file, outside the folders skipped', () => {
    root = tempDir('missing');
    for (const f of ['src/a.ts', 'src/ui/b.tsx', 'src/types.d.ts', 'src/web/page.tsx']) touch(f);
    for (const f of ['dist/a.js', 'dist/ui/b.js']) touch(f);
    const [out, src] = [join(root, 'dist'), join(root, 'src')];
    const skip = [join(src, 'web')];
    // Declarations compile to nothing; the skipped folder is another builder's.
    expect(hasMissingOutput(out, src, skip)).toBe(false);
    rmSync(join(root, 'dist/ui/b.js'));
    expect(hasMissingOutput(out, src, skip)).toBe(true);
  });
});
