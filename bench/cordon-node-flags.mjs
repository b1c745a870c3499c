// The Node flags Cordon runs with in production: the `cordon` binary's shebang, `npm start` and
// the container image all pass them (see src/cli/main.ts). A benchmark that runs Cordon's code
// in its own process, or spawns `node <cordonBin()>` (which bypasses the shebang), passes
// them too, so its figures are the deployed configuration's. The young generation matters:
// correlation allocates many short-lived objects, and without it the drain spends about a
// tenth more CPU per event in scavenges.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CORDON_NODE_FLAGS = ['--max-semi-space-size=64'];

/**
 * Runs this script again under CORDON_NODE_FLAGS unless it already has them (then returns),
 * and exits with the re-run's status. Call it before any work: imports have loaded by then,
 * nothing else has run.
 */
export function rerunWithCordonFlags() {
  const missing = CORDON_NODE_FLAGS.filter(
    (f) => !process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]),
  );
  if (missing.length === 0) return;
  const run = spawnSync(
    process.execPath,
    [...missing, ...process.execArgv, process.argv[1], ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(run.status ?? 1);
}

/**
 * The `cordon` binary of the checkout at `root`, as its package.json's bin names it: the bundled
 * CLI (dist/bundle/main.js), or dist/cli/main.js in a checkout from before the bundle. A
 * benchmark that times a command as users run it spawns this (with CORDON_NODE_FLAGS).
 */
export function cordonBin(root) {
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return join(root, typeof bin === 'string' ? bin : bin.cordon);
}
