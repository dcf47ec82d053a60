/**
 * The family test of a key family (K cohorts x E epochs): one verdict over every member key, and
 * per-key p-values for attribution.
 *
 * @module
 */
import { checkOpenUnit, rangeError } from '../assert.js';
import { logUpperTailUnchecked } from './binomial.js';
import { readCounts, type BinomialCount } from './counts.js';
import { holmLog10Unchecked, sidakLog10Unchecked } from './multiple.js';
import { tailFromLog } from './two-sided.js';
import type { TailProbability } from './types.js';

/** Result of {@link familyTest}. */
export interface FamilyTest {
  /** One-sided exact test of all keys' green decisions pooled: P(Bin(sum n_j, p) >= sum s_j). */
  readonly pooled: TailProbability;
  /** Sidak-corrected smallest per-key p-value, 1 - (1 - min_j p_j)^M, and the key it came from. */
  readonly minP: TailProbability & { readonly index: number };
  /** Per-key one-sided exact p-values P(Bin(n_j, p) >= s_j), in input order. */
  readonly perKey: readonly TailProbability[];
  /** log10 of the Holm-adjusted per-key p-values, in input order. */
  readonly holmLog10: readonly number[];
}

/**
 * Tests a key family: the same deduplicated (window, token) pairs scored under M member keys
 * (K cohorts x E epochs), key j finding s_j green among n_j scored.
 *
 * Null: the suspect never saw text marked by any member key. Member keys are independent PRF keys,
 * so the green decisions of distinct pairs under distinct keys are independent Bernoulli(p).
 * - `pooled`: the exact one-sided test of all M keys' decisions together,
 *   P(Bin(sum_j n_j, p) >= sum_j s_j) (Binomial(N K E, p) when every key scores the same N pairs).
 *   Strongest when the signal is spread over all keys; its z shrinks like 1/sqrt(M) when the
 *   signal sits in one key.
 * - `minP`: Sidak over the M exact per-key tails, 1 - (1 - min_j p_j)^M: valid because the per-key
 *   tests are independent and super-uniform (P_null(minP <= a) <= a); it loses at most log10 M
 *   against the single key that carries the signal.
 * Choose which one is the verdict before reading the suspect. `perKey` and `holmLog10` (Holm over
 * the M keys, valid under any dependence) say which keys the student carries: read them only
 * after the family test fires.
 *
 * @param keys - per-key counts `{ trials, successes }` (at least one)
 * @param p - the null success probability (the scheme's exact green fraction), in (0, 1)
 * @returns the pooled and min-p family tests, per-key p-values and their Holm adjustment
 * @throws TypeError if `keys` is not an array of objects or a count is not a number; RangeError if
 *   it is empty, a count is not a safe integer, successes exceed trials, the pooled trials exceed
 *   2^53 - 1, or p is not in (0, 1)
 * @example
 * ```ts
 * const f = familyTest([{ trials: 1e5, successes: 25_000 }, { trials: 1e5, successes: 26_000 }], 0.25);
 * f.minP.index; // 1
 * ```
 */
export function familyTest(keys: ArrayLike<BinomialCount>, p: number): FamilyTest {
  const api = 'familyTest';
  const counts = readCounts(api, 'keys', keys);
  if (counts.length === 0) throw rangeError(api, 'keys', 'at least one key', keys);
  checkOpenUnit(api, 'p', p);
  let trials = 0;
  let successes = 0;
  for (const c of counts) {
    trials += c.trials;
    successes += c.successes;
  }
  if (!Number.isSafeInteger(trials)) throw rangeError(api, 'keys', 'counts whose total trials are a safe integer', keys);
  const lnPerKey = counts.map((c) => logUpperTailUnchecked(c.successes, c.trials, p));
  let index = 0;
  for (let j = 1; j < lnPerKey.length; j++) if (lnPerKey[j] < lnPerKey[index]) index = j;
  const minLog10 = sidakLog10Unchecked(lnPerKey[index] * Math.LOG10E + 0, counts.length);
  return {
    pooled: tailFromLog(logUpperTailUnchecked(successes, trials, p)),
    minP: { pValue: 10 ** minLog10, log10PValue: minLog10, index },
    perKey: lnPerKey.map(tailFromLog),
    holmLog10: holmLog10Unchecked(lnPerKey.map((v) => v * Math.LOG10E + 0)),
  };
}
