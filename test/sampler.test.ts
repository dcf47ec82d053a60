import { inspect } from 'node:util';
import { describe, expect, test } from 'vitest';
import { keyFromBytes } from '../src/key/secret-key.js';
import { createKeyFamily } from '../src/key/family.js';
import type { WatermarkSession } from '../src/sampler/session.js';
import { RadiomarkError } from '../src/errors.js';
import { createWatermark, type Watermark } from '../src/sampler/watermark.js';
import { createUniform } from '../src/sampler/random.js';
import { negligibleCut } from '../src/sampler/fused.js';
import { biasedDistribution, checkSamplerDistribution, seededRandom } from '../src/testing/sampler.js';
import { referenceSample } from './reference-sampler.js';

const key = keyFromBytes(new Uint8Array(32).fill(7));

function makeWm(opts: { vocabSize?: number; delta?: number; contextWidth?: number; gamma?: number } = {}): Watermark {
  return createWatermark({ key, vocabSize: opts.vocabSize ?? 64, delta: opts.delta ?? 2, contextWidth: opts.contextWidth ?? 2, gamma: opts.gamma ?? 0.25 });
}

function randomLogits(V: number, seed: number, scale = 3): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: V }, () => (r() * 2 - 1) * scale);
}

describe('bias', () => {
  test('adds exactly delta (float32) on green tokens and nothing elsewhere, in place', () => {
    const wm = makeWm({ vocabSize: 500, delta: 1.7 });
    const ctx = [11, 22, 33];
    const before = randomLogits(500, 1);
    const logits = before.slice();
    const out = wm.bias(logits, ctx);
    expect(out).toBe(logits);
    let green = 0;
    for (let t = 0; t < 500; t++) {
      if (wm.isGreen(ctx, t)) {
        green++;
        expect(logits[t]).toBe(Math.fround(before[t]! + Math.fround(1.7))); // delta is applied as a float32
      } else {
        expect(Object.is(logits[t], before[t])).toBe(true);
      }
    }
    expect(green).toBeGreaterThan(60);
    expect(green).toBeLessThan(190);
  });

  test('-Infinity stays -Infinity, green or not', () => {
    const wm = makeWm({ vocabSize: 64 });
    const logits = new Float32Array(64).fill(-Infinity);
    wm.bias(logits, [1, 2]);
    expect([...logits].every((x) => x === -Infinity)).toBe(true);
  });

  test('a context shorter than contextWidth leaves the logits untouched', () => {
    const wm = makeWm({ contextWidth: 3 });
    const logits = randomLogits(64, 2);
    const copy = logits.slice();
    wm.bias(logits, [1, 2]);
    expect(logits).toEqual(copy);
  });

  test('contextWidth 0 biases every step with the same list', () => {
    const wm = makeWm({ contextWidth: 0 });
    const a = wm.bias(new Float32Array(64), []);
    const b = wm.bias(new Float32Array(64), [5, 6, 7]);
    expect(a).toEqual(b);
    expect(a.some((x) => x === 2)).toBe(true);
  });

  test('NaN logits are rejected with the index, and nothing is modified', () => {
    const wm = makeWm();
    const logits = randomLogits(64, 3);
    logits[40] = NaN;
    const copy = logits.slice();
    expect(() => wm.bias(logits, [1, 2])).toThrow(RangeError);
    expect(() => wm.bias(logits, [1, 2])).toThrow('bias: logits[40] is NaN');
    expect([...logits].map(String)).toEqual([...copy].map(String));
  });

  test('refuses a logits length other than vocabSize, naming both numbers', () => {
    const wm = makeWm({ vocabSize: 50257 });
    expect(() => wm.bias(new Float32Array(50272), [1, 2])).toThrow(/bias: logits length 50272 does not match vocabSize 50257/);
    expect(() => wm.bias([1, 2] as unknown as Float32Array, [1, 2])).toThrow(TypeError);
  });

  test('refuses window ids that are out of range or not integers', () => {
    const wm = makeWm();
    const l = new Float32Array(64);
    expect(() => wm.bias(l, [1, 64])).toThrow(/bias: context\[1\] must be an integer token id in \[0, 64\), got 64/);
    expect(() => wm.bias(l, [-1, 3])).toThrow(/context\[0\].*got -1/);
    expect(() => wm.bias(l, [1.5, 3])).toThrow(/got 1.5/);
    expect(() => wm.bias(l, [1n, 3] as unknown as number[])).toThrow(/bigint/);
    expect(() => wm.bias(l, null as unknown as number[])).toThrow(TypeError);
    // Only the window is read: ids before it are not validated.
    expect(() => wm.bias(l, [999, 1, 2])).not.toThrow();
  });
});

describe('biasBatch', () => {
  test('equals row-by-row bias; short rows untouched', () => {
    const wm = makeWm({ vocabSize: 300 });
    const contexts = [[1, 2], [3], [4, 5, 6], [7, 8]];
    const rows = contexts.map((_, b) => randomLogits(300, 10 + b));
    const batch = new Float32Array(4 * 300);
    rows.forEach((r, b) => batch.set(r, b * 300));
    expect(wm.biasBatch(batch, contexts)).toBe(batch);
    rows.forEach((r, b) => {
      wm.bias(r, contexts[b]!);
      expect(batch.subarray(b * 300, (b + 1) * 300)).toEqual(r);
    });
  });

  test('validates every row before modifying any', () => {
    const wm = makeWm({ vocabSize: 10 });
    const batch = new Float32Array(30);
    expect(() => wm.biasBatch(batch, [[1, 2], [3, 4]])).toThrow(/biasBatch: logits length 30 is not contexts.length \(2\) x vocabSize \(10\) = 20/);
    expect(() => wm.biasBatch(batch, [[1, 2], [3, 4], [5, 10]])).toThrow(/biasBatch: contexts\[2\]\[1\] must be an integer token id in \[0, 10\), got 10/);
    expect(() => wm.biasBatch(batch, [[1, 2], 7 as unknown as number[], [5, 6]])).toThrow(/contexts\[1\] must be an array/);
    expect(() => wm.biasBatch([0] as unknown as Float32Array, [[1, 2]])).toThrow(/biasBatch: "logits" must be a Float32Array/);
    expect(() => wm.biasBatch(batch, 3 as unknown as number[][])).toThrow(/biasBatch: "contexts" must be an array/);
    batch[25] = NaN;
    expect(() => wm.biasBatch(batch, [[1, 2], [3, 4], [5, 6]])).toThrow(/biasBatch: logits\[2\]\[5\] \(flat index 25\) is NaN/);
    expect(batch.filter((x) => x !== 0 && !Number.isNaN(x)).length).toBe(0);
  });
});

describe('sample', () => {
  test('agrees with the reference for the same random stream (examples; the property test covers more)', () => {
    const wm = makeWm({ vocabSize: 97 });
    const logits = randomLogits(97, 4);
    const settings = [{}, { topK: 5 }, { topP: 0.7 }, { minP: 0.2 }, { temperature: 0.4, topK: 20, topP: 0.9, minP: 0.05 }, { temperature: 2.5 }];
    for (const s of settings) {
      const a = seededRandom(77);
      const b = seededRandom(77);
      for (let i = 0; i < 300; i++) expect(wm.sample(logits, [i % 97, (i * 7) % 97], { ...s, random: a })).toBe(referenceSample(wm, logits, [i % 97, (i * 7) % 97], s, b));
    }
  });

  test('does not modify the logits', () => {
    const wm = makeWm();
    const logits = randomLogits(64, 5);
    const copy = logits.slice();
    wm.sample(logits, [1, 2], { topK: 3 });
    expect(logits).toEqual(copy);
  });

  test('greedy: argmax after the bias, ties to the lowest id, no random() call', () => {
    const wm = makeWm({ vocabSize: 64, delta: 2 });
    const ctx = [9, 9];
    const green = [...Array(64).keys()].filter((t) => wm.isGreen(ctx, t));
    const red = [...Array(64).keys()].filter((t) => !wm.isGreen(ctx, t));
    const logits = new Float32Array(64);
    logits[red[0]!] = 1.5; // beaten by any green token at 0 + 2
    const random = (): number => {
      throw new Error('greedy must not draw');
    };
    expect(wm.sample(logits, ctx, { temperature: 0, random })).toBe(green[0]);
    logits[red[3]!] = 2; // ties with every green token: lowest id wins
    expect(wm.sample(logits, ctx, { temperature: 0 })).toBe(Math.min(red[3]!, green[0]!));
    expect(wm.sample(logits, [1], { temperature: 0 })).toBe(red[3]); // short context: no bias
  });

  test('calls random() exactly once per non-greedy draw, even when one token is left', () => {
    const wm = makeWm();
    let calls = 0;
    const r = seededRandom(1);
    const random = (): number => {
      calls++;
      return r();
    };
    wm.sample(randomLogits(64, 6), [1, 2], { topK: 1, random });
    wm.sample(randomLogits(64, 6), [1, 2], { random });
    expect(calls).toBe(2);
  });

  test('-Infinity tokens are never drawn; all -Infinity is refused', () => {
    const wm = makeWm({ vocabSize: 20 });
    const logits = new Float32Array(20).fill(-Infinity);
    logits[3] = 0;
    logits[17] = 0;
    const r = seededRandom(2);
    for (let i = 0; i < 200; i++) expect([3, 17]).toContain(wm.sample(logits, [1, 2], { random: r }));
    expect(() => wm.sample(new Float32Array(20).fill(-Infinity), [1, 2])).toThrow(/sample: every logit is -Infinity/);
  });

  test('the default random source is a CSPRNG uniform in [0, 1)', () => {
    const wm = makeWm({ vocabSize: 4 });
    const logits = new Float32Array(4);
    // Not seeded: fails with probability about 1e-6 per run.
    const r = checkSamplerDistribution({ expected: biasedDistribution(wm, logits, [0, 1]), draw: () => wm.sample(logits, [0, 1]), draws: 4000 });
    expect(r.pValue).toBeGreaterThan(1e-6);
    const u = createUniform(2);
    for (let i = 0; i < 1000; i++) {
      const x = u();
      expect(x >= 0 && x < 1).toBe(true);
      expect(Number.isInteger(x * 2 ** 53)).toBe(true);
    }
    expect(() => createUniform(3)).toThrow(/createUniform: "bufferWords" must be an even integer/);
  });

  test('bad input: every validation branch throws, naming the API and the value', () => {
    const wm = makeWm({ vocabSize: 64 });
    const l = randomLogits(64, 7);
    const cases: [unknown, RegExp, ErrorConstructor][] = [
      [{ topK: 0 }, /sample: "topK" must be an integer >= 1, got 0/, RangeError],
      [{ topK: 2.5 }, /"topK" must be an integer >= 1, got 2.5/, RangeError],
      [{ topK: '5' }, /"topK" must be a number/, TypeError],
      [{ topP: 0 }, /sample: "topP" must be in \(0, 1\], got 0/, RangeError],
      [{ topP: 1.01 }, /"topP" must be in \(0, 1\], got 1.01/, RangeError],
      [{ topP: NaN }, /"topP" must be in \(0, 1\], got NaN/, RangeError],
      [{ minP: 1 }, /sample: "minP" must be in \[0, 1\), got 1/, RangeError],
      [{ minP: -0.1 }, /"minP" must be in \[0, 1\), got -0.1/, RangeError],
      [{ temperature: -1 }, /sample: "temperature" must be finite and >= 0, got -1/, RangeError],
      [{ temperature: NaN }, /"temperature" must be finite and >= 0, got NaN/, RangeError],
      [{ temperature: Infinity }, /got Infinity/, RangeError],
      [{ random: () => 1 }, /sample: "random" must return a number in \[0, 1\), got 1/, RangeError],
      [{ random: () => -0.5 }, /got -0.5/, RangeError],
      [{ random: () => NaN }, /got NaN/, RangeError],
      [{ random: () => '0.5' }, /"random" must return a number in \[0, 1\), got "0.5"/, RangeError],
      [{ random: 0.5 }, /"random" must be a function/, TypeError],
      [7, /sample: "options" must be an object/, TypeError],
    ];
    for (const [opts, msg, type] of cases) {
      expect(() => wm.sample(l, [1, 2], opts as never), JSON.stringify(opts)).toThrow(type);
      expect(() => wm.sample(l, [1, 2], opts as never), JSON.stringify(opts)).toThrow(msg);
    }
    expect(() => wm.sample(new Float32Array(65), [1, 2])).toThrow(/sample: logits length 65 does not match vocabSize 64/);
    expect(() => wm.sample(l, [1, 99])).toThrow(/sample: context\[1\] must be an integer token id in \[0, 64\), got 99/);
    const bad = l.slice();
    bad[9] = NaN;
    expect(() => wm.sample(bad, [1, 2])).toThrow(/sample: logits\[9\] is NaN/);
    bad[9] = Infinity;
    expect(() => wm.sample(bad, [1, 2])).toThrow(/sample: logits\[9\] is \+Infinity/);
  });

  test('a random() that samples from the same watermark is refused, and the sampler recovers', () => {
    const wm = makeWm();
    const l = randomLogits(64, 8);
    const evil = (): number => {
      wm.sample(l, [1, 2]);
      return 0.5;
    };
    expect(() => wm.sample(l, [1, 2], { random: evil })).toThrow(RadiomarkError);
    expect(() => wm.session().sample(l, { random: evil })).toThrow(/called from inside a random\(\)/);
    expect(wm.sample(l, [1, 2])).toBeGreaterThanOrEqual(0);
  });

  test('negligibleCut is ln V + 53 ln 2', () => {
    expect(negligibleCut(1)).toBeCloseTo(53 * Math.LN2, 12);
    expect(negligibleCut(128256)).toBeCloseTo(Math.log(128256) + 53 * Math.LN2, 12);
    expect(() => negligibleCut(0)).toThrow(RangeError);
  });
});

describe('sessions', () => {
  test('a session without masking samples exactly like wm.sample with the growing context', () => {
    const wm = makeWm({ vocabSize: 80, contextWidth: 2 });
    const prompt = [5, 6, 7];
    const s = wm.session({ prompt, masking: false });
    const ctx = [...prompt];
    const a = seededRandom(3);
    const b = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const logits = randomLogits(80, 100 + i);
      const t = s.sample(logits, { temperature: 0.9, topP: 0.95, random: a });
      expect(t).toBe(wm.sample(logits, ctx, { temperature: 0.9, topP: 0.95, random: b }));
      ctx.push(t);
    }
    expect(s.length).toBe(203);
    expect(s.steps).toBe(200);
  });

  test('masking: a window already used in this generation is not biased again', () => {
    const wm = makeWm({ vocabSize: 40, contextWidth: 2, delta: 3 });
    const s = wm.session({ prompt: [1, 2] });
    const plain = new Float32Array(40);
    expect(s.willBias).toBe(true);
    expect(s.bias(plain.slice()).some((x) => x === 3)).toBe(true);
    s.accept(1); // window (2, 1)
    s.accept(2); // window (1, 2) again next
    expect(s.willBias).toBe(false);
    expect(s.bias(plain.slice())).toEqual(plain); // repeated window (1, 2): untouched
    const seed = new Uint32Array(3);
    expect(s.stepSeed(seed)).toBe(false);
    s.accept(9);
    expect(s.maskedSteps).toBe(1);
    expect(s.willBias).toBe(true); // window (2, 9) is new
    expect(s.stepSeed(seed)).toBe(true);
    const w = wm.greenList;
    expect([...Array(40).keys()].filter((t) => w.isGreenSeeded(seed, 0, t))).toEqual([...Array(40).keys()].filter((t) => wm.isGreen([2, 9], t)));

    const off = wm.session({ prompt: [1, 2], masking: false });
    off.accept(1);
    off.accept(2);
    expect(off.willBias).toBe(true);
  });

  test('masking tracks many windows (the table grows) and matches a plain Set of windows', () => {
    const wm = makeWm({ vocabSize: 12, contextWidth: 2 });
    const s = wm.session({ prompt: [0, 0] });
    const seen = new Set<string>();
    const ctx = [0, 0];
    const r = seededRandom(5);
    for (let i = 0; i < 3000; i++) {
      const key = `${ctx.at(-2)},${ctx.at(-1)}`;
      expect(s.willBias).toBe(!seen.has(key));
      seen.add(key);
      const t = Math.floor(r() * 12);
      s.accept(t);
      ctx.push(t);
    }
    expect(seen.size).toBe(144);
    expect(s.maskedSteps).toBe(3000 - 144);
  });

  test('contextWidth 0: masking has no effect (one empty window)', () => {
    const wm = makeWm({ contextWidth: 0 });
    const s = wm.session();
    for (let i = 0; i < 5; i++) {
      expect(s.willBias).toBe(true);
      s.accept(i);
    }
    expect(s.maskedSteps).toBe(0);
  });

  test('short prompts: the first steps have no window and are not biased', () => {
    const wm = makeWm({ vocabSize: 30, contextWidth: 3, delta: 4 });
    const s = wm.session({ prompt: [7] });
    const zero = new Float32Array(30);
    expect(s.bias(zero.slice())).toEqual(zero);
    s.accept(1);
    expect(s.willBias).toBe(false);
    s.accept(2);
    expect(s.willBias).toBe(true);
    expect(s.bias(zero.slice())).toEqual(wm.bias(zero.slice(), [7, 1, 2]));
    expect(s.shortSteps).toBe(2);
    expect(wm.session().willBias).toBe(false);
  });

  test('bias + accept is the same process as sample', () => {
    const wm = makeWm({ vocabSize: 50 });
    const a = wm.session({ prompt: [3, 4] });
    const b = wm.session({ prompt: [3, 4] });
    const ra = seededRandom(8);
    const rb = seededRandom(8);
    for (let i = 0; i < 100; i++) {
      const logits = randomLogits(50, 300 + (i % 7)); // repeats: masking kicks in
      const t = a.sample(logits, { random: ra });
      // A server's own sampler after session.bias: the reference with no further bias.
      const biased = b.bias(logits.slice());
      const u = referenceSample(wm, biased, null, {}, rb);
      b.accept(u);
      expect(u).toBe(t);
    }
    expect(a.maskedSteps).toBe(b.maskedSteps);
  });

  test('interleaved sessions give the same tokens as the same sessions run one by one', () => {
    const wm = makeWm({ vocabSize: 60, contextWidth: 2 });
    const prompts = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 10]];
    const steps = 150;
    const logitsAt = (r: number, i: number): Float32Array => randomLogits(60, 1000 * r + (i % 13));
    const opts = [{ temperature: 0.8 }, { topK: 7 }, { topP: 0.9, minP: 0.05 }, { temperature: 0 }];

    const sequential = prompts.map((prompt, r) => {
      const s = wm.session({ prompt });
      const random = seededRandom(r);
      const out: number[] = [];
      for (let i = 0; i < steps; i++) out.push(s.sample(logitsAt(r, i), { ...opts[r], random }));
      // Unrelated traffic on the shared watermark between requests.
      wm.sample(logitsAt(9, 0), [1, 1], { topK: 3 });
      return out;
    });

    const sessions = prompts.map((prompt) => wm.session({ prompt }));
    const randoms = prompts.map((_, r) => seededRandom(r));
    const interleaved: number[][] = prompts.map(() => []);
    const order = seededRandom(99);
    const done = prompts.map(() => 0);
    while (done.some((d) => d < steps)) {
      const r = Math.floor(order() * prompts.length);
      if (done[r]! >= steps) continue;
      const i = done[r]!++;
      interleaved[r]!.push(sessions[r]!.sample(logitsAt(r, i), { ...opts[r], random: randoms[r]! }));
      if (i % 5 === 0) wm.sample(logitsAt(9, i), [1, 1], { topP: 0.5 });
      if (i % 7 === 0) wm.bias(logitsAt(8, i), [2, 2]);
    }
    expect(interleaved).toEqual(sequential);
  });

  test('reset reuses the session and equals a fresh one', () => {
    const wm = makeWm({ vocabSize: 30 });
    const s = wm.session({ prompt: [1, 2] });
    const r1 = seededRandom(4);
    const first: number[] = [];
    for (let i = 0; i < 60; i++) first.push(s.sample(randomLogits(30, i % 5), { random: r1 }));
    s.reset({ prompt: [1, 2] });
    expect(s.steps).toBe(0);
    expect(s.length).toBe(2);
    const r2 = seededRandom(4);
    const again: number[] = [];
    for (let i = 0; i < 60; i++) again.push(s.sample(randomLogits(30, i % 5), { random: r2 }));
    expect(again).toEqual(first);
    s.reset();
    expect(s.length).toBe(0);
    expect(s.willBias).toBe(false);
  });

  test('bad input to sessions', () => {
    const wm = makeWm({ vocabSize: 30 });
    expect(() => wm.session({ prompt: [1, 30] })).toThrow(/session: prompt\[1\] must be an integer token id in \[0, 30\), got 30/);
    expect(() => wm.session({ prompt: 5 as unknown as number[] })).toThrow(TypeError);
    expect(() => wm.session({ masking: 'yes' as unknown as boolean })).toThrow(/session: "masking" must be a boolean/);
    expect(() => wm.session(3 as never)).toThrow(TypeError);
    const s = wm.session({ prompt: [1, 2] });
    expect(() => s.accept(30)).toThrow(/session.accept: "token" must be an integer token id in \[0, 30\), got 30/);
    expect(() => s.accept(2.5)).toThrow(RangeError);
    expect(() => s.bias(new Float32Array(31))).toThrow(/session.bias: logits length 31 does not match vocabSize 30/);
    expect(() => s.sample(new Float32Array(29))).toThrow(/session.sample: logits length 29/);
    expect(() => s.sample(new Float32Array(30), { topP: 2 })).toThrow(/session.sample: "topP" must be in \(0, 1\], got 2/);
    const nan = new Float32Array(30);
    nan[3] = NaN;
    expect(() => s.bias(nan)).toThrow(/session.bias: logits\[3\] is NaN/);
    expect(() => s.reset({ prompt: [-1] })).toThrow(/session.reset: prompt\[0\]/);
    expect(() => s.reset(5 as never)).toThrow(/session.reset: "options" must be an object/);
    expect(s.steps).toBe(0); // failed calls did not advance it
  });

  test('sessions and the watermark print no secret', () => {
    const wm = makeWm();
    expect(String(wm)).toBe(`Watermark(fingerprint ${key.fingerprint})`);
    expect(String(wm.session())).toMatch(/^WatermarkSession\(length 0, steps 0\)$/);
  });
});

describe('key families (FamilyWatermark)', () => {
  const master = keyFromBytes(new Uint8Array(32).fill(7), { gamma: 0.25, delta: 2, contextWidth: 2 });
  const V = 80;
  const opts = { temperature: 0.9, topK: 20 };

  /** `steps` tokens of one session, with a seeded random and logits that depend on the step. */
  function run(s: WatermarkSession, seed: number, steps = 80): number[] {
    const random = seededRandom(seed);
    const out: number[] = [];
    for (let i = 0; i < steps; i++) out.push(s.sample(randomLogits(V, i % 11), { ...opts, random }));
    return out;
  }

  test('K = 1 without epochs is byte for byte the single key: sessions, sample, bias, biasBatch', () => {
    const fwm = createWatermark({ key: createKeyFamily(master, { cohorts: 1 }), vocabSize: V });
    const wm = createWatermark({ key: master, vocabSize: V });
    expect(run(fwm.session({ prompt: [1, 2] }), 5)).toEqual(run(wm.session({ prompt: [1, 2] }), 5));
    expect(run(fwm.session({ prompt: [1, 2], cohort: 0 }), 6)).toEqual(run(wm.session({ prompt: [1, 2] }), 6));
    const m = fwm.member(0);
    expect(m.fingerprint).toBe(master.fingerprint);
    expect(fwm.fingerprint).toBe(master.fingerprint);
    expect(m.config).toEqual(wm.config);
    for (let i = 0; i < 20; i++) {
      const a = seededRandom(i);
      const b = seededRandom(i);
      expect(m.sample(randomLogits(V, i), [3, i], { random: a })).toBe(wm.sample(randomLogits(V, i), [3, i], { random: b }));
    }
    expect(m.bias(randomLogits(V, 1), [4, 5])).toEqual(wm.bias(randomLogits(V, 1), [4, 5]));
    const two = new Float32Array(2 * V).fill(0.5);
    expect(m.biasBatch(two.slice(), [[1, 2], [3]])).toEqual(wm.biasBatch(two.slice(), [[1, 2], [3]]));
  });

  test('a session marks with its member\'s key, and members differ', () => {
    const family = createKeyFamily(master, { cohorts: 16, epochDays: 30, epochOrigin: '2026-01-01' });
    const fwm = createWatermark({ key: family, vocabSize: V });
    const direct = createWatermark({ key: family.key(3, 2), vocabSize: V });
    expect(run(fwm.session({ prompt: [9, 8], cohort: 3, epoch: 2 }), 1)).toEqual(run(direct.session({ prompt: [9, 8] }), 1));
    expect(fwm.member(3, 2).fingerprint).toBe(family.key(3, 2).fingerprint);
    // Another member (or the master) colours the same window differently.
    const differs = (a: Watermark, b: Watermark): boolean => Array.from({ length: V }, (_, t) => t).some((t) => a.isGreen([1, 2], t) !== b.isGreen([1, 2], t));
    expect(differs(fwm.member(3, 2), fwm.member(4, 2))).toBe(true);
    expect(differs(fwm.member(3, 2), fwm.member(3, 3))).toBe(true);
    expect(differs(fwm.member(3, 2), createWatermark({ key: master, vocabSize: V }))).toBe(true);
    expect(fwm.config).toEqual(direct.config);
    expect(fwm.greenProbability).toBe(0.25);
  });

  test('sessions of different members interleave exactly as they run one by one (one shared sampler)', () => {
    const fwm = createWatermark({ key: createKeyFamily(master, { cohorts: 4 }), vocabSize: V });
    const sequential = [0, 1, 2, 3].map((c) => run(fwm.session({ prompt: [c, 1], cohort: c }), c, 40));
    const sessions = [0, 1, 2, 3].map((c) => fwm.session({ prompt: [c, 1], cohort: c }));
    const randoms = [0, 1, 2, 3].map((c) => seededRandom(c));
    const out: number[][] = [[], [], [], []];
    for (let i = 0; i < 40; i++) {
      for (const c of [2, 0, 3, 1]) out[c]!.push(sessions[c]!.sample(randomLogits(V, i % 11), { ...opts, random: randoms[c]! }));
      fwm.member((i % 4) as number).sample(randomLogits(V, 3), [1, 1], { topK: 3 });
    }
    expect(out).toEqual(sequential);
  });

  test('members are cached, least recently used first out beyond maxMembers', () => {
    const fwm = createWatermark({ key: createKeyFamily(master, { cohorts: 8 }), vocabSize: V, maxMembers: 2 });
    const m0 = fwm.member(0);
    const m1 = fwm.member(1);
    expect(fwm.member(0)).toBe(m0); // 0 is now the most recent
    fwm.member(2); // evicts 1
    expect(fwm.member(0)).toBe(m0);
    const m1b = fwm.member(1);
    expect(m1b).not.toBe(m1);
    expect(m1b.fingerprint).toBe(m1.fingerprint);
    expect(() => createWatermark({ key: createKeyFamily(master, { cohorts: 8 }), vocabSize: V, maxMembers: 0 })).toThrow(/createWatermark: "maxMembers" must be an integer >= 1, got 0/);
  });

  test('bad members: clear errors naming the value and the family fingerprint', () => {
    const fp = master.fingerprint;
    const fwm = createWatermark({ key: createKeyFamily(master, { cohorts: 16, epochDays: 7, epochOrigin: '2026-01-01' }), vocabSize: V });
    const noEpochs = createWatermark({ key: createKeyFamily(master, { cohorts: 16 }), vocabSize: V });
    const cases: [() => unknown, RegExp, string][] = [
      [() => fwm.session({ cohort: 16, epoch: 0 }), new RegExp(`session: "cohort" must be an integer in \\[0, 16\\) for key family ${fp}, got 16`), 'cohort'],
      [() => fwm.session({ epoch: 0 }), new RegExp(`session: "cohort" must be a number \\(key family ${fp} has 16 cohorts\\), got undefined`), 'cohort'],
      [() => fwm.session({ cohort: 1 }), new RegExp(`session: "epoch" must be a number: key family ${fp} has epochs of 7 days, got undefined`), 'epoch'],
      [() => fwm.session({ cohort: 1, epoch: -2 }), /"epoch" must be an integer in \[0, 1048575\].*got -2/, 'epoch'],
      [() => noEpochs.session({ cohort: 1, epoch: 4 }), new RegExp(`"epoch" must be undefined: key family ${fp} has no epochs, got 4`), 'epoch'],
      [() => fwm.member(1.5, 0), /member: "cohort" must be an integer in \[0, 16\).*got 1\.5/, 'cohort'],
      [() => noEpochs.member(0, 0), /member: "epoch" must be undefined/, 'epoch'],
    ];
    for (const [f, re, field] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).toMatch(re);
      expect((err as RadiomarkError).field).toBe(field);
    }
  });

  test('a single-key watermark refuses a cohort or an epoch (KEY_MISMATCH naming its fingerprint)', () => {
    const wm = createWatermark({ key: master, vocabSize: V });
    for (const o of [{ cohort: 0 }, { epoch: 3 }]) {
      let err: unknown;
      try {
        wm.session(o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RadiomarkError);
      expect((err as RadiomarkError).code).toBe('KEY_MISMATCH');
      expect((err as Error).message).toContain(master.fingerprint);
    }
  });

  test('the family binds its parameters; a contradiction names the family fingerprint', () => {
    const fwm = createWatermark({ key: createKeyFamily(master, { cohorts: 2 }), vocabSize: V });
    expect(fwm.config).toMatchObject({ gamma: 0.25, delta: 2, contextWidth: 2, vocabSize: V });
    expect(() => createWatermark({ key: createKeyFamily(master, { cohorts: 2 }), vocabSize: V, gamma: 0.5 })).toThrow(
      new RegExp(`"gamma" is 0.5 but the key file \\(fingerprint ${master.fingerprint}\\) binds 0.25`),
    );
  });

  test('prints no secret', () => {
    const family = createKeyFamily(master, { cohorts: 4 });
    const fwm = createWatermark({ key: family, vocabSize: V });
    const secret = '07'.repeat(32);
    for (const s of [String(fwm), inspect(fwm), inspect(fwm, { customInspect: false, depth: 6 }), String(fwm.member(2)), JSON.stringify(fwm), String(fwm.session({ cohort: 1 }))]) {
      expect(s).not.toContain(secret.slice(0, 16));
    }
    expect(String(fwm)).toBe(`FamilyWatermark(KeyFamily(fingerprint ${master.fingerprint}, 4 cohorts, no epochs))`);
    expect(String(fwm.member(2))).toBe(`Watermark(fingerprint ${family.key(2).fingerprint}, cohort 2 of key family ${master.fingerprint})`);
  });
});
