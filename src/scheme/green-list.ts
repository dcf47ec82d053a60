import { subkey, type SecretKey } from '../key/secret-key.js';
import { MAX_CONTEXT_WIDTH } from '../key/params.js';
import { checkSecretKey } from '../key/family.js';
import { compress, keyWords, KEYED_SINGLE_BLOCK_FLAGS } from './blake3.js';
import { thresholdFor } from './config.js';
import { kernelInstance, type KernelExports, type WasmMemory } from './wasm.js';

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
  /**
   * {@link GreenList.addGreen} and the NaN check of the same values in one pass, all or nothing:
   * when `values[offset .. offset + vocabSize)` holds a NaN, nothing is modified and the index
   * (counted from `offset`) of the first NaN is returned; otherwise the green ids get `amount` and
   * the result is -1. On the SIMD kernels this costs about a third of a plain max pass, less than
   * a separate NaN scan followed by `addGreen`. Unchecked otherwise; allocates nothing.
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
   * SIMD kernels (about 3x cheaper per position than one `seedWindow` call). Unchecked; allocates
   * nothing.
   */
  greenAt(ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint8Array): void;
  /**
   * Batched {@link GreenList.seedWindow}: writes the seed of the window ending at `ends[k]` into
   * `out[3k .. 3k + 3)` for `k < count`. Unchecked; allocates nothing.
   */
  seedWindows(ids: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint32Array): void;
  /** `'wasm-simd'` when the WebAssembly SIMD kernels run, `'js'` for the JavaScript fallback. */
  readonly backend: 'wasm-simd' | 'js';
}

/**
 * Builds the green-list function for a key. Precomputes the per-token table `r` (4 bytes per id;
 * about 3 ms at V = 128k). Runs on the WebAssembly SIMD kernels when the engine has them (see
 * {@link GreenList.backend}), on the JavaScript kernels otherwise; both give identical answers.
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
  checkSecretKey('createGreenList', 'key', key);
  if (!Number.isInteger(contextWidth) || contextWidth < 0 || contextWidth > MAX_CONTEXT_WIDTH) {
    throw new RangeError(`createGreenList: "contextWidth" must be an integer in 0..${MAX_CONTEXT_WIDTH}, got ${contextWidth}`);
  }
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`createGreenList: "vocabSize" must be a positive integer, got ${vocabSize}`);
  }
  if (!(gamma > 0 && gamma < 1)) throw new RangeError(`createGreenList: "gamma" must be in (0, 1), got ${gamma}`);
  const threshold = thresholdFor(gamma);
  const h = contextWidth;
  const kernels = kernelInstance();
  const k = kernels === null ? jsKernels(key, h, vocabSize, threshold) : wasmKernels(kernels, key, h, vocabSize, threshold);
  const { seedWindow, isGreenSeeded, addGreen, addGreenChecked, addGreenRows, greenAt, seedWindows } = k;

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
    addGreenChecked,
    addGreenRows,
    greenOf: k.greenOf,
    countGreen,
    greenAt,
    seedWindows,
    backend: kernels === null ? 'js' : 'wasm-simd',
    toString: () => `GreenList(fingerprint ${key.fingerprint})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `GreenList(fingerprint ${key.fingerprint})`,
  });
}

/** The per-context and per-token steps of one green list, on one backend. */
interface Kernels {
  seedWindow: GreenList['seedWindow'];
  isGreenSeeded: GreenList['isGreenSeeded'];
  addGreen: GreenList['addGreen'];
  addGreenChecked: GreenList['addGreenChecked'];
  addGreenRows: GreenList['addGreenRows'];
  greenOf: GreenList['greenOf'];
  greenAt: GreenList['greenAt'];
  seedWindows: GreenList['seedWindows'];
}

/** The JavaScript kernels: the reference, and the fallback without WebAssembly SIMD. */
function jsKernels(key: SecretKey, h: number, vocabSize: number, threshold: number): Kernels {
  const ctxKey = keyWords(subkey(key, INFO_CONTEXT));
  const tokenTable = buildTokenTable(subkey(key, INFO_TOKEN), vocabSize);
  const block = new Uint32Array(16);
  const out16 = new Uint32Array(16);
  const inc = new Float32Array(2);
  const seed = new Uint32Array(SEED_WORDS);

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

  const greenOf = (seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void => {
    greenOfTable(tokenTable, threshold, seed, seedOffset, ids, count, out);
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

  const addGreenChecked = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): number => {
    const bad = firstNaN(values, offset, vocabSize);
    if (bad >= 0) return bad;
    addGreen(seed, seedOffset, values, offset, amount);
    return -1;
  };

  const addGreenRows = (seeds: Uint32Array, active: Uint8Array, values: Float32Array, rows: number, amount: number): number => {
    const bad = firstNaN(values, 0, rows * vocabSize);
    if (bad >= 0) return bad;
    for (let b = 0; b < rows; b++) if (active[b] !== 0) addGreen(seeds, 3 * b, values, b * vocabSize, amount);
    return -1;
  };

  const greenAt = (ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint8Array): void => {
    for (let k = 0; k < count; k++) {
      const e = ends[k]!;
      seedWindow(ids, e, seed, 0);
      out[k] = isGreenSeeded(seed, 0, toks[e]!) ? 1 : 0;
    }
  };

  const seedWindows = (ids: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint32Array): void => {
    for (let k = 0; k < count; k++) seedWindow(ids, ends[k]!, out, 3 * k);
  };

  return { seedWindow, isGreenSeeded, addGreen, addGreenChecked, addGreenRows, greenOf, greenAt, seedWindows };
}

/** The batched green test over a token table (both backends: the WebAssembly one passes its view). */
function greenOfTable(table: Uint32Array, threshold: number, seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void {
  const s0 = seed[seedOffset]! | 0;
  const s1 = seed[seedOffset + 1]! | 1;
  const s2 = seed[seedOffset + 2]! | 1;
  for (let q = 0; q < count; q++) {
    const id = ids[q]!;
    if (id < 0) {
      out[q] = 0;
      continue;
    }
    let x = Math.imul(table[id]! ^ s0, s1);
    x ^= x >>> 16;
    x = Math.imul(x, s2);
    out[q] = x >>> 1 < threshold ? 1 : 0;
  }
}

/**
 * The WebAssembly SIMD kernels (src/scheme/kernels.wat). The token table lives in the instance's
 * memory (JavaScript reads it through a view for `isGreenSeeded`); `addGreen` copies the values
 * in, adds four ids per SIMD step and copies them back (two memcpy-speed copies cost less than
 * the scalar per-id work they replace).
 */
function wasmKernels(k: KernelExports, key: SecretKey, h: number, vocabSize: number, threshold: number): Kernels {
  const memory = k.memory;
  const CTX_KEY = k.CTX_KEY.value;
  const TOK_KEY = k.TOK_KEY.value;
  const SEED_OUT = k.SEED_OUT.value >>> 2;
  const BATCH = k.BATCH.value;
  const WIN = k.WIN.value >>> 2;
  const TOK = k.TOK.value >>> 2;
  const OUT = k.OUT.value;
  const TABLE = k.TABLE.value;
  const blocks = Math.ceil(vocabSize / 16);
  const blocks4 = (blocks + 3) & ~3;
  const tableEnd = TABLE + 64 * blocks4;
  grow(memory, tableEnd);
  let u32 = new Uint32Array(memory.buffer);
  let f32 = new Float32Array(memory.buffer);
  let u8 = new Uint8Array(memory.buffer);
  u32.set(keyWords(subkey(key, INFO_CONTEXT)), CTX_KEY >>> 2);
  u32.set(keyWords(subkey(key, INFO_TOKEN)), TOK_KEY >>> 2);
  k.table4(blocks4);
  u32.fill(0, TOK_KEY >>> 2, (TOK_KEY >>> 2) + 8);
  let tokenTable = new Uint32Array(memory.buffer, TABLE, blocks * 16);
  const len = 4 * h;
  const n = vocabSize;

  // The values scratch of the bias kernels, allocated on first use (detectors never need it) and
  // grown to the largest batch seen: `cap` floats at `vp`.
  const vp = tableEnd;
  let cap = 0;
  let valuesView: Float32Array = new Float32Array(0);
  let workView: Float32Array = new Float32Array(0);
  let workPtr = 0;
  const ensureValues = (floats: number): void => {
    if (floats <= cap) return;
    grow(memory, vp + 4 * floats);
    cap = floats;
    u32 = new Uint32Array(memory.buffer);
    f32 = new Float32Array(memory.buffer);
    u8 = new Uint8Array(memory.buffer);
    tokenTable = new Uint32Array(memory.buffer, TABLE, blocks * 16);
    valuesView = f32.subarray(vp >>> 2, (vp >>> 2) + n);
    // addGreenRows' output row is the last row of the scratch (after the saved rows).
    workPtr = vp + 4 * (Math.floor(floats / n) - 1) * n;
    workView = f32.subarray(workPtr >>> 2, (workPtr >>> 2) + n);
  };
  // Views of caller arrays at an offset (batched rows), so that copying a row in allocates
  // nothing after the first call with that array.
  const rowViews = new WeakMap<Float32Array, Map<number, Float32Array>>();
  const rowView = (values: Float32Array, offset: number, length = n): Float32Array => {
    let m = rowViews.get(values);
    if (m === undefined) rowViews.set(values, (m = new Map()));
    let v = m.get(offset);
    if (v === undefined || v.length !== length) m.set(offset, (v = values.subarray(offset, offset + length)));
    return v;
  };

  const seed1 = k.seed1;
  const green4 = h <= 2 ? k.green4w2 : k.green4;
  let seedWindow: Kernels['seedWindow'];
  if (h === 0) {
    seed1(0, 0, 0, 0, 0, 0, 0, 0, 0);
    const c0 = u32[SEED_OUT]!, c1 = u32[SEED_OUT + 1]!, c2 = u32[SEED_OUT + 2]!;
    seedWindow = (_ids, _end, out, outOffset = 0) => {
      out[outOffset] = c0;
      out[outOffset + 1] = c1;
      out[outOffset + 2] = c2;
    };
  } else {
    seedWindow = (ids, end, out, outOffset = 0) => {
      const s = end - h;
      if (h === 1) seed1(ids[s]!, 0, 0, 0, 0, 0, 0, 0, 4);
      else if (h === 2) seed1(ids[s]!, ids[s + 1]!, 0, 0, 0, 0, 0, 0, 8);
      else {
        seed1(
          ids[s]!, ids[s + 1]!, ids[s + 2]!,
          h > 3 ? ids[s + 3]! : 0, h > 4 ? ids[s + 4]! : 0, h > 5 ? ids[s + 5]! : 0,
          h > 6 ? ids[s + 6]! : 0, h > 7 ? ids[s + 7]! : 0, len,
        );
      }
      out[outOffset] = u32[SEED_OUT]!;
      out[outOffset + 1] = u32[SEED_OUT + 1]!;
      out[outOffset + 2] = u32[SEED_OUT + 2]!;
    };
  }

  const isGreenSeeded = (seed: Uint32Array, offset: number, token: number): boolean => {
    let x = tokenTable[token]! ^ seed[offset]!;
    x = Math.imul(x, seed[offset + 1]! | 1);
    x ^= x >>> 16;
    x = Math.imul(x, seed[offset + 2]! | 1);
    return x >>> 1 < threshold;
  };

  const addGreen = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): void => {
    ensureValues(n);
    f32.set(offset === 0 && values.length === n ? values : rowView(values, offset), vp >>> 2);
    k.addGreen(vp, vp, n, seed[seedOffset]!, seed[seedOffset + 1]!, seed[seedOffset + 2]!, threshold, amount);
    values.set(valuesView, offset);
  };

  const addGreenChecked = (seed: Uint32Array, seedOffset: number, values: Float32Array, offset: number, amount: number): number => {
    ensureValues(n);
    f32.set(offset === 0 && values.length === n ? values : rowView(values, offset), vp >>> 2);
    if (k.addGreen(vp, vp, n, seed[seedOffset]!, seed[seedOffset + 1]!, seed[seedOffset + 2]!, threshold, amount) !== 0) {
      return firstNaN(values, offset, n);
    }
    values.set(valuesView, offset);
    return -1;
  };

  // Rows are biased one at a time, as single calls are (copy in, kernel, copy out while the row is
  // in cache), and each row's original is kept in the scratch: a NaN in a later row restores the
  // rows already written, so the call is all or nothing without a separate NaN pass.
  const addGreenRows = (seeds: Uint32Array, active: Uint8Array, values: Float32Array, rows: number, amount: number): number => {
    ensureValues((rows + 1) * n);
    const work = workPtr;
    for (let b = 0; b < rows; b++) {
      const p = vp + 4 * b * n;
      const q = 3 * b;
      f32.set(rows === 1 && values.length === n ? values : rowView(values, b * n), p >>> 2);
      const nan = active[b] !== 0 ? k.addGreen(p, work, n, seeds[q]!, seeds[q + 1]!, seeds[q + 2]!, threshold, amount) : k.hasNaN(p, n);
      if (nan !== 0) {
        for (let r = 0; r < b; r++) if (active[r] !== 0) values.set(f32.subarray((vp >>> 2) + r * n, (vp >>> 2) + (r + 1) * n), r * n);
        return b * n + firstNaN(values, b * n, n);
      }
      if (active[b] !== 0) values.set(workView, b * n);
    }
    return -1;
  };

  /** Copies the windows ending at ends[from .. from + m) and their tokens into the batch area. */
  const load = (ids: ArrayLike<number>, toks: ArrayLike<number> | null, ends: ArrayLike<number>, from: number, m: number): number => {
    const w = u32;
    for (let j = 0; j < m; j++) {
      const e = ends[from + j]!;
      const o = WIN + 8 * j;
      if (h === 2) {
        w[o] = ids[e - 2]!;
        w[o + 1] = ids[e - 1]!;
      } else {
        for (let i = 0; i < h; i++) w[o + i] = ids[e - h + i]!;
      }
      if (toks !== null) w[TOK + j] = toks[e]!;
    }
    const m4 = (m + 3) & ~3;
    for (let j = m; j < m4; j++) w[TOK + j] = 0; // padding lanes: any valid id
    return m4;
  };

  const greenAt = (ids: ArrayLike<number>, toks: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint8Array): void => {
    for (let base = 0; base < count; base += BATCH) {
      const m = count - base < BATCH ? count - base : BATCH;
      green4(load(ids, toks, ends, base, m), len, threshold);
      const b = u8;
      for (let j = 0; j < m; j++) out[base + j] = b[OUT + j]!;
    }
  };

  const seedWindows = (ids: ArrayLike<number>, ends: ArrayLike<number>, count: number, out: Uint32Array): void => {
    for (let base = 0; base < count; base += BATCH) {
      const m = count - base < BATCH ? count - base : BATCH;
      k.seed4(load(ids, null, ends, base, m), len);
      const w = u32;
      for (let j = 0; j < m; j++) {
        const o = (OUT >>> 2) + 4 * j;
        const q = 3 * (base + j);
        out[q] = w[o]!;
        out[q + 1] = w[o + 1]!;
        out[q + 2] = w[o + 2]!;
      }
    }
  };

  const greenOf = (seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void => {
    greenOfTable(tokenTable, threshold, seed, seedOffset, ids, count, out);
  };

  return { seedWindow, isGreenSeeded, addGreen, addGreenChecked, addGreenRows, greenOf, greenAt, seedWindows };
}

/** Index (counted from `from`) of the first NaN of `values[from .. from + count)`, or -1. */
function firstNaN(values: Float32Array, from: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const v = values[from + i]!;
    // eslint-disable-next-line no-self-compare
    if (v !== v) return i;
  }
  return -1;
}

/** Grows `memory` to at least `bytes`. */
function grow(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
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

