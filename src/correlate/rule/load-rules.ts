import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CordonError } from '../../shared/errors.js';
import type { RuleSource } from './rule-source.js';

/**
 * The only part of rule loading that touches the file system. Reads every `*.yaml` / `*.yml`
 * under `dir` (recursively; hidden entries such as `.git` are skipped, symlinked directories are
 * not followed so a link cycle cannot loop), sorted by path.
 *
 * - A missing directory yields `[]`: a deployment without custom rules is valid.
 * - `dir` may also name a single rule file.
 * - A file or directory that exists but cannot be read throws a CordonError with code
 *   CORDON_ERR_YAML_READ naming the path: that is an operational fault (permissions, I/O), not a
 *   rule problem a user fixes in YAML, so it is not turned into a diagnostic.
 */
export async function loadRuleSources(dir: string): Promise<RuleSource[]> {
  let info;
  try {
    info = await stat(dir);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw readError(dir, err);
  }
  const files = info.isDirectory() ? await listYamlFiles(dir) : [dir];
  const sources = await Promise.all(
    files.map(async (file) => {
      try {
        return { file: displayPath(file), text: await readFile(file, 'utf8') };
      } catch (err) {
        throw readError(file, err);
      }
    }),
  );
  return sources.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

async function listYamlFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw readError(dir, err);
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await listYamlFiles(full)));
    } else if (
      /\.ya?ml$/i.test(entry.name) &&
      !isRuleTestFile(entry.name) &&
      (entry.isFile() || (entry.isSymbolicLink() && (await isFile(full))))
    ) {
      out.push(full);
    }
  }
  return out;
}

/**
 * The rule tests (`*.test.yaml`) under `dir`, read like the rules (hidden entries skipped,
 * sorted by path); a missing directory yields `[]`. For listing which tests check a rule.
 */
export async function loadRuleTestSources(dir: string): Promise<RuleSource[]> {
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err)) return;
      throw readError(at, err);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (isRuleTestFile(entry.name) && entry.isFile()) found.push(full);
    }
  };
  await walk(dir);
  const sources = await Promise.all(
    found.map(async (file) => ({ file: displayPath(file), text: await readFile(file, 'utf8') })),
  );
  return sources.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** `*.test.yaml` files beside the rules are rule tests (`cordon test`), not rules. */
export function isRuleTestFile(name: string): boolean {
  return /\.test\.ya?ml$/i.test(name);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false; // a dangling link is not a rule file
  }
}

/** Relative to the working directory when the file lies under it, else absolute. */
function displayPath(file: string): string {
  const absolute = path.resolve(file);
  const relative = path.relative(process.cwd(), absolute);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative
    : absolute;
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

function readError(file: string, err: unknown): CordonError {
  const reason = err instanceof Error ? err.message : String(err);
  return new CordonError(
    'CORDON_ERR_YAML_READ',
    `Rule file "${displayPath(file)}" could not be read; got ${reason}. Check that it exists and is readable by the Cordon process.`,
    { cause: err, details: { file: displayPath(file) } },
  );
}
