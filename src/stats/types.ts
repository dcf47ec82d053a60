/**
 * A tail probability together with its base-10 logarithm.
 *
 * `log10PValue` is the quantity to store, compare and report: it stays finite far below the
 * float64 range (1e-308) where `pValue` underflows to 0. `pValue` is `10 ** log10PValue` rounded to
 * a float64.
 */
export interface TailProbability {
  /** The probability as a float64; may underflow to 0 for extreme tails. */
  readonly pValue: number;
  /** log10 of the probability; 0 for a certain event, -Infinity only for an impossible one. */
  readonly log10PValue: number;
}
