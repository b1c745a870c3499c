// The npm registry mirror used by this project's machines serves only the linux-x64/arm64
// builds of msgpackr-extract (an optional native accelerator of msgpackr, used by BullMQ).
// `npm install` there drops the other platforms' entries from package-lock.json, and `npm ci`
// then rejects the lock as out of sync. Run this after any `npm install` to put them back
// (they only carry os/cpu, so npm skips them on other platforms without fetching).
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const parent = lock.packages['node_modules/msgpackr-extract'];
const platforms = {
  'darwin-arm64': ['darwin', 'arm64'],
  'darwin-x64': ['darwin', 'x64'],
  'linux-arm': ['linux', 'arm'],
  'linux-arm64': ['linux', 'arm64'],
  'linux-x64': ['linux', 'x64'],
  'win32-x64': ['win32', 'x64'],
};
let added = 0;
for (const [name, version] of Object.entries(parent?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  const platform = platforms[name.replace('@msgpackr-extract/msgpackr-extract-', '')];
  if (lock.packages[key] || !platform) continue;
  lock.packages[key] = {
    version,
    cpu: [platform[1]],
    license: 'MIT',
    optional: true,
    os: [platform[0]],
  };
  added += 1;
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: restored ${added} platform entr${added === 1 ? 'y' : 'ies'}.`);
