/**
 * An allocation-free BLAKE3 compression function for the scheme's hot paths.
 *
 * `@noble/hashes` is the project's cryptography library, and its `blake3` is the reference these
 * functions are tested against byte for byte (test/scheme.test.ts). noble allocates a hasher per
 * call, which costs about a microsecond; the scheme calls BLAKE3 once per generated token on the
 * serving side and once per scored position on the detection side, so it needs a compression with
 * preallocated state. Only the two single-compression cases the scheme uses are implemented: the
 * keyed hash of a message of at most 64 bytes, and keyed XOF output blocks of the empty message.
 *
 * @module
 */

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

/** The message word schedule of the 7 rounds, precomputed from BLAKE3's permutation. */
const SCHEDULE: Uint8Array = (() => {
  const perm = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
  const out = new Uint8Array(7 * 16);
  let cur = Array.from({ length: 16 }, (_, i) => i);
  for (let r = 0; r < 7; r++) {
    for (let i = 0; i < 16; i++) out[r * 16 + i] = cur[i]!;
    cur = perm.map((p) => cur[p]!);
  }
  return out;
})();

const S = new Uint32Array(16);

function g(a: number, b: number, c: number, d: number, mx: number, my: number): void {
  const s = S;
  let va = s[a]!, vb = s[b]!, vc = s[c]!, vd = s[d]!;
  va = (va + vb + mx) | 0;
  vd ^= va;
  vd = (vd >>> 16) | (vd << 16);
  vc = (vc + vd) | 0;
  vb ^= vc;
  vb = (vb >>> 12) | (vb << 20);
  va = (va + vb + my) | 0;
  vd ^= va;
  vd = (vd >>> 8) | (vd << 24);
  vc = (vc + vd) | 0;
  vb ^= vc;
  vb = (vb >>> 7) | (vb << 25);
  s[a] = va;
  s[b] = vb;
  s[c] = vc;
  s[d] = vd;
}

/**
 * BLAKE3 compression. Reads the 8-word chaining value `cv` and the 16-word `block`, writes the
 * 16-word output (first 8 words: `v[i] ^ v[i+8]`; last 8: `v[i+8] ^ cv[i]`) into `out`.
 * Allocates nothing.
 *
 * @param cv - chaining value (for a keyed hash: the key as 8 little-endian words)
 * @param block - 16 little-endian message words, zero-padded
 * @param counterLow - low 32 bits of the block counter (the XOF output block index)
 * @param blockLen - number of message bytes in the block (0..64)
 * @param flags - BLAKE3 domain flags
 * @param out - receives 16 words; may not alias `cv` or `block`
 */
export function compress(
  cv: Uint32Array,
  block: Uint32Array,
  counterLow: number,
  blockLen: number,
  flags: number,
  out: Uint32Array,
): void {
  const s = S;
  for (let i = 0; i < 8; i++) s[i] = cv[i]!;
  s[8] = IV0;
  s[9] = IV1;
  s[10] = IV2;
  s[11] = IV3;
  s[12] = counterLow;
  s[13] = 0;
  s[14] = blockLen;
  s[15] = flags;
  const m = block;
  const sc = SCHEDULE;
  for (let r = 0; r < 112; r += 16) {
    g(0, 4, 8, 12, m[sc[r]!]!, m[sc[r + 1]!]!);
    g(1, 5, 9, 13, m[sc[r + 2]!]!, m[sc[r + 3]!]!);
    g(2, 6, 10, 14, m[sc[r + 4]!]!, m[sc[r + 5]!]!);
    g(3, 7, 11, 15, m[sc[r + 6]!]!, m[sc[r + 7]!]!);
    g(0, 5, 10, 15, m[sc[r + 8]!]!, m[sc[r + 9]!]!);
    g(1, 6, 11, 12, m[sc[r + 10]!]!, m[sc[r + 11]!]!);
    g(2, 7, 8, 13, m[sc[r + 12]!]!, m[sc[r + 13]!]!);
    g(3, 4, 9, 14, m[sc[r + 14]!]!, m[sc[r + 15]!]!);
  }
  for (let i = 0; i < 8; i++) {
    out[i] = s[i]! ^ s[i + 8]!;
    out[i + 8] = s[i + 8]! ^ cv[i]!;
  }
}

/** Reads 32 bytes as 8 little-endian words. */
export function keyWords(key: Uint8Array): Uint32Array {
  if (key.length !== 32) throw new RangeError(`blake3 keyWords: key must be 32 bytes, got ${key.length}`);
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++) {
    w[i] = (key[4 * i]! | (key[4 * i + 1]! << 8) | (key[4 * i + 2]! << 16) | (key[4 * i + 3]! << 24)) >>> 0;
  }
  return w;
}
