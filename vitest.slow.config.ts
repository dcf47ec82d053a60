import { defineConfig } from 'vitest/config';

/** Long calibration runs (null calibration at 10^5 tests and the like), kept out of `npm test`. */
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    include: ['test/slow/**/*.test.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 600_000,
  },
});
