/**
 * Corrections for testing several keys, windows or hypotheses at once: Holm-Bonferroni step-down
 * adjusted p-values (plain and log10), and the Sidak family-wise p-value 1 - (1 - p)^m.
 *
 * @module
 */
import { checkArrayLike, checkNumber, rangeError, typeError } from '../assert.js';

function readPValues(api: string, name: string, values: unknown, log10: boolean): number[] {
  checkArrayLike(api, name, values);
  const arr = values;
  const out = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number') throw typeError(api, `${name}[${i}]`, 'a number', v);
    const ok = log10 ? v <= 0 : v >= 0 && v <= 1; // NaN fails both
    if (!ok) throw rangeError(api, `${name}[${i}]`, log10 ? '<= 0 (a log10 probability)' : 'in [0, 1]', v);
    out[i] = v;
  }
  return out;
}

/**
 * Holm step-down: visit values in ascending order (ties in input order), combine the r-th smallest
 * with its multiplier m - r via `scale`, cap, and keep the running maximum.
 */
function stepDown(values: number[], scale: (v: number, multiplier: number) => number, cap: number): number[] {
  const m = values.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const out = new Array<number>(m);
  let running = -Infinity;
  for (let r = 0; r < m; r++) {
    const i = order[r];
    const adj = Math.min(cap, scale(values[i], m - r));
    if (adj > running) running = adj;
    out[i] = running;
  }
  return out;
}

/**
 * Holm-Bonferroni adjusted p-values: sort ascending, multiply the r-th smallest (r = 0, 1, ...) by
 * m - r, cap at 1, and take running maxima so the result is monotone in the raw p-values. Reject
 * hypothesis i at family-wise level alpha iff `holm(p)[i] <= alpha`. Valid under any dependence.
 *
 * Output order matches the input order. Ties keep their input order. An empty input gives `[]`.
 * When p-values may underflow (corpus-scale tests) use {@link holmLog10}.
 *
 * @param pValues - raw p-values, each in [0, 1]
 * @returns adjusted p-values, each in [raw, 1]
 * @throws TypeError if `pValues` is not array-like or an element is not a number; RangeError if an
 *   element is NaN or outside [0, 1] (the message names the index)
 * @example
 * ```ts
 * holm([0.01, 0.04, 0.03, 0.005]); // [0.03, 0.06, 0.06, 0.02]
 * ```
 */
export function holm(pValues: ArrayLike<number>): number[] {
  const p = readPValues('holm', 'pValues', pValues, false);
  return stepDown(p, (v, k) => v * k, 1);
}

/**
 * Holm-Bonferroni adjusted p-values in log10 space: the same step-down as {@link holm} applied to
 * log10 p-values, log10 adjusted = min(0, running max of log10(m - r) + log10 p_(r)). Works when the
 * p-values are far below the float64 range (e.g. log10 p = -50000). -Infinity (an impossible event)
 * stays -Infinity.
 *
 * @param log10PValues - log10 of the raw p-values, each <= 0 (may be -Infinity)
 * @returns log10 of the adjusted p-values, in input order, each in [raw, 0]
 * @throws TypeError if `log10PValues` is not array-like or an element is not a number; RangeError
 *   if an element is NaN or > 0 (the message names the index)
 * @example
 * ```ts
 * holmLog10([-400, -2, -300]); // [-400 + log10(3), -2, -300 + log10(2)]
 * ```
 */
export function holmLog10(log10PValues: ArrayLike<number>): number[] {
  return holmLog10Unchecked(readPValues('holmLog10', 'log10PValues', log10PValues, true));
}

/** {@link holmLog10} on checked values (each <= 0 or -Infinity). @internal */
export function holmLog10Unchecked(log10PValues: number[]): number[] {
  return stepDown(log10PValues, (v, k) => v + Math.log10(k), 0);
}

function checkM(api: string, m: unknown): asserts m is number {
  checkNumber(api, 'm', m);
  if (!(m >= 1) || m === Infinity) throw rangeError(api, 'm', 'a finite number >= 1', m);
}

/**
 * Sidak family-wise p-value for the smallest of m independent p-values: 1 - (1 - p)^m, computed
 * stably as -expm1(m * log1p(-p)) (no cancellation for tiny p, where it is ~ m p).
 *
 * @param p - the smallest raw p-value, in [0, 1]
 * @param m - number of tests (a finite number >= 1; usually an integer)
 * @returns 1 - (1 - p)^m, in [p, 1]
 * @throws TypeError if an argument is not a number; RangeError if p is NaN or outside [0, 1], or m
 *   is not a finite number >= 1
 * @example
 * ```ts
 * sidak(1e-20, 10); // 1e-19 (the naive 1 - (1 - p) ** m gives 0)
 * ```
 */
export function sidak(p: number, m: number): number {
  checkNumber('sidak', 'p', p);
  if (!(p >= 0 && p <= 1)) throw rangeError('sidak', 'p', 'in [0, 1]', p);
  checkM('sidak', m);
  return -Math.expm1(m * Math.log1p(-p));
}

/**
 * log10 of the Sidak family-wise p-value 1 - (1 - p)^m, given log10 p: right for any p, including
 * p far below the float64 range, where it is log10(m) + log10(p) to full precision.
 *
 * @param log10P - log10 of the smallest raw p-value, <= 0 (may be -Infinity)
 * @param m - number of tests (a finite number >= 1)
 * @returns log10(1 - (1 - p)^m), in [log10P, 0]
 * @throws TypeError if an argument is not a number; RangeError if log10P is NaN or > 0, or m is not
 *   a finite number >= 1
 * @example
 * ```ts
 * sidakLog10(-5000, 100); // -4998
 * ```
 */
export function sidakLog10(log10P: number, m: number): number {
  checkNumber('sidakLog10', 'log10P', log10P);
  if (!(log10P <= 0)) throw rangeError('sidakLog10', 'log10P', '<= 0', log10P);
  checkM('sidakLog10', m);
  return sidakLog10Unchecked(log10P, m);
}

/** {@link sidakLog10} without argument checks (log10P <= 0, m >= 1 finite). @internal */
export function sidakLog10Unchecked(log10P: number, m: number): number {
  if (log10P === -Infinity) return -Infinity;
  const lnP = log10P * Math.LN10;
  // y = -m ln(1 - p) > 0; the answer is ln(1 - e^{-y}).
  // ln(-ln(1 - p)) = ln p + ln(-log1p(-p)/p), and -log1p(-p)/p = 1 + p/2 + ... is 1 to double precision for p < 2^-53.
  const lnMinusLog1p = lnP < -37 ? lnP : Math.log(-Math.log1p(-Math.exp(lnP)));
  const lnY = Math.log(m) + lnMinusLog1p;
  let lnResult: number;
  if (lnY < -37) {
    lnResult = lnY; // 1 - e^{-y} = y (1 - y/2 + ...), y < 1e-16
  } else {
    const y = Math.exp(lnY);
    lnResult = y < Math.LN2 ? Math.log(-Math.expm1(-y)) : Math.log1p(-Math.exp(-y));
  }
  return Math.min(0, lnResult * Math.LOG10E) + 0;
}
