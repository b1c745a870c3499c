import { defineConfig } from 'vitest/config';
import { consoleJsx } from './vite.console.config.js';

// One suite, run in parallel files: every test that touches Redis uses its own random key
// prefix (test/helpers/redis.ts), so files never see each other's state on the shared server.
// The global setup builds dist/ (the restart tests spawn the real CLI) and fails fast when no
// Redis answers, naming the command that starts one. The console's component tests
// (test/console/*.test.tsx) choose happy-dom in their first line.
//
// Three projects, all in `vitest run` (so `npm test` and .ci/run): `single` runs every file
// against the shared single Redis; `cluster` runs the files that prove Redis Cluster support
// (the end-to-end flow, the correlation conformance on the Redis store, a crash-point kill
// test, the partitioned event log) again against a local six-node Redis Cluster that test/cluster-setup.ts starts
// (README "Scaling out"); `failover` runs the failover test, which starts clusters of its own
// (one per mode, one at a time) and kills a master under load. `npm run test:failover` runs it
// alone.
export const CLUSTER_FILES = [
  'test/integration/e2e-playbook.test.ts',
  'test/integration/correlate/conformance.test.ts',
  'test/integration/kill-call.test.ts',
  'test/integration/store/event-log-partitions.test.ts',
  'test/integration/store/write-per-turn.test.ts',
];

const FAILOVER_FILE = 'test/integration/cluster/failover.test.ts';

export default defineConfig({
  oxc: { jsx: consoleJsx },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'failover',
          include: [FAILOVER_FILE],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'single',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: [FAILOVER_FILE, '**/node_modules/**'],
          globalSetup: ['test/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: CLUSTER_FILES,
          globalSetup: ['test/global-setup.ts', 'test/cluster-setup.ts'],
        },
      },
    ],
  },
});
