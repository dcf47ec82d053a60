import { typeError } from '../assert.js';
import { checkSecretKey, isKeyFamily } from '../key/family.js';
import type { KeyParams, SecretKey } from '../key/secret-key.js';
import type { GreenList, KernelChoice } from '../scheme/green-list.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';
import { buildWatermark } from './build.js';
import { createFamilyWatermark, type FamilyWatermark, type FamilyWatermarkOptions } from './family.js';
import { FusedSampler, type SampleOptions } from './fused.js';
import type { SessionOptions, WatermarkSession } from './session.js';

/** Options of {@link createWatermark}. Parameters bound by the key file may be omitted. */
export interface WatermarkOptions extends KeyParams {
  /** The master key (from `generateKey` or `parseKey`). */
  readonly key: SecretKey;
  /**
   * The green list's kernels: `'auto'` (default: WebAssembly SIMD where the engine has it, else
   * JavaScript) or `'js'` (always JavaScript). The marks are identical; only the speed differs.
   */
  readonly kernels?: KernelChoice;
}

/**
 * The serving side's watermark: the green-list function plus the bias `delta` it applies.
 *
 * Windows: the last `contextWidth` ids of a context select the green list. A context shorter than
 * `contextWidth` has no window, and that step is not biased (`bias` leaves the logits untouched,
 * `sample` draws from the unbiased distribution). Only those last ids are read and validated.
 *
 * Memory: `bias`, `biasBatch` and `sample` allocate nothing per call (`biasBatch` grows its row
 * buffers to the largest batch seen); `sample` uses scratch buffers of 21 bytes per vocabulary
 * entry (one Int32, Float64, Int32, Uint8 and Float32 per id), allocated on its first call and
 * owned by this object (never by a session). They hold nothing between calls, so sessions and the watermark's own
 * `sample` can be used in any interleaving.
 */
export interface Watermark {
  /** The resolved configuration (gamma, delta, contextWidth, vocabSize, tokenizer). */
  readonly config: ResolvedParams;
  /** Exact probability that a token is green under the null: the threshold over 2^31. */
  readonly greenProbability: number;
  /** The key's non-secret fingerprint. */
  readonly fingerprint: string;
  /** The underlying green-list function. */
  readonly greenList: GreenList;
  /**
   * Whether `token` is green after `context` (its last `contextWidth` ids form the window).
   * @throws RangeError for a context shorter than `contextWidth` or ids outside `[0, vocabSize)`
   */
  isGreen(context: ArrayLike<number>, token: number): boolean;
  /**
   * Adds `delta` in place to the logit of every green token after `context`, and returns the same
   * array. The addition is float32 (`fround(l + fround(delta))`), as the array stores it. Other entries are untouched; `-Infinity` stays `-Infinity`. No
   * bias when `context` is shorter than `contextWidth`. No memory between calls: for
   * repeated-context masking use a {@link Watermark.session}.
   *
   * @param logits - `vocabSize` logits (modified in place)
   * @param context - the ids before the position being sampled (prompt and generated so far)
   * @returns `logits`
   * @throws TypeError when `logits` is not a Float32Array or `context` is not array-like;
   *   RangeError when `logits.length !== vocabSize`, a window id is not an integer in
   *   `[0, vocabSize)`, or a logit is NaN (nothing is modified then)
   * @example
   * ```ts
   * wm.bias(logits, tokensSoFar); // then run your usual sampler on logits
   * ```
   */
  bias(logits: Float32Array, context: ArrayLike<number>): Float32Array;
  /**
   * Batched {@link Watermark.bias}: `logits` is a row-major `[B x vocabSize]` buffer and row `b` is
   * biased with `contexts[b]`. All rows are validated before any is modified.
   *
   * @param logits - `contexts.length * vocabSize` logits (modified in place)
   * @param contexts - one context per row
   * @returns `logits`
   * @throws TypeError / RangeError as `bias`, naming the row; RangeError when `logits.length` is
   *   not `contexts.length * vocabSize`
   * @example
   * ```ts
   * wm.biasBatch(batchLogits, [ctxA, ctxB, ctxC]); // 3 x V buffer
   * ```
   */
  biasBatch(logits: Float32Array, contexts: ArrayLike<ArrayLike<number>>): Float32Array;
  /**
   * Draws one token id from exactly this distribution: bias all `vocabSize` logits (green
   * `+delta`, in float64), divide by `temperature`, keep `topK`, keep `topP`, keep `minP`,
   * softmax, draw with `random()`. Tokens whose weight is below 2^-53 of the total (see
   * `negligibleCut`) get weight 0. Only the candidates that can be kept are hashed; the result is
   * bitwise the token the literal full-vocabulary computation returns for the same `random()`
   * value. `logits` is not modified. No memory between calls (no masking): use a session for that.
   *
   * **Greedy** (`temperature: 0`) returns the lowest id maximising the biased logit and calls no
   * `random`. It is deterministic per context, so the same window always yields the same token:
   * repeated text carries no new evidence and a greedy watermark is easier to learn or scrub.
   * Prefer sampling.
   *
   * @param logits - `vocabSize` logits; `-Infinity` masks a token
   * @param context - the ids before the position being sampled
   * @param options - see `SampleOptions`
   * @returns the sampled token id
   * @throws TypeError for wrong types; RangeError for a logits length other than `vocabSize`, a NaN
   *   or `+Infinity` logit, all logits `-Infinity`, a window id out of range, `topK` < 1 or not an
   *   integer, `topP` outside (0, 1], `minP` outside [0, 1), `temperature` < 0, NaN or infinite, a
   *   `random()` value outside [0, 1); RadiomarkError `STATE` when called from inside its own `random`
   * @example
   * ```ts
   * const next = wm.sample(logits, tokensSoFar, { temperature: 0.7, topP: 0.95 });
   * ```
   */
  sample(logits: Float32Array, context: ArrayLike<number>, options?: SampleOptions): number;
  /**
   * Starts per-request state: the window slides over the prompt tail and the accepted tokens, and
   * (by default) a window already used earlier in the generation is not biased again.
   *
   * @param options - `prompt` ids and `masking` (default true)
   * @returns a new {@link WatermarkSession}
   * @throws TypeError / RangeError for a malformed prompt (ids must be integers in `[0, vocabSize)`)
   * @example
   * ```ts
   * const s = wm.session({ prompt: promptIds });
   * for (let i = 0; i < 64; i++) out.push(s.sample(model.next(s), { temperature: 0.8 }));
   * ```
   */
  session(options?: SessionOptions): WatermarkSession;
}

/**
 * Creates a watermark for a model server: for a single key a {@link Watermark}, for a key family a
 * {@link FamilyWatermark} (one watermark per member, built on first use; see `wm.session`'s
 * `cohort` and `epoch`).
 *
 * @param options - the key (or key family) and scheme parameters; parameters bound by the key file
 *   are used when omitted, and an explicit value that differs from the key file's is refused
 * @returns a {@link Watermark}, or a {@link FamilyWatermark} for a key family
 * @throws TypeError / RangeError for invalid parameters (`gamma` outside (0, 1), negative or
 *   non-finite `delta`, `contextWidth` outside 0..8, non-integer `vocabSize`);
 *   RadiomarkError `CONFIG_MISMATCH` when an option contradicts the key file
 * @example
 * ```ts
 * const wm = createWatermark({ key, vocabSize: 200019, gamma: 0.25, delta: 2, contextWidth: 2 });
 * wm.isGreen([1, 2], 3);
 * const s = wm.session({ prompt: [1, 2] });
 * const token = s.sample(logits, { temperature: 0.8, topK: 50 });
 * ```
 */
// The single-key overload comes last, so `ReturnType<typeof createWatermark>` is `Watermark`.
export function createWatermark(options: FamilyWatermarkOptions): FamilyWatermark;
export function createWatermark(options: WatermarkOptions): Watermark;
export function createWatermark(options: WatermarkOptions | FamilyWatermarkOptions): Watermark | FamilyWatermark {
  const api = 'createWatermark';
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { key } = options;
  if (isKeyFamily(key)) return createFamilyWatermark(options as FamilyWatermarkOptions);
  checkSecretKey(api, 'key', key);
  const config = resolveParams(api, key, options);
  return buildWatermark(key, config, new FusedSampler(config.vocabSize, config.delta), { kernels: options.kernels, member: undefined });
}
