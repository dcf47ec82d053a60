import { describe, expect, it } from 'vitest';
import { BOUND_BYTES_PER_STEP, describeLine, measure } from './alloc-helpers.js';

/**
 * The sampler allocates nothing per token: bias, biasBatch, every sampling mode (top-k/top-p, no
 * truncation, nucleus + min-p, greedy; default CSPRNG source) and sessions with masking on and off.
 * Measured in allocated bytes over two halves of 2-5 x 10^5 steps in an isolated single-threaded child
 * (test/alloc-helpers.ts); the controls that show the measurement sees 16 bytes per step are in
 * test/alloc.test.ts.
 */
describe.concurrent('sampler: no allocation per token (heap-stable loops, isolated child)', () => {
  for (const name of [
    'wm.bias (V=256)',
    'wm.biasBatch (4 rows, per row)',
    'wm.sample temperature 0.7, topK 50, topP 0.95',
    'wm.sample temperature 1, no truncation',
    'wm.sample nucleus 0.9 + minP 0.01, temperature 1.2',
    'wm.sample greedy (temperature 0)',
    'session.sample (masking off)',
    'session.sample (masking on, top-8: windows repeat)',
    'session.bias + accept (masking on, windows repeat)',
    'session.bias + accept (masking off)',
  ]) {
    it(name, { timeout: 600_000 }, async () => {
      const l = await measure(name);
      expect(l.gcs, describeLine(l)).toBe(0);
      expect(l.heapGrowth, describeLine(l)).toBeLessThan(BOUND_BYTES_PER_STEP * l.steps);
    });
  }
});
