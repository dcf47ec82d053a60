/**
 * Special functions for the binomial tail: log-gamma, the Stirling remainder of log n!, Loader's
 * deviance `bd0`, and a few log-space helpers.
 *
 * Accuracy targets: `logGamma` is within about 1e-15 relative for x >= 15 and within about 1e-14
 * absolute below; `logBinomialCoefficient` is accurate to about 1e-15 relative for all n < 2^53
 * because it never forms the difference of two large log-gammas. test/stats.test.ts asserts these
 * against test/vectors/binomial.json; `npx tsx scripts/stats-accuracy.ts` prints the worst cases
 * (2.2e-16 relative and 3.6e-15 absolute for `logGamma`).
 *
 * @module
 */
import { checkInteger, checkNumber, rangeError } from '../assert.js';

/** ln(2 pi). */
const LN_2PI = 1.8378770664093454835606594728112;
/** 0.5 * ln(2 pi) = ln(sqrt(2 pi)). */
const LN_SQRT_2PI = 0.91893853320467274178032973640562;

/**
 * Coefficients B_{2j} / (2j (2j - 1)) of the Stirling series for ln Gamma, j = 1..7
 * (1/12, -1/360, 1/1260, -1/1680, 1/1188, -691/360360, 1/156).
 */
const STIRLING = [1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156];

/** Sum of the Stirling series for ln Gamma(x) - [(x - 1/2) ln x - x + ln sqrt(2 pi)], x >= 15. */
function stirlingSeries(x: number): number {
  const r = 1 / (x * x);
  let s = STIRLING[6];
  for (let i = 5; i >= 0; i--) s = STIRLING[i] + s * r;
  return s / x;
}

/**
 * Natural logarithm of the gamma function for x > 0.
 *
 * Stirling's series with seven terms for x >= 15 (truncation error below 4e-18), upward
 * recurrence ln Gamma(x) = ln Gamma(x + r) - ln(x (x+1) ... (x+r-1)) below.
 *
 * @param x - a positive number (`Infinity` gives `Infinity`)
 * @returns ln Gamma(x)
 * @throws TypeError if `x` is not a number; RangeError if `x` is NaN or not positive
 * @example
 * ```ts
 * logGamma(10); // ln(9!) = 12.801827480081469
 * ```
 */
export function logGamma(x: number): number {
  checkNumber('logGamma', 'x', x);
  if (!(x > 0)) throw rangeError('logGamma', 'x', '> 0', x);
  return logGammaUnchecked(x);
}

/** {@link logGamma} without argument checks; `x` must be > 0. @internal */
export function logGammaUnchecked(x: number): number {
  if (x === Infinity) return Infinity;
  if (x >= 15) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingSeries(x);
  // Recur up to x + r >= 15. The product stays far from overflow (x < 15, r <= 15).
  let prod = 1;
  let y = x;
  while (y < 15) {
    prod *= y;
    y += 1;
  }
  return (y - 0.5) * Math.log(y) - y + LN_SQRT_2PI + stirlingSeries(y) - Math.log(prod);
}

/**
 * The Stirling remainder of an integer factorial, ln n! - [(n + 1/2) ln n - n + ln sqrt(2 pi)],
 * for integers n >= 1 (Loader's `stirlerr`). Small (about 1/(12 n)), computed without the
 * cancellation that the difference of the two large terms would suffer.
 *
 * @internal
 */
export function stirlingError(n: number): number {
  if (n > 15) {
    const r = 1 / (n * n);
    // 1/12 - 1/(360 n^2) + 1/(1260 n^4) - 1/(1680 n^6) + 1/(1188 n^8); the next term,
    // 691/(360360 n^11), is below 1e-16 for n > 15.
    return (STIRLING[0] + r * (STIRLING[1] + r * (STIRLING[2] + r * (STIRLING[3] + r * STIRLING[4])))) / n;
  }
  // n! is exact in float64 for n <= 15; the difference below loses at most ~1e-14 absolute.
  let fact = 1;
  for (let i = 2; i <= n; i++) fact *= i;
  return Math.log(fact) - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
}

/**
 * Loader's deviance term bd0(x, M) = x ln(x / M) + M - x >= 0, for x > 0 and a mean M > 0, given
 * both M and the difference d = x - M, each computed accurately by the caller. For |d| < 0.1 (x + M)
 * it is evaluated with the series in v = d / (x + M), otherwise as x ln(x / M) - d.
 *
 * M is passed on its own, never re-derived as x - d: when M is below one ulp of x (n p = 1e-16
 * against k = 2) that difference is 0 or a multiple of the ulp, which made the pmf -Infinity or
 * quantized it (the binomialTinyP vectors of test/vectors/binomial.json check such cases). M must
 * be a normal double (callers take another path for means below 2^-1000, where x / M could
 * overflow).
 *
 * @internal
 */
export function bd0(x: number, mean: number, d: number): number {
  const sum = x + mean;
  if (Math.abs(d) < 0.1 * sum) {
    const v = d / sum;
    const v2 = v * v;
    let s = d * v;
    let ej = 2 * x * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / mean) - d;
}

const SPLITTER = 134217729; // 2^27 + 1

/**
 * Exact product a * b as an unevaluated sum hi + lo (Dekker / Veltkamp), for |a|, |b| well inside
 * the float64 range. @internal
 */
export function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const lo = al * bl - (((hi - ah * bh) - al * bh) - ah * bl);
  return [hi, lo];
}

/** k - n p computed to nearly full relative precision (n p formed exactly as a double-double). @internal */
export function deviation(k: number, n: number, p: number): number {
  const [hi, lo] = twoProduct(n, p);
  return (k - hi) - lo;
}

/**
 * ln(1 - e^x) for x <= 0, accurate on both sides of ln 2 (Maechler's log1mexp). @internal
 */
export function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** Below this mean n p, x / (n p) may overflow; the pmf is then summed from its plain factors. */
const TINY_MEAN = 2 ** -1000;

/**
 * Natural log of the binomial pmf, ln P(X = k) for X ~ Bin(n, p), with Loader's saddle-point
 * form (as in R's dbinom): stirling remainders plus the deviances bd0(k, np) + bd0(n-k, nq), which
 * never cancels large terms. Both means are formed as double-doubles from n p, so each keeps its
 * relative precision however small it is (n p for p near 0, n q = n - n p for p near 1). For
 * n p < 2^-1000 the plain form ln C(n, k) + k ln p + (n - k) ln(1 - p) is used: there k ln p
 * dominates and nothing cancels. No argument checks. @internal
 */
export function logPmfUnchecked(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return -Infinity;
  if (k === 0) return n === 0 ? 0 : n * Math.log1p(-p);
  if (k === n) return n * Math.log(p);
  const [hi, lo] = twoProduct(n, p);
  if (hi < TINY_MEAN) return logChooseUnchecked(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  const d = (k - hi) - lo; // k - n p; (n - k) - n q = -d exactly
  const meanQ = (n - hi) - lo; // n q, to nearly full relative precision even when q < 2^-53 n
  const lc = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - bd0(k, hi + lo, d) - bd0(n - k, meanQ, -d);
  // ln(2 pi k (n - k) / n); (n - k) / n, not 1 - k / n, which loses digits when k is near n.
  const lf = LN_2PI + Math.log(k) + Math.log((n - k) / n);
  return lc - 0.5 * lf;
}

/**
 * Natural log of the binomial coefficient C(n, k) for integers 0 <= k <= n < 2^53, accurate to a
 * few ulps even for n near 2^53. It uses the entropy form
 * ln C(n, k) = k ln(n/k) - (n-k) ln(1 - k/n) - (1/2) ln(2 pi k (n-k)/n) + stirlerr(n) - stirlerr(k)
 * - stirlerr(n-k), whose large terms are all positive, so no two large log-gammas are subtracted.
 *
 * @param n - a non-negative safe integer
 * @param k - an integer in [0, n]
 * @returns ln C(n, k)
 * @throws TypeError if an argument is not a number; RangeError if not integers with 0 <= k <= n
 * @example
 * ```ts
 * logBinomialCoefficient(10, 3); // ln 120 = 4.78749174278204...
 * ```
 */
export function logBinomialCoefficient(n: number, k: number): number {
  checkInteger('logBinomialCoefficient', 'n', n, 0);
  checkInteger('logBinomialCoefficient', 'k', k);
  if (k < 0 || k > n) throw rangeError('logBinomialCoefficient', 'k', `in [0, n] = [0, ${n}]`, k);
  return logChooseUnchecked(n, k);
}

/** {@link logBinomialCoefficient} without argument checks. @internal */
export function logChooseUnchecked(n: number, k: number): number {
  if (k > n - k) k = n - k;
  if (k <= 0) return k === 0 ? 0 : -Infinity;
  const x = k / n;
  const big = k * Math.log(n / k) - (n - k) * Math.log1p(-x);
  const small = stirlingError(n) - stirlingError(k) - stirlingError(n - k) - 0.5 * (LN_2PI + Math.log(k) + Math.log1p(-x));
  return big + small;
}
