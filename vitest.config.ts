import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**', 'node_modules/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest-results.json' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
