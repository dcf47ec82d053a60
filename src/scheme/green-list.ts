import { checkArrayLike, checkId, checkInteger, checkOpenUnit, rangeError, typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';
import { checkSecretKey } from '../key/family.js';
import { MAX_CONTEXT_WIDTH } from '../key/params.js';
import type { SecretKey } from '../key/secret-key.js';
import { thresholdFor } from './config.js';
import { jsKernels, SEED_WORDS } from './kernels-js.js';
import { wasmKernels } from './kernels-wasm.js';
import { kernelInstance } from './wasm.js';

export { SEED_WORDS };

/**
 * Which kernels a green list runs on. `'auto'` (the default everywhere): the WebAssembly SIMD
 * kernels when the engine validates them (Node >= 16.4, Chrome 91, Firefox 89, Safari 16.4), the
 * JavaScript kernels otherwise. `'js'`: the JavaScript kernels always (for measuring the fallback,
 * or where WebAssembly is unwanted). Both compute identical values.
 */
export type KernelChoice = 'auto' | 'js';

/** Options of {@link createGreenList}. */
export interface GreenListOptions {
  /** The master key. */
  readonly key: SecretKey;
  /** Nominal green fraction in (0, 1). */
  readonly gamma: number;
  /** Preceding ids per window, 0..8. */
  readonly contextWidth: number;
  /** Number of token ids; ids must lie in `[0, vocabSize)`. Membership does not depend on it. */
  readonly vocabSize: number;
  /** The kernels to run on (default `'auto'`; see {@link KernelChoice}). */
  readonly kernels?: KernelChoice;
}

/**
 * The keyed green-list function of scheme v1 (docs/SPEC.md). "Is token `t` green after window
 * `w`?" is answered by one keyed decision that depends only on the key, `gamma`, the window ids and
 * `t`: never on the vocabulary size, a device or an RNG state.
 *
 * Two steps:
 * - per context: `seed = BLAKE3-keyed(K_ctx, u32le(w_1) ‖ … ‖ u32le(w_h))`, first 3 words;
 * - per token: `x = r[t] ^ s0; x = imul(x, s1 | 1); x ^= x >>> 16; x = imul(x, s2 | 1)`,
 *   green iff `x < floor(gamma · 2^32)`, where `r[t]` is word `t` of the BLAKE3 keyed XOF of
 *   `K_tok` (a secret uniform 32-bit value per token id).
 *
 * The low-level methods (`seedWindow`, `isGreenSeeded`, `addGreen`) do not validate their inputs;
 * they are for callers that validated once at their entry point. {@link GreenList.isGreen} validates.
 */
export interface GreenList {
  /** Preceding ids per window. */
  readonly contextWidth: number;
  /** Valid ids are `[0, vocabSize)`. */
  readonly vocabSize: number;
  /** The integer threshold `floor(gamma · 2^31)` on the 31-bit score. */
  readonly threshold: number;
  /** The exact null probability of green: `threshold / 2^31`. */
  readonly greenProbability: number;
  /** The key's non-secret fingerprint. */
  readonly fingerprint: string;
  /**
   * Green test with validation.
   * @param context - ids; the last `contextWidth` form the window
   * @param token - candidate id
   * @throws RangeError for a short context, or ids that are not integers in `[0, vocabSize)`
   */
  isGreen(context: ArrayLike<number>, token: number): boolean;
  /**
   * Writes the seed of the window `ids[end - contextWidth .. end)` into `out[outOffset ..
   * outOffset + 3)`. Unchecked; allocates nothing.
   */
  seedWindow(ids: ArrayLike<number>, end: number, out: Uint32Array, outOffset?: number): void;
  /** Green test of `token` under the seed at `seed[offset ..]`. Unchecked; allocates nothing. */
  isGreenSeeded(seed: Uint32Array, offset: number, token: number): boolean;
  /**
   * Adds `amount` to `values[offset + t]` for every green `t` in `[0, vocabSize)`, other entries
   * untouched. Unchecked; allocates nothing.
   */
  addGreen(seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): void;
  /**
   * {@link GreenList.addGreen} and the NaN check of the same values in one pass, all or nothing:
   * when `values[offset .. offset + vocabSize)` holds a NaN, nothing is modified and the index
   * (counted from `offset`) of the first NaN is returned; otherwise the green ids get `amount` and
   * the result is -1. On the SIMD kernels this costs less than one plain max pass, so less than a
   * separate NaN scan followed by `addGreen` (`npm run bench`: the bias rows of docs/speed.md).
   * Unchecked otherwise; allocates nothing.
   */
  addGreenChecked(seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): number;
  /**
   * Batched {@link GreenList.addGreenChecked} over the row-major `[rows x vocabSize]` buffer
   * `values`: row `b` gets `amount` on its green ids under the seed `seeds[3b .. 3b + 3)` when
   * `active[b] !== 0`; every row is checked for NaN. All or nothing across rows: returns the flat
   * index of the first NaN (nothing modified) or -1. Uses scratch memory of `rows x vocabSize`
   * floats, kept for the next call. Unchecked otherwise; allocates nothing after the first call
   * with a given row count.
   */
  addGreenRows(seeds: Uint32Array, active: Uint8Array, values: Float32Array, rows: number, amount: number): number;
  /**
   * Batched {@link GreenList.isGreenSeeded}: `out[q] = 1` when `ids[q]` is green under the seed,
   * 0 otherwise, for `q < count`; a negative id gets 0. For the sampler's prefilter (one call per
   * step instead of one per token). Unchecked otherwise; allocates nothing.
   * @internal
   */
  greenOf(seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void;
  /** Number of green ids in `[0, vocabSize)` under a seed (a diagnostic). */
  countGreen(seed: Uint32Array, seedOffset: number): number;
  /**
   * Batched green test for scoring: for `k < count`, with `e = ends[k]`, sets `out[k]` to 1 when
   * `toks[e]` is green after the window `ids[e - contextWidth .. e)`, else 0. Same answers as
   * `seedWindow` + `isGreenSeeded` per position, computed four windows per BLAKE3 pass by the
   * SIMD kernels (cheaper per position than one `seedWindow` call: `npm run bench`, the detection
   * rows). Unchecked; allocates nothing.
   */
  greenAt(ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint8Array): void;
  /** `'wasm-simd'` when the WebAssembly SIMD kernels run, `'js'` for the JavaScript fallback. */
  readonly backend: 'wasm-simd' | 'js';
}

/**
 * Builds the green-list function for a key. Precomputes the per-token table `r` (4 bytes per id,
 * one BLAKE3 compression per 16 ids). Runs on the WebAssembly SIMD kernels when the engine has them and
 * `kernels` is `'auto'` (the default; see {@link GreenList.backend}), on the JavaScript kernels
 * otherwise; both give identical answers.
 *
 * @param options - key and scheme parameters (already validated by the caller's config resolution)
 * @returns a {@link GreenList}
 * @throws RadiomarkRangeError / RadiomarkTypeError for parameters outside their domain;
 *   RadiomarkError `KEY_MISMATCH` for a key family (pass one member's key)
 * @example
 * ```ts
 * const gl = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 50257 });
 * gl.isGreen([464, 3290], 318);
 * ```
 */
export function createGreenList(options: GreenListOptions): GreenList {
  const api = 'createGreenList';
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { key, gamma, contextWidth, vocabSize, kernels = 'auto' } = options;
  checkSecretKey(api, 'key', key);
  checkInteger(api, 'contextWidth', contextWidth, 0, MAX_CONTEXT_WIDTH);
  checkInteger(api, 'vocabSize', vocabSize, 1);
  checkOpenUnit(api, 'gamma', gamma);
  if (kernels !== 'auto' && kernels !== 'js') throw rangeError(api, 'kernels', '"auto" or "js"', kernels);
  const threshold = thresholdFor(gamma);
  const instance = kernels === 'auto' ? kernelInstance() : null;
  const k = instance === null ? jsKernels(key, contextWidth, vocabSize, threshold) : wasmKernels(instance, key, contextWidth, vocabSize, threshold);
  const { isGreenSeeded, seedWindow } = k;
  const h = contextWidth;

  const countGreen = (seed: Uint32Array, seedOffset: number): number => {
    let c = 0;
    for (let t = 0; t < vocabSize; t++) if (isGreenSeeded(seed, seedOffset, t)) c++;
    return c;
  };

  const scratch = new Uint32Array(SEED_WORDS);
  const isGreen = (context: ArrayLike<number>, token: number): boolean => {
    checkArrayLike('isGreen', 'context', context);
    if (context.length < h) {
      throw new RadiomarkRangeError(`isGreen: "context" needs at least contextWidth=${h} ids, got ${context.length}`, { api: 'isGreen', field: 'context' });
    }
    for (let i = context.length - h; i < context.length; i++) checkId('isGreen', 'context', i, context[i], vocabSize);
    checkId('isGreen', 'token', -1, token, vocabSize);
    seedWindow(context, context.length, scratch, 0);
    return isGreenSeeded(scratch, 0, token);
  };

  return Object.freeze({
    contextWidth,
    vocabSize,
    threshold,
    greenProbability: threshold / 2 ** 31,
    fingerprint: key.fingerprint,
    isGreen,
    ...k,
    countGreen,
    backend: instance === null ? 'js' : 'wasm-simd',
    toString: () => `GreenList(fingerprint ${key.fingerprint})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `GreenList(fingerprint ${key.fingerprint})`,
  });
}
