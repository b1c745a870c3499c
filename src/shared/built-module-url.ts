import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The modules that run as worker threads, by their path under dist/, and the entry of
 * dist/bundle/ that scripts/bundle.mjs builds for each (flat: chunks sit beside them). The
 * bundle step fails when one of these files is missing, or when a bundled module names another
 * compiled file with `new URL('….js', import.meta.url)` that is not listed here.
 */
export const BUNDLED_WORKERS: Readonly<Record<string, string>> = {
  'correlate/replay-worker.js': 'replay-worker.js',
  'correlate/log-reader/reader-worker.js': 'reader-worker.js',
  'ingest/pool/ingest-worker.js': 'ingest-worker.js',
};

/**
 * Whether this code runs from dist/bundle/: scripts/bundle.mjs replaces the expression with
 * `true` there. In dist/ and under the test runner (src/) it reads an unset global: false.
 */
const bundled = (globalThis as { __cordonBundle?: boolean }).__cordonBundle === true;

/**
 * The compiled file of a module a worker thread runs. Under dist/ that is the file itself; when
 * the caller runs from the TypeScript sources (the test runner), the same path under dist/,
 * which the test setup builds first: a worker thread cannot load .ts itself. From the bundle
 * (the `cordon` binary), the worker's bundled entry in dist/bundle/, so that the thread loads a
 * few files instead of the hundred modules it imports.
 */
export function builtModuleUrl(url: URL): URL {
  if (bundled) {
    // In the bundle, import.meta.url of every module still names its own compiled file
    // (scripts/bundle.mjs): this one is dist/shared/built-module-url.js.
    const dist = new URL('../', import.meta.url).href;
    const entry = url.href.startsWith(dist)
      ? BUNDLED_WORKERS[url.href.slice(dist.length)]
      : undefined;
    if (entry) return new URL(`bundle/${entry}`, dist);
  }
  const path = fileURLToPath(url);
  if (existsSync(path)) return url;
  const at = path.lastIndexOf('/src/');
  if (at < 0) return url;
  return pathToFileURL(`${path.slice(0, at)}/dist/${path.slice(at + '/src/'.length)}`);
}
