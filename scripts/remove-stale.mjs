import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Deletes compiled files (`.js`, `.js.map`) under `outDir` whose TypeScript source under
 * `srcDir` (`.ts` or `.tsx`, same relative path) is gone, and the folders that leaves empty;
 * the folders in `skip` (output that is not tsc's) are left as they are. tsc never deletes: a
 * compiled file whose source was removed or renamed would stay importable, hiding a broken
 * import until a clean clone builds.
 */
export function removeStale(outDir, srcDir, skip = [], dir = outDir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(path)) removeStale(outDir, srcDir, skip, path);
      continue;
    }
    const compiled = /^(.*)\.js(\.map)?$/.exec(relative(outDir, path));
    if (!compiled) continue;
    const source = join(srcDir, compiled[1] ?? '');
    if (!existsSync(`${source}.ts`) && !existsSync(`${source}.tsx`)) rmSync(path);
  }
  if (dir !== outDir && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}

/**
 * Whether a TypeScript source under `srcDir` (outside the folders in `skip`) has no compiled
 * `.js` under `outDir`. tsc's incremental build trusts its build info and does not write an
 * output again that was deleted since; the caller then builds without that info.
 */
export function hasMissingOutput(outDir, srcDir, skip = [], dir = srcDir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(path) && hasMissingOutput(outDir, srcDir, skip, path)) return true;
      continue;
    }
    const source = /^(.*)\.tsx?$/.exec(relative(srcDir, path));
    if (!source || entry.name.endsWith('.d.ts')) continue;
    if (!existsSync(join(outDir, `${source[1] ?? ''}.js`))) return true;
  }
  return false;
}
