/**
 * The JavaScript kernels of a green list: the reference implementation of every kernel, and the
 * fallback where WebAssembly SIMD is unavailable or `kernels: 'js'` is chosen. test/scheme.test.ts
 * checks them against the known-answer vectors, test/scheme-kernels.test.ts the WebAssembly
 * kernels against them.
 *
 * @internal
 * @module
 */
import { subkey, type SecretKey } from '../key/secret-key.js';
import { compress, keyWords, KEYED_SINGLE_BLOCK_FLAGS } from './blake3.js';
import type { GreenList } from './green-list.js';

/** HKDF info labels of scheme version 1 (docs/SPEC.md §2). */
export const INFO_CONTEXT = 'scheme/context';
/** HKDF info label of the token-table subkey. */
export const INFO_TOKEN = 'scheme/token';

/** Number of 32-bit words of a context seed. */
export const SEED_WORDS = 3;

/** The per-context and per-token steps of one green list, on one backend. */
export interface Kernels {
  seedWindow: GreenList['seedWindow'];
  isGreenSeeded: GreenList['isGreenSeeded'];
  addGreen: GreenList['addGreen'];
  addGreenChecked: GreenList['addGreenChecked'];
  addGreenRows: GreenList['addGreenRows'];
  greenOf: GreenList['greenOf'];
  greenAt: GreenList['greenAt'];
}

/** The JavaScript kernels: the reference, and the fallback without WebAssembly SIMD. */
export function jsKernels(key: SecretKey, h: number, vocabSize: number, threshold: number): Kernels {
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

  return { seedWindow, isGreenSeeded, addGreen, addGreenChecked, addGreenRows, greenOf, greenAt };
}

/** The batched green test over a token table (both backends: the WebAssembly one passes its view). */
export function greenOfTable(table: Uint32Array, threshold: number, seed: Uint32Array, seedOffset: number, ids: Int32Array, count: number, out: Uint8Array): void {
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

/** Index (counted from `from`) of the first NaN of `values[from .. from + count)`, or -1. */
export function firstNaN(values: Float32Array, from: number, count: number): number {
  for (let i = 0; i < count; i++) {
    const v = values[from + i]!;
    // eslint-disable-next-line no-self-compare
    if (v !== v) return i;
  }
  return -1;
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
