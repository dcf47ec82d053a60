import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';
import { FusedSampler } from '../src/sampler/fused.js';
import { createGreenList } from '../src/scheme/green-list.js';
import { biasedDistribution, sampleOptionsArbitrary, seededRandom } from '../src/testing/sampler.js';
import { referenceKept, referenceSample } from './reference-sampler.js';

/**
 * Logits that stress the exactness argument: continuous values, heavy ties (small integers), a
 * wide range where the negligible-mass rule drops tokens, and masked (-Infinity) entries.
 */
function logitsArb(V: number): fc.Arbitrary<Float32Array> {
  const value = fc.oneof(
    { arbitrary: fc.double({ min: -8, max: 8, noNaN: true }), weight: 4 },
    { arbitrary: fc.integer({ min: -3, max: 3 }), weight: 3 },
    { arbitrary: fc.double({ min: -400, max: 400, noNaN: true }), weight: 2 },
    { arbitrary: fc.constant(-Infinity), weight: 1 },
  );
  return fc
    .tuple(fc.array(value, { minLength: V, maxLength: V }), fc.integer({ min: 0, max: V - 1 }))
    .map(([xs, keep]) => {
      const l = Float32Array.from(xs);
      if (l[keep] === -Infinity) l[keep] = 0; // at least one finite logit
      return l;
    });
}

const caseArb = fc
  .record({
    keyByte: fc.integer({ min: 0, max: 255 }),
    V: fc.integer({ min: 1, max: 120 }),
    h: fc.integer({ min: 0, max: 3 }),
    gamma: fc.double({ min: 0.1, max: 0.9, noNaN: true }),
    delta: fc.oneof(fc.constant(0), fc.double({ min: 0.1, max: 6, noNaN: true }), fc.constant(2)),
    seed: fc.integer(),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      logits: logitsArb(c.V),
      context: fc.array(fc.integer({ min: 0, max: c.V - 1 }), { maxLength: 5 }),
      options: sampleOptionsArbitrary({ maxTopK: c.V + 3 }),
    }),
  );

describe('exactness of the fused sampler (properties)', () => {
  test('fused sample == reference, draw for draw, under the same random stream', () => {
    fc.assert(
      fc.property(caseArb, ({ c, logits, context, options }) => {
        const key = keyFromBytes(new Uint8Array(32).fill(c.keyByte));
        const wm = createWatermark({ key, vocabSize: c.V, gamma: c.gamma, delta: c.delta, contextWidth: c.h });
        let callsA = 0;
        let callsB = 0;
        const ra = seededRandom(c.seed);
        const rb = seededRandom(c.seed);
        const a = (): number => (callsA++, ra());
        const b = (): number => (callsB++, rb());
        for (let i = 0; i < 12; i++) {
          const fused = wm.sample(logits, context, { ...options, random: a });
          const ref = referenceSample(wm, logits, context, options, b);
          if (fused !== ref) return false;
        }
        return callsA === callsB;
      }),
    );
  });

  test('the kept distribution equals the mathematical one to float64 rounding: TV <= 2^-53 (negligible-mass rule) + V x 2^-52 (summation order)', () => {
    fc.assert(
      fc.property(caseArb, ({ c, logits, context, options }) => {
        fc.pre(options.temperature !== 0);
        const key = keyFromBytes(new Uint8Array(32).fill(c.keyByte));
        const wm = createWatermark({ key, vocabSize: c.V, gamma: c.gamma, delta: c.delta, contextWidth: c.h });
        const exact = biasedDistribution(wm, logits, context, options);
        const { ids, weights } = referenceKept(wm, logits, context, options);
        const S = weights.reduce((x, y) => x + y, 0);
        const ours = new Float64Array(c.V);
        ids.forEach((id, j) => (ours[id] = weights[j]! / S));
        let tv = 0;
        for (let i = 0; i < c.V; i++) tv += Math.abs(ours[i]! - exact[i]!);
        expect(tv / 2).toBeLessThanOrEqual(2 ** -53 + c.V * 2 ** -52);
      }),
    );
  });

  test('bias == per-token isGreen expectation for random vocabularies, contexts and masked logits', () => {
    fc.assert(
      fc.property(caseArb, ({ c, logits, context }) => {
        const key = keyFromBytes(new Uint8Array(32).fill(c.keyByte));
        const wm = createWatermark({ key, vocabSize: c.V, gamma: c.gamma, delta: c.delta, contextWidth: c.h });
        const out = wm.bias(logits.slice(), context);
        const d = Math.fround(c.delta);
        for (let t = 0; t < c.V; t++) {
          const want = context.length >= c.h && wm.isGreen(context, t) ? Math.fround(logits[t]! + d) : logits[t]!;
          // `===`: the branch-free kernel adds +0 to red entries, which turns -0 into +0 (equal values).
          if (out[t] !== want) return false;
        }
        return true;
      }),
    );
  });
});

test('the negligible-mass rule drops exactly the tokens below the cut, whose total mass is < 2^-53', () => {
  const key = keyFromBytes(new Uint8Array(32).fill(1));
  const V = 1000;
  const wm = createWatermark({ key, vocabSize: V, delta: 0, contextWidth: 1 });
  const cut = Math.log(V) + 53 * Math.LN2; // 43.6
  const logits = new Float32Array(V).fill(-cut - 0.5);
  logits[0] = 0;
  logits[1] = -cut + 0.5; // just inside
  const kept = referenceKept(wm, logits, null, {});
  expect(kept.ids).toEqual([0, 1]);
  const exact = biasedDistribution(wm, logits, null, {});
  let dropped = 0;
  for (let i = 2; i < V; i++) dropped += exact[i]!;
  expect(dropped).toBeGreaterThan(0);
  expect(dropped).toBeLessThan(2 ** -53);
  // The fused path drops them without looking at them, and agrees draw for draw.
  const a = seededRandom(5);
  const b = seededRandom(5);
  for (let i = 0; i < 50; i++) expect(wm.sample(logits, [3], { random: a })).toBe(referenceSample(wm, logits, [3], {}, b));
});

test('larger vocabularies: both top-k collection paths (from the heap, and a second pass) agree with the reference', () => {
  const key = keyFromBytes(new Uint8Array(32).fill(2));
  const V = 3000;
  const gl = createGreenList({ key, gamma: 0.5, contextWidth: 2, vocabSize: V });
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.5, delta: 6, contextWidth: 2 });
  const seed = new Uint32Array(3);
  gl.seedWindow([1, 2], 2, seed, 0);
  const r = seededRandom(12);
  const flat = Float32Array.from({ length: V }, () => Math.floor(r() * 4)); // ties, all within delta
  const peaked = Float32Array.from({ length: V }, () => (r() + r() + r()) * 3);
  const core = new FusedSampler(gl.vocabSize, 6);
  const seen = new Set<string>();
  for (const logits of [flat, peaked]) {
    for (const topK of [1, 10, 200]) {
      const a = seededRandom(topK);
      const b = seededRandom(topK);
      for (let i = 0; i < 20; i++) {
        expect(wm.sample(logits, [1, 2], { topK, topP: 0.9, random: a })).toBe(referenceSample(wm, logits, [1, 2], { topK, topP: 0.9 }, b));
      }
      core.sample('t', gl, logits, seed, 0, { topK });
      seen.add(core.candidates > 4 * topK + 8 ? 'second pass' : 'heap');
    }
  }
  expect([...seen].sort()).toEqual(['heap', 'second pass']);
});

test('top-k with distinct logits keeps exactly k candidates (no tie at the k-th place) and still agrees with the reference', () => {
  const key = keyFromBytes(new Uint8Array(32).fill(4));
  const V = 3000;
  const gl = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: V });
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 3, contextWidth: 2 });
  const core = new FusedSampler(V, 3);
  const seed = new Uint32Array(3);
  const r = seededRandom(21);
  let compacted = 0;
  for (let trial = 0; trial < 20; trial++) {
    const logits = Float32Array.from({ length: V }, () => (r() + r() + r()) * 4);
    const ctx = [trial, trial + 1];
    gl.seedWindow(ctx, 2, seed, 0);
    for (const topK of [1, 7, 50]) {
      core.sample('t', gl, logits, seed, 0, { topK, temperature: 0.8 });
      if (core.candidates === topK) compacted++;
      const a = seededRandom(trial * 100 + topK);
      const b = seededRandom(trial * 100 + topK);
      for (let i = 0; i < 5; i++) {
        const opts = { topK, temperature: 0.8, topP: 0.9 };
        expect(wm.sample(logits, ctx, { ...opts, random: a })).toBe(referenceSample(wm, logits, ctx, opts, b));
      }
    }
  }
  expect(compacted).toBeGreaterThan(30); // of 60: the common path (the others take the second pass)
});

describe('the fused sampler hashes only candidates that can be kept', () => {
  const key = keyFromBytes(new Uint8Array(32).fill(3));
  const V = 50_000;
  const gl = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: V });
  const seed = new Uint32Array(3);
  gl.seedWindow([1, 2], 2, seed, 0);
  // LLM-shaped: a long normal-ish tail around 0 and a few peaks near 12.
  const r = seededRandom(11);
  const logits = new Float32Array(V);
  for (let i = 0; i < V; i++) logits[i] = (r() + r() + r() - 1.5) * 4;
  for (let i = 0; i < 5; i++) logits[Math.floor(r() * V)] = 12 + i;

  test('top-k 50 hashes only tokens within delta of the 50th largest raw logit', () => {
    const core = new FusedSampler(gl.vocabSize, 2);
    core.sample('t', gl, logits, seed, 0, { topK: 50 });
    const r50 = [...logits].sort((a, b) => b - a)[49]!;
    const within = logits.filter((x) => x >= r50 - 2 - 1e-3).length;
    expect(core.hashed).toBeGreaterThanOrEqual(50);
    expect(core.hashed).toBeLessThanOrEqual(within);
    expect(within).toBeLessThan(V / 10);
  });

  test('min-p 0.05 without top-p hashes only tokens within delta + ln 20 of the max', () => {
    const core = new FusedSampler(gl.vocabSize, 2);
    core.sample('t', gl, logits, seed, 0, { minP: 0.05 });
    const bound = 16 - 2 - Math.log(20);
    let within = 0;
    for (let i = 0; i < V; i++) if (logits[i]! >= bound - 1e-3) within++;
    expect(core.hashed).toBeLessThanOrEqual(within);
  });

  test('no truncation at low temperature: tokens more than cut x T below the max are not hashed', () => {
    const core = new FusedSampler(gl.vocabSize, 2);
    core.sample('t', gl, logits, seed, 0, { temperature: 0.1 });
    expect(core.hashed).toBeLessThan(50);
    core.sample('t', gl, logits, seed, 0, { temperature: 1 });
    expect(core.hashed).toBe(V); // T = 1: the whole tail is within ln V + 53 ln 2 of the max
    core.sample('t', gl, logits, null, 0, { temperature: 1 });
    expect(core.hashed).toBe(0); // no window: nothing to hash
  });

  test('greedy hashes only tokens within delta of the max', () => {
    const core = new FusedSampler(gl.vocabSize, 2);
    expect(core.sample('t', gl, logits, seed, 0, { temperature: 0 })).toBe(logits.indexOf(16));
    expect(core.hashed).toBe(3); // the peaks at 14, 15 and 16
  });
});
