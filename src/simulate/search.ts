/**
 * Inverse-CDF sampling's search, shared by the n-gram model and the synthetic teacher.
 *
 * @module
 */

/**
 * First index in `[s, t)` whose cumulative value exceeds `u` (binary search over a nondecreasing
 * array; `t - 1` when none does).
 *
 * @param cum - cumulative counts or probabilities, nondecreasing on `[s, t)`
 * @param s - first index
 * @param t - end index (exclusive, greater than `s`)
 * @param u - the value to place
 */
export function firstAbove(cum: Float64Array, s: number, t: number, u: number): number {
  let lo = s;
  let hi = t - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
