/**
 * Tails of a weighted count T = sum_l w_l S_l, S_l ~ Bin(n_l, p) independent: the statistic when
 * scored positions are weighted (for a neural student, by how much the watermark could have lifted
 * the emitted token there), positions of one weight pooled into one level.
 *
 * Both functions work through the cumulant generating function of T,
 * K(lambda) = sum_l n_l ln(1 - p + p e^{lambda w_l}), and the exponential tilt lambda >= 0 that
 * puts the mean of T at the observed t (K'(lambda) = t):
 * - {@link weightedBinomialTail} (integer weights): P(T >= t) = e^{K(lambda) - lambda t}
 *   E_lambda[e^{-lambda (T - t)}; T >= t], the expectation under the tilted law (each level
 *   binomial with success probability p e^{lambda w} / (1 - p + p e^{lambda w})), whose
 *   distribution is computed by an FFT convolution of the tilted level pmfs. Under the tilt the
 *   mass sits at t, so the rounding of the FFT (about 1e-15 of the largest value) is small
 *   relative to what is summed, however far in the tail t is.
 * - {@link weightedBinomialBound} (any nonnegative weights): the Chernoff bound
 *   e^{K(lambda) - lambda t}, which is >= P(T >= t) for every lambda >= 0.
 *
 * @module
 */
import { checkFinite, checkInteger, checkOpenUnit, rangeError } from '../assert.js';
import { logUpperTailUnchecked } from './binomial.js';
import { readCounts, type BinomialCount } from './counts.js';
import { MAX_FFT_SIZE, convolveAll, nextPowerOfTwo, type StridedSequence } from './fft.js';
import { logPmfUnchecked } from './special.js';
import { chernoffExponent, logit, sigmoid, solveTilt, tiltSlope, type Level } from './tilt.js';
import { tailFromLog } from './two-sided.js';
import type { TailProbability } from './types.js';

/** One weight level: `trials` positions of weight `weight`, `successes` of them green. */
export interface WeightedCount extends BinomialCount {
  /** The weight of every position in the level (an integer for {@link weightedBinomialTail}). */
  readonly weight: number;
}

/** Result of {@link weightedBinomialTail} and {@link weightedBinomialBound}. */
export interface WeightedTest extends TailProbability {
  /** The observed statistic t = sum_l weight_l successes_l. */
  readonly statistic: number;
  /** Its mean under the null, p sum_l weight_l trials_l. */
  readonly mean: number;
  /** `'exact'` (P(T >= t)) or `'chernoff'` (an upper bound on it). */
  readonly method: 'exact' | 'chernoff';
}

/** Pmf values of a level tail below this fraction (e^-80) of its mode are left out of the convolution. */
const LOG_CUT = 80;

/** Reads and checks levels (weights integer or real), merges equal weights, drops empty levels. */
function readLevels(api: string, value: unknown, integer: boolean): Level[] {
  const counts = readCounts(api, 'levels', value);
  const arr = value as ArrayLike<{ weight?: unknown }>;
  const byWeight = new Map<number, { n: number; s: number }>();
  counts.forEach(({ trials, successes }, i) => {
    const w = arr[i].weight;
    const field = `levels[${i}].weight`;
    if (integer) checkInteger(api, field, w, 0);
    else {
      checkFinite(api, field, w);
      if (w < 0) throw rangeError(api, field, 'a finite number >= 0', w);
    }
    if (w === 0 || trials === 0) return;
    const m = byWeight.get(w) ?? { n: 0, s: 0 };
    byWeight.set(w, { n: m.n + trials, s: m.s + successes });
  });
  return [...byWeight].map(([w, { n, s }]) => ({ w, n, s })).sort((a, b) => a.w - b.w);
}

/** The observed t = sum w s, its null mean and maximum, and the number of weighted positions. */
function summarize(levels: readonly Level[], p: number): { t: number; mean: number; max: number; trials: number } {
  let t = 0;
  let max = 0;
  let trials = 0;
  for (const { w, n, s } of levels) {
    t += w * s;
    max += w * n;
    trials += n;
  }
  return { t, mean: p * max, max, trials };
}

/** ln pmf of Bin(n, sigmoid(theta)) at j, accurate for theta of either sign. */
function tiltedLogPmf(j: number, n: number, theta: number): number {
  if (theta <= 0) {
    const q = sigmoid(theta);
    return q > 0 ? logPmfUnchecked(j, n, q) : j === 0 ? 0 : -Infinity;
  }
  const r = sigmoid(-theta);
  return r > 0 ? logPmfUnchecked(n - j, n, r) : j === n ? 0 : -Infinity;
}

/** The tilted pmf of one level over the window where it is within e^-LOG_CUT of its mode. */
function levelWindow(n: number, theta: number): { lo: number; values: Float64Array } {
  const mode = Math.min(n, Math.max(0, Math.floor((n + 1) * sigmoid(theta))));
  const top = tiltedLogPmf(mode, n, theta);
  let lo = mode;
  let hi = mode;
  while (lo > 0 && tiltedLogPmf(lo - 1, n, theta) >= top - LOG_CUT) lo--;
  while (hi < n && tiltedLogPmf(hi + 1, n, theta) >= top - LOG_CUT) hi++;
  const values = new Float64Array(hi - lo + 1);
  for (let j = lo; j <= hi; j++) values[j - lo] = Math.exp(tiltedLogPmf(j, n, theta));
  return { lo, values };
}

/**
 * Half-width x of a window around the tilted mean holding all but e^-75 of the mass of T, from
 * Hoeffding's inequality P(|T - E T| >= x) <= 2 exp(-2 x^2 / sum_l n_l w_l^2).
 */
function hoeffdingHalfWidth(levels: readonly Level[]): number {
  let sumSquares = 0;
  for (const { w, n } of levels) sumSquares += n * w * w;
  return Math.ceil(Math.sqrt((sumSquares * (75 + Math.LN2)) / 2));
}

/** Largest total transform work (points times transforms) the exact tail takes on: a few seconds. */
const MAX_FFT_WORK = 2 ** 28;

/** The error for a convolution too large to compute. */
function tooLarge(api: string, size: number, input: unknown): Error {
  return rangeError(api, 'levels', `weights and counts whose exact convolution fits in ${MAX_FFT_SIZE} points and ${MAX_FFT_WORK} transformed points in all (these need ${size} points); use fewer or smaller integer weights, or weightedBinomialBound`, input);
}

/**
 * Refuses, before any pmf is evaluated, a convolution that cannot fit: both the Hoeffding window
 * and an estimate of the level windows' span (about 2 sqrt(2 LOG_CUT) sd per level) too large.
 */
function checkFeasible(api: string, levels: readonly Level[], p: number, lambda: number, input: unknown): void {
  const window = nextPowerOfTwo(2 * hoeffdingHalfWidth(levels) + 2);
  if (window <= MAX_FFT_SIZE) return;
  let span = 1;
  for (const { w, n } of levels) {
    const q = sigmoid(logit(p) + lambda * w);
    span += w * (2 * Math.sqrt(2 * LOG_CUT * n * q * (1 - q)) + 2);
  }
  if (nextPowerOfTwo(span) > MAX_FFT_SIZE) throw tooLarge(api, Math.min(window, nextPowerOfTwo(span)), input);
}

/**
 * ln E_lambda[e^{-lambda (T - t)}; T >= t] from the convolved tilted distribution of T, whose mean
 * is `centre`.
 */
function logTiltedTail(api: string, levels: readonly Level[], p: number, lambda: number, t: number, centre: number, input: unknown): number {
  checkFeasible(api, levels, p, lambda, input);
  const sequences: StridedSequence[] = [];
  let base = 0;
  let span = 1;
  for (const { w, n } of levels) {
    const { lo, values } = levelWindow(n, logit(p) + lambda * w);
    sequences.push({ values, stride: w });
    base += w * lo;
    span += w * (values.length - 1);
  }
  // The whole span when it is small; otherwise the Hoeffding window around the tilted mean, so
  // that what wraps around the cyclic convolution, or lies beyond the window, is below e^-75.
  const size = nextPowerOfTwo(Math.min(span, 2 * hoeffdingHalfWidth(levels) + 2));
  // One transform per two levels plus the inverse: bound the total work as well as the size.
  if (size > MAX_FFT_SIZE || (Math.ceil(levels.length / 2) + 1) * size > MAX_FFT_WORK) throw tooLarge(api, size, input);
  const dist = convolveAll(sequences, size);
  // The values of T the cyclic result stands for: a window of `size` around the tilted mean.
  const mid = Math.round(centre);
  const from = Math.max(t, base, mid - size / 2);
  const to = Math.min(base + span, mid + size / 2);
  let sum = 0;
  for (let u = from; u < to; u++) sum += dist[(u - base) % size] * Math.exp(-lambda * (u - t));
  return Math.log(sum);
}

/**
 * ln P(T >= t) at t = (observed statistic) + shift, integer weights: closed forms where they
 * exist, otherwise e^{K(lambda) - lambda t} E_lambda[e^{-lambda (T - t)}; T >= t].
 */
function logExactTail(api: string, levels: readonly Level[], p: number, shift: number, input: unknown): number {
  const sum = summarize(levels, p);
  const t = sum.t + shift;
  if (t > sum.max) return -Infinity;
  if (t <= 0) return 0;
  if (t === sum.max) return sum.trials * Math.log(p);
  if (levels.length === 1) return logUpperTailUnchecked(Math.ceil(t / levels[0].w), levels[0].n, p);
  const lambda = tiltSlope(levels, p, 0).slope < shift ? solveTilt(levels, p, shift) : 0;
  const centre = sum.t + tiltSlope(levels, p, lambda).slope;
  const lnTilted = logTiltedTail(api, levels, p, lambda, t, centre, input);
  return Math.min(0, chernoffExponent(levels, p, lambda) - lambda * shift + lnTilted);
}

/**
 * Exact upper tail P(T >= t) of the weighted count T = sum_l w_l S_l, S_l ~ Bin(n_l, p)
 * independent, with INTEGER weights w_l >= 0, at the observed t = sum_l w_l s_l.
 *
 * Use: weight each scored position by an integer level (say 0..8) computed from the owner's own
 * model at that context without looking at the emitted token's colour (for example how much the
 * watermark could have lifted the token there), fixed before the suspect is read; pool positions
 * per level. Then T is the statistic and this is its exact null tail: P_null(p <= a) <= a for
 * every a, with equality up to the discreteness of T. Real-valued weights must be quantized to
 * integers first (the quantized T is a valid statistic) or bounded with
 * {@link weightedBinomialBound}.
 *
 * Accuracy: within 1e-9 relative in `log10PValue` of exact rational sums
 * (test/vectors/binomial.json, checked in test/stats.variants.test.ts; `npx tsx
 * scripts/stats-accuracy.ts` measures 1.2e-10 at worst, for a tail near 1, and below 1e-13
 * elsewhere), from ordinary values down to log10 p = -328. Cost: an FFT over the smaller of the
 * tilted levels' span, sum_l w_l (about 25 sd_l), and a Hoeffding window around t, one transform
 * per two distinct weights; refused (RangeError) above 2^22 points or 2^28 transformed points in
 * all.
 *
 * @param levels - `{ weight, trials, successes }` per level; equal weights are merged, weight-0 and
 *   empty levels carry nothing
 * @param p - the null success probability, in (0, 1)
 * @returns `{ pValue, log10PValue }` of P(T >= t), with t, its null mean and `method: 'exact'`
 * @throws TypeError if `levels` is not an array of objects or a field is not a number; RangeError
 *   if a count or weight is not a nonnegative safe integer, successes exceed trials, p is not in
 *   (0, 1), or the convolution would exceed 2^22 points (2^28 in all)
 * @example
 * ```ts
 * weightedBinomialTail([{ weight: 1, trials: 1000, successes: 270 }, { weight: 3, trials: 500, successes: 150 }], 0.25);
 * // t = 720 against a mean of 625: log10PValue -2.7215...
 * ```
 */
export function weightedBinomialTail(levels: ArrayLike<WeightedCount>, p: number): WeightedTest {
  const api = 'weightedBinomialTail';
  const merged = readLevels(api, levels, true);
  checkOpenUnit(api, 'p', p);
  const { t, mean } = summarize(merged, p);
  return { ...tailFromLog(logExactTail(api, merged, p, 0, levels)), statistic: t, mean, method: 'exact' };
}

/**
 * ln P(T >= t) for any integer t, not only the observed statistic (e.g. t + 1 for a randomized
 * p-value in a null check). Levels as for {@link weightedBinomialTail}. @internal
 */
export function logWeightedTailAt(levels: ArrayLike<WeightedCount>, p: number, t: number): number {
  const merged = readLevels('logWeightedTailAt', levels, true);
  return logExactTail('logWeightedTailAt', merged, p, t - summarize(merged, p).t, levels);
}

/**
 * Chernoff upper bound on P(T >= t) for the weighted count T = sum_l w_l S_l,
 * S_l ~ Bin(n_l, p) independent, with any finite weights w_l >= 0, at the observed
 * t = sum_l w_l s_l: min over lambda >= 0 of e^{K(lambda) - lambda t},
 * K(lambda) = sum_l n_l ln(1 - p + p e^{lambda w_l}); 1 when t is at or below the null mean.
 *
 * Guarantee: the bound is >= the exact tail (up to the rounding of the weights), so
 * P_null(bound <= a) <= a for every a: a valid, conservative p-value. It is loose by roughly a
 * factor lambda sigma sqrt(2 pi) (sigma the tilted standard deviation of T): 0.1 to 1.5 orders of
 * magnitude on the exact cases of test/vectors/binomial.json (`npx tsx scripts/stats-power.ts`). With integer weights
 * prefer the exact {@link weightedBinomialTail}.
 *
 * @param levels - `{ weight, trials, successes }` per level (weights finite and >= 0)
 * @param p - the null success probability, in (0, 1)
 * @returns `{ pValue, log10PValue }` of the bound, with t, its null mean and `method: 'chernoff'`
 * @throws TypeError if `levels` is not an array of objects or a field is not a number; RangeError
 *   if a count is not a nonnegative safe integer, successes exceed trials, a weight is negative or
 *   not finite, or p is not in (0, 1)
 * @example
 * ```ts
 * weightedBinomialBound([{ weight: 0.4, trials: 1000, successes: 270 }, { weight: 1.7, trials: 500, successes: 150 }], 0.25);
 * ```
 */
export function weightedBinomialBound(levels: ArrayLike<WeightedCount>, p: number): WeightedTest {
  const api = 'weightedBinomialBound';
  const merged = readLevels(api, levels, false);
  checkOpenUnit(api, 'p', p);
  const { t, mean, trials } = summarize(merged, p);
  const result = { statistic: t, mean, method: 'chernoff' as const };
  if (tiltSlope(merged, p, 0).slope >= 0) return { pValue: 1, log10PValue: 0, ...result };
  if (merged.every((l) => l.s === l.n)) return { ...tailFromLog(trials * Math.log(p)), ...result };
  // The bound is invariant under scaling the weights; scaling the largest to 1 keeps lambda in range.
  const top = merged[merged.length - 1].w;
  const scaled = merged.map((l) => ({ ...l, w: l.w / top }));
  const lnBound = chernoffExponent(scaled, p, solveTilt(scaled, p));
  return { ...tailFromLog(Math.min(0, lnBound)), ...result };
}
