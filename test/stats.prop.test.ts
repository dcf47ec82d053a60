import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KS_EXACT_MAX_N,
  binomialInterval,
  binomialLowerTail,
  binomialTail,
  holm,
  holmLog10,
  ksPValue,
  ksUniform,
} from '../src/stats/index.js';

// fast-check's seed is pinned for every suite by test/setup.ts (FC_SEED, default 42).

/** Success probabilities: the ones the detector uses plus arbitrary doubles in (0, 1). */
const probability = fc.oneof(
  fc.constantFrom(0.1, 0.25, 0.5, 0.9, 1 / 3, 0.2500000001),
  fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
);

/** (n, k) with 0 <= k <= n + 1, n drawn on a log scale up to maxN. */
function countPair(maxN: number): fc.Arbitrary<{ n: number; k: number }> {
  return fc
    .tuple(fc.double({ min: 0, max: Math.log10(maxN), noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([e, f]) => {
      const n = Math.round(10 ** e);
      return { n, k: Math.min(n + 1, Math.floor(f * (n + 2))) };
    });
}

/**
 * Independent reference for small n: ln P(X >= k) by log-sum-exp of every pmf term, with
 * ln C(n, j) from a running sum of logs (no Stirling, no ratios, no Loader). Both tails are summed
 * and normalised by their total, so errors common to all terms cancel; the larger tail is taken as
 * the complement of the smaller one so values near 1 keep their relative precision.
 */
function referenceLogUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const lt: number[] = [];
  let lc = 0;
  for (let j = 0; j <= n; j++) {
    if (j > 0) lc += Math.log(n - j + 1) - Math.log(j);
    lt.push(lc + j * Math.log(p) + (n - j) * Math.log1p(-p));
  }
  const lse = (a: number[]): number => {
    const m = Math.max(...a);
    if (m === -Infinity) return -Infinity;
    let s = 0;
    for (const x of a) s += Math.exp(x - m);
    return m + Math.log(s);
  };
  const up = lse(lt.slice(k));
  const down = lse(lt.slice(0, k));
  const total = lse(lt);
  return up <= down ? up - total : Math.log1p(-Math.exp(down - total));
}

/** (n, k) with n >= 1 and 1 <= k <= n. */
function innerPair(maxN: number): fc.Arbitrary<{ n: number; k: number }> {
  return fc
    .tuple(fc.double({ min: 0, max: Math.log10(maxN), noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([e, f]) => {
      const n = Math.max(1, Math.round(10 ** e));
      return { n, k: Math.min(n, 1 + Math.floor(f * n)) };
    });
}

/** a <= b up to `rel` relative slack (exact comparison for infinities). */
function atMost(a: number, b: number, rel = 1e-14): void {
  if (!Number.isFinite(a) || !Number.isFinite(b)) expect(a).toBeLessThanOrEqual(b);
  else expect(a).toBeLessThanOrEqual(b + rel * Math.abs(b));
}

function relErr(a: number, b: number): number {
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Bernoulli KL divergence KL(x || p) (natural log) and a bound on its own rounding error: the two
 * terms cancel when x is near p, so the test's slack must scale with their size.
 */
function kl(x: number, p: number): { value: number; err: number } {
  const a = x === 1 ? -Math.log(p) : x * Math.log(x / p);
  const b = x === 1 ? 0 : (1 - x) * Math.log((1 - x) / (1 - p));
  return { value: a + b, err: 8e-16 * (Math.abs(a) + Math.abs(b) + 1e-300) };
}

describe('binomialTail properties', () => {
  it('log10PValue <= 0, pValue in [0, 1], and pValue = 10^log10PValue', () => {
    fc.assert(
      fc.property(countPair(1e7), probability, ({ n, k }, p) => {
        const r = binomialTail(k, n, p);
        expect(r.log10PValue).toBeLessThanOrEqual(0);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        if (k <= n) expect(Number.isFinite(r.log10PValue)).toBe(true);
        if (r.log10PValue > -300) expect(relErr(r.pValue, 10 ** r.log10PValue)).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it('is non-increasing in k', () => {
    fc.assert(
      fc.property(countPair(1e7), probability, ({ n, k }, p) => {
        const a = binomialTail(k, n, p).log10PValue;
        const b = binomialTail(k + 1, n, p).log10PValue;
        // Strict math; allow a rounding of slack where the two calls take different branches.
        atMost(b, a);
      }),
      { numRuns: 300 },
    );
  });

  it('is non-decreasing in p', () => {
    fc.assert(
      fc.property(countPair(1e6), probability, probability, ({ n, k }, p1, p2) => {
        const [lo, hi] = p1 <= p2 ? [p1, p2] : [p2, p1];
        atMost(binomialTail(k, n, lo).log10PValue, binomialTail(k, n, hi).log10PValue);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the exact log-sum of pmf terms for n <= 300 to 1e-10 relative (both tails)', () => {
    fc.assert(
      fc.property(countPair(300), probability, ({ n, k }, p) => {
        const ref = referenceLogUpper(k, n, p) * Math.LOG10E;
        const got = binomialTail(k, n, p).log10PValue;
        if (ref === 0) expect(Math.abs(got)).toBeLessThan(1e-300);
        else expect(relErr(got, ref)).toBeLessThan(1e-10);
        if (k >= 1 && k <= n) {
          // P(X <= k - 1) = 1 - P(X >= k), from the same reference terms.
          const refLow = Math.log1p(-Math.exp(referenceLogUpper(k, n, p))) * Math.LOG10E;
          const low = binomialLowerTail(k - 1, n, p).log10PValue;
          if (Number.isFinite(refLow) && refLow < -1e-300 && Math.exp(referenceLogUpper(k, n, p)) < 0.5) {
            expect(relErr(low, refLow)).toBeLessThan(1e-10);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with the exact log-sum for p far below 1e-16 or within 1e-16 of 1 (issue 13, finding 9)', () => {
    // log-uniform p down to the smallest subnormal, and 1 - p likewise down to 2^-53.
    const extreme = fc.oneof(
      fc.double({ min: -323, max: -6, noNaN: true }).map((e) => Math.max(10 ** e, Number.MIN_VALUE)),
      fc.double({ min: -15.9, max: -6, noNaN: true }).map((e) => 1 - 10 ** e),
    );
    fc.assert(
      fc.property(innerPair(300), extreme, ({ n, k }, p) => {
        const ref = referenceLogUpper(k, n, p) * Math.LOG10E;
        const got = binomialTail(k, n, p).log10PValue;
        expect(Number.isFinite(got)).toBe(true);
        if (ref === 0) expect(Math.abs(got)).toBeLessThan(1e-300);
        else expect(relErr(got, ref)).toBeLessThan(1e-10);
      }),
      { numRuns: 400 },
    );
  });

  it('respects the Chernoff bound ln P <= -n KL(k/n || p) for k/n > p (equality at k = n)', () => {
    fc.assert(
      fc.property(innerPair(1e7), probability, ({ n, k }, p) => {
        fc.pre(k / n > p);
        const lnP = binomialTail(k, n, p).log10PValue * Math.LN10;
        const { value, err } = kl(k / n, p);
        const bound = -n * value;
        expect(lnP).toBeLessThanOrEqual(bound + 1e-13 * Math.abs(bound) + n * err);
      }),
      { numRuns: 300 },
    );
  });

  it('upper tail + lower complement sum to 1 for moderate values', () => {
    fc.assert(
      fc.property(innerPair(5000), probability, ({ n, k }, p) => {
        const up = binomialTail(k, n, p).pValue;
        const low = binomialLowerTail(k - 1, n, p).pValue;
        expect(Math.abs(up + low - 1)).toBeLessThan(1e-13);
      }),
      { numRuns: 300 },
    );
  });

  it('P(X <= k; p) = P(X >= n - k; 1 - p) for dyadic p (1 - p exact)', () => {
    fc.assert(
      fc.property(countPair(1e6), fc.integer({ min: 1, max: 1023 }), ({ n, k }, m) => {
        fc.pre(k <= n);
        const p = m / 1024;
        const a = binomialLowerTail(k, n, p).log10PValue;
        const b = binomialTail(n - k, n, 1 - p).log10PValue;
        expect(relErr(a, b)).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });
});

describe('binomialInterval properties', () => {
  it('contains k/n and its ends solve the defining tail equations', () => {
    fc.assert(
      fc.property(countPair(1e5), fc.constantFrom(0.5, 0.9, 0.95, 0.99, 0.999), ({ n, k }, level) => {
        fc.pre(k <= n);
        const { lower, upper } = binomialInterval(k, n, level);
        const half = (1 - level) / 2;
        expect(lower).toBeGreaterThanOrEqual(0);
        expect(upper).toBeLessThanOrEqual(1);
        if (n > 0) {
          expect(lower).toBeLessThanOrEqual(k / n);
          expect(upper).toBeGreaterThanOrEqual(k / n);
        }
        if (k > 0) expect(relErr(binomialTail(k, n, lower).pValue, half)).toBeLessThan(1e-9);
        if (k < n) expect(relErr(binomialLowerTail(k, n, upper).pValue, half)).toBeLessThan(1e-9);
      }),
      { numRuns: 150 },
    );
  });
});

describe('Kolmogorov-Smirnov properties', () => {
  it('statistic in [1/(2n), 1], p-value in [0, 1], p-value = ksPValue(statistic, n)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }), (xs) => {
        const r = ksUniform(xs);
        expect(r.n).toBe(xs.length);
        expect(r.statistic).toBeGreaterThanOrEqual(1 / (2 * xs.length) - 1e-15);
        expect(r.statistic).toBeLessThanOrEqual(1);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(r.pValue).toBe(ksPValue(r.statistic, r.n));
      }),
      { numRuns: 200 },
    );
  });

  it('is invariant under reordering of the sample', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 100 }), (xs) => {
        expect(ksUniform([...xs].reverse())).toEqual(ksUniform(xs));
      }),
      { numRuns: 100 },
    );
  });

  it('p-value is non-increasing in the statistic, across every algorithm switch', () => {
    const sizes = [1, 2, 3, 7, 20, 100, 500, KS_EXACT_MAX_N, KS_EXACT_MAX_N + 1, 5000, 100_000, 100_001, 1_000_000];
    fc.assert(
      fc.property(
        fc.constantFrom(...sizes),
        fc.double({ min: 0, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 0.3, noNaN: true }),
        (n, z, dz) => {
          // Pairs of statistics around z = d sqrt(n), where the switches (n d^2 = 2.25, 4, 5) live.
          const d1 = Math.min(1, z / Math.sqrt(n));
          const d2 = Math.min(1, (z + dz) / Math.sqrt(n));
          const p1 = ksPValue(d1, n);
          const p2 = ksPValue(d2, n);
          expect(p2).toBeLessThanOrEqual(p1 * (1 + 1e-12));
        },
      ),
      { numRuns: 120 },
    );
  });

  it('uniform samples give roughly uniform p-values (mean near 1/2)', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const ps: number[] = [];
    for (let t = 0; t < 400; t++) ps.push(ksUniform(Array.from({ length: 30 }, rand)).pValue);
    const mean = ps.reduce((a, b) => a + b, 0) / ps.length;
    // sd of the mean of 400 U(0,1) is 0.0144: allow 5 sd.
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.075);
    // And the p-values themselves pass a KS test of uniformity at a loose level.
    expect(ksUniform(ps).pValue).toBeGreaterThan(1e-3);
  });
});

describe('Holm properties', () => {
  const pArray = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 60 });

  it('adjusted >= raw, <= 1, and order-preserving', () => {
    fc.assert(
      fc.property(pArray, (p) => {
        const adj = holm(p);
        expect(adj.length).toBe(p.length);
        for (let i = 0; i < p.length; i++) {
          expect(adj[i]).toBeGreaterThanOrEqual(p[i]);
          expect(adj[i]).toBeLessThanOrEqual(1);
          for (let j = 0; j < p.length; j++) if (p[i] <= p[j]) expect(adj[i]).toBeLessThanOrEqual(adj[j]);
        }
        // Bonferroni dominates Holm; the smallest adjusted value is exactly min(1, m * min p).
        if (p.length > 0) {
          const iMin = p.indexOf(Math.min(...p));
          expect(adj[iMin]).toBe(Math.min(1, p.length * p[iMin]));
          for (let i = 0; i < p.length; i++) expect(adj[i]).toBeLessThanOrEqual(Math.min(1, p.length * p[i]) + 1e-15);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('holmLog10 agrees with log10(holm) and stays ordered far below the float64 range', () => {
    fc.assert(
      fc.property(pArray, fc.double({ min: 0, max: 1e5, noNaN: true }), (p, shift) => {
        const positive = p.filter((x) => x > 1e-300);
        const adj = holm(positive).map(Math.log10);
        const adjLog = holmLog10(positive.map(Math.log10));
        for (let i = 0; i < positive.length; i++) expect(Math.abs(adj[i] - adjLog[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(adj[i])));
        // Multiplying every p-value by 10^-(shift + 1) multiplies the adjusted ones by the same factor
        // when none of them was capped at 1, even far below the float64 range.
        const logs = positive.map((x) => Math.log10(x) - shift - 1);
        const shifted = holmLog10(logs);
        for (let i = 0; i < logs.length; i++) {
          expect(shifted[i]).toBeGreaterThanOrEqual(logs[i]);
          expect(shifted[i]).toBeLessThanOrEqual(0);
          if (adjLog.every((v) => v < 0)) {
            expect(Math.abs(shifted[i] - (adjLog[i] - shift - 1))).toBeLessThan(1e-9 * Math.max(1, Math.abs(shifted[i])));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
