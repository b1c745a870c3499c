import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface YamlSource {
  /** Path used in messages: relative to the working directory when inside it. */
  readonly file: string;
  readonly text: string;
}

/** Every `*.yaml` / `*.yml` under `dir`, recursively, sorted by path. A missing dir is empty. */
export async function readYamlFiles(dir: string): Promise<YamlSource[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files = entries.filter((e) => /\.ya?ml$/i.test(e)).sort();
  return Promise.all(
    files.map(async (name) => {
      const full = join(dir, name);
      const rel = relative(process.cwd(), full);
      return { file: rel.startsWith('..') ? full : rel, text: await readFile(full, 'utf8') };
    }),
  );
}
