import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createWatermark } from '../src/sampler/watermark.js';
import { radiomarkErrorData } from '../src/errors.js';
import {
  biasedDistribution,
  checkGreenFrequency,
  checkSamplerDistribution,
  chiSquareSurvival,
  chiSquareTest,
  seededRandom,
} from '../src/testing/sampler.js';

const key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => i * 11));

/** LLM-shaped logits: a normal-ish tail and a few peaks. */
function llmLogits(V: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  const l = new Float32Array(V);
  for (let i = 0; i < V; i++) l[i] = (r() + r() + r() - 1.5) * 2.5;
  for (let i = 0; i < 4; i++) l[Math.floor(r() * V)] = 3 + 2 * i * r();
  return l;
}

const DRAWS = 100_000;
const settings = [
  { V: 200, options: {} },
  { V: 200, options: { temperature: 0.7, topK: 50, topP: 0.95 } },
  { V: 200, options: { topP: 0.5 } },
  { V: 200, options: { topP: 0.8, temperature: 1.3 } },
  { V: 200, options: { minP: 0.1 } },
  { V: 200, options: { temperature: 1.6, topK: 12 } },
  { V: 200, options: { temperature: 0.3, minP: 0.02, topP: 0.99 } },
  { V: 2000, options: { temperature: 0.8, topK: 40 } },
];

describe('chi-square: 100k fused draws against the exact biased distribution (p > 1e-4)', () => {
  for (const [n, { V, options }] of settings.entries()) {
    test(`V=${V} ${JSON.stringify(options)}`, () => {
      const wm = createWatermark({ key, vocabSize: V, delta: 2, gamma: 0.25, contextWidth: 2 });
      const logits = llmLogits(V, 100 + n);
      const ctx = [17, 42];
      const expected = biasedDistribution(wm, logits, ctx, options);
      const random = seededRandom(1000 + n);
      const r = checkSamplerDistribution({ expected, draws: DRAWS, draw: () => wm.sample(logits, ctx, { ...options, random }) });
      expect(r.draws).toBe(DRAWS);
      expect(r.pValue).toBeGreaterThan(1e-4);
      // The bias is visible: the biased distribution is rejected against the unbiased one (when
      // the warpers leave enough mass to move: a one-token nucleus is the same either way).
      const unbiased = biasedDistribution(wm, logits, null, options);
      let tv = 0;
      for (let i = 0; i < V; i++) tv += Math.abs(expected[i]! - unbiased[i]!) / 2;
      if (tv < 0.05) return;
      const counts = new Float64Array(V);
      const random2 = seededRandom(2000 + n);
      for (let i = 0; i < 20_000; i++) counts[wm.sample(logits, ctx, { ...options, random: random2 })]!++;
      expect(chiSquareTest(counts, unbiased).pValue).toBeLessThan(1e-6);
    });
  }

  test('the first step of a session has the same distribution', () => {
    const V = 300;
    const wm = createWatermark({ key, vocabSize: V, delta: 1.5, contextWidth: 2 });
    const logits = llmLogits(V, 7);
    const options = { temperature: 0.9, topP: 0.9 };
    const random = seededRandom(7);
    const r = checkSamplerDistribution({
      expected: biasedDistribution(wm, logits, [3, 4], options),
      draws: DRAWS,
      draw: () => wm.session({ prompt: [1, 2, 3, 4] }).sample(logits, { ...options, random }),
    });
    expect(r.pValue).toBeGreaterThan(1e-4);
  });
});

describe('radiomark/testing property helpers', () => {
  test('checkGreenFrequency: a wrapped sampler matches the biased green mass, above the unbiased one', () => {
    const V = 1000;
    const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });
    const logits = llmLogits(V, 9);
    const random = seededRandom(9);
    const r = checkGreenFrequency({ watermark: wm, logits, context: [5, 6], sampling: { topK: 100 }, draw: () => wm.sample(logits, [5, 6], { topK: 100, random }) });
    expect(r.pValue).toBeGreaterThan(1e-4);
    // The bias raises the green mass; the unwatermarked sampler below shows the check can tell.
    expect(r.expected).toBeGreaterThan(r.unbiased);
    expect(Math.abs(r.observed - r.expected)).toBeLessThan(0.02);
    // An unwatermarked sampler fails the check.
    const bad = checkGreenFrequency({ watermark: wm, logits, context: [5, 6], sampling: { topK: 100 }, draw: () => wm.sample(logits, [5], { topK: 100, random }) });
    expect(bad.pValue).toBeLessThan(1e-10);
    expect(() => checkGreenFrequency({ watermark: wm, logits, context: [5], draw: () => 0 })).toThrow(/needs at least contextWidth=2/);
  });

  test('checkSamplerDistribution rejects a sampler with the wrong warper order', () => {
    const V = 200;
    const wm = createWatermark({ key, vocabSize: V, delta: 2, contextWidth: 2 });
    const logits = llmLogits(V, 10);
    const ctx = [8, 9];
    const expected = biasedDistribution(wm, logits, ctx, { topK: 10 });
    const random = seededRandom(10);
    // Wrong: top-k on the raw logits, bias afterwards.
    const wrong = (): number => {
      const raw = biasedDistribution(wm, logits, null, { topK: 10 });
      const masked = logits.map((x, i) => (raw[i]! > 0 ? x : -Infinity));
      return wm.sample(masked, ctx, { random });
    };
    expect(checkSamplerDistribution({ expected, draw: wrong, draws: 20_000 }).pValue).toBeLessThan(1e-6);
    expect(() => checkSamplerDistribution({ expected, draw: () => 1.5, draws: 1 })).toThrow(/returned 1.5/);
  });

  test('chiSquareSurvival matches known quantiles', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 8);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 8);
    expect(chiSquareSurvival(135.8067, 100)).toBeCloseTo(0.01, 5);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareTest([48, 52], [0.5, 0.5]).pValue).toBeCloseTo(0.6891565, 6);
    expect(chiSquareTest([1, 9], [0, 1]).pValue).toBe(0);
  });

  test('helpers refuse malformed input', () => {
    const wm = createWatermark({ key, vocabSize: 10, contextWidth: 2 });
    expect(() => biasedDistribution(wm, new Float32Array(11), [1, 2])).toThrow(/biasedDistribution: logits length 11 does not match vocabSize 10/);
    expect(() => biasedDistribution(wm, new Float32Array(10).fill(-Infinity), [1, 2])).toThrow(/every logit is -Infinity/);
    expect(() => chiSquareTest([1, 2], [1])).toThrow(/chiSquareTest: 2 counts but 1 probabilities/);
    expect(() => checkGreenFrequency({ watermark: wm, logits: new Float32Array(10), context: [1, 2], draw: () => 10, draws: 1 })).toThrow(/checkGreenFrequency: draw\(\) returned 10/);
  });

  test('chiSquareSurvival and chiSquareTest refuse bad arguments with typed errors (fuzz findings 7, 8)', () => {
    const refuses = (f: () => unknown, cls: typeof TypeError | typeof RangeError, field: string, msg: RegExp): void => {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(cls);
      expect(radiomarkErrorData(err)?.field).toBe(field);
      expect((err as Error).message).toMatch(msg);
    };
    // dof -7.03e135 never returned; -1 and a missing dof gave NaN.
    refuses(() => chiSquareSurvival(3.2, -7.03e135), RangeError, 'dof', /^chiSquareSurvival: "dof" must be an integer >= 1, got -7\.03e\+135/);
    refuses(() => chiSquareSurvival(3.2, -1), RangeError, 'dof', /got -1/);
    refuses(() => (chiSquareSurvival as (x: number) => number)(3.2), TypeError, 'dof', /got undefined/);
    refuses(() => chiSquareSurvival(NaN, 2), RangeError, 'x', /got NaN/);
    refuses(() => chiSquareSurvival(-1, 2), RangeError, 'x', /got -1/);
    expect(chiSquareSurvival(Infinity, 2)).toBe(0);
    // An object among the probabilities gave NaN; a bigint or null reached engine text.
    refuses(() => chiSquareTest([10, 5, 30], [0.2, {} as number, 0.5]), TypeError, 'probabilities[1]', /^chiSquareTest: probabilities\[1\] must be a number, got an object/);
    refuses(() => chiSquareTest([10, 5n as unknown as number, 30], [0.2, 0.3, 0.5]), TypeError, 'counts[1]', /got 5n/);
    refuses(() => chiSquareTest([10, 5, 30], null as unknown as number[]), TypeError, 'probabilities', /got null/);
    refuses(() => chiSquareTest([10, -5, 30], [0.2, 0.3, 0.5]), RangeError, 'counts[1]', /got -5/);
    refuses(() => chiSquareTest([10, 5, 30], [0.2, 1.3, 0.5]), RangeError, 'probabilities[1]', /got 1\.3/);
    refuses(() => chiSquareTest([10, 5, 30], [0.2, 0.3, 0.5], 0), RangeError, 'minExpected', /got 0/);
  });

  test('seededRandom is reproducible and in [0, 1)', () => {
    const a = seededRandom(3);
    const b = seededRandom(3);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(seededRandom(4)()).not.toBe(seededRandom(3)());
    expect(() => seededRandom(0.5)).toThrow(RangeError);
  });
});
