// Builds dist/ from src/ (TypeScript, then the Lua scripts, then the browser console with Vite),
// then bundles the CLI and its worker threads into dist/bundle/ (scripts/bundle.mjs: what the
// `cordon` bin and `npm start` run). With --if-stale (npm start), does
// nothing when every input is older than the last build, so a start without changes is not
// held up by the compiler.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { hasMissingOutput, removeStale } from './remove-stale.mjs';

const STAMP = 'dist/.built';
const INPUTS = [
  'src',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
  'vite.console.config.ts',
  'scripts/build.mjs',
  'scripts/bundle.mjs',
  'scripts/remove-stale.mjs',
];

function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted file changes its folder's time
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
// dist/bundle/main.js: a dist/ built before the bundle step existed is not up to date either.
if (
  process.argv.includes('--if-stale') &&
  built > 0 &&
  existsSync('dist/bundle/main.js') &&
  INPUTS.every((p) => newest(p) < built)
)
  process.exit(0);

// A compiled file deleted since the last build (by hand, or a half-cleaned dist/) would not be
// written again: the incremental build info says its source has not changed.
if (hasMissingOutput('dist', 'src', [join('src', 'console', 'ui')]))
  rmSync('dist/.tsbuildinfo', { force: true });
const tsc = spawnSync(
  process.execPath,
  ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// tsc never deletes: a compiled file whose source was removed or renamed would stay in dist/
// and still be importable, hiding a broken import until a clean clone builds.
removeStale('dist', 'src', [
  join('dist', 'console'),
  join('dist', 'store', 'scripts'),
  join('dist', 'bundle'),
]);
// Replaced whole: a script renamed in src (its key count changed) must not linger in dist.
rmSync('dist/store/scripts', { recursive: true, force: true });
cpSync('src/store/scripts', 'dist/store/scripts', { recursive: true });
// The package's bin: npm links it before `prepare` builds it, so it would not be executable.
chmodSync('dist/cli/main.js', 0o755);
// The console (src/console/ui → dist/console/), served by the API process on its own port.
const { build } = await import('vite');
await build({ configFile: 'vite.console.config.ts' });
// Last: it bundles what tsc wrote (dist/bundle/ is replaced whole).
await import('./bundle.mjs');
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
