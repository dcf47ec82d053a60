/**
 * Fingerprints of token-id tuples and a compact open-addressing set of them, for the detector's
 * deduplication (R2-R4), prompt exclusion (R1) and reference filter (rules of docs/detection.md).
 *
 * A fingerprint is 64 bits held as two 32-bit words `(lo, hi)`. Bit 31 of `hi` is always set (it
 * marks an occupied slot), so a slot whose `hi` word is 0 is empty.
 *
 * Two modes, chosen per tuple arity and vocabulary size:
 * - exact: when `arity * bits(V - 1) <= 62`, the ids are packed side by side (oldest first). The
 *   packing is injective, so two different tuples never share a fingerprint.
 * - hashed: otherwise two independent lanes of a multilinear hash modulo the prime
 *   `P = 2^29 - 3` with coefficients from a dedicated HKDF subkey (`detect/fingerprint/v1`, never
 *   the green-list subkeys, so a collision is independent of greenness). For two different tuples
 *   of the same arity a lane collides with probability at most 1/P over the key, because some
 *   coordinate differs by a nonzero amount smaller than P; the two lanes together collide with
 *   probability at most 1/P^2 < 3.5e-18.
 *
 * @module
 */
import { subkey, type SecretKey } from '../key/secret-key.js';
import { mix32 } from '../random/index.js';
import { RadiomarkRangeError } from '../errors.js';

/** The hashed mode's prime modulus, `2^29 - 3`. */
export const FINGERPRINT_PRIME = 536870909;

/** Largest total bit count packed exactly (bit 31 of `hi` is the occupied flag, bit 30 spare). */
const EXACT_BITS = 62;

/** Bits needed to write every id of `[0, vocabSize)`. */
export function idBits(vocabSize: number): number {
  let b = 1;
  while (b < 32 && 2 ** b < vocabSize) b++;
  return b;
}

/**
 * Computes fingerprints of tuples `(ids[start], ..., ids[start + width - 1], token?)`, with the
 * result left in the fields {@link Fingerprinter.lo} and {@link Fingerprinter.hi} so that nothing
 * is allocated per call.
 * @internal
 */
export class Fingerprinter {
  /** Low word of the last fingerprint. */
  lo = 0;
  /** High word of the last fingerprint (bit 31 set). */
  hi = 0;
  /** Whether the packing is exact (injective). */
  readonly exact: boolean;
  /** Number of ids per tuple. */
  readonly arity: number;
  private readonly bits: number;
  private readonly ka: Float64Array;
  private readonly kb: Float64Array;

  /**
   * @param key - the master key (hashed mode derives its coefficients from it)
   * @param arity - ids per tuple (window width, plus one for a pair)
   * @param vocabSize - ids are in `[0, vocabSize)`, `vocabSize <= 2^24`
   */
  constructor(key: SecretKey, arity: number, vocabSize: number) {
    this.arity = arity;
    this.bits = idBits(vocabSize);
    this.exact = arity * this.bits <= EXACT_BITS;
    this.ka = new Float64Array(arity + 1);
    this.kb = new Float64Array(arity + 1);
    if (!this.exact) {
      // 8 bytes per coefficient reduced mod P: bias below 2^-35 relative.
      const bytes = subkey(key, `detect/fingerprint/v1/${arity}`, 16 * (arity + 1));
      const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
      const m32 = 2 ** 32 % FINGERPRINT_PRIME;
      for (let i = 0; i <= arity; i++) {
        this.ka[i] = (((w[4 * i]! % FINGERPRINT_PRIME) * m32) + w[4 * i + 1]!) % FINGERPRINT_PRIME;
        this.kb[i] = (((w[4 * i + 2]! % FINGERPRINT_PRIME) * m32) + w[4 * i + 3]!) % FINGERPRINT_PRIME;
      }
    }
  }

  /**
   * Fingerprint of `ids[start .. start + width)` followed by `token` (when `width + 1 === arity`)
   * or of `ids[start .. start + arity)` alone (pass `token < 0`). Unchecked; allocates nothing.
   */
  compute(ids: Uint32Array, start: number, token: number): void {
    const width = token < 0 ? this.arity : this.arity - 1;
    if (this.exact) {
      const b = this.bits;
      const rb = 32 - b;
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < width; i++) {
        hi = (hi << b) | (lo >>> rb);
        lo = (lo << b) | ids[start + i]!;
      }
      if (token >= 0) {
        hi = (hi << b) | (lo >>> rb);
        lo = (lo << b) | token;
      }
      this.lo = lo >>> 0;
      this.hi = (hi | 0x80000000) >>> 0;
      return;
    }
    const P = FINGERPRINT_PRIME;
    const ka = this.ka;
    const kb = this.kb;
    let a = ka[0]!;
    let c = kb[0]!;
    for (let i = 0; i < width; i++) {
      const x = ids[start + i]!;
      a = (a + ka[i + 1]! * x) % P;
      c = (c + kb[i + 1]! * x) % P;
    }
    if (token >= 0) {
      a = (a + ka[width + 1]! * token) % P;
      c = (c + kb[width + 1]! * token) % P;
    }
    this.lo = a;
    this.hi = (c | 0x80000000) >>> 0;
  }
}

/**
 * The occupied `[lo, hi]` slots of an open-addressing table (`hi === 0` marks an empty slot),
 * compacted, in table order.
 * @internal
 */
export function compactEntries(table: Uint32Array, size: number): Uint32Array {
  const out = new Uint32Array(2 * size);
  let k = 0;
  for (let j = 0; j < table.length; j += 2) {
    if (table[j + 1] !== 0) {
      out[k++] = table[j]!;
      out[k++] = table[j + 1]!;
    }
  }
  return out;
}

/** Largest load factor before the table doubles. */
export const MAX_LOAD = 0.75;

/**
 * An open-addressing (linear probing) set of 64-bit fingerprints in one `Uint32Array`: 8 bytes
 * per slot, at most {@link MAX_LOAD} full, doubling when it would exceed it, so between 10.7 and
 * 21.3 bytes per stored fingerprint. Allocates only when it grows.
 * @internal
 */
export class FingerprintSet {
  /** Slot words: `[lo, hi]` per slot; `hi === 0` marks an empty slot. */
  table: Uint32Array;
  /** Number of stored fingerprints. */
  size = 0;
  /** Occurrence count per slot (a counting set), or null. */
  private counts: Uint32Array | null;
  private mask: number;
  private limit: number;
  private readonly salt: number;

  /**
   * @param capacity - expected number of entries (the table is sized for it)
   * @param salt - mixed into the slot index (so that crafted inputs cannot pick slots)
   * @param counting - also count how often each fingerprint was added (4 more bytes per slot)
   */
  constructor(capacity = 1024, salt = 0, counting = false) {
    this.table = new Uint32Array(0);
    this.counts = counting ? new Uint32Array(0) : null;
    this.mask = 0;
    this.limit = 0;
    this.salt = salt >>> 0;
    this.shrinkTo(capacity);
  }

  /** Number of slots. */
  get slots(): number {
    return this.mask + 1;
  }

  /** Bytes held by the table (and the counts). */
  get bytes(): number {
    return this.table.byteLength + (this.counts === null ? 0 : this.counts.byteLength);
  }

  private index(lo: number, hi: number): number {
    return mix32((lo ^ Math.imul(hi, 0x9e3779b1) ^ this.salt) >>> 0) & this.mask;
  }

  /** The slot holding `(lo, hi)`, or the empty slot where it would go (bit 31 set then). */
  private find(lo: number, hi: number): number {
    const t = this.table;
    const mask = this.mask;
    let i = this.index(lo, hi);
    for (;;) {
      const h = t[2 * i + 1]!;
      if (h === 0) return (i | 0x80000000) >>> 0;
      if (h === hi && t[2 * i] === lo) return i;
      i = (i + 1) & mask;
    }
  }

  /** Whether `(lo, hi)` is present. */
  has(lo: number, hi: number): boolean {
    return this.find(lo, hi) < 0x80000000;
  }

  /** How often `(lo, hi)` was added to a counting set (0 when absent). */
  count(lo: number, hi: number): number {
    const i = this.find(lo, hi);
    return i >= 0x80000000 ? 0 : this.counts![i]!;
  }

  /** Adds `(lo, hi)` (counting one more occurrence in a counting set); returns true when it was not present. */
  add(lo: number, hi: number): boolean {
    let i = this.find(lo, hi);
    const counts = this.counts;
    if (i < 0x80000000) {
      if (counts !== null) counts[i]++;
      return false;
    }
    i &= 0x7fffffff;
    const t = this.table;
    t[2 * i] = lo;
    t[2 * i + 1] = hi;
    if (counts !== null) counts[i] = 1;
    if (++this.size > this.limit) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.table;
    const slots = 2 * (this.mask + 1);
    if (slots > 2 ** 30) throw new RadiomarkRangeError(`detector: the dedup set cannot grow beyond 2^30 slots (${this.size} entries)`, { api: 'detector', field: 'dedup' });
    const oldCounts = this.counts;
    this.table = new Uint32Array(2 * slots);
    if (oldCounts !== null) this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
    const t = this.table;
    const mask = this.mask;
    for (let j = 0; j < old.length; j += 2) {
      const hi = old[j + 1]!;
      if (hi === 0) continue;
      const lo = old[j]!;
      let i = this.index(lo, hi);
      while (t[2 * i + 1] !== 0) i = (i + 1) & mask;
      t[2 * i] = lo;
      t[2 * i + 1] = hi;
      if (oldCounts !== null) this.counts![i] = oldCounts[j >>> 1]!;
    }
  }

  /** Empties the set and resizes its table for `capacity` entries (the smallest that holds them). */
  shrinkTo(capacity: number): void {
    let slots = 16;
    while (slots * MAX_LOAD < capacity) slots *= 2;
    this.table = new Uint32Array(2 * slots);
    if (this.counts !== null) this.counts = new Uint32Array(slots);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
    this.size = 0;
  }

  /** Removes every entry, keeping the table's size. */
  clear(): void {
    if (this.size > 0) {
      this.table.fill(0);
      this.counts?.fill(0);
    }
    this.size = 0;
  }

  /** The stored fingerprints, compacted: `[lo, hi]` per entry, in table order. */
  entries(): Uint32Array {
    return compactEntries(this.table, this.size);
  }

  /** An order-independent digest of the contents (count, sums and xors of both words, and of the counts). */
  digest(): string {
    const t = this.table;
    const counts = this.counts;
    let s0 = 0, s1 = 0, x0 = 0, x1 = 0, xc = 0;
    for (let j = 0; j < t.length; j += 2) {
      if (t[j + 1] === 0) continue;
      s0 = (s0 + t[j]!) >>> 0;
      s1 = (s1 + t[j + 1]!) >>> 0;
      x0 = (x0 ^ mix32(t[j]! ^ 0x5bd1e995)) >>> 0;
      x1 = (x1 ^ mix32(t[j + 1]! ^ 0x1b873593)) >>> 0;
      if (counts !== null) xc = (xc ^ mix32((t[j]! ^ Math.imul(counts[j >>> 1]!, 0x27d4eb2d)) >>> 0)) >>> 0;
    }
    const tail = counts === null ? '' : `:${xc.toString(16)}`;
    return `${this.size}:${s0.toString(16)}:${s1.toString(16)}:${x0.toString(16)}:${x1.toString(16)}${tail}`;
  }
}
