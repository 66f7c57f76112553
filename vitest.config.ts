import { defineConfig } from 'vitest/config';

// Unit tests only: the end-to-end suites in e2e/ have their own config (e2e/vitest.config.ts).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['fake-indexeddb/auto'],
  },
});
