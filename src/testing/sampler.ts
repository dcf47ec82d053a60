import fc from 'fast-check';
import { checkArrayLike, checkFinite, checkInteger, checkNumber, rangeError } from '../assert.js';
import { createRandom } from '../random/index.js';
import { RadiomarkRangeError } from '../errors.js';
import type { SampleOptions } from '../sampler/fused.js';
import { logGammaQ } from '../stats/normal.js';
import type { Watermark } from '../sampler/watermark.js';

/**
 * A deterministic uniform source for reproducible sampling tests: the package's one seeded stream
 * (src/random: SFC32 seeded by SplitMix32), returning doubles `k / 2^53` in `[0, 1)` like the
 * default CSPRNG source. Never use it to serve: it is predictable.
 *
 * @param seed - any integer
 * @returns `() => number` in `[0, 1)`
 * @throws RadiomarkRangeError when `seed` is not an integer
 * @example
 * ```ts
 * const random = seededRandom(42);
 * wm.sample(logits, ctx, { random });
 * ```
 */
export function seededRandom(seed: number): () => number {
  checkInteger('seededRandom', 'seed', seed);
  return createRandom(seed).next;
}

/**
 * The exact distribution `wm.sample` draws from, computed the slow, obvious way in float64 over the
 * whole vocabulary: bias the green tokens of `context` by `delta`, divide by temperature, keep
 * top-k, top-p (ties by lower id), min-p, softmax. It does not apply the sampler's
 * negligible-mass rule (tokens below 2^-53 of the total), so it is the mathematical target the
 * sampler matches to float64 resolution. Temperature 0 gives a one-hot vector at the greedy token.
 *
 * @param wm - the watermark
 * @param logits - `vocabSize` logits
 * @param context - the context (`null` or a context shorter than `contextWidth`: no bias)
 * @param options - temperature, topK, topP, minP (random is ignored)
 * @returns probabilities indexed by token id (sums to 1)
 * @throws RangeError when `logits.length !== vocabSize` or every logit is `-Infinity`
 * @example
 * ```ts
 * const p = biasedDistribution(wm, logits, [5, 9], { temperature: 0.7, topP: 0.9 });
 * ```
 */
export function biasedDistribution(wm: Watermark, logits: Float32Array, context: ArrayLike<number> | null, options: SampleOptions = {}): Float64Array {
  const V = wm.config.vocabSize;
  if (logits.length !== V) {
    throw new RadiomarkRangeError(`biasedDistribution: logits length ${logits.length} does not match vocabSize ${V}`, { api: 'biasedDistribution', field: 'logits' });
  }
  const T = options.temperature ?? 1;
  const biased = context !== null && context.length >= wm.config.contextWidth && wm.config.delta > 0;
  const z = new Float64Array(V);
  for (let i = 0; i < V; i++) z[i] = biased && wm.isGreen(context, i) ? logits[i]! + wm.config.delta : logits[i]!;
  const order = Array.from({ length: V }, (_, i) => i).filter((i) => z[i]! > -Infinity);
  if (order.length === 0) throw new RadiomarkRangeError('biasedDistribution: every logit is -Infinity', { api: 'biasedDistribution', field: 'logits' });
  order.sort((a, b) => (z[b]! - z[a]!) || a - b);
  const out = new Float64Array(V);
  if (T === 0) {
    out[order[0]!] = 1;
    return out;
  }
  let kept = options.topK !== undefined ? order.slice(0, options.topK) : order;
  const zmax = z[order[0]!]!;
  const w = new Float64Array(V);
  for (const i of kept) w[i] = Math.exp((z[i]! - zmax) / T);
  const topP = options.topP ?? 1;
  if (topP < 1) {
    let S = 0;
    for (const i of kept) S += w[i]!;
    const byProb = [...kept].sort((a, b) => (w[b]! - w[a]!) || a - b);
    let cum = 0;
    let n = 0;
    while (n < byProb.length) {
      cum += w[byProb[n]!]!;
      n++;
      if (cum >= topP * S) break;
    }
    kept = byProb.slice(0, n);
  }
  const minP = options.minP ?? 0;
  if (minP > 0) kept = kept.filter((i) => w[i]! >= minP);
  let S = 0;
  for (const i of kept) S += w[i]!;
  for (const i of kept) out[i] = w[i]! / S;
  return out;
}

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  /** Pearson's statistic. */
  readonly statistic: number;
  /** Degrees of freedom after pooling small cells. */
  readonly dof: number;
  /** Upper-tail probability of the statistic under the expected distribution. */
  readonly pValue: number;
  /** Number of observations. */
  readonly draws: number;
}

/** Throws unless `cells` is array-like with every element a finite number in [0, max]. */
function checkCells(field: string, cells: unknown, max: number): asserts cells is ArrayLike<number> {
  checkArrayLike('chiSquareTest', field, cells);
  for (let i = 0; i < cells.length; i++) {
    const v = cells[i];
    checkFinite('chiSquareTest', `${field}[${i}]`, v);
    if (!(v >= 0 && v <= max)) throw rangeError('chiSquareTest', `${field}[${i}]`, max === 1 ? 'in [0, 1]' : 'a number >= 0', v);
  }
}

/**
 * Pearson's chi-square goodness-of-fit test of observed counts against probabilities. Cells whose
 * expected count is below `minExpected` are pooled into one cell (and dropped if the pool is still
 * below it), so the chi-square approximation holds. Observations in zero-probability cells make the
 * p-value 0.
 *
 * @param counts - observed counts per cell
 * @param probabilities - expected probabilities per cell (summing to 1)
 * @param minExpected - smallest expected count of a cell (default 5)
 * @returns the statistic, degrees of freedom and p-value
 * @throws TypeError when an argument or element is not a number (or the arrays are not
 *   array-like); RangeError when the arrays' lengths differ, a count is negative or not finite, a
 *   probability is outside [0, 1], or `minExpected` is not a finite number > 0
 * @example
 * ```ts
 * chiSquareTest([48, 52], [0.5, 0.5]).pValue; // 0.69
 * ```
 */
export function chiSquareTest(counts: ArrayLike<number>, probabilities: ArrayLike<number>, minExpected = 5): ChiSquareResult {
  checkCells('counts', counts, Infinity);
  checkCells('probabilities', probabilities, 1);
  checkFinite('chiSquareTest', 'minExpected', minExpected);
  if (!(minExpected > 0)) throw rangeError('chiSquareTest', 'minExpected', 'a number > 0', minExpected);
  if (counts.length !== probabilities.length) {
    throw new RadiomarkRangeError(`chiSquareTest: ${counts.length} counts but ${probabilities.length} probabilities`, { api: 'chiSquareTest', field: 'probabilities' });
  }
  let N = 0;
  for (let i = 0; i < counts.length; i++) N += counts[i]!;
  let stat = 0;
  let cells = 0;
  let poolObs = 0;
  let poolExp = 0;
  let impossible = false;
  for (let i = 0; i < counts.length; i++) {
    const e = probabilities[i]! * N;
    const o = counts[i]!;
    if (e === 0) {
      if (o > 0) impossible = true;
      continue;
    }
    if (e < minExpected) {
      poolObs += o;
      poolExp += e;
      continue;
    }
    stat += ((o - e) * (o - e)) / e;
    cells++;
  }
  if (poolExp >= minExpected) {
    stat += ((poolObs - poolExp) * (poolObs - poolExp)) / poolExp;
    cells++;
  }
  const dof = Math.max(cells - 1, 1);
  const pValue = impossible ? 0 : cells < 2 ? 1 : chiSquareSurvival(stat, dof);
  return { statistic: stat, dof, pValue, draws: N };
}

/**
 * Upper tail `P(X >= x)` of a chi-square distribution with `dof` degrees of freedom (regularised
 * upper incomplete gamma, from radiomark/stats' log-space implementation).
 *
 * @param x - the statistic (>= 0; Infinity gives 0)
 * @param dof - degrees of freedom (an integer >= 1)
 * @returns the p-value
 * @throws TypeError when an argument is not a number; RangeError when `x` is negative or NaN, or
 *   `dof` is not a safe integer >= 1
 * @example
 * ```ts
 * chiSquareSurvival(3.841, 1); // 0.05
 * ```
 */
export function chiSquareSurvival(x: number, dof: number): number {
  checkNumber('chiSquareSurvival', 'x', x);
  if (!(x >= 0)) throw rangeError('chiSquareSurvival', 'x', 'a number >= 0', x);
  checkInteger('chiSquareSurvival', 'dof', dof, 1);
  if (x === 0) return 1;
  return Math.exp(logGammaQ(dof / 2, x / 2));
}

/** Options of {@link checkSamplerDistribution}. */
export interface DistributionCheckOptions {
  /** Draws one token from the sampler under test (e.g. a fresh session's `sample` on fixed logits). */
  readonly draw: () => number;
  /** Expected probabilities by token id (e.g. from {@link biasedDistribution}). */
  readonly expected: ArrayLike<number>;
  /** Number of draws (default 20,000). */
  readonly draws?: number;
}

/**
 * Draws `draws` tokens and tests them against the expected distribution (chi-square). A
 * server's suite can call it on its wrapped sampler: a p-value far below its alpha (say 1e-4)
 * means the served distribution is not "bias, then the usual warpers".
 *
 * @param options - the sampler, the expected distribution and the number of draws
 * @returns the chi-square result (`pValue` is the number to assert on)
 * @throws RangeError when a drawn token is not an integer index of `expected`
 * @example
 * ```ts
 * const expected = biasedDistribution(wm, logits, ctx, { topP: 0.9 });
 * const r = checkSamplerDistribution({ expected, draw: () => wm.sample(logits, ctx, { topP: 0.9 }) });
 * expect(r.pValue).toBeGreaterThan(1e-4);
 * ```
 */
export function checkSamplerDistribution(options: DistributionCheckOptions): ChiSquareResult {
  const { draw, expected } = options;
  const n = options.draws ?? 20_000;
  const counts = new Float64Array(expected.length);
  for (let i = 0; i < n; i++) {
    const t = draw();
    if (!Number.isInteger(t) || t < 0 || t >= expected.length) {
      throw new RadiomarkRangeError(`checkSamplerDistribution: draw() returned ${String(t)}, not a token id in [0, ${expected.length})`, { api: 'checkSamplerDistribution', field: 'draw' });
    }
    counts[t]!++;
  }
  return chiSquareTest(counts, expected);
}

/** Options of {@link checkGreenFrequency}. */
export interface GreenFrequencyOptions {
  /** The watermark the sampler under test is wrapped with. */
  readonly watermark: Watermark;
  /** Fixed logits of the step. */
  readonly logits: Float32Array;
  /** The context of the step (at least `contextWidth` ids). */
  readonly context: ArrayLike<number>;
  /** Draws one token from the sampler under test at this step. */
  readonly draw: () => number;
  /** The warper settings the sampler under test uses (for the expected distribution). */
  readonly sampling?: SampleOptions;
  /** Number of draws (default 20,000). */
  readonly draws?: number;
}

/** Result of {@link checkGreenFrequency}. */
export interface GreenFrequencyResult {
  /** Draws that were green. */
  readonly green: number;
  /** Number of draws. */
  readonly draws: number;
  /** Observed green frequency. */
  readonly observed: number;
  /** Green probability of the exact biased distribution. */
  readonly expected: number;
  /** Green probability of the same warpers without the bias (what an unwatermarked sampler gives). */
  readonly unbiased: number;
  /** Two-sided p-value of observed vs expected (binomial, normal approximation). */
  readonly pValue: number;
}

/**
 * "Over N draws from fixed logits, the green frequency matches the biased distribution": draws from
 * the sampler under test, counts green tokens under `context`, and compares with the exact green
 * probability after the bias (and reports the probability without it, to show the lift).
 *
 * @param options - watermark, step, sampler and warper settings
 * @returns observed and expected green frequencies and a two-sided p-value
 * @throws RangeError when `context` is shorter than `contextWidth`
 * @example
 * ```ts
 * const r = checkGreenFrequency({ watermark: wm, logits, context: ctx, draw: () => wm.session({ prompt: ctx }).sample(logits) });
 * expect(r.pValue).toBeGreaterThan(1e-4);
 * expect(r.observed).toBeGreaterThan(r.unbiased);
 * ```
 */
export function checkGreenFrequency(options: GreenFrequencyOptions): GreenFrequencyResult {
  const { watermark: wm, logits, context, draw } = options;
  if (context.length < wm.config.contextWidth) {
    throw new RadiomarkRangeError(`checkGreenFrequency: "context" needs at least contextWidth=${wm.config.contextWidth} ids, got ${context.length}`, { api: 'checkGreenFrequency', field: 'context' });
  }
  const sampling = options.sampling ?? {};
  const p = biasedDistribution(wm, logits, context, sampling);
  const q = biasedDistribution(wm, logits, null, sampling);
  const V = wm.config.vocabSize;
  const green = new Uint8Array(V);
  let expected = 0;
  let unbiased = 0;
  for (let i = 0; i < V; i++) {
    if (wm.isGreen(context, i)) {
      green[i] = 1;
      expected += p[i]!;
      unbiased += q[i]!;
    }
  }
  const n = options.draws ?? 20_000;
  let g = 0;
  for (let i = 0; i < n; i++) {
    const t = draw();
    if (!Number.isInteger(t) || t < 0 || t >= V) {
      throw new RadiomarkRangeError(`checkGreenFrequency: draw() returned ${String(t)}, not a token id in [0, ${V})`, { api: 'checkGreenFrequency', field: 'draw' });
    }
    g += green[t]!;
  }
  const observed = g / n;
  const sd = Math.sqrt(n * expected * (1 - expected));
  const pValue = sd === 0 ? (g === Math.round(n * expected) ? 1 : 0) : chiSquareSurvival(((g - n * expected) / sd) ** 2, 1);
  return { green: g, draws: n, observed, expected, unbiased, pValue };
}

/** A generated set of sampling options. */
export interface SampleOptionsSample {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

/**
 * Arbitrary sampling options: temperature in {0} ∪ [0.05, 3] (greedy with probability about 1/10),
 * optional topK in 1..`maxTopK`, optional topP in (0, 1], optional minP in [0, 0.5]; each field is
 * absent about half of the time.
 *
 * @param opts - `maxTopK` (default 64), `greedy` (default true: include temperature 0)
 * @returns a fast-check arbitrary of `SampleOptions` without `random`
 * @example
 * ```ts
 * fc.assert(fc.property(sampleOptionsArbitrary(), (o) => wm.sample(logits, ctx, o) >= 0));
 * ```
 */
export function sampleOptionsArbitrary(opts: { maxTopK?: number; greedy?: boolean } = {}): fc.Arbitrary<SampleOptionsSample> {
  const temperature = opts.greedy === false
    ? fc.double({ min: 0.05, max: 3, noNaN: true })
    : fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.double({ min: 0.05, max: 3, noNaN: true }), weight: 9 });
  return fc.record(
    {
      temperature,
      topK: fc.integer({ min: 1, max: opts.maxTopK ?? 64 }),
      topP: fc.oneof(fc.double({ min: 0.05, max: 1, noNaN: true }), fc.constant(1)),
      minP: fc.double({ min: 0, max: 0.5, noNaN: true }),
    },
    { requiredKeys: [] },
  );
}
