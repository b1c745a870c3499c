import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const FOLDERS = ['correlations', 'connectors', 'playbooks'] as const;

/**
 * Why `dir` cannot be a content folder (missing, not a folder, or holding none of
 * correlations/, connectors/, playbooks/), or undefined when it can. A mistyped path would
 * otherwise check nothing and report success.
 */
export async function contentDirProblem(dir: string): Promise<string | undefined> {
  const kind = await kindOf(dir);
  if (kind === 'missing') return `${dir} does not exist`;
  if (kind === 'file') return `${dir} is a file, not a folder`;
  const found = await Promise.all(FOLDERS.map(async (f) => (await kindOf(join(dir, f))) === 'dir'));
  if (!found.some(Boolean)) return `${dir} holds none of ${FOLDERS.map((f) => `${f}/`).join(', ')}`;
  return undefined;
}

async function kindOf(path: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}
