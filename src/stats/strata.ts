/**
 * One test over several strata, each tested both ways: an attacker who cancels the overall green
 * rate without the key hardly cancels it in every stratum the owner fixed beforehand.
 *
 * @module
 */
import { checkOpenUnit, rangeError } from '../assert.js';
import { zScoreUnchecked } from './binomial.js';
import { readCounts, type BinomialCount } from './counts.js';
import { holmLog10Unchecked, sidakLog10Unchecked } from './multiple.js';
import { logGammaQ } from './normal.js';
import { logTwoSidedUnchecked, tailFromLog, type TwoSidedTest } from './two-sided.js';
import type { TailProbability } from './types.js';

/** How {@link combineStrata} combines the per-stratum two-sided p-values. */
export type StrataMethod = 'fisher' | 'min-p';

/** Options of {@link combineStrata}. */
export interface CombineStrataOptions {
  /** `'fisher'` (default) or `'min-p'`; see {@link combineStrata}. */
  readonly method?: StrataMethod;
}

/** One stratum's share of a {@link StrataTest}. */
export interface StratumResult extends TwoSidedTest {
  /** Scored positions in the stratum. */
  readonly trials: number;
  /** Green positions in the stratum. */
  readonly successes: number;
  /** (successes - trials p) / sqrt(trials p (1 - p)); 0 for an empty stratum. Display only. */
  readonly z: number;
  /** log10 of the Holm-adjusted two-sided p-value over the non-empty strata (0 when empty). */
  readonly holmLog10: number;
}

/** Result of {@link combineStrata}. */
export interface StrataTest extends TailProbability {
  /** The combination used. */
  readonly method: StrataMethod;
  /** Fisher's F = -2 sum ln p2_i (natural log), or for min-p the log10 of the smallest p2_i. */
  readonly statistic: number;
  /** Non-empty strata combined (empty ones carry no information and are left out). */
  readonly combined: number;
  /** Per-stratum results, in input order. */
  readonly strata: readonly StratumResult[];
}

/** Per-stratum natural-log two-sided p-values and results, empty strata included. */
function perStratum(counts: BinomialCount[], p: number): { ln2: number[]; strata: Omit<StratumResult, 'holmLog10'>[] } {
  const ln2: number[] = [];
  const strata = counts.map(({ trials, successes }) => {
    const t = logTwoSidedUnchecked(successes, trials, p);
    if (trials > 0) ln2.push(t.ln2);
    return {
      ...tailFromLog(t.ln2),
      upper: tailFromLog(t.lnUpper),
      lower: tailFromLog(t.lnLower),
      direction: t.lnUpper <= t.lnLower ? ('excess' as const) : ('deficit' as const),
      trials,
      successes,
      z: trials > 0 ? zScoreUnchecked(successes, trials, p) : 0,
    };
  });
  return { ln2, strata };
}

/** Holm over the non-empty strata, spread back to input order (0 for empty strata). */
function holmByStratum(counts: BinomialCount[], ln2: number[]): number[] {
  const adjusted = holmLog10Unchecked(ln2.map((v) => v * Math.LOG10E));
  let j = 0;
  return counts.map((c) => (c.trials > 0 ? adjusted[j++] : 0));
}

/**
 * One exact-or-conservative test over k disjoint strata of scored positions (for example by how
 * often the window occurs in the owner's served log), each stratum tested both ways with
 * {@link binomialTwoSided} at the same null rate p; strata must be fixed from the owner's data,
 * before the suspect is read, never from whether a (window, token) pair occurs there.
 *
 * - `'fisher'` (default): F = -2 sum_i ln p2_i over the non-empty strata, p = P(chi2_{2k} >= F).
 *   Strata are disjoint, so their tests are independent under the null, and each p2_i is
 *   super-uniform, so -2 ln p2_i is stochastically below chi2_2 and F below chi2_{2k}:
 *   P_null(p <= a) <= a for every a (conservative; exact for continuous p-values). Strong when
 *   several strata deviate (an attacker over-correcting some and under-correcting others).
 * - `'min-p'`: Sidak over the k two-sided p-values, 1 - (1 - min p2_i)^k, with the same guarantee;
 *   it loses only log10 k when the signal sits in one stratum.
 *
 * Empty strata (0 trials) are left out of k: which strata are empty depends on the positions, not
 * on their colours, so the null holds conditionally on it.
 *
 * @param strata - per-stratum counts `{ trials, successes }` (at least one)
 * @param p - the null success probability (the scheme's exact green fraction), in (0, 1)
 * @param options - `{ method }`
 * @returns the combined `{ pValue, log10PValue }`, the statistic, and per-stratum results with
 *   their Holm-adjusted p-values (to say which strata deviate, after the combined test fires)
 * @throws TypeError if `strata` is not an array of objects or a count is not a number; RangeError
 *   if it is empty, a count is not a safe integer, successes exceed trials, p is not in (0, 1), or
 *   the method is unknown
 * @example
 * ```ts
 * combineStrata([{ trials: 1e5, successes: 26_000 }, { trials: 1e5, successes: 24_000 }], 0.25);
 * // z = +7.3 and -7.3, overall rate exactly 0.25: log10PValue -23.31
 * ```
 */
export function combineStrata(strata: ArrayLike<BinomialCount>, p: number, options: CombineStrataOptions = {}): StrataTest {
  const api = 'combineStrata';
  const counts = readCounts(api, 'strata', strata);
  if (counts.length === 0) throw rangeError(api, 'strata', 'at least one stratum', strata);
  checkOpenUnit(api, 'p', p);
  const method = options.method ?? 'fisher';
  if (method !== 'fisher' && method !== 'min-p') throw rangeError(api, 'method', "'fisher' or 'min-p'", method);
  const { ln2, strata: results } = perStratum(counts, p);
  const holm = holmByStratum(counts, ln2);
  const k = ln2.length;
  const withHolm = results.map((r, i) => ({ ...r, holmLog10: holm[i] }));
  if (k === 0) return { pValue: 1, log10PValue: 0, method, statistic: 0, combined: 0, strata: withHolm };
  if (method === 'min-p') {
    const minLog10 = Math.min(...ln2) * Math.LOG10E;
    const log10PValue = sidakLog10Unchecked(minLog10, k);
    return { pValue: 10 ** log10PValue, log10PValue, method, statistic: minLog10, combined: k, strata: withHolm };
  }
  const { statistic, lnP } = fisherCombination(ln2);
  return { ...tailFromLog(lnP), method, statistic, combined: k, strata: withHolm };
}

/**
 * Fisher's combination of k >= 1 natural-log p-values: F = -2 sum ln p_i and ln P(chi2_{2k} >= F)
 * (exactly uniform when the p-values are independent and uniform). @internal
 */
export function fisherCombination(lnPValues: readonly number[]): { statistic: number; lnP: number } {
  const statistic = -2 * lnPValues.reduce((a, b) => a + b, 0);
  return { statistic, lnP: logGammaQ(lnPValues.length, statistic / 2) };
}
