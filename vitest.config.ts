import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/slow/**', 'node_modules/**'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-output/vitest-results.json' },
    // Time limits catch hangs only (speed is a bench figure): generous enough for a 2-core machine
    // with two other busy processes (docs/testing.md), where a 20 s test can take a minute or more.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // vitest's default is one worker per core but one: on CI's 2 cores that runs the files one
    // after another. Many tests wait on child processes (the CLI, the allocation children), so two
    // workers use both cores.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
