import { describe, expect, it } from 'vitest';
import { BOUND_BYTES_PER_STEP, describeLine, measure } from './alloc-helpers.js';

/**
 * "No allocation per token in bias, sample or scoring" (docs/serving.md), checked in allocated
 * bytes over two halves of 2-5 x 10^5 steps in an isolated single-threaded child (test/alloc-helpers.ts), not as a
 * timing and not as a GC count in the test worker. Two control loops show that the measurement
 * sees allocation: 32 bytes per step, and one boxed double (16 bytes) per step, which must exceed
 * the bound. The sampler's loops are in test/sampler.alloc.test.ts (a second file, so that vitest
 * runs the two halves on two workers).
 */
describe.concurrent('allocation per step (heap-stable loops, isolated child)', () => {
  it('sees the control loop (one 32-byte object per step)', { timeout: 600_000 }, async () => {
    const l = await measure('control: one 32-byte object per step (must be seen)');
    expect(l.gcs, describeLine(l)).toBe(0);
    expect(l.heapGrowth, describeLine(l)).toBeGreaterThan(30 * l.steps);
  });

  it('fails a 16-byte per-step allocation (one boxed double per step)', { timeout: 600_000 }, async () => {
    const l = await measure('control: one boxed double per step (16 bytes, must exceed the bound)');
    expect(l.gcs, describeLine(l)).toBe(0);
    expect(l.heapGrowth, describeLine(l)).toBeGreaterThan(3 * BOUND_BYTES_PER_STEP * l.steps);
  });

  for (const name of [
    'greenList.greenAt (64 positions per call)',
    'detector.add, dedup off (1000-token documents, per position)',
    'detector.add, dedup on, repeated pairs (per position)',
  ]) {
    it(name, { timeout: 600_000 }, async () => {
      const l = await measure(name);
      // A collection inside the loop would hide allocation; it happens only when the loop
      // allocated the whole 64 MB young generation.
      expect(l.gcs, describeLine(l)).toBe(0);
      expect(l.heapGrowth, describeLine(l)).toBeLessThan(BOUND_BYTES_PER_STEP * l.steps);
    });
  }
});
