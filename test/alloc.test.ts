import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * "No allocation per token in bias, sample or scoring" (issue 7), checked as heap growth over 10^6
 * steps, not as a timing. test/alloc-child.ts runs every loop in one child process whose young
 * generation is fixed at 64 MB, so no collection happens inside a loop and the growth of
 * `heapUsed` is what the loop allocated (the memory reducer, which collects when allocation is
 * slow, is switched off). A per-step allocation of even 16 bytes (one boxed double)
 * grows the heap by 16 MB over 10^6 steps; the bound below is 4 MB (4 bytes per step), which
 * leaves room for the JIT's occasional code and feedback objects. The first loop is a control that
 * allocates 32 bytes per step and must be seen.
 */
interface Line {
  name: string;
  steps: number;
  heapGrowth: number;
  gcs: number;
  ms: number;
}

const BOUND = 4 * 1024 * 1024; // 4 B/step: a 16-byte per-step allocation still overshoots it 4x
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * One child process per loop: each loop is measured in the steady state of its own JIT feedback.
 * (Run all in one process, `detector.add` with dedup on allocated 32 B/position after the dedup-off
 * detector had made its code polymorphic; alone it allocates nothing. That mixed-mode case is a
 * known gap, noted on issue 7.)
 */
function runChild(name: string): Line[] {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--no-memory-reducer', '--min-semi-space-size=64', '--max-semi-space-size=64', '--import', 'tsx', 'test/alloc-child.ts', name],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20, env: { ...process.env, RADIOMARK_KERNELS: '' } },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

describe('no allocation per token (heap-stable loops of 10^6 steps)', () => {
  const get = (name: string): Line => {
    const line = runChild(name).find((l) => l.name === name);
    if (line === undefined) throw new Error(`alloc-child printed no line for "${name}"`);
    return line;
  };
  const describeLine = (l: Line): string =>
    `${l.name}: heap grew ${l.heapGrowth} bytes over ${l.steps} steps (${(l.heapGrowth / l.steps).toFixed(2)} B/step), ${l.gcs} GC(s)`;

  it('sees the control loop (32 bytes per step)', { timeout: 600_000 }, () => {
    const l = get('control: one 32-byte object per step (must be seen)');
    expect(l.gcs, describeLine(l)).toBe(0);
    expect(l.heapGrowth, describeLine(l)).toBeGreaterThan(16 * l.steps);
  });

  for (const name of [
    'wm.bias (V=256)',
    'wm.biasBatch (4 rows, per row)',
    'wm.sample temperature 0.7, topK 50, topP 0.95',
    'wm.sample temperature 1, no truncation',
    'session.sample (masking off)',
    'session.bias + accept (masking on, windows repeat)',
    'greenList.greenAt (64 positions per call)',
    'detector.add, dedup off (1000-token documents, per position)',
    'detector.add, dedup on, repeated pairs (per position)',
  ]) {
    it(name, { timeout: 600_000 }, () => {
      const l = get(name);
      // A collection inside the loop would hide allocation: it only happens when the loop
      // allocated at least the 64 MB young generation (or old space grew).
      expect(l.gcs, describeLine(l)).toBe(0);
      expect(l.heapGrowth, describeLine(l)).toBeLessThan(BOUND);
    });
  }
});
