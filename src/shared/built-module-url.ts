import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The compiled file of a module a worker thread runs. Under dist/ that is the file itself; when
 * the caller runs from the TypeScript sources (the test runner), the same path under dist/,
 * which the test setup builds first: a worker thread cannot load .ts itself.
 */
export function builtModuleUrl(url: URL): URL {
  const path = fileURLToPath(url);
  if (existsSync(path)) return url;
  const at = path.lastIndexOf('/src/');
  if (at < 0) return url;
  return pathToFileURL(`${path.slice(0, at)}/dist/${path.slice(at + '/src/'.length)}`);
}
