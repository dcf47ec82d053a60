/**
 * An allocation-free BLAKE3 compression function for the scheme's hot paths.
 *
 * `@noble/hashes` is the project's cryptography library, and its `blake3` is the reference these
 * functions are tested against byte for byte (test/scheme.test.ts). noble allocates a hasher per
 * call, which costs more than the compression itself; the scheme calls BLAKE3 once per generated token on the
 * serving side and once per scored position on the detection side, so it needs a compression with
 * preallocated state. Only the two single-compression cases the scheme uses are implemented: the
 * keyed hash of a message of at most 64 bytes, and keyed XOF output blocks of the empty message.
 *
 * @module
 */
import { RadiomarkRangeError } from '../errors.js';

const IV0 = 0x6a09e667;
const IV1 = 0xbb67ae85;
const IV2 = 0x3c6ef372;
const IV3 = 0xa54ff53a;

/** BLAKE3 domain flags. */
const CHUNK_START = 1;
const CHUNK_END = 2;
const ROOT = 8;
const KEYED_HASH = 16;

/** Flags of a keyed hash of a single-block message. */
export const KEYED_SINGLE_BLOCK_FLAGS = CHUNK_START | CHUNK_END | ROOT | KEYED_HASH;

/**
 * BLAKE3 compression. Reads the 8-word chaining value `cv` and the 16-word `block`, writes the
 * 16-word output (first 8 words: `v[i] ^ v[i+8]`; last 8: `v[i+8] ^ cv[i]`) into `out`.
 * Allocates nothing: the state lives in local variables rather than a state array (V8 keeps them
 * in registers; `npm run bench` times the result), the 7 rounds run in a loop and the message
 * permutation is a rotation of locals.
 *
 * @param cv - chaining value (for a keyed hash: the key as 8 little-endian words)
 * @param block - 16 little-endian message words, zero-padded
 * @param counterLow - low 32 bits of the block counter (the XOF output block index)
 * @param blockLen - number of message bytes in the block (0..64)
 * @param flags - BLAKE3 domain flags
 * @param out - receives 16 words; may alias `block` but not `cv`
 */
export function compress(
  cv: Uint32Array,
  block: Uint32Array,
  counterLow: number,
  blockLen: number,
  flags: number,
  out: Uint32Array,
): void {
  let v0 = cv[0]! | 0, v1 = cv[1]! | 0, v2 = cv[2]! | 0, v3 = cv[3]! | 0;
  let v4 = cv[4]! | 0, v5 = cv[5]! | 0, v6 = cv[6]! | 0, v7 = cv[7]! | 0;
  let v8 = IV0 | 0, v9 = IV1 | 0, v10 = IV2 | 0, v11 = IV3 | 0;
  let v12 = counterLow | 0, v13 = 0, v14 = blockLen | 0, v15 = flags | 0;
  let m0 = block[0]! | 0, m1 = block[1]! | 0, m2 = block[2]! | 0, m3 = block[3]! | 0;
  let m4 = block[4]! | 0, m5 = block[5]! | 0, m6 = block[6]! | 0, m7 = block[7]! | 0;
  let m8 = block[8]! | 0, m9 = block[9]! | 0, m10 = block[10]! | 0, m11 = block[11]! | 0;
  let m12 = block[12]! | 0, m13 = block[13]! | 0, m14 = block[14]! | 0, m15 = block[15]! | 0;
  let t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15;
  for (let round = 0; round < 7; round++) {
    v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
    v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
    v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
    v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
    v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
    v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
    v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
    v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
    t0 = m0; t1 = m1; t2 = m2; t3 = m3; t4 = m4; t5 = m5; t6 = m6; t7 = m7;
    t8 = m8; t9 = m9; t10 = m10; t11 = m11; t12 = m12; t13 = m13; t14 = m14; t15 = m15;
    m0 = t2; m1 = t6; m2 = t3; m3 = t10; m4 = t7; m5 = t0; m6 = t4; m7 = t13;
    m8 = t1; m9 = t11; m10 = t12; m11 = t5; m12 = t9; m13 = t14; m14 = t15; m15 = t8;
  }
  out[0] = v0 ^ v8; out[1] = v1 ^ v9; out[2] = v2 ^ v10; out[3] = v3 ^ v11;
  out[4] = v4 ^ v12; out[5] = v5 ^ v13; out[6] = v6 ^ v14; out[7] = v7 ^ v15;
  out[8] = v8 ^ cv[0]!; out[9] = v9 ^ cv[1]!; out[10] = v10 ^ cv[2]!; out[11] = v11 ^ cv[3]!;
  out[12] = v12 ^ cv[4]!; out[13] = v13 ^ cv[5]!; out[14] = v14 ^ cv[6]!; out[15] = v15 ^ cv[7]!;
}

/** Reads 32 bytes as 8 little-endian words. */
export function keyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new RadiomarkRangeError(`blake3 keyWords: key must be 32 bytes, got ${key.length}`, { api: 'keyWords', field: 'key' });
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    w[i] = (key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)) >>> 0;
  }
  return w;
}
