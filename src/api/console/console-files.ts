import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the built console, read into memory at start (the build is small). */
export interface ConsoleFile {
  readonly body: Buffer;
  /** Pre-compressed siblings the build wrote (`.br`, `.gz`), served when the client accepts them. */
  readonly br?: Buffer;
  readonly gzip?: Buffer;
  readonly contentType: string;
  /** Vite's content-hashed output (`assets/…`): cached for a year, never revalidated. */
  readonly immutable: boolean;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Where `npm run build` writes the console: dist/console/ of the package, found from this
 * module's place whether it runs compiled (dist/api/console/) or from sources (src/api/console/).
 */
export function defaultConsoleDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const marker of [`${sep}dist${sep}`, `${sep}src${sep}`]) {
    const at = here.lastIndexOf(marker);
    if (at >= 0) return join(here.slice(0, at), 'dist', 'console');
  }
  return join(here, '..', '..', 'console');
}

/**
 * The built console as a map from URL path (`/index.html`, `/assets/app-3f2a.js`) to its file:
 * only these paths are ever served, so no request path reaches the file system. Undefined when
 * the directory has no index.html (not built).
 */
export async function loadConsoleFiles(dir: string): Promise<Map<string, ConsoleFile> | undefined> {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(at, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      const type = TYPES[extname(entry.name).toLowerCase()];
      if (!entry.isFile() || !type) continue;
      const path = `/${relative(dir, full).split(sep).join('/')}`;
      const [body, br, gzip] = await Promise.all([
        readFile(full),
        readFile(`${full}.br`).catch(() => undefined),
        readFile(`${full}.gz`).catch(() => undefined),
      ]);
      files.set(path, {
        body,
        ...(br ? { br } : {}),
        ...(gzip ? { gzip } : {}),
        contentType: type,
        immutable: path.startsWith('/assets/'),
      });
    }
  };
  await walk(dir);
  return files;
}
