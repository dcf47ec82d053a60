/**
 * One-sample Kolmogorov-Smirnov test of uniformity on [0, 1], with the p-value P(D_n >= d).
 *
 * How the p-value is computed (n = sample size, d = statistic, z = d sqrt(n)):
 * - d <= 1/(2n): exactly 1; d >= 1: exactly 0.
 * - d >= 1/2: 2 P(D_n+ >= d), exact (the events D_n+ >= d and D_n- >= d are then disjoint); the
 *   one-sided probability is the exact finite Smirnov (Birnbaum-Tingey) sum, in log space.
 * - n <= {@link KS_EXACT_MAX_N}: exact. n d^2 < 5: Durbin's matrix in the form of Marsaglia, Tsang and
 *   Wang (2003), P(D_n < d) = n!/n^n (H^n)_{kk}, evaluated by n matrix-vector products on the
 *   lower-Hessenberg H with exact power-of-two rescaling; p = 1 - P(D_n < d), so the error is
 *   about 1e-14 absolute. n d^2 >= 5: again 2 P(D_n+ >= d), whose neglected term
 *   P(D+ >= d and D- >= d) is ~e^{-6 n d^2} <= 1e-13 relative. Measured against an independent
 *   extended-precision reference (Noe's recursion, test/vectors/binomial.json): worst 1.1e-11
 *   relative over n <= 2000 and p down to 1e-14 (this and the figures below: `npx tsx
 *   scripts/stats-accuracy.ts`).
 * - n > {@link KS_EXACT_MAX_N}: asymptotic. n d^2 >= 2.25 (p below ~0.02; 4 for n > 10^5):
 *   2 P(D_n+ >= d) as above (an upper bound, within ~2e-6 relative at the switch and far better
 *   beyond). Below the switch:
 *   Kolmogorov's limiting distribution evaluated at the small-sample correction of Vrbik (2018, "Small-sample corrections to
 *   Kolmogorov-Smirnov test statistic")
 *   z + 1/(6 sqrt n) + (z - 1)/(4 n). Measured against the exact reference: within 1.1e-4 relative
 *   at n = 2001 and 2.2e-5 at n = 10^4 (it shrinks like 1/n). (Stephens' classic correction
 *   d (sqrt n + 0.12 + 0.11/sqrt n) is off by 0.5% for p >= 0.01 and 3% for p in [1e-6, 0.01) at
 *   n = 1000, so it is not used.) The switch is placed where the
 *   corrected asymptotic is above the exact value, so the p-value stays non-increasing in d.
 * - n > 10^7: the corrected asymptotic for every d (the exact sum above is O(n)); conservative in
 *   the tail (see KS_SMIRNOV_MAX_N).
 *
 * @module
 */
import { logChooseUnchecked, twoProduct } from './special.js';
import { checkArrayLike, checkInteger, checkNumber, rangeError, typeError } from '../assert.js';

/**
 * Largest sample size for which {@link ksPValue} is exact (Marsaglia-Tsang-Wang / Smirnov); above
 * it the p-value is asymptotic (see the module notes). The exact path costs at most about
 * 10 n^2 multiply-adds (about 0.1 s at n = 2000 on a busy 2-core machine: `npx tsx
 * scripts/stats-accuracy.ts`).
 */
export const KS_EXACT_MAX_N = 2000;

/**
 * Above this n d^2, the exact range uses 2 P(D+ >= d): the neglected term is ~e^{-6 n d^2}
 * (e^-30, about 1e-13 relative, at n d^2 = 5), below the rounding of 1 - P(D_n < d) there (~1e-10).
 */
const EXACT_SMIRNOV_FROM = 5;
/**
 * Above this n d^2, the asymptotic range uses 2 P(D+ >= d). It must sit where the corrected
 * asymptotic overestimates by more than 2 P(D+ >= d) does (by its neglected term, about
 * e^{-6 n d^2}: ~2e-6 relative at n d^2 = 2.25, 3e-11 at 4), so that the p-value only drops at the
 * switch: 2.25 up to n = 10^5, 4 beyond.
 */
function asymptoticSmirnovFrom(n: number): number {
  return n <= 100_000 ? 2.25 : 4;
}

/** Result of {@link ksUniform}. */
export interface KsResult {
  /** D_n = sup_x |F_n(x) - x|, in [1/(2n), 1]. */
  readonly statistic: number;
  /** P(D_n >= statistic) under uniformity (may underflow to 0 for extreme statistics). */
  readonly pValue: number;
  /** Sample size. */
  readonly n: number;
}

/**
 * ln P(D_n+ >= d) for 0 < d < 1, from the exact Smirnov (Birnbaum-Tingey) sum
 * d * sum_{j=0}^{floor(n(1-d))} C(n,j) (1 - d - j/n)^{n-j} (d + j/n)^{j-1}, all terms positive,
 * accumulated as a log-sum-exp. O(n).
 * @internal
 */
export function smirnovLogSf(n: number, d: number): number {
  const [ndHi, ndLo] = twoProduct(n, d);
  const lnN = Math.log(n);
  let max = -Infinity;
  let sum = 0;
  for (let j = 0; j <= n; j++) {
    const a = (n - j - ndHi) - ndLo; // n (1 - d - j/n), accurately
    if (!(a > 0)) break;
    const b = (ndHi + j) + ndLo; // n (d + j/n)
    const t = logChooseUnchecked(n, j) + (n - j) * (Math.log(a) - lnN) + (j - 1) * (Math.log(b) - lnN);
    if (t > max) {
      sum = sum * Math.exp(max - t) + 1;
      max = t;
    } else {
      sum += Math.exp(t - max);
    }
  }
  return Math.log(d) + max + Math.log(sum);
}

/** v * 2^e without intermediate overflow or underflow of 2^e. */
function scaleByPowerOfTwo(v: number, e: number): number {
  while (e > 1000) {
    v *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    v *= 2 ** -1000;
    e += 1000;
  }
  return v * 2 ** e;
}

const BIG = 2 ** 500;
const SMALL = 2 ** -500;

/**
 * P(D_n < d) by Durbin's matrix (Marsaglia, Tsang & Wang 2003): n!/n^n (H^n)_{kk} with
 * k = floor(n d) + 1, m = 2k - 1, h = k - n d. Computed as n products v <- (i/n) H v on
 * v = e_k (H is lower Hessenberg), rescaling by exact powers of two. O(n m^2 / 2).
 * @internal
 */
export function mtwCdf(n: number, d: number): number {
  const nd = n * d;
  const k = Math.floor(nd) + 1;
  const m = 2 * k - 1;
  const h = k - nd;
  const H = new Float64Array(m * m);
  const invFact = new Float64Array(m + 2);
  invFact[0] = 1;
  for (let g = 1; g <= m + 1; g++) invFact[g] = invFact[g - 1] / g;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= Math.min(i + 1, m - 1); j++) {
      const g = i - j + 1;
      let val = 1;
      if (j === 0) val -= h ** (i + 1);
      if (i === m - 1) val -= h ** (m - j);
      if (i === m - 1 && j === 0 && 2 * h - 1 > 0) val += (2 * h - 1) ** m;
      H[i * m + j] = val * invFact[g];
    }
  }
  let v = new Float64Array(m);
  let w = new Float64Array(m);
  v[k - 1] = 1;
  let e = 0;
  for (let step = 1; step <= n; step++) {
    const f = step / n;
    let top = 0;
    for (let i = 0; i < m; i++) {
      const row = i * m;
      const jEnd = row + (i + 1 < m ? i + 1 : m - 1);
      let s = 0;
      for (let r = row, j = 0; r <= jEnd; r++, j++) s += H[r] * v[j];
      s *= f;
      w[i] = s;
      if (s > top) top = s;
    }
    if (top > BIG) {
      for (let i = 0; i < m; i++) w[i] *= SMALL;
      e += 500;
    } else if (top < SMALL && top > 0) {
      for (let i = 0; i < m; i++) w[i] *= BIG;
      e -= 500;
    }
    const t = v;
    v = w;
    w = t;
  }
  return Math.min(1, scaleByPowerOfTwo(v[k - 1], e));
}

/**
 * Upper tail of Kolmogorov's limiting distribution, P(K >= t) = 2 sum_{j>=1} (-1)^{j-1} e^{-2 j^2 t^2}
 * (for t >= 1; the theta-transformed series 1 - sqrt(2 pi)/t sum e^{-(2j-1)^2 pi^2 / (8 t^2)} below).
 * @internal
 */
export function kolmogorovSf(t: number): number {
  if (t <= 0) return 1;
  if (t < 1) {
    const c = (-Math.PI * Math.PI) / (8 * t * t);
    let s = 0;
    for (let j = 1; j < 100; j++) {
      const term = Math.exp(c * (2 * j - 1) * (2 * j - 1));
      s += term;
      if (term < 1e-20 * s) break;
    }
    return 1 - (Math.sqrt(2 * Math.PI) / t) * s;
  }
  let s = 0;
  for (let j = 1; j < 100; j++) {
    const term = Math.exp(-2 * j * j * t * t);
    s += j % 2 === 1 ? term : -term;
    if (term < 1e-20 * Math.abs(s)) break;
  }
  return Math.min(1, 2 * s);
}

/**
 * Above this sample size every statistic takes the corrected asymptotic: the exact one-sided sum
 * costs O(n) (n = 2^32 would not return). There, in the tail, the corrected asymptotic lies above
 * 2 P(D+ >= d) (conservative) and within 5e-3 relative of it up to n d^2 = 300 at n = 10^7
 * (test/stats.test.ts, "ksPValue past KS_SMIRNOV_MAX_N"), closer as n grows.
 */
const KS_SMIRNOV_MAX_N = 10_000_000;

/** p-value without argument checks. @internal */
export function ksPValueUnchecked(d: number, n: number): number {
  if (d <= 0.5 / n) return 1;
  if (d >= 1) return 0;
  if (n > KS_SMIRNOV_MAX_N) return correctedAsymptotic(d, n);
  const nd2 = n * d * d;
  const exact = n <= KS_EXACT_MAX_N;
  if (d >= 0.5 || nd2 >= (exact ? EXACT_SMIRNOV_FROM : asymptoticSmirnovFrom(n))) {
    return Math.min(1, 2 * Math.exp(smirnovLogSf(n, d)));
  }
  if (exact) return Math.max(0, Math.min(1, 1 - mtwCdf(n, d)));
  return correctedAsymptotic(d, n);
}

/** Kolmogorov's limiting distribution at Vrbik's small-sample correction (module notes). */
function correctedAsymptotic(d: number, n: number): number {
  const sqrtN = Math.sqrt(n);
  const z = d * sqrtN;
  return kolmogorovSf(z + 1 / (6 * sqrtN) + (z - 1) / (4 * n));
}

/**
 * P(D_n >= d): the p-value of a two-sided one-sample Kolmogorov-Smirnov statistic `d` from `n`
 * observations, under the null of a continuous distribution. Exact for n <= {@link KS_EXACT_MAX_N}
 * and for n <= 10^7 when d >= 1/2; asymptotic (corrected, ~1e-4 relative) above, and conservative
 * in the tail past n = 10^7 (constant time for any n). See the module notes
 * for the algorithms and their measured accuracy.
 *
 * @param statistic - the KS statistic D_n, a number in [0, 1]
 * @param n - sample size, a safe integer >= 1
 * @returns P(D_n >= statistic), in [0, 1]
 * @throws TypeError if an argument is not a number; RangeError if `statistic` is NaN or outside
 *   [0, 1], or `n` is not a safe integer >= 1
 * @example
 * ```ts
 * ksPValue(0.2, 20); // 0.35272017362341...
 * ```
 */
export function ksPValue(statistic: number, n: number): number {
  checkNumber('ksPValue', 'statistic', statistic);
  if (!(statistic >= 0 && statistic <= 1)) throw rangeError('ksPValue', 'statistic', 'in [0, 1]', statistic);
  checkInteger('ksPValue', 'n', n, 1);
  return ksPValueUnchecked(statistic, n);
}

/**
 * One-sample Kolmogorov-Smirnov test that `values` are uniform on [0, 1] (e.g. p-values under a
 * null, or decoy-key p-values). The statistic is D_n = max_i max(i/n - x_(i), x_(i) - (i-1)/n) over
 * the sorted sample; the p-value is {@link ksPValue}: exact for n <= {@link KS_EXACT_MAX_N}
 * (Marsaglia-Tsang-Wang / Smirnov), corrected-asymptotic above.
 *
 * The input is not modified (it is copied before sorting).
 *
 * @param values - at least one number, each in [0, 1]
 * @returns `{ statistic, pValue, n }`
 * @throws TypeError if `values` is not array-like or an element is not a number; RangeError if it
 *   is empty or an element is NaN or outside [0, 1] (the message names the index)
 * @example
 * ```ts
 * ksUniform([0.1, 0.4, 0.7]); // { statistic: 0.3, pValue: 0.88622..., n: 3 }
 * ```
 */
export function ksUniform(values: ArrayLike<number>): KsResult {
  checkArrayLike('ksUniform', 'values', values);
  const n = values.length;
  if (n < 1) throw rangeError('ksUniform', 'values', 'at least one value', values);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v: unknown = values[i];
    if (typeof v !== 'number') throw typeError('ksUniform', `values[${i}]`, 'a number', v);
    if (!(v >= 0 && v <= 1)) throw rangeError('ksUniform', `values[${i}]`, 'in [0, 1]', v);
    x[i] = v;
  }
  x.sort();
  let statistic = 0;
  for (let i = 0; i < n; i++) {
    const dPlus = (i + 1) / n - x[i];
    const dMinus = x[i] - i / n;
    if (dPlus > statistic) statistic = dPlus;
    if (dMinus > statistic) statistic = dMinus;
  }
  return { statistic, pValue: ksPValueUnchecked(statistic, n), n };
}

