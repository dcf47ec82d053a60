import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { radiomarkErrorData } from '../src/errors.js';
import {
  binomialLowerTail,
  binomialTail,
  binomialTwoSided,
  combineStrata,
  familyTest,
  weightedBinomialBound,
  weightedBinomialTail,
  type WeightedCount,
} from '../src/stats/index.js';

/**
 * The detector variants' statistics (issue 10 section 3, issue 11): worked cases, exact references
 * and the power figures quoted in /work/coord/notes/stats.md. The nulls are checked in
 * test/stats.variants.prop.test.ts.
 */
interface WeightedVector {
  label: string;
  p: number;
  statistic: number;
  levels: WeightedCount[];
  log10PValue: number;
}
const V = JSON.parse(readFileSync(new URL('./vectors/binomial.json', import.meta.url), 'utf8')) as { weightedTail: WeightedVector[] };

function rel(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a / b - 1);
}

/** Strata of `n` positions each whose green counts sit at the given z-scores (rounded). */
function strataAt(zs: number[], n: number, gamma: number): { trials: number; successes: number }[] {
  const sd = Math.sqrt(n * gamma * (1 - gamma));
  return zs.map((z) => ({ trials: n, successes: Math.round(n * gamma + z * sd) }));
}

describe('binomialTwoSided', () => {
  it('doubles the smaller exact tail: n = 10, p = 1/2, k = 2 gives 2 * 56/1024', () => {
    const r = binomialTwoSided(2, 10, 0.5);
    expect(rel(r.pValue, 112 / 1024)).toBeLessThan(1e-14);
    expect(r.direction).toBe('deficit');
    expect(rel(r.lower.pValue, 56 / 1024)).toBeLessThan(1e-14);
    expect(rel(r.upper.pValue, 1013 / 1024)).toBeLessThan(1e-14);
  });

  it('is capped at 1 at the centre and symmetric for p = 1/2', () => {
    expect(binomialTwoSided(5, 10, 0.5)).toMatchObject({ pValue: 1, log10PValue: 0 });
    expect(binomialTwoSided(8, 10, 0.5).log10PValue).toBeCloseTo(binomialTwoSided(2, 10, 0.5).log10PValue, 14);
    expect(binomialTwoSided(8, 10, 0.5).direction).toBe('excess');
  });

  it('its tails are binomialTail(k) and binomialLowerTail(k)', () => {
    for (const [k, n, p] of [[65, 200, 0.25], [30, 200, 0.25], [0, 50, 0.1], [50, 50, 0.1], [1, 1e6, 1e-17]]) {
      const r = binomialTwoSided(k, n, p);
      expect(r.upper).toEqual(binomialTail(k, n, p));
      expect(r.lower).toEqual(binomialLowerTail(k, n, p));
      expect(r.log10PValue).toBeCloseTo(Math.min(0, Math.log10(2) + Math.min(r.upper.log10PValue, r.lower.log10PValue)), 12);
    }
  });

  it('a deficit far below the float64 range stays finite', () => {
    // No green among 10^6 positions at gamma 0.25: 2 * 0.75^(10^6).
    const r = binomialTwoSided(0, 1e6, 0.25);
    expect(rel(r.log10PValue, 1e6 * Math.log10(0.75) + Math.log10(2))).toBeLessThan(1e-14);
    expect(r.pValue).toBe(0);
  });
});

describe('combineStrata', () => {
  // Issue 10: after an over-neutralizing attack the overall rate is back at gamma, but three strata
  // by the window's count in the owner's log sit at z = +5.5, +0.2, -5.3.
  const example = strataAt([5.5, 0.2, -5.3], 100_000, 0.25);

  it('power on the issue-10 example: Fisher about 1e-11.6, min-p about 1e-6.9, the pooled test nothing', () => {
    const fisher = combineStrata(example, 0.25);
    const minP = combineStrata(example, 0.25, { method: 'min-p' });
    const total = example.reduce((a, s) => a + s.successes, 0);
    const pooled = binomialTwoSided(total, 3e5, 0.25);
    expect(fisher.log10PValue).toBeLessThan(-11.5);
    expect(fisher.log10PValue).toBeGreaterThan(-11.8);
    expect(minP.log10PValue).toBeLessThan(-6.8);
    expect(minP.log10PValue).toBeGreaterThan(-7);
    expect(pooled.log10PValue).toBeGreaterThan(-0.5);
    expect(fisher.strata.map((s) => s.direction)).toEqual(['excess', 'excess', 'deficit']);
  });

  it("Fisher's p is the chi-square(2k) tail of F = -2 sum ln p2_i (closed form for k = 3)", () => {
    const r = combineStrata(example, 0.25);
    const F = -2 * Math.LN10 * r.strata.reduce((a, s) => a + s.log10PValue, 0);
    expect(rel(r.statistic, F)).toBeLessThan(1e-12);
    const x = F / 2; // P(chi2_6 >= F) = e^-x (1 + x + x^2 / 2)
    expect(rel(r.log10PValue, (-x + Math.log(1 + x + (x * x) / 2)) * Math.LOG10E)).toBeLessThan(1e-12);
    expect(r.combined).toBe(3);
  });

  it('one stratum: both methods give its two-sided p-value', () => {
    const one = [{ trials: 200, successes: 65 }];
    const two = binomialTwoSided(65, 200, 0.25).log10PValue;
    expect(combineStrata(one, 0.25).log10PValue).toBeCloseTo(two, 12);
    expect(combineStrata(one, 0.25, { method: 'min-p' }).log10PValue).toBeCloseTo(two, 12);
  });

  it('min-p is Sidak over the two-sided p-values; per-stratum Holm says which strata deviate', () => {
    const r = combineStrata(example, 0.25, { method: 'min-p' });
    const minLog = Math.min(...r.strata.map((s) => s.log10PValue));
    expect(r.statistic).toBe(minLog);
    expect(r.log10PValue).toBeCloseTo(minLog + Math.log10(3), 6);
    const [a, b, c] = r.strata.map((s) => s.holmLog10);
    expect(a).toBeCloseTo(r.strata[0].log10PValue + Math.log10(3), 10);
    expect(c).toBeCloseTo(r.strata[2].log10PValue + Math.log10(2), 10);
    expect(b).toBeGreaterThan(-0.2);
  });

  it('empty strata carry nothing and are left out of k', () => {
    const withEmpty = [example[0], { trials: 0, successes: 0 }, example[1], example[2]];
    const a = combineStrata(example, 0.25);
    const b = combineStrata(withEmpty, 0.25);
    expect(b.log10PValue).toBe(a.log10PValue);
    expect(b.combined).toBe(3);
    expect(b.strata[1]).toMatchObject({ z: 0, holmLog10: 0, log10PValue: 0 });
    expect(combineStrata([{ trials: 0, successes: 0 }], 0.25)).toMatchObject({ pValue: 1, combined: 0 });
  });
});

describe('weightedBinomialTail and weightedBinomialBound', () => {
  it('exact tails match exact rational sums (scripts/binomial-vectors.py) to 1e-9 relative', () => {
    expect(V.weightedTail.length).toBeGreaterThanOrEqual(10);
    for (const c of V.weightedTail) {
      const r = weightedBinomialTail(c.levels, c.p);
      expect(r.statistic, c.label).toBe(c.statistic);
      const err = Math.abs(r.log10PValue - c.log10PValue);
      expect(err, `${c.label}: ${r.log10PValue} vs ${c.log10PValue}`).toBeLessThan(Math.max(1e-9 * Math.abs(c.log10PValue), 1e-13));
    }
  });

  it('the Chernoff bound is above every exact tail, by less than 2.5 orders of magnitude there', () => {
    for (const c of V.weightedTail) {
      const exact = weightedBinomialTail(c.levels, c.p).log10PValue;
      const bound = weightedBinomialBound(c.levels, c.p).log10PValue;
      expect(bound, c.label).toBeGreaterThanOrEqual(exact);
      expect(bound - exact, c.label).toBeLessThan(2.5);
    }
  });

  it('one level is the binomial tail; equal weights merge; weight 0 carries nothing', () => {
    const one = weightedBinomialTail([{ weight: 3, trials: 500, successes: 160 }], 0.25);
    expect(one.log10PValue).toBe(binomialTail(160, 500, 0.25).log10PValue);
    expect(one).toMatchObject({ statistic: 480, mean: 375, method: 'exact' });
    const split = weightedBinomialTail(
      [{ weight: 3, trials: 200, successes: 70 }, { weight: 0, trials: 99, successes: 99 }, { weight: 3, trials: 300, successes: 90 }],
      0.25,
    );
    expect(split.log10PValue).toBe(one.log10PValue);
  });

  it('every weighted position green is p^n; nothing above the mean bounds to 1', () => {
    const all = weightedBinomialTail([{ weight: 1, trials: 10, successes: 10 }, { weight: 2, trials: 5, successes: 5 }], 0.25);
    expect(all.log10PValue).toBeCloseTo(15 * Math.log10(0.25), 12);
    const bound = weightedBinomialBound([{ weight: 0.5, trials: 10, successes: 10 }, { weight: 2.5, trials: 5, successes: 5 }], 0.25);
    expect(bound.log10PValue).toBeCloseTo(15 * Math.log10(0.25), 12);
    expect(weightedBinomialBound([{ weight: 0.7, trials: 100, successes: 20 }], 0.25)).toMatchObject({ pValue: 1, log10PValue: 0 });
  });

  it('a million positions in 16 levels: exact below the bound by a plausible margin', () => {
    const levels = Array.from({ length: 16 }, (_, i) => ({ weight: i + 1, trials: 62_500, successes: 15_781 }));
    const exact = weightedBinomialTail(levels, 0.25);
    const bound = weightedBinomialBound(levels, 0.25);
    expect(exact.statistic).toBe(136 * 15_781);
    expect(exact.log10PValue).toBeLessThan(bound.log10PValue);
    expect(bound.log10PValue - exact.log10PValue).toBeGreaterThan(0.3);
    expect(bound.log10PValue - exact.log10PValue).toBeLessThan(2);
  });

  it('refuses a convolution larger than 2^22 points and names the levels', () => {
    const huge = [{ weight: 1, trials: 1e12, successes: 3e11 }, { weight: 1000, trials: 1e12, successes: 2.5e11 }];
    expect(() => weightedBinomialTail(huge, 0.25)).toThrow(/^weightedBinomialTail: "levels" must be weights and counts whose exact convolution fits/);
    // Many distinct weights: each costs a transform, so the total work is bounded too.
    const many = Array.from({ length: 20_000 }, (_, i) => ({ weight: i + 1, trials: 10, successes: 5 }));
    expect(() => weightedBinomialTail(many, 0.25)).toThrow(/transformed points in all/);
  });
});

describe('familyTest', () => {
  const N = 100_000;
  const gamma = 0.25;
  /** 16 keys; `signal` maps a key index to its green excess in z units. */
  function keys(signal: Record<number, number>): { trials: number; successes: number }[] {
    const sd = Math.sqrt(N * gamma * (1 - gamma));
    return Array.from({ length: 16 }, (_, j) => ({ trials: N, successes: Math.round(N * gamma + (signal[j] ?? 0) * sd) }));
  }

  it('signal in one key of 16: min-p loses log10 16 against that key, the pooled test loses most of it', () => {
    const f = familyTest(keys({ 5: 9 }), gamma);
    const single = binomialTail(keys({ 5: 9 })[5].successes, N, gamma).log10PValue;
    expect(f.minP.index).toBe(5);
    expect(f.minP.log10PValue).toBeCloseTo(single + Math.log10(16), 6);
    expect(f.pooled.log10PValue).toBeGreaterThan(-4); // z = 9 / 4 = 2.25
    expect(f.holmLog10[5]).toBeCloseTo(single + Math.log10(16), 6);
  });

  it('signal spread over all 16 keys: the pooled test is far stronger than min-p', () => {
    const f = familyTest(keys(Object.fromEntries(Array.from({ length: 16 }, (_, j) => [j, 2.5]))), gamma);
    expect(f.pooled.log10PValue).toBeLessThan(-20); // z = 2.5 * 4 = 10
    expect(f.minP.log10PValue).toBeGreaterThan(-2);
  });

  it('pooled is Binomial(sum n, p); per-key values are the one-sided tails', () => {
    const k = keys({ 0: 3, 1: -2 });
    const f = familyTest(k, gamma);
    const S = k.reduce((a, c) => a + c.successes, 0);
    expect(f.pooled).toEqual(binomialTail(S, 16 * N, gamma));
    k.forEach((c, j) => expect(f.perKey[j]).toEqual(binomialTail(c.successes, N, gamma)));
  });
});

describe('bad input names the API, the field and the value', () => {
  const cases: [string, () => unknown, 'INVALID_TYPE' | 'OUT_OF_RANGE', string, RegExp][] = [
    ['two-sided k > n', () => binomialTwoSided(11, 10, 0.5), 'OUT_OF_RANGE', 'k', /^binomialTwoSided: "k" must be in \[0, n\] = \[0, 10\], got 11/],
    ['two-sided p', () => binomialTwoSided(1, 10, 1), 'OUT_OF_RANGE', 'p', /^binomialTwoSided: "p" must be in \(0, 1\), got 1/],
    ['strata not an array', () => combineStrata(5 as never, 0.25), 'INVALID_TYPE', 'strata', /^combineStrata: "strata" must be an array/],
    ['strata empty', () => combineStrata([], 0.25), 'OUT_OF_RANGE', 'strata', /^combineStrata: "strata" must be at least one stratum/],
    ['stratum null', () => combineStrata([null as never], 0.25), 'INVALID_TYPE', 'strata[0]', /^combineStrata: strata\[0\] must be an object/],
    ['stratum successes > trials', () => combineStrata([{ trials: 5, successes: 6 }], 0.25), 'OUT_OF_RANGE', 'strata[0].successes', /strata\[0\]\.successes must be an integer in \[0, trials\] = \[0, 5\], got 6/],
    ['stratum trials fraction', () => combineStrata([{ trials: 5.5, successes: 1 }], 0.25), 'OUT_OF_RANGE', 'strata[0].trials', /strata\[0\]\.trials .*5\.5/],
    ['stratum trials string', () => combineStrata([{ trials: '5' as never, successes: 1 }], 0.25), 'INVALID_TYPE', 'strata[0].trials', /strata\[0\]\.trials must be a number, got "5"/],
    ['strata method', () => combineStrata([{ trials: 5, successes: 1 }], 0.25, { method: 'chi2' as never }), 'OUT_OF_RANGE', 'method', /"method" must be 'fisher' or 'min-p', got "chi2"/],
    ['weighted fractional weight', () => weightedBinomialTail([{ weight: 1.5, trials: 5, successes: 1 }], 0.25), 'OUT_OF_RANGE', 'levels[0].weight', /^weightedBinomialTail: levels\[0\]\.weight .*1\.5/],
    ['weighted negative weight', () => weightedBinomialBound([{ weight: -1, trials: 5, successes: 1 }], 0.25), 'OUT_OF_RANGE', 'levels[0].weight', /^weightedBinomialBound: levels\[0\]\.weight must be a finite number >= 0, got -1/],
    ['weighted infinite weight', () => weightedBinomialBound([{ weight: Infinity, trials: 5, successes: 1 }], 0.25), 'OUT_OF_RANGE', 'levels[0].weight', /Infinity/],
    ['weighted p', () => weightedBinomialTail([{ weight: 1, trials: 5, successes: 1 }], 0), 'OUT_OF_RANGE', 'p', /^weightedBinomialTail: "p" must be in \(0, 1\), got 0/],
    ['family empty', () => familyTest([], 0.25), 'OUT_OF_RANGE', 'keys', /^familyTest: "keys" must be at least one key/],
    ['family successes', () => familyTest([{ trials: 1, successes: -1 }], 0.25), 'OUT_OF_RANGE', 'keys[0].successes', /keys\[0\]\.successes .*-1/],
  ];
  for (const [name, fn, code, field, msg] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(code === 'INVALID_TYPE' ? TypeError : RangeError);
      expect((caught as Error).message).toMatch(msg);
      expect(radiomarkErrorData(caught)).toMatchObject({ code, field });
    });
  }
});
