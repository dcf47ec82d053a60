/**
 * The standard normal upper tail, in log space. For display and comparison only: the detection
 * test is the exact binomial tail.
 *
 * @module
 */
import { log1mExp, logGammaUnchecked } from './special.js';
import type { TailProbability } from './types.js';
import { checkNumber, rangeError } from '../assert.js';

const LN_SQRT_PI = 0.57236494292470008707171367567653; // ln Gamma(1/2)

/**
 * ln Q(a, x), the regularized upper incomplete gamma function, for a > 0, x >= 0: power series for
 * P when x < a + 1 (Q = 1 - P), Lentz's continued fraction otherwise (evaluated in log space, so
 * it never underflows). Relative accuracy about 1e-15 ({@link normalTail}, built on it, measures
 * 2.6e-15 at worst: `npx tsx scripts/stats-accuracy.ts`).
 * @internal
 */
export function logGammaQ(a: number, x: number): number {
  if (x === 0) return 0;
  if (x === Infinity) return -Infinity;
  const lnPrefix = a * Math.log(x) - x - (a === 0.5 ? LN_SQRT_PI : logGammaUnchecked(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let i = 1; i < 10_000; i++) {
      term *= x / (a + i);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return log1mExp(lnPrefix + Math.log(sum)); // ln(1 - P)
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return lnPrefix + Math.log(h);
}

/**
 * Upper tail of the standard normal distribution, P(Z >= z), with its log10 that stays finite far
 * beyond the float64 range (z = 40 gives log10 p = -349.4). Accurate to about 1e-14 relative (worst
 * 2.6e-15 against test/vectors/binomial.json: `npx tsx scripts/stats-accuracy.ts`).
 *
 * For display and comparison only: a z-score turned into a normal p-value is not a valid test of a
 * binomial count (it underestimates the false-positive rate in the tails). Use
 * {@link binomialTail} for decisions.
 *
 * @param z - any number (not NaN); +/-Infinity allowed
 * @returns `{ pValue, log10PValue }` of P(Z >= z)
 * @throws TypeError if `z` is not a number; RangeError if `z` is NaN
 * @example
 * ```ts
 * normalTail(1.959963984540054).pValue; // 0.025
 * normalTail(40).log10PValue;           // -349.43...
 * ```
 */
export function normalTail(z: number): TailProbability {
  checkNumber('normalTail', 'z', z);
  if (Number.isNaN(z)) throw rangeError('normalTail', 'z', 'a number (not NaN)', z);
  // P(Z >= z) = Q(1/2, z^2/2) / 2 for z >= 0.
  const lnHalfQ = logGammaQ(0.5, (z * z) / 2) - Math.LN2;
  const lnP = z >= 0 ? lnHalfQ : log1mExp(lnHalfQ);
  return { pValue: Math.exp(lnP), log10PValue: lnP * Math.LOG10E + 0 };
}
