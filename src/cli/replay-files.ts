import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A file a replay reads: its path, how it is named in messages, and its size. */
export interface InputFile {
  readonly path: string;
  readonly label: string;
  readonly size: number;
}

/** The files of a replay's input: the file itself, a directory's NDJSON files by name, or stdin. */
export async function inputFiles(input: string): Promise<InputFile[]> {
  if (input === '-') return [{ path: '-', label: 'stdin', size: 0 }];
  const info = await stat(input);
  if (!info.isDirectory()) return [{ path: input, label: input, size: info.size }];
  const names = (await readdir(input)).filter((n) => /\.(ndjson|jsonl|json)$/i.test(n)).sort();
  return Promise.all(
    names.map(async (n) => ({
      path: join(input, n),
      label: join(input, n),
      size: (await stat(join(input, n))).size,
    })),
  );
}

/**
 * The bytes of a replay's input; Infinity when not known before reading it: stdin, a named
 * pipe or anything else that is not a regular file (its size says 0), an error.
 */
export async function inputBytes(input: string): Promise<number> {
  if (input === '-') return Infinity;
  try {
    const info = await stat(input);
    if (info.isFile()) return info.size;
    if (!info.isDirectory()) return Infinity;
    let total = 0;
    for (const file of await inputFiles(input)) {
      const entry = await stat(file.path);
      if (!entry.isFile()) return Infinity;
      total += entry.size;
    }
    return total;
  } catch {
    // Reported when the replay reads its input.
    return Infinity;
  }
}
