/**
 * Byte sequences to BPE ranks: an open-addressing hash table over one pool holding every token's
 * bytes. Looking up a span of a byte buffer hashes and compares bytes in place, so neither the
 * encoder's whole-piece lookups nor its merges build strings or arrays.
 *
 * @internal
 * @module
 */

/** FNV-1a over `buf[from, to)`, then a murmur3-style finish so the low bits index well. */
function hashBytes(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

/**
 * The mergeable ranks of one BPE vocabulary (ranks are token ids; there may be holes).
 *
 * @internal
 */
export class RankTable {
  /** Every token's bytes, in rank order. */
  readonly #pool: Uint8Array;
  /** Token `r` is `#pool[#start[r], #start[r + 1])`; a hole has an empty span. */
  readonly #start: Int32Array;
  /** `rank + 1` per slot, 0 for an empty slot. */
  readonly #slots: Int32Array;
  readonly #mask: number;
  /** The longest token, in bytes: a longer span is never a token. */
  readonly maxTokenBytes: number;
  /**
   * Number of {@link rank} calls so far. Tests read it to bound the merge's work without a clock;
   * one integer add per lookup.
   */
  lookups = 0;

  /**
   * @param pool - every token's bytes, concatenated in rank order
   * @param start - `start[r]` is where token `r` begins in `pool`, `start[size]` the pool's end; a
   *   hole (unused rank) has an empty span
   */
  constructor(pool: Uint8Array, start: Int32Array) {
    this.#pool = pool;
    this.#start = start;
    const size = start.length - 1;
    // merge.ts keys its heap by rank * 2^31 + position in a double: exact for ranks below 2^22.
    if (size > 2 ** 22) throw new Error(`tokenize: a rank table of ${size} tokens is larger than 2^22 (internal limit)`);
    let longest = 0;
    let slots = 1;
    while (slots < size * 2) slots *= 2;
    this.#slots = new Int32Array(slots);
    this.#mask = slots - 1;
    for (let r = 0; r < size; r++) {
      const len = this.length(r);
      if (len === 0) continue;
      if (len > longest) longest = len;
      this.#insert(r);
    }
    this.maxTokenBytes = longest;
  }

  #insert(r: number): void {
    const from = this.#start[r]!;
    const to = from + this.length(r);
    let slot = hashBytes(this.#pool, from, to) & this.#mask;
    while (this.#slots[slot] !== 0) {
      // Two ranks with the same bytes: the lower one wins, as in tiktoken's encoder map.
      if (this.#same(this.#slots[slot]! - 1, this.#pool, from, to)) return;
      slot = (slot + 1) & this.#mask;
    }
    this.#slots[slot] = r + 1;
  }

  #same(r: number, buf: Uint8Array, from: number, to: number): boolean {
    const s = this.#start[r]!;
    if (this.#start[r + 1]! - s !== to - from) return false;
    const pool = this.#pool;
    for (let i = from, j = s; i < to; i++, j++) if (pool[j] !== buf[i]) return false;
    return true;
  }

  /** Number of ranks (one more than the largest). */
  get size(): number {
    return this.#start.length - 1;
  }

  /** Byte length of token `r` (0 for a hole or a rank out of range). */
  length(r: number): number {
    return r >= 0 && r < this.#start.length - 1 ? this.#start[r + 1]! - this.#start[r]! : 0;
  }

  /** The bytes of token `r` (a view into the pool; empty for a hole). */
  bytes(r: number): Uint8Array {
    return this.#pool.subarray(this.#start[r]!, this.#start[r]! + this.length(r));
  }

  /**
   * The rank of the bytes `buf[from, to)`, or -1 when they are not a token.
   *
   * @param buf - the bytes
   * @param from - first byte
   * @param to - one past the last byte
   */
  rank(buf: Uint8Array, from: number, to: number): number {
    this.lookups++;
    if (to - from > this.maxTokenBytes) return -1;
    let slot = hashBytes(buf, from, to) & this.#mask;
    for (;;) {
      const v = this.#slots[slot]!;
      if (v === 0) return -1;
      if (this.#same(v - 1, buf, from, to)) return v - 1;
      slot = (slot + 1) & this.#mask;
    }
  }
}
