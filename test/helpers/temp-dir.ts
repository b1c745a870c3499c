import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Temporary folders for tests, removed when the test file ends. The only place tests call
 * mkdtemp (test/unit/temp-dirs.test.ts checks), so none is left behind in the system's temp
 * folder run after run.
 */
const created: string[] = [];

// Registered on the importing test file's root suite: it runs after the file's own afterAll
// hooks (processes stopped, Redis servers shut down) have released the folders.
// A global setup (no test file, no suite) imports this file for ownedTempDir only.
try {
  afterAll(() => {
    for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
} catch {
  // not in a test file
}

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cordon-${label}-`));
  created.push(dir);
  return dir;
}

/**
 * A temporary folder that outlives the test file (a vitest global setup's, which has no file):
 * the caller removes it with the returned function.
 */
export function ownedTempDir(label: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `cordon-${label}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
