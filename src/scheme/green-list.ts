import { subkey, type SecretKey } from '../key/secret-key.js';
import { MAX_CONTEXT_WIDTH } from '../key/params.js';
import { compress, keyWords, KEYED_SINGLE_BLOCK_FLAGS } from './blake3.js';
import { thresholdFor } from './config.js';

/** HKDF info labels of scheme version 1 (docs/SPEC.md §2). */
export const INFO_CONTEXT = 'scheme/context';
/** HKDF info label of the token-table subkey. */
export const INFO_TOKEN = 'scheme/token';

/** Number of 32-bit words of a context seed. */
export const SEED_WORDS = 3;

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
  /** Number of green ids in `[0, vocabSize)` under a seed (a diagnostic). */
  countGreen(seed: Uint32Array, seedOffset: number): number;
}

/**
 * Builds the green-list function for a key. Precomputes the per-token table `r` (4 bytes per id;
 * about 4 ms at V = 128k).
 *
 * @param options - key and scheme parameters (already validated by the caller's config resolution)
 * @returns a {@link GreenList}
 * @throws RangeError for parameters outside their domain
 * @example
 * ```ts
 * const gl = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 50257 });
 * gl.isGreen([464, 3290], 318);
 * ```
 */
export function createGreenList(options: GreenListOptions): GreenList {
  const { key, gamma, contextWidth, vocabSize } = options;
  if (!Number.isInteger(contextWidth) || contextWidth < 0 || contextWidth > MAX_CONTEXT_WIDTH) {
    throw new RangeError(`createGreenList: "contextWidth" must be an integer in 0..${MAX_CONTEXT_WIDTH}, got ${contextWidth}`);
  }
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`createGreenList: "vocabSize" must be a positive integer, got ${vocabSize}`);
  }
  if (!(gamma > 0 && gamma < 1)) throw new RangeError(`createGreenList: "gamma" must be in (0, 1), got ${gamma}`);
  const threshold = thresholdFor(gamma);
  const ctxKey = keyWords(subkey(key, INFO_CONTEXT));
  const tokenTable = buildTokenTable(subkey(key, INFO_TOKEN), vocabSize);
  const block = new Uint32Array(16);
  const out16 = new Uint32Array(16);
  const inc = new Float32Array(2);
  const h = contextWidth;

  const seedWindow = (ids: ArrayLike<number>, end: number, out: Uint32Array, outOffset = 0): void => {
    const start = end - h;
    for (let i = 0; i < h; i++) block[i] = ids[start + i]!;
    compress(ctxKey, block, 0, 4 * h, KEYED_SINGLE_BLOCK_FLAGS, out16);
    out[outOffset] = out16[0]!;
    out[outOffset + 1] = out16[1]!;
    out[outOffset + 2] = out16[2]!;
  };

  const isGreenSeeded = (seed: Uint32Array, offset: number, token: number): boolean => {
    let x = tokenTable[token]! ^ seed[offset]!;
    x = Math.imul(x, seed[offset + 1]! | 1);
    x ^= x >>> 16;
    x = Math.imul(x, seed[offset + 2]! | 1);
    return x >>> 1 < threshold;
  };

  const addGreen = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): void => {
    const s0 = seed[seedOffset]! | 0;
    const s1 = seed[seedOffset + 1]! | 1;
    const s2 = seed[seedOffset + 2]! | 1;
    const r = tokenTable;
    const n = vocabSize;
    inc[0] = 0;
    inc[1] = amount;
    for (let t = 0; t < n; t++) {
      let x = Math.imul(r[t]! ^ s0, s1);
      x ^= x >>> 16;
      x = Math.imul(x, s2);
      // Branch-free select: score and threshold are both < 2^31, so their difference is negative
      // (bit 31 set after >>> 31's ToUint32) exactly when the token is green.
      values[offset + t] += inc[((x >>> 1) - threshold) >>> 31]!;
    }
  };

  const countGreen = (seed: Uint32Array, seedOffset: number): number => {
    let c = 0;
    for (let t = 0; t < vocabSize; t++) if (isGreenSeeded(seed, seedOffset, t)) c++;
    return c;
  };

  const scratch = new Uint32Array(SEED_WORDS);
  const isGreen = (context: ArrayLike<number>, token: number): boolean => {
    if (context === null || typeof context !== 'object' || typeof context.length !== 'number') {
      throw new TypeError(`isGreen: "context" must be an array of token ids, got ${String(context)}`);
    }
    if (context.length < h) {
      throw new RangeError(`isGreen: "context" needs at least contextWidth=${h} ids, got ${context.length}`);
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
    seedWindow,
    isGreenSeeded,
    addGreen,
    countGreen,
    toString: () => `GreenList(fingerprint ${key.fingerprint})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `GreenList(fingerprint ${key.fingerprint})`,
  });
}

/**
 * Word `t` of the BLAKE3 keyed XOF (empty input) under `tokenKey`, for `t < vocabSize`.
 * One compression per 16 ids; the value of an id never depends on `vocabSize`.
 */
function buildTokenTable(tokenKey: Uint8Array, vocabSize: number): Uint32Array {
  const kw = keyWords(tokenKey);
  const zero = new Uint32Array(16);
  const out = new Uint32Array(16);
  const blocks = Math.ceil(vocabSize / 16);
  const table = new Uint32Array(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    compress(kw, zero, b, 0, KEYED_SINGLE_BLOCK_FLAGS, out);
    table.set(out, b * 16);
  }
  return table;
}

/**
 * Validates one token id; throws a RangeError naming the API, the field and the position.
 * @internal
 */
export function checkId(api: string, field: string, index: number, id: unknown, vocabSize: number): void {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    const where = index >= 0 ? `${field}[${index}]` : field;
    throw new RangeError(`${api}: ${where} must be an integer token id in [0, ${vocabSize}), got ${String(id)}`);
  }
}

