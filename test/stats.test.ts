import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  KS_EXACT_MAX_N,
  binomialInterval,
  binomialLowerTail,
  binomialPmfLog,
  binomialTail,
  holm,
  holmLog10,
  ksPValue,
  ksUniform,
  logBinomialCoefficient,
  logGamma,
  normalTail,
  sidak,
  sidakLog10,
  zScore,
} from '../src/stats/index.js';
import { radiomarkErrorData } from '../src/errors.js';
import { smirnovLogSf } from '../src/stats/ks.js';

/**
 * Reference values come from scripts/binomial-vectors.py (mpmath at 60 digits for the binomial, the
 * normal tail and Clopper-Pearson; an extended-precision Noe recursion and the exact Smirnov sum for
 * Kolmogorov-Smirnov). Nothing here is computed by the code under test.
 */
interface BinomialVector {
  label: string;
  n: number;
  k: number;
  p: number;
  log10PValue: number;
  pValue: number;
  log10LowerPValue: number | null;
}
interface Vectors {
  tools: { mpmath: string };
  binomial: BinomialVector[];
  normal: { z: number; pValue: number; log10PValue: number }[];
  logGamma: { x: number; value: number }[];
  clopperPearson: { k: number; n: number; level: number; lower: number; upper: number }[];
  ksDistribution: { n: number; d: number; pValue: number; method: string }[];
  ksSamples: { kind: string; n: number; values: number[]; statistic: number; pValue: number; scipyPValue: number }[];
  binomialTinyP: { n: number; k: number; p: number; log10PValue: number; log10LowerPValue: number; log10PmfValue: number }[];
}
const V = JSON.parse(readFileSync(new URL('./vectors/binomial.json', import.meta.url), 'utf8')) as Vectors;

/** Relative error, with exact agreement required when the reference is 0. */
function rel(actual: number, expected: number): number {
  if (expected === 0) return Math.abs(actual);
  return Math.abs(actual / expected - 1);
}

/** Smallest normal float64: below it a pValue is subnormal and carries fewer digits. */
const MIN_NORMAL = 2.2250738585072014e-308;

describe('binomialTail against 60-digit mpmath sums', () => {
  it('has the vector set the brief asks for', () => {
    expect(V.binomial.length).toBeGreaterThanOrEqual(80);
    expect(V.binomial.length).toBeLessThanOrEqual(150);
    expect(Math.min(...V.binomial.map((c) => c.log10PValue))).toBeLessThan(-1e5);
    expect(V.binomial.some((c) => c.n === 1e7)).toBe(true);
  });

  it('log10PValue within 1e-9 relative, pValue within 1e-9 relative where it does not underflow', () => {
    let worstLog = 0;
    let worstP = 0;
    for (const c of V.binomial) {
      const r = binomialTail(c.k, c.n, c.p);
      const e = rel(r.log10PValue, c.log10PValue);
      expect(e, `${c.label}: n=${c.n} k=${c.k} p=${c.p}`).toBeLessThan(1e-9);
      expect(Number.isFinite(r.log10PValue)).toBe(true);
      worstLog = Math.max(worstLog, e);
      if (c.pValue >= MIN_NORMAL) {
        const ep = rel(r.pValue, c.pValue);
        expect(ep, `pValue n=${c.n} k=${c.k} p=${c.p}`).toBeLessThan(1e-9);
        worstP = Math.max(worstP, ep);
      } else {
        expect(r.pValue).toBeLessThan(MIN_NORMAL);
      }
    }
    // The measured accuracy is far better than the contract; keep a margin but catch regressions.
    // (measured 3.2e-13 and 2.2e-13, at n = 10^7 right at the mean)
    expect(worstLog).toBeLessThan(1e-12);
    expect(worstP).toBeLessThan(1e-12);
  });

  it('binomialLowerTail(k - 1) matches log10 P(X <= k - 1) within 1e-9 relative', () => {
    for (const c of V.binomial) {
      if (c.log10LowerPValue === null) continue;
      const r = binomialLowerTail(c.k - 1, c.n, c.p);
      expect(rel(r.log10PValue, c.log10LowerPValue), `n=${c.n} k=${c.k} p=${c.p}`).toBeLessThan(1e-9);
    }
  });

  it('gets the off-by-one trap right: P(X >= 65) = 0.01033 for n = 200, p = 0.25, not scipy binom.sf(65) = 0.0068', () => {
    const right = binomialTail(65, 200, 0.25);
    expect(right.pValue).toBeGreaterThan(0.01033);
    expect(right.pValue).toBeLessThan(0.01034);
    // scipy's binom.sf(65, 200, 0.25) is P(X > 65) = P(X >= 66).
    const wrong = binomialTail(66, 200, 0.25);
    expect(wrong.pValue).toBeGreaterThan(0.00678);
    expect(wrong.pValue).toBeLessThan(0.00679);
    const ref = V.binomial.find((c) => c.n === 200 && c.k === 65)!;
    expect(rel(right.log10PValue, ref.log10PValue)).toBeLessThan(1e-12);
  });

  it('reproduces the published figure: 64,234 green of 248,200 at gamma 0.25 gives p = 3.28e-24', () => {
    const r = binomialTail(64234, 248200, 0.25);
    expect(r.pValue).toBeGreaterThan(3.275e-24);
    expect(r.pValue).toBeLessThan(3.285e-24);
    const ref = V.binomial.find((c) => c.n === 248200 && c.k === 64234)!;
    expect(rel(r.log10PValue, ref.log10PValue)).toBeLessThan(1e-12);
  });

  it('stays finite and nonzero far below the float64 range', () => {
    const all = binomialTail(1e7, 1e7, 0.5);
    expect(all.log10PValue).toBeCloseTo(-1e7 * Math.log10(2), 6);
    expect(all.pValue).toBe(0);
    const extreme = binomialTail(5_000_000, 1e7, 0.25);
    expect(Number.isFinite(extreme.log10PValue)).toBe(true);
    expect(extreme.log10PValue).toBeLessThan(-5e5);
  });

  it('k <= 0 is certain, k > n impossible', () => {
    for (const k of [0, -1, -1000]) {
      const r = binomialTail(k, 100, 0.3);
      expect(r.pValue).toBe(1);
      expect(Object.is(r.log10PValue, 0)).toBe(true);
    }
    expect(binomialTail(101, 100, 0.3)).toEqual({ pValue: 0, log10PValue: -Infinity });
    expect(binomialTail(0, 0, 0.3)).toEqual({ pValue: 1, log10PValue: 0 });
    expect(binomialTail(1, 0, 0.3)).toEqual({ pValue: 0, log10PValue: -Infinity });
    expect(binomialLowerTail(-1, 10, 0.3)).toEqual({ pValue: 0, log10PValue: -Infinity });
    expect(binomialLowerTail(10, 10, 0.3)).toEqual({ pValue: 1, log10PValue: 0 });
  });

  it('k = n and k = 0 closed forms', () => {
    expect(binomialTail(10, 10, 0.5).pValue).toBe(2 ** -10);
    expect(rel(binomialLowerTail(0, 1000, 0.1).log10PValue, 1000 * Math.log10(0.9))).toBeLessThan(1e-15);
  });

  it('computes a 100-point running curve up to n = 10^7 and the worst case for the summation', () => {
    // Speed is a bench figure (npm run bench), not an assertion here.
    let prev = 0;
    for (let i = 1; i <= 100; i++) {
      const n = 100_000 * i; // up to 10^7, at the green rate 0.2588 of the published figure
      const l = binomialTail(Math.round(n * 0.2588), n, 0.25).log10PValue;
      expect(Number.isFinite(l)).toBe(true);
      expect(l).toBeLessThan(prev); // a fixed excess rate grows more significant with n
      prev = l;
    }
    // Right at the mean of n = 10^7, p = 1/2, where the most terms are summed: P(X >= n/2 + i) near 1/2.
    for (let i = 0; i < 100; i++) {
      const l = binomialTail(5_000_000 + i, 1e7, 0.5).log10PValue;
      expect(l).toBeLessThan(Math.log10(0.51));
      expect(l).toBeGreaterThan(Math.log10(0.47));
    }
  });
});

describe('binomial tails for p far below 1e-16 and within 1e-16 of 1 (issue 13, finding 9)', () => {
  // Before the fix, bd0 re-derived the mean n p as k - (k - n p): when n p is below one ulp of k
  // that difference is 0 and the pmf became -Infinity (binomialTail(2, 10, 1e-17)), or it was
  // quantized to multiples of 1.1e-16 (binomialTail(1, 10, 1e-17) gave 1.11e-16, not 1e-16).
  it('the reported case: binomialTail(2, 10, 1e-17) has log10 p = -32.3468 (exact rational sum)', () => {
    const r = binomialTail(2, 10, 1e-17);
    expect(r.log10PValue).toBeCloseTo(-32.346787486224656, 12);
    expect(rel(r.pValue, 10 ** -32.346787486224656)).toBeLessThan(1e-13);
    expect(rel(binomialTail(1, 10, 1e-17).pValue, 1e-16)).toBeLessThan(1e-14);
  });

  it('upper tail, lower tail and pmf within 1e-12 relative of mpmath and exact rationals', () => {
    expect(V.binomialTinyP.length).toBeGreaterThanOrEqual(70);
    for (const c of V.binomialTinyP) {
      const where = `n=${c.n} k=${c.k} p=${c.p}`;
      const up = binomialTail(c.k, c.n, c.p).log10PValue;
      const low = binomialLowerTail(c.k - 1, c.n, c.p).log10PValue;
      const pmf = binomialPmfLog(c.k, c.n, c.p) * Math.LOG10E;
      expect(rel(up, c.log10PValue), `upper ${where}: ${up}`).toBeLessThan(1e-12);
      expect(rel(low, c.log10LowerPValue), `lower ${where}: ${low}`).toBeLessThan(1e-12);
      expect(rel(pmf, c.log10PmfValue), `pmf ${where}: ${pmf}`).toBeLessThan(1e-12);
    }
  });

  it('Clopper-Pearson lower ends below 1e-16 solve their tail equation', () => {
    // At level 1 - 2^-53 the lower end for 1 success in 10 is about 5.55e-18; it used to stop where
    // the quantized tail read 1.1e-16, twice the target.
    const level = 1 - 2 ** -53;
    const half = (1 - level) / 2;
    for (const [k, n] of [[1, 10], [2, 10], [3, 1000], [1, 1e15]]) {
      const { lower } = binomialInterval(k, n, level);
      expect(rel(binomialTail(k, n, lower).pValue, half), `k=${k} n=${n} lower=${lower}`).toBeLessThan(1e-9);
    }
    expect(rel(binomialInterval(1, 10, level).lower, -Math.expm1(Math.log1p(-half) / 10))).toBeLessThan(1e-12);
  });

  it('Clopper-Pearson upper ends within 1e-16 of 1 round to 1, never below the true end', () => {
    const level = 1 - 2 ** -53;
    // P(X <= 9; u) = 1 - u^10 = 2^-54 gives u = 1 - 5.6e-18, whose nearest double is 1.
    expect(binomialInterval(9, 10, level).upper).toBe(1);
    expect(binomialInterval(0, 1, level).upper).toBe(1);
    // A representable end stays accurate: 1 - u^10 = 0.025 gives u = 0.975^(1/10).
    expect(rel(binomialInterval(9, 10, 0.95).upper, Math.exp(Math.log1p(-0.025) / 10))).toBeLessThan(1e-14);
  });
});

describe('binomialPmfLog, logGamma, logBinomialCoefficient', () => {
  it('pmf matches exact small cases', () => {
    expect(rel(Math.exp(binomialPmfLog(2, 4, 0.5)), 6 / 16)).toBeLessThan(1e-15);
    expect(rel(Math.exp(binomialPmfLog(3, 10, 0.25)), (120 * 0.25 ** 3 * 0.75 ** 7))).toBeLessThan(1e-14);
    expect(binomialPmfLog(11, 10, 0.25)).toBe(-Infinity);
    expect(binomialPmfLog(-1, 10, 0.25)).toBe(-Infinity);
  });

  it('pmf sums to 1', () => {
    for (const [n, p] of [[50, 0.3], [1000, 0.9], [997, 1 / 3]] as const) {
      let s = 0;
      for (let k = 0; k <= n; k++) s += Math.exp(binomialPmfLog(k, n, p));
      expect(Math.abs(s - 1)).toBeLessThan(1e-13);
    }
  });

  it('logGamma matches log factorials and Gamma(1/2) = sqrt(pi)', () => {
    let lf = 0; // ln n!
    for (let n = 1; n <= 170; n++) {
      lf += Math.log(n);
      expect(Math.abs(logGamma(n + 1) - lf), `n = ${n}`).toBeLessThan(1e-13 * Math.max(1, lf));
    }
    // Below 15 the documented accuracy is ~1e-14 absolute (upward recurrence).
    expect(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(1))).toBeLessThan(1e-14);
    expect(Math.abs(logGamma(2))).toBeLessThan(1e-14);
    for (const c of V.logGamma) {
      const tol = c.x >= 15 ? 1e-15 * Math.abs(c.value) : 1e-14 * Math.max(1, Math.abs(c.value));
      expect(Math.abs(logGamma(c.x) - c.value), `x = ${c.x}`).toBeLessThan(tol);
    }
    expect(logGamma(Infinity)).toBe(Infinity);
    // ln(10^7!) = 151180965.487569564898... (mpmath loggamma at 30 digits)
    expect(rel(logGamma(1e7 + 1), 151180965.48756957)).toBeLessThan(1e-15);
  });

  it('logBinomialCoefficient is exact on small cases and accurate for huge n', () => {
    expect(rel(logBinomialCoefficient(10, 3), Math.log(120))).toBeLessThan(1e-15);
    expect(logBinomialCoefficient(10, 0)).toBe(0);
    expect(logBinomialCoefficient(10, 10)).toBe(0);
    expect(rel(logBinomialCoefficient(1e7, 1), Math.log(1e7))).toBeLessThan(1e-15);
    expect(rel(logBinomialCoefficient(2 ** 52, 2), Math.log(2 ** 52) + Math.log(2 ** 52 - 1) - Math.LN2)).toBeLessThan(1e-15);
  });
});

describe('zScore and normalTail', () => {
  it('zScore is (k - np) / sqrt(npq)', () => {
    expect(zScore(65, 200, 0.25)).toBeCloseTo(15 / Math.sqrt(37.5), 14);
    expect(zScore(50, 200, 0.25)).toBe(0);
  });

  it('normalTail within 1e-13 relative of mpmath in log10, pValue where representable', () => {
    for (const c of V.normal) {
      const r = normalTail(c.z);
      if (c.log10PValue === 0) expect(Math.abs(r.log10PValue)).toBeLessThan(1e-300);
      else expect(rel(r.log10PValue, c.log10PValue), `z=${c.z}`).toBeLessThan(1e-13);
      if (c.pValue >= MIN_NORMAL) expect(rel(r.pValue, c.pValue), `z=${c.z}`).toBeLessThan(1e-12);
    }
    expect(normalTail(Infinity)).toEqual({ pValue: 0, log10PValue: -Infinity });
    expect(normalTail(-Infinity)).toEqual({ pValue: 1, log10PValue: 0 });
  });
});

describe('binomialInterval (Clopper-Pearson)', () => {
  it('matches the mpmath-solved endpoints within 1e-12 relative', () => {
    for (const c of V.clopperPearson) {
      const r = binomialInterval(c.k, c.n, c.level);
      expect(rel(r.lower, c.lower), `lower k=${c.k} n=${c.n}`).toBeLessThan(1e-12);
      expect(rel(r.upper, c.upper), `upper k=${c.k} n=${c.n}`).toBeLessThan(1e-12);
    }
  });

  it('k = 0 and k = n have closed forms', () => {
    expect(binomialInterval(0, 10, 0.95).lower).toBe(0);
    expect(rel(binomialInterval(0, 10, 0.95).upper, 1 - 0.025 ** 0.1)).toBeLessThan(1e-14);
    expect(binomialInterval(10, 10, 0.95).upper).toBe(1);
    expect(binomialInterval(0, 0, 0.99)).toEqual({ lower: 0, upper: 1 });
  });

  it('defaults to level 0.95', () => {
    expect(binomialInterval(5, 10)).toEqual(binomialInterval(5, 10, 0.95));
  });
});

describe('ksPValue and ksUniform', () => {
  it('exact range: within 1e-9 relative of the independent reference', () => {
    let worst = 0;
    for (const c of V.ksDistribution) {
      if (c.n > KS_EXACT_MAX_N) continue;
      const p = ksPValue(c.d, c.n);
      if (c.pValue < MIN_NORMAL) {
        expect(p, `n=${c.n} d=${c.d}`).toBeLessThan(1e-300);
        continue;
      }
      const e = rel(p, c.pValue);
      expect(e, `n=${c.n} d=${c.d} (${c.method})`).toBeLessThan(1e-9);
      worst = Math.max(worst, e);
    }
    expect(worst).toBeLessThan(1e-10);
  });

  it('asymptotic range (n > KS_EXACT_MAX_N): within 2e-4 relative', () => {
    let count = 0;
    for (const c of V.ksDistribution) {
      if (c.n <= KS_EXACT_MAX_N) continue;
      count++;
      expect(rel(ksPValue(c.d, c.n), c.pValue), `n=${c.n} d=${c.d}`).toBeLessThan(2e-4);
    }
    expect(count).toBeGreaterThan(10);
  });

  it('agrees with scipy.stats.kstest statistics and the reference p-values on stored samples', () => {
    for (const s of V.ksSamples) {
      const r = ksUniform(s.values);
      expect(r.n).toBe(s.n);
      expect(Math.abs(r.statistic - s.statistic)).toBeLessThan(1e-15);
      expect(rel(r.pValue, s.pValue), `${s.kind} n=${s.n}`).toBeLessThan(s.n <= KS_EXACT_MAX_N ? 1e-9 : 2e-4);
      // scipy's own p-value is exact only for n <= 140; above it scipy switches to the Pelz-Good
      // asymptotic in the body (off by up to ~2e-5 relative on these samples).
      expect(rel(r.pValue, s.scipyPValue)).toBeLessThan(s.n <= 140 ? 1e-10 : 1e-3);
    }
  });

  it('n = 1 and hand-computable cases', () => {
    // One point x: D = max(x, 1 - x) and P(D_1 >= d) = 2 (1 - d) for d >= 1/2.
    const r = ksUniform([0.3]);
    expect(r.statistic).toBeCloseTo(0.7, 15);
    expect(r.pValue).toBeCloseTo(0.6, 14);
    expect(ksPValue(0.5, 1)).toBe(1);
    expect(ksPValue(0.25, 2)).toBe(1); // d <= 1/(2n)
    expect(ksPValue(1, 5)).toBe(0);
    // n = 2, d >= 1/2: P = 2 (1 - d)^2.
    expect(ksPValue(0.75, 2)).toBeCloseTo(0.125, 14);
    // Evenly spaced midpoints give the smallest possible statistic.
    const mid = Array.from({ length: 10 }, (_, i) => (i + 0.5) / 10);
    expect(ksUniform(mid).statistic).toBeCloseTo(0.05, 15);
    expect(ksUniform(mid).pValue).toBe(1);
  });

  it('does not modify its input and accepts typed arrays', () => {
    const xs = [0.9, 0.1, 0.5];
    const before = [...xs];
    const a = ksUniform(xs);
    expect(xs).toEqual(before);
    expect(ksUniform(Float64Array.from(xs))).toEqual(a);
  });

  it('rejects a clearly non-uniform sample and accepts a uniform grid', () => {
    const skew = Array.from({ length: 500 }, (_, i) => ((i + 0.5) / 500) ** 2);
    expect(ksUniform(skew).pValue).toBeLessThan(1e-20);
  });
});

describe('ksPValue past KS_SMIRNOV_MAX_N (10^7): constant time, conservative (fuzz finding 6)', () => {
  it('returns for any safe n (it used an O(n) sum: n = 2^32 never returned)', () => {
    expect(ksPValue(0.3, 330643068)).toBe(0);
    expect(ksPValue(0.3, 2 ** 32)).toBe(0);
    expect(ksPValue(1e-6, 2 ** 40)).toBeGreaterThan(0.2);
    expect(ksPValue(1e-6, 2 ** 40)).toBeLessThan(1);
  });

  it('lies above the exact 2 P(D+ >= d) in the tail, within 5e-3 relative up to n d^2 = 300', () => {
    const n = 10_000_001;
    for (const nd2 of [4, 300]) {
      const d = Math.sqrt(nd2 / n);
      const exact = 2 * Math.exp(smirnovLogSf(n, d));
      const p = ksPValue(d, n);
      expect(p).toBeGreaterThanOrEqual(exact);
      expect(p / exact - 1).toBeLessThan(5e-3);
    }
  });
});

describe('holm, holmLog10, sidak, sidakLog10', () => {
  it('holm on the textbook example', () => {
    // Four hypotheses (Holm 1979 style example): sorted 0.005, 0.01, 0.03, 0.04 get 4x, 3x, 2x, 1x.
    const adj = holm([0.01, 0.04, 0.03, 0.005]);
    expect(adj[0]).toBeCloseTo(0.03, 15);
    expect(adj[1]).toBeCloseTo(0.06, 15);
    expect(adj[2]).toBeCloseTo(0.06, 15);
    expect(adj[3]).toBeCloseTo(0.02, 15);
    // R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") = 0.05 0.08 0.09 0.09 0.09
    const r = holm([0.01, 0.02, 0.03, 0.04, 0.05]);
    [0.05, 0.08, 0.09, 0.09, 0.09].forEach((v, i) => expect(r[i]).toBeCloseTo(v, 15));
    expect(holm([0.5, 0.9])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });

  it('holmLog10 equals log10(holm) when nothing underflows and works when it does', () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.7];
    const a = holm(p).map(Math.log10);
    const b = holmLog10(p.map(Math.log10));
    a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-14));
    const tiny = holmLog10([-400, -2, -300, -Infinity]);
    expect(tiny[0]).toBeCloseTo(-400 + Math.log10(3), 12);
    expect(tiny[1]).toBe(-2);
    expect(tiny[2]).toBeCloseTo(-300 + Math.log10(2), 12);
    expect(tiny[3]).toBe(-Infinity);
  });

  it('sidak is stable for tiny p and equals 1 - (1 - p)^m for moderate p', () => {
    expect(rel(sidak(1e-20, 10), 1e-19)).toBeLessThan(1e-15);
    expect(rel(sidak(0.3, 5), 1 - 0.7 ** 5)).toBeLessThan(1e-15);
    expect(sidak(0, 10)).toBe(0);
    expect(sidak(1, 3)).toBe(1);
  });

  it('sidakLog10 is log10(m) + log10(p) for tiny p and log10(sidak) otherwise', () => {
    expect(sidakLog10(-5000, 100)).toBeCloseTo(-4998, 10);
    expect(sidakLog10(-1e6, 10)).toBeCloseTo(-1e6 + 1, 8);
    expect(Math.abs(sidakLog10(Math.log10(0.3), 5) - Math.log10(1 - 0.7 ** 5))).toBeLessThan(1e-14);
    expect(Math.abs(sidakLog10(Math.log10(1e-10), 1e12) - Math.log10(-Math.expm1(1e12 * Math.log1p(-1e-10))))).toBeLessThan(1e-13);
    expect(sidakLog10(-Infinity, 5)).toBe(-Infinity);
    expect(sidakLog10(0, 5)).toBe(0);
  });
});

describe('argument validation names the API and the bad value', () => {
  const cases: [string, () => unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    ['binomialTail k type', () => binomialTail('3' as unknown as number, 10, 0.5), TypeError, /^binomialTail: "k"/],
    ['binomialTail k fraction', () => binomialTail(2.5, 10, 0.5), RangeError, /^binomialTail: "k" .*2\.5/],
    ['binomialTail k NaN', () => binomialTail(NaN, 10, 0.5), RangeError, /^binomialTail: "k" .*NaN/],
    ['binomialTail n negative', () => binomialTail(1, -1, 0.5), RangeError, /^binomialTail: "n" .*-1/],
    ['binomialTail n unsafe', () => binomialTail(1, 2 ** 53, 0.5), RangeError, /^binomialTail: "n"/],
    ['binomialTail n type', () => binomialTail(1, 10n as unknown as number, 0.5), TypeError, /^binomialTail: "n" .*10n/],
    ['binomialTail p = 1.5', () => binomialTail(1, 10, 1.5), RangeError, /^binomialTail: "p" must be in \(0, 1\), got 1\.5/],
    ['binomialTail p = 0', () => binomialTail(1, 10, 0), RangeError, /^binomialTail: "p" .*got 0/],
    ['binomialTail p = 1', () => binomialTail(1, 10, 1), RangeError, /^binomialTail: "p" .*got 1/],
    ['binomialTail p NaN', () => binomialTail(1, 10, NaN), RangeError, /^binomialTail: "p" .*NaN/],
    ['binomialTail p type', () => binomialTail(1, 10, null as unknown as number), TypeError, /^binomialTail: "p" .*null/],
    ['binomialLowerTail p', () => binomialLowerTail(1, 10, -0.1), RangeError, /^binomialLowerTail: "p"/],
    ['binomialLowerTail k', () => binomialLowerTail(0.5, 10, 0.1), RangeError, /^binomialLowerTail: "k"/],
    ['binomialPmfLog n', () => binomialPmfLog(1, 1.5, 0.1), RangeError, /^binomialPmfLog: "n"/],
    ['zScore n = 0', () => zScore(1, 0, 0.5), RangeError, /^zScore: "n" .*got 0/],
    ['zScore k Infinity', () => zScore(Infinity, 10, 0.5), RangeError, /^zScore: "k" .*Infinity/],
    ['zScore k type', () => zScore('1' as unknown as number, 10, 0.5), TypeError, /^zScore: "k"/],
    ['zScore p', () => zScore(1, 10, 2), RangeError, /^zScore: "p" .*got 2/],
    ['normalTail NaN', () => normalTail(NaN), RangeError, /^normalTail: "z" .*NaN/],
    ['normalTail type', () => normalTail(undefined as unknown as number), TypeError, /^normalTail: "z" .*undefined/],
    ['logGamma 0', () => logGamma(0), RangeError, /^logGamma: "x" .*got 0/],
    ['logGamma -1', () => logGamma(-1), RangeError, /^logGamma: "x" .*got -1/],
    ['logGamma type', () => logGamma('2' as unknown as number), TypeError, /^logGamma: "x"/],
    ['logBinomialCoefficient k > n', () => logBinomialCoefficient(3, 4), RangeError, /^logBinomialCoefficient: "k" .*got 4/],
    ['logBinomialCoefficient n', () => logBinomialCoefficient(-3, 0), RangeError, /^logBinomialCoefficient: "n" .*-3/],
    ['binomialInterval k > n', () => binomialInterval(11, 10), RangeError, /^binomialInterval: "k" .*got 11/],
    ['binomialInterval k < 0', () => binomialInterval(-1, 10), RangeError, /^binomialInterval: "k" .*got -1/],
    ['binomialInterval n', () => binomialInterval(1, 1.5), RangeError, /^binomialInterval: "n" .*1\.5/],
    ['binomialInterval level 1', () => binomialInterval(1, 10, 1), RangeError, /^binomialInterval: "level" .*got 1/],
    ['binomialInterval level type', () => binomialInterval(1, 10, '0.9' as unknown as number), TypeError, /^binomialInterval: "level"/],
    ['ksUniform type', () => ksUniform(5 as unknown as number[]), TypeError, /^ksUniform: "values"/],
    ['ksUniform string', () => ksUniform('0.5' as unknown as number[]), TypeError, /^ksUniform: "values"/],
    ['ksUniform empty', () => ksUniform([]), RangeError, /^ksUniform: "values" must be at least one value, got an array\(0\)/],
    ['ksUniform NaN', () => ksUniform([0.1, NaN]), RangeError, /^ksUniform: values\[1\] .*NaN/],
    ['ksUniform > 1', () => ksUniform([0.1, 0.2, 1.5]), RangeError, /^ksUniform: values\[2\] .*1\.5/],
    ['ksUniform < 0', () => ksUniform([-0.1]), RangeError, /^ksUniform: values\[0\] .*-0\.1/],
    ['ksUniform element type', () => ksUniform([0.1, '0.2' as unknown as number]), TypeError, /^ksUniform: values\[1\] .*"0\.2"/],
    ['ksPValue statistic', () => ksPValue(1.2, 10), RangeError, /^ksPValue: "statistic" .*1\.2/],
    ['ksPValue statistic type', () => ksPValue(null as unknown as number, 10), TypeError, /^ksPValue: "statistic"/],
    ['ksPValue n', () => ksPValue(0.2, 0), RangeError, /^ksPValue: "n" .*got 0/],
    ['holm type', () => holm(0.5 as unknown as number[]), TypeError, /^holm: "pValues"/],
    ['holm > 1', () => holm([0.5, 1.5]), RangeError, /^holm: pValues\[1\] .*1\.5/],
    ['holm NaN', () => holm([NaN]), RangeError, /^holm: pValues\[0\] .*NaN/],
    ['holm element type', () => holm([0.1, null as unknown as number]), TypeError, /^holm: pValues\[1\] .*null/],
    ['holm forged length (fuzz finding 13)', () => holm({ length: -1 } as unknown as number[]), RangeError, /^holm: pValues\.length must be an integer in \[0, 4294967295\], got -1/],
    ['ksUniform forged length', () => ksUniform({ length: 2 ** 40 } as unknown as number[]), RangeError, /^ksUniform: values\.length .*1099511627776/],
    ['holmLog10 > 0', () => holmLog10([-1, 0.5]), RangeError, /^holmLog10: log10PValues\[1\] .*0\.5/],
    ['holmLog10 type', () => holmLog10(null as unknown as number[]), TypeError, /^holmLog10: "log10PValues"/],
    ['sidak p', () => sidak(2, 3), RangeError, /^sidak: "p" .*got 2/],
    ['sidak p type', () => sidak('a' as unknown as number, 3), TypeError, /^sidak: "p"/],
    ['sidak m', () => sidak(0.1, 0.5), RangeError, /^sidak: "m" .*0\.5/],
    ['sidak m type', () => sidak(0.1, '3' as unknown as number), TypeError, /^sidak: "m"/],
    ['sidakLog10 > 0', () => sidakLog10(1, 3), RangeError, /^sidakLog10: "log10P" .*got 1/],
    ['sidakLog10 NaN', () => sidakLog10(NaN, 3), RangeError, /^sidakLog10: "log10P" .*NaN/],
    ['sidakLog10 m', () => sidakLog10(-1, Infinity), RangeError, /^sidakLog10: "m" .*Infinity/],
  ];
  for (const [name, fn, cls, msg] of cases) {
    it(name, () => {
      let caught: unknown;
      try {
        fn();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(cls);
      // RangeError is not a TypeError and vice versa.
      expect(caught).not.toBeInstanceOf(cls === TypeError ? RangeError : TypeError);
      const err = caught as Error;
      expect(err.message).toMatch(msg);
      // The API and the field travel as data (src/errors.ts), matching what the message names.
      const data = radiomarkErrorData(err);
      expect(data?.code).toBe(cls === TypeError ? 'INVALID_TYPE' : 'OUT_OF_RANGE');
      expect(err.message.startsWith(`${data?.api}: `)).toBe(true);
      expect(data?.field).toBeTruthy();
      expect(err.message).toContain(String(data?.field));
    });
  }
});
