import { defineConfig } from 'vitest/config';
import { consoleJsx } from './vite.console.config.js';

// One suite, run in parallel files: every test that touches Redis uses its own random key
// prefix (test/helpers/redis.ts), so files never see each other's state on the shared server.
// The global setup builds dist/ (the restart tests spawn the real CLI) and fails fast when no
// Redis answers, naming the command that starts one. The console's component tests
// (test/console/*.test.tsx) choose happy-dom in their first line.
export default defineConfig({
  oxc: { jsx: consoleJsx },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
