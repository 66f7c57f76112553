import { defineConfig } from 'vitest/config';

// Unit tests only (the tracker's in test/, the demo collector's and site's beside their code): the
// end-to-end suites in e2e/ have their own config (e2e/vitest.config.ts), and vitest's default include
// (which also matches *.spec.ts) would pick up Playwright specs.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'demo/**/*.test.ts'],
    // Node by default; a file that needs a DOM starts with `// @vitest-environment happy-dom`.
    environment: 'node',
    // IndexedDB for idb-keyval in every environment (node and happy-dom alike).
    setupFiles: ['fake-indexeddb/auto'],
  },
});
