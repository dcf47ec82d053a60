import { PerformanceObserver } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';

/**
 * "No allocation per token", checked without timing: V8 runs a minor GC (scavenge) whenever the
 * young generation fills (about 1 MB while nothing allocates), so a loop of 10^6 steps that
 * allocated even 8 bytes per step would trigger several. After a warm-up, each loop below may see
 * at most one (the vitest worker's own incidental allocation). test/alloc.test.ts is the isolated
 * version.
 */
let gcs = 0;
const observer = new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
});
beforeAll(() => observer.observe({ entryTypes: ['gc'] }));
afterAll(() => observer.disconnect());

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 30));

async function gcsDuring(steps: number, step: (i: number) => void): Promise<number> {
  for (let i = 0; i < 20_000; i++) step(i); // warm-up: optimisation, scratch sizing
  await settle();
  const before = gcs;
  for (let i = 0; i < steps; i++) step(i);
  await settle();
  return gcs - before;
}

// At most one scavenge per 10^6-step loop: the vitest worker itself allocates now and then, and a
// 16-byte-per-step allocation would cost ~16 scavenges here.
describe('heap-stable loops (at most one incidental GC per 10^6 steps)', () => {
  const V = 64;
  const wm = createWatermark({ key: keyFromBytes(new Uint8Array(32).fill(9)), vocabSize: V, contextWidth: 2 });
  const logits = new Float32Array(V).map((_, i) => Math.sin(i * 7.3) * 4);
  const ctx = Int32Array.from([3, 4]);
  const work = new Float32Array(V);
  // One object shape for every options object: V8 boxes a double read through a property access
  // that has seen many shapes (a 16-byte heap number per read), so servers should build their
  // options with the same keys (the documented advice), as here.
  type Opts = { temperature: number; topK: number | undefined; topP: number; minP: number };
  const fixed: Opts = { temperature: 0.8, topK: 16, topP: 0.95, minP: 0 };
  const full: Opts = { temperature: 1, topK: undefined, topP: 1, minP: 0 };
  const nucleus: Opts = { temperature: 1.2, topK: undefined, topP: 0.9, minP: 0.01 };
  const greedy: Opts = { temperature: 0, topK: undefined, topP: 1, minP: 0 };

  test('wm.bias', async () => {
    expect(await gcsDuring(1_000_000, () => wm.bias(work, ctx))).toBeLessThanOrEqual(1);
  });

  test('wm.biasBatch', async () => {
    const batch = new Float32Array(4 * V);
    const contexts = [ctx, ctx, ctx, ctx];
    expect(await gcsDuring(500_000, () => wm.biasBatch(batch, contexts))).toBeLessThanOrEqual(1);
  });

  test('wm.sample: top-k/top-p, no truncation, nucleus + min-p, greedy (default CSPRNG source)', async () => {
    const counts = [
      await gcsDuring(1_000_000, () => wm.sample(logits, ctx, fixed)),
      await gcsDuring(1_000_000, () => wm.sample(logits, ctx, full)),
      await gcsDuring(1_000_000, () => wm.sample(logits, ctx, nucleus)),
      await gcsDuring(1_000_000, () => wm.sample(logits, ctx, greedy)),
    ];
    for (const c of counts) expect(c).toBeLessThanOrEqual(1);
  });

  test('session.sample and session.bias + accept, masking on (windows repeat) and off', async () => {
    // Top-8 sampling visits at most 64 distinct windows, so the used-window table stops growing
    // during the warm-up (it grows by doubling: O(log n) allocations per generation).
    const masked = wm.session({ prompt: [1, 2] });
    const top8: Opts = { temperature: 0.8, topK: 8, topP: 1, minP: 0 };
    expect(await gcsDuring(1_000_000, () => masked.sample(logits, top8))).toBeLessThanOrEqual(1);
    const plain = wm.session({ prompt: [1, 2], masking: false });
    expect(await gcsDuring(1_000_000, (i) => {
      plain.bias(work);
      plain.accept(i & 63);
    })).toBeLessThanOrEqual(1);
  });
});
