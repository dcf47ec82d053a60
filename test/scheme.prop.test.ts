import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWatermark, parseKey, serializeKey } from '../src/index.js';
import { contextArbitrary, keyArbitrary } from '../src/testing/index.js';

/** Draws `n` pseudo-random (window, token) pairs from a seeded LCG: cheap and reproducible. */
function pairs(seed: number, n: number, h: number, vocab: number): { windows: number[][]; tokens: number[] } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const windows: number[][] = [];
  const tokens: number[] = [];
  for (let i = 0; i < n; i++) {
    const w: number[] = [];
    for (let j = 0; j < h; j++) w.push(next() % vocab);
    windows.push(w);
    tokens.push(next() % vocab);
  }
  return { windows, tokens };
}

describe('scheme properties', () => {
  it('is deterministic across instances built from a re-parsed key', () => {
    fc.assert(
      fc.property(keyArbitrary(), fc.integer({ min: 0, max: 8 }), fc.constantFrom(0.1, 0.25, 0.5), fc.integer(), (key, h, gamma, seed) => {
        const a = createWatermark({ key, vocabSize: 50257, gamma, contextWidth: h });
        const b = createWatermark({ key: parseKey(serializeKey(key)), vocabSize: 50257, gamma, contextWidth: h });
        const { windows, tokens } = pairs(seed, 50, h, 50257);
        for (let i = 0; i < 50; i++) expect(b.isGreen(windows[i]!, tokens[i]!)).toBe(a.isGreen(windows[i]!, tokens[i]!));
      }),
      { numRuns: 30 },
    );
  });

  for (const gamma of [0.1, 0.25, 0.5, 0.75]) {
    it(`green rate over random (window, token) pairs is within 5 sigma of greenProbability (gamma ${gamma})`, () => {
      fc.assert(
        fc.property(keyArbitrary(), fc.integer({ min: 0, max: 4 }), fc.integer(), (key, h, seed) => {
          const wm = createWatermark({ key, vocabSize: 128256, gamma, contextWidth: h });
          const n = 4000;
          const { windows, tokens } = pairs(seed, n, h, 128256);
          let green = 0;
          for (let i = 0; i < n; i++) if (wm.isGreen(windows[i]!, tokens[i]!)) green++;
          const p = wm.greenProbability;
          const sigma = Math.sqrt(n * p * (1 - p));
          expect(Math.abs(green - n * p)).toBeLessThan(5 * sigma);
        }),
        { numRuns: 10 },
      );
    });
  }

  it('does not depend on vocabSize (50257 vs 50272: the lm-watermarking#23 trap)', () => {
    fc.assert(
      fc.property(keyArbitrary(), fc.integer({ min: 0, max: 4 }), contextArbitrary(50257, 4, 6), fc.integer({ min: 0, max: 50256 }), (key, h, ctx, token) => {
        const small = createWatermark({ key, vocabSize: 50257, contextWidth: h });
        const large = createWatermark({ key, vocabSize: 50272, contextWidth: h });
        expect(large.isGreen(ctx, token)).toBe(small.isGreen(ctx, token));
      }),
      { numRuns: 200 },
    );
  });

  it('two independent keys agree on about gamma^2 + (1-gamma)^2 of pairs', () => {
    fc.assert(
      fc.property(keyArbitrary(), keyArbitrary(), fc.constantFrom(0.25, 0.5), fc.integer(), (k1, k2, gamma, seed) => {
        fc.pre(k1.fingerprint !== k2.fingerprint);
        const a = createWatermark({ key: k1, vocabSize: 100000, gamma, contextWidth: 2 });
        const b = createWatermark({ key: k2, vocabSize: 100000, gamma, contextWidth: 2 });
        const n = 4000;
        const { windows, tokens } = pairs(seed, n, 2, 100000);
        let agree = 0;
        for (let i = 0; i < n; i++) if (a.isGreen(windows[i]!, tokens[i]!) === b.isGreen(windows[i]!, tokens[i]!)) agree++;
        const q = gamma * gamma + (1 - gamma) * (1 - gamma);
        expect(Math.abs(agree - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)));
      }),
      { numRuns: 10 },
    );
  });

  it('window order matters: reversed windows give independent decisions', () => {
    fc.assert(
      fc.property(keyArbitrary(), fc.integer(), (key, seed) => {
        const wm = createWatermark({ key, vocabSize: 100000, gamma: 0.5, contextWidth: 2 });
        const n = 2000;
        const { windows, tokens } = pairs(seed, n, 2, 100000);
        let agree = 0;
        let compared = 0;
        for (let i = 0; i < n; i++) {
          const [x, y] = windows[i]!;
          if (x === y) continue;
          compared++;
          if (wm.isGreen([x!, y!], tokens[i]!) === wm.isGreen([y!, x!], tokens[i]!)) agree++;
        }
        // Independent decisions at gamma 0.5 agree half the time; an order-blind hash would agree always.
        expect(Math.abs(agree - compared / 2)).toBeLessThan(5 * Math.sqrt(compared / 4));
      }),
      { numRuns: 10 },
    );
  });

  it('rejects tokens outside [0, vocabSize) and non-integers', () => {
    fc.assert(
      fc.property(
        keyArbitrary(),
        fc.oneof(fc.integer({ min: 1000 }), fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constant(NaN)),
        (key, bad) => {
          const wm = createWatermark({ key, vocabSize: 1000, contextWidth: 1 });
          expect(() => wm.isGreen([1], bad)).toThrow(RangeError);
          expect(() => wm.isGreen([bad], 1)).toThrow(RangeError);
        },
      ),
    );
  });
});
