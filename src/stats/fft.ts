/**
 * A radix-2 complex FFT and a cyclic convolution of several nonnegative real sequences built on
 * it, for the exact tail of a weighted sum of binomials (weighted.ts).
 *
 * @module
 * @internal
 */

/** Largest transform {@link convolveAll} accepts (2^22 points: 128 MiB of working arrays). */
export const MAX_FFT_SIZE = 2 ** 22;

/** Smallest power of two >= n (n >= 1). @internal */
export function nextPowerOfTwo(n: number): number {
  let m = 1;
  while (m < n) m *= 2;
  return m;
}

/** cos and sin of 2 pi i / n for i < n / 2, each evaluated directly (no recurrence error). */
interface Twiddles {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
}

function twiddles(n: number): Twiddles {
  const cos = new Float64Array(n >> 1);
  const sin = new Float64Array(n >> 1);
  for (let i = 0; i < n >> 1; i++) {
    cos[i] = Math.cos((2 * Math.PI * i) / n);
    sin[i] = Math.sin((2 * Math.PI * i) / n);
  }
  return { cos, sin };
}

/** Bit-reversal permutation of re and im (length a power of two). */
function bitReverse(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
}

/**
 * In-place iterative radix-2 FFT of (re, im), length a power of two equal to the twiddle table's;
 * `inverse` computes the unnormalised inverse. The error stays near eps log2(n) relative to the
 * largest value. @internal
 */
export function fft(re: Float64Array, im: Float64Array, inverse: boolean, tw: Twiddles = twiddles(re.length)): void {
  const n = re.length;
  const sign = inverse ? 1 : -1;
  bitReverse(re, im);
  for (let size = 2; size <= n; size *= 2) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let j = 0, t = 0; j < half; j++, t += step) {
        const c = tw.cos[t];
        const s = sign * tw.sin[t];
        const a = start + j;
        const b = a + half;
        const xr = re[b] * c - im[b] * s;
        const xi = re[b] * s + im[b] * c;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** A nonnegative sequence placed at stride `stride`: values[j] sits at index (j * stride) mod size. */
export interface StridedSequence {
  /** The values (nonnegative). */
  readonly values: Float64Array;
  /** The spacing of the values in the result, an integer >= 1. */
  readonly stride: number;
}

/** Writes a strided sequence into `target` (zeroed first), wrapping modulo its length. */
function place(target: Float64Array, { values, stride }: StridedSequence): void {
  const size = target.length;
  target.fill(0);
  for (let j = 0, at = 0; j < values.length; j++, at = (at + stride) % size) target[at] += values[j];
}

/**
 * Multiplies the spectrum (accRe, accIm) by the spectra of the two real sequences whose transform
 * is packed in (re, im) as a + i b: A[k] = (Z[k] + conj Z[-k]) / 2, B[k] = (Z[k] - conj Z[-k]) / 2i.
 */
function multiplyPacked(accRe: Float64Array, accIm: Float64Array, re: Float64Array, im: Float64Array, both: boolean): void {
  const n = re.length;
  for (let k = 0; k < n; k++) {
    const m = (n - k) & (n - 1);
    const ar = 0.5 * (re[k] + re[m]);
    const ai = 0.5 * (im[k] - im[m]);
    let fr = ar;
    let fi = ai;
    if (both) {
      const br = 0.5 * (im[k] + im[m]);
      const bi = -0.5 * (re[k] - re[m]);
      fr = ar * br - ai * bi;
      fi = ar * bi + ai * br;
    }
    const r = accRe[k] * fr - accIm[k] * fi;
    accIm[k] = accRe[k] * fi + accIm[k] * fr;
    accRe[k] = r;
  }
}

/**
 * Cyclic convolution modulo `size` (a power of two) of strided nonnegative real sequences:
 * result[u mod size] = sum over index tuples with sum_l stride_l j_l = u of prod_l values_l[j_l].
 * Two real sequences share one complex transform. Negative rounding noise is clamped to 0. The
 * caller chooses `size` so that what wraps around is negligible, and checks it against
 * {@link MAX_FFT_SIZE}. @internal
 */
export function convolveAll(sequences: readonly StridedSequence[], size: number): Float64Array {
  const tw = twiddles(size);
  const accRe = new Float64Array(size).fill(1);
  const accIm = new Float64Array(size);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let l = 0; l < sequences.length; l += 2) {
    place(re, sequences[l]);
    const both = l + 1 < sequences.length;
    if (both) place(im, sequences[l + 1]);
    else im.fill(0);
    fft(re, im, false, tw);
    multiplyPacked(accRe, accIm, re, im, both);
  }
  fft(accRe, accIm, true, tw);
  for (let i = 0; i < size; i++) accRe[i] = Math.max(0, accRe[i] / size);
  return accRe;
}
