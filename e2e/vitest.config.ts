import { defineConfig } from 'vitest/config';

// Real browsers against the demo collector: one file at a time (CI has 2 cores), generous timeouts.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
