/**
 * The exact two-sided binomial test: a green deficit is as impossible without the key as an excess.
 *
 * @module
 */
import { rangeError } from '../assert.js';
import { checkBinomialArgs, logTailsAt, logUpperTailUnchecked } from './binomial.js';
import type { TailProbability } from './types.js';

/** Result of {@link binomialTwoSided}: the two-sided p-value with both one-sided tails. */
export interface TwoSidedTest extends TailProbability {
  /** P(X >= k), the excess tail. */
  readonly upper: TailProbability;
  /** P(X <= k), the deficit tail. */
  readonly lower: TailProbability;
  /** Which tail is the smaller: `'excess'` when P(X >= k) <= P(X <= k), else `'deficit'`. */
  readonly direction: 'excess' | 'deficit';
}

/** ln P(X <= k) for X ~ Bin(n, p), 0 <= k, without argument checks. @internal */
export function logLowerTailUnchecked(k: number, n: number, p: number): number {
  if (k >= n) return 0;
  if (k === 0) return n * Math.log1p(-p);
  return logTailsAt(k + 1, n, p).lower;
}

/** The public pair from a natural log; -0 becomes +0. @internal */
export function tailFromLog(lnP: number): TailProbability {
  return { pValue: Math.exp(lnP), log10PValue: lnP * Math.LOG10E + 0 };
}

/**
 * Natural logs of the two-sided test without argument checks: `ln2` = ln min(1, 2 min(U, L)),
 * `lnUpper` = ln U = ln P(X >= k), `lnLower` = ln L = ln P(X <= k), for 0 <= k <= n. @internal
 */
export function logTwoSidedUnchecked(k: number, n: number, p: number): { ln2: number; lnUpper: number; lnLower: number } {
  const lnUpper = logUpperTailUnchecked(k, n, p);
  const lnLower = logLowerTailUnchecked(k, n, p);
  return { ln2: Math.min(0, Math.LN2 + Math.min(lnUpper, lnLower)), lnUpper, lnLower };
}

/**
 * Exact two-sided binomial test for X ~ Bin(n, p) at the observed count k:
 * p2 = min(1, 2 min(P(X >= k), P(X <= k))), the smaller exact one-sided tail doubled.
 *
 * Level: for every a in [0, 1], P_null(p2 <= a) <= a (each exact one-sided tail is super-uniform,
 * and p2 <= a needs one of them <= a / 2). The test is conservative (discrete, and the doubling
 * counts the shared atom P(X = k) on both sides); against an excess alone it costs at most log10 2
 * compared with {@link binomialTail}.
 *
 * Use it where an attacker may over-correct: a significant green deficit (z well below 0) is as
 * impossible without the key as an excess.
 *
 * @param k - observed count, an integer in [0, n]
 * @param n - trials, a safe integer >= 0
 * @param p - success probability under the null, in (0, 1)
 * @returns the two-sided `{ pValue, log10PValue }` with both tails and the direction
 * @throws TypeError if an argument is not a number; RangeError if n is not a safe integer >= 0, k
 *   is not an integer in [0, n], or p is not in (0, 1)
 * @example
 * ```ts
 * binomialTwoSided(30, 200, 0.25).log10PValue; // log10(2 P(X <= 30)) = -3.0809...
 * binomialTwoSided(30, 200, 0.25).direction;   // 'deficit'
 * ```
 */
export function binomialTwoSided(k: number, n: number, p: number): TwoSidedTest {
  checkBinomialArgs('binomialTwoSided', k, n, p);
  if (k < 0 || k > n) throw rangeError('binomialTwoSided', 'k', `in [0, n] = [0, ${n}]`, k);
  const { ln2, lnUpper, lnLower } = logTwoSidedUnchecked(k, n, p);
  return {
    ...tailFromLog(ln2),
    upper: tailFromLog(lnUpper),
    lower: tailFromLog(lnLower),
    direction: lnUpper <= lnLower ? 'excess' : 'deficit',
  };
}
