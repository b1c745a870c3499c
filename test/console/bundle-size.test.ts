import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

/**
 * The console's budget: what a browser loads first stays under 40 KB gzipped (Preact is about
 * 9 KB of it). dist/console/ is built by the test setup (npm run build).
 */
it('keeps the console under its 40 KB gzip budget, with no inline script or style', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../dist/console');
  const assets = readdirSync(join(dir, 'assets'));
  const gz = (f: string) => gzipSync(readFileSync(join(dir, 'assets', f)), { level: 9 }).length;
  const js = assets.filter((f) => f.endsWith('.js'));
  const css = assets.filter((f) => f.endsWith('.css'));
  expect(js.length).toBeGreaterThan(0);
  const total = [...js, ...css].reduce((sum, f) => sum + gz(f), 0);
  expect(total).toBeLessThan(40 * 1024);
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  expect(html).not.toMatch(/<style|style=/);
});
