/**
 * The heap-stable loops of test/alloc.test.ts and test/sampler.alloc.test.ts, one per child process
 * (see test/alloc-helpers.ts for the flags), measured in allocated bytes:
 *
 *   node --single-threaded --expose-gc --no-memory-reducer --min-semi-space-size=64 \
 *     --max-semi-space-size=64 --import tsx test/alloc-child.ts "<check name>"
 *
 * The young generation is fixed at 64 MB and nothing collects during a loop, so the growth of
 * `heapUsed` over the loop is exactly what it allocated (a GC during the loop is reported and fails
 * the check). `--single-threaded` makes V8 compile and collect on the main thread only, so what is
 * measured is a function of the code run, not of how busy the machine's other cores are (with
 * background compilation, a slow machine runs more steps in unoptimised code, which boxes doubles).
 *
 * Each check runs 10^4 warm-up steps (so the loop is compiled), a full GC, then two halves of
 * 5 x 10^5 steps each (2 x 10^5 for the slow sampling loops; a step is "per token": one bias, one
 * draw, one scored position), and prints one JSON line: the smaller of the two halves' heap growth
 * (one-off JIT allocation lands in one half, a per-step allocation in both), both halves, and the
 * GCs during them. Not a timing.
 *
 * To see WHAT allocates, set ALLOC_PROFILE=1: each loop then also runs under V8's sampling heap
 * profiler and the line carries the top allocating stacks (bytes per step, innermost frame first).
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';
import { createDetector } from '../src/detect/index.js';

/** Steps per measured half (two halves per check, see below). */
export const STEPS = 500_000;
/** Steps per half of the slow sampling loops (30-90 us a step): enough for a 16-byte allocation to show 4x over the bound. */
const SLOW_STEPS = 200_000;
const WARMUP = 10_000;

interface Check {
  /** Calls per step: `run(k)` performs k steps. */
  readonly run: (k: number) => void;
  /** Steps per measured half (default {@link STEPS}). */
  readonly steps?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('alloc-child: run with --expose-gc');

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => 3 * i + 1));
const V = 256;
const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });

/** Deterministic LLM-like logits (a few large, a long tail), built once. */
function logitsOf(n: number): Float32Array {
  const a = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    a[i] = -Math.log(1 + i) + ((x >>> 8) / 2 ** 24) * 2;
  }
  a[7] = 6;
  a[42] = 5;
  return a;
}

const base = logitsOf(V);

function checks(): Record<string, Check> {
  const keep: unknown[] = new Array(1000).fill(null);
  const logits = base.slice();
  const ctx = [11, 12];
  const batch = new Float32Array(4 * V);
  const ctxs = [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ];
  // One options shape for every call (the sampler's documented advice): V8 boxes a double read
  // from a property load that has seen several object shapes, 16 bytes per read.
  type Options = { temperature: number; topK: number | undefined; topP: number; minP: number };
  const truncated: Options = { temperature: 0.7, topK: 50, topP: 0.95, minP: 0 };
  const full: Options = { temperature: 1, topK: undefined, topP: 1, minP: 0 };
  const nucleus: Options = { temperature: 1.2, topK: undefined, topP: 0.9, minP: 0.01 };
  const greedy: Options = { temperature: 0, topK: undefined, topP: 1, minP: 0 };
  const top8: Options = { temperature: 0.8, topK: 8, topP: 1, minP: 0 };
  const s1 = wm.session({ prompt: [1, 2], masking: false });
  const s2 = wm.session({ prompt: [1, 2] });
  const s3 = wm.session({ prompt: [1, 2] });
  const s4 = wm.session({ prompt: [1, 2], masking: false });
  const doubles: unknown[] = new Array(1000).fill({});
  const doc = Uint32Array.from({ length: 1000 }, (_, i) => (i * 79 + 3) % V);
  const detOff = createDetector({ key, vocabSize: V, gamma: 0.25, contextWidth: 2, dedup: false });
  const detOn = createDetector({ key, vocabSize: V, gamma: 0.25, contextWidth: 2 });
  const gl = wm.greenList;
  const ends = Int32Array.from({ length: 64 }, (_, i) => 2 + i);
  const flags = new Uint8Array(64);
  let t = 0;
  return {
    'control: one 32-byte object per step (must be seen)': {
      run(k) {
        for (let i = 0; i < k; i++) keep[i % 1000] = { v: i };
      },
    },
    'control: one boxed double per step (16 bytes, must exceed the bound)': {
      run(k) {
        // A double stored in an array of objects is boxed: one 16-byte heap number per step, the
        // smallest per-step allocation there is (and the one a careless hot loop makes).
        for (let i = 0; i < k; i++) doubles[i % 1000] = i + 0.5;
      },
    },
    'wm.bias (V=256)': {
      run(k) {
        for (let i = 0; i < k; i++) {
          logits.set(base);
          ctx[1] = i % 251;
          wm.bias(logits, ctx);
        }
      },
    },
    'wm.biasBatch (4 rows, per row)': {
      run(k) {
        for (let i = 0; i < k; i += 4) {
          ctxs[0]![1] = i % 241;
          wm.biasBatch(batch, ctxs);
        }
      },
    },
    'wm.sample temperature 0.7, topK 50, topP 0.95': {
      steps: SLOW_STEPS,
      run(k) {
        for (let i = 0; i < k; i++) {
          ctx[1] = i % 251;
          wm.sample(base, ctx, truncated);
        }
      },
    },
    'wm.sample temperature 1, no truncation': {
      steps: SLOW_STEPS,
      run(k) {
        for (let i = 0; i < k; i++) {
          ctx[1] = i % 251;
          wm.sample(base, ctx, full);
        }
      },
    },
    'wm.sample nucleus 0.9 + minP 0.01, temperature 1.2': {
      steps: SLOW_STEPS,
      run(k) {
        for (let i = 0; i < k; i++) {
          ctx[1] = i % 251;
          wm.sample(base, ctx, nucleus);
        }
      },
    },
    'wm.sample greedy (temperature 0)': {
      run(k) {
        for (let i = 0; i < k; i++) {
          ctx[1] = i % 251;
          wm.sample(base, ctx, greedy);
        }
      },
    },
    'session.sample (masking on, top-8: windows repeat)': {
      // Top-8 sampling visits at most 64 distinct windows, so the used-window table stops growing
      // during the warm-up (it grows by doubling: O(log n) allocations in all).
      run(k) {
        for (let i = 0; i < k; i++) s3.sample(base, top8);
      },
    },
    'session.bias + accept (masking off)': {
      run(k) {
        for (let i = 0; i < k; i++) {
          logits.set(base);
          s4.bias(logits);
          s4.accept(i & 63);
        }
      },
    },
    'session.sample (masking off)': {
      steps: SLOW_STEPS,
      run(k) {
        for (let i = 0; i < k; i++) s1.sample(base, truncated);
      },
    },
    'session.bias + accept (masking on, windows repeat)': {
      run(k) {
        for (let i = 0; i < k; i++) {
          logits.set(base);
          s2.bias(logits);
          s2.accept(t);
          t = t === 49 ? 0 : t + 1;
        }
      },
    },
    'greenList.greenAt (64 positions per call)': {
      run(k) {
        for (let i = 0; i < k; i += 64) gl.greenAt(doc, doc, ends, 64, flags);
      },
    },
    'detector.add, dedup off (1000-token documents, per position)': {
      run(k) {
        for (let i = 0; i < k; i += 1000) detOff.add(doc);
      },
    },
    'detector.add, dedup on, repeated pairs (per position)': {
      run(k) {
        for (let i = 0; i < k; i += 1000) detOn.add(doc);
      },
    },
  };
}

/** Top allocating stacks of 10^5 steps under the sampling heap profiler. */
async function profile(check: Check): Promise<string[]> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64 });
  const steps = 100_000;
  check.run(steps);
  const { profile: p } = await session.post('HeapProfiler.stopSampling');
  session.disconnect();
  interface Node {
    callFrame: { functionName: string; url: string; lineNumber: number };
    selfSize: number;
    children: Node[];
  }
  const sites: [number, string][] = [];
  const walk = (n: Node, stack: string[]): void => {
    const f = n.callFrame;
    const here = [`${f.functionName || '(anonymous)'} ${f.url.split('/').pop()}:${f.lineNumber + 1}`, ...stack];
    if (n.selfSize > 0) sites.push([n.selfSize, here.slice(0, 4).join(' < ')]);
    for (const c of n.children) walk(c, here);
  };
  walk(p.head as unknown as Node, []);
  sites.sort((a, b) => b[0] - a[0]);
  return sites.slice(0, 4).map(([bytes, stack]) => `${(bytes / steps).toFixed(1)} B/step: ${stack}`);
}

const all = checks();
const only = process.argv[2];
/** Measures `steps` steps of `check`: heap growth during the loop. */
function measureHalf(check: Check, steps: number): { growth: number; ms: number } {
  const t0 = performance.now();
  const before = process.memoryUsage().heapUsed;
  check.run(steps);
  const after = process.memoryUsage().heapUsed;
  return { growth: after - before, ms: performance.now() - t0 };
}
for (const [name, check] of Object.entries(all)) {
  if (only !== undefined && name !== only) continue;
  check.run(WARMUP);
  gc();
  await new Promise((r) => setTimeout(r, 20));
  // Two equal halves, back to back with no GC between (the young generation holds both): the
  // smaller growth is the reading. A per-step allocation shows in both halves; the JIT's one-off
  // code and feedback objects (up to ~0.5 MB) land in one, usually the first.
  const steps = check.steps ?? STEPS;
  const g0 = gcs;
  const a = measureHalf(check, steps);
  const b = measureHalf(check, steps);
  const sites = process.env['ALLOC_PROFILE'] === '1' ? await profile(check) : undefined;
  // GC entries are delivered asynchronously: read the count (over both halves) after the loops.
  await new Promise((r) => setTimeout(r, 20));
  const halves = [a.growth, b.growth];
  process.stdout.write(JSON.stringify({ name, steps, heapGrowth: Math.min(...halves), halves, gcs: gcs - g0, ms: Math.round(a.ms + b.ms), sites }) + '\n');
  gc();
}
