/**
 * The R2-R4 deduplication set: 64-bit pair fingerprints in one open-addressing table (linear
 * probing, 8 bytes per slot), filled a block at a time in the order of the table.
 *
 * A slot's home is `floor(h * slots / 2^32)` for the fingerprint's 32-bit hash `h`, so the home
 * grows with `h` and any table size works: the table grows by 1.4x when it would pass 75% full,
 * which keeps it between 10.7 and 14.9 bytes per stored pair (a doubling table swings between 10.7
 * and 21.3).
 *
 * Why blocks: a corpus of 10^7 positions needs a table of tens of megabytes, and one random probe
 * into it costs a cache miss and a TLB miss (about 200 ns per position measured before this
 * design with `npm run bench`, docs/speed.md). {@link DedupTable.addBlock} sorts a block's
 * fingerprints by the top 16 bits of their hash (a stable two-pass radix sort) and probes them in
 * that order, so the table is walked from start to end: consecutive probes land in the same or
 * the next cache lines and pages, which the hardware prefetches. The sort is stable, so of two
 * equal fingerprints in a block the earlier one is found new, as one probe at a time would.
 *
 * @module
 */
import { RadiomarkRangeError } from '../errors.js';
import { mix32 } from '../random/index.js';

/** Largest load before the table grows. */
export const DEDUP_MAX_LOAD = 0.75;

/** Growth factor of the table. */
export const DEDUP_GROWTH = 1.4;

/** Largest table (slots). */
const MAX_SLOTS = 2 ** 30;

/** The deduplication set (see the module comment). @internal */
export class DedupTable {
  /** Slot words: `[lo, hi]` per slot; `hi === 0` marks an empty slot (bit 31 of `hi` is always set). */
  private table: Uint32Array;
  /** Number of slots. */
  slots = 0;
  /** Number of stored fingerprints. */
  size = 0;
  private limit = 0;
  /** `slots / 2^32`: the home of hash `h` is `floor(h * scale)`. */
  private scale = 0;
  private readonly salt: number;
  private hash = new Uint32Array(0);
  private order = new Uint32Array(0);
  private tmp = new Uint32Array(0);
  private readonly histA = new Uint32Array(256);
  private readonly histB = new Uint32Array(256);

  /**
   * @param capacity - expected number of entries
   * @param salt - mixed into the hash (so that crafted inputs cannot pick slots)
   */
  constructor(capacity = 1024, salt = 0) {
    this.salt = salt >>> 0;
    this.table = new Uint32Array(0);
    this.shrinkTo(capacity);
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.table.byteLength;
  }

  private hashOf(lo: number, hi: number): number {
    return mix32((lo ^ Math.imul(hi, 0x9e3779b1) ^ this.salt) >>> 0);
  }

  /** The slot of `(lo, hi)` (whose hash is `h`), or the empty slot where it goes (bit 31 set then). */
  private find(lo: number, hi: number, h: number): number {
    const t = this.table;
    const n = this.slots;
    let i = Math.floor(h * this.scale);
    for (;;) {
      const x = t[2 * i + 1]!;
      if (x === 0) return (i | 0x80000000) >>> 0;
      if (x === hi && t[2 * i] === lo) return i;
      if (++i === n) i = 0;
    }
  }

  /** Whether `(lo, hi)` is present. */
  has(lo: number, hi: number): boolean {
    return this.find(lo, hi, this.hashOf(lo, hi)) < 0x80000000;
  }

  /** Adds `(lo, hi)`; returns true when it was not present. */
  add(lo: number, hi: number): boolean {
    const i = this.find(lo, hi, this.hashOf(lo, hi));
    if (i < 0x80000000) return false;
    this.put(i & 0x7fffffff, lo, hi);
    return true;
  }

  /** Stores `(lo, hi)` in the empty slot `i`, growing the table past the load limit. */
  private put(i: number, lo: number, hi: number): void {
    this.table[2 * i] = lo;
    this.table[2 * i + 1] = hi;
    if (++this.size > this.limit) this.resize(Math.ceil(this.slots * DEDUP_GROWTH));
  }

  /**
   * Adds a block of fingerprints and writes 1 to `isNew[k]` when `(lo[k], hi[k])` was not present
   * before (earlier entries of the block included), else 0: the same answers as `add` one at a
   * time, in order. Probes run in the order of the table (see the module comment).
   * @returns the number of new fingerprints
   */
  addBlock(lo: Uint32Array, hi: Uint32Array, count: number, isNew: Uint8Array): number {
    if (this.hash.length < count) this.scratch(count);
    const hash = this.hash;
    for (let k = 0; k < count; k++) hash[k] = this.hashOf(lo[k]!, hi[k]!);
    const order = this.sortByHash(count);
    // Pass 1, in table order: which are in the table already. The others, still in table order,
    // go to `pending` (the sort's scratch, free now).
    const pending = this.tmp;
    let m = 0;
    for (let j = 0; j < count; j++) {
      const k = order[j]!;
      if (this.find(lo[k]!, hi[k]!, hash[k]!) < 0x80000000) isNew[k] = 0;
      else pending[m++] = k;
    }
    // Grow first, never during a pass: inserting in hash order into a table that then grows would
    // pile the low hashes into the low slots of the small table.
    let slots = this.slots;
    while (this.size + m > Math.floor(slots * DEDUP_MAX_LOAD)) slots = Math.ceil(slots * DEDUP_GROWTH);
    if (slots !== this.slots) this.resize(slots);
    // Pass 2, in table order: insert; a pair repeated within the block is found here.
    let added = 0;
    for (let q = 0; q < m; q++) {
      const k = pending[q]!;
      const i = this.find(lo[k]!, hi[k]!, hash[k]!);
      if (i < 0x80000000) {
        isNew[k] = 0;
      } else {
        isNew[k] = 1;
        added++;
        this.put(i & 0x7fffffff, lo[k]!, hi[k]!);
      }
    }
    return added;
  }

  /** Block scratch for `count` entries. */
  private scratch(count: number): void {
    let cap = Math.max(1024, this.hash.length);
    while (cap < count) cap *= 2;
    this.hash = new Uint32Array(cap);
    this.order = new Uint32Array(cap);
    this.tmp = new Uint32Array(cap);
  }

  /**
   * The block's indexes sorted by the top 16 bits of their hash: a stable LSD radix sort, bits
   * 16-23 then bits 24-31. Allocation-free.
   */
  private sortByHash(count: number): Uint32Array {
    const { hash, order, tmp, histA, histB } = this;
    histA.fill(0);
    histB.fill(0);
    for (let k = 0; k < count; k++) {
      const h = hash[k]!;
      histA[(h >>> 16) & 255]++;
      histB[h >>> 24]++;
    }
    let a = 0;
    let b = 0;
    for (let d = 0; d < 256; d++) {
      const ca = histA[d]!;
      histA[d] = a;
      a += ca;
      const cb = histB[d]!;
      histB[d] = b;
      b += cb;
    }
    for (let k = 0; k < count; k++) tmp[histA[(hash[k]! >>> 16) & 255]!++] = k;
    for (let j = 0; j < count; j++) {
      const k = tmp[j]!;
      order[histB[hash[k]! >>> 24]!++] = k;
    }
    return order;
  }

  /** Moves every entry into a table of `slots` slots. */
  private resize(slots: number): void {
    if (slots > MAX_SLOTS) {
      throw new RadiomarkRangeError(`detector: the deduplication set cannot grow beyond 2^30 slots (${this.size} pairs)`, { api: 'detector', field: 'dedup' });
    }
    const old = this.table;
    this.table = new Uint32Array(2 * slots);
    this.slots = slots;
    this.scale = slots / 2 ** 32;
    this.limit = Math.floor(slots * DEDUP_MAX_LOAD);
    const t = this.table;
    for (let j = 0; j < old.length; j += 2) {
      const hi = old[j + 1]!;
      if (hi === 0) continue;
      const lo = old[j]!;
      let i = Math.floor(this.hashOf(lo, hi) * this.scale);
      while (t[2 * i + 1] !== 0) if (++i === slots) i = 0;
      t[2 * i] = lo;
      t[2 * i + 1] = hi;
    }
  }

  /** Empties the set and sizes its table for `capacity` entries. */
  shrinkTo(capacity: number): void {
    this.table = new Uint32Array(0);
    this.size = 0;
    this.resize(Math.max(16, Math.ceil(capacity / DEDUP_MAX_LOAD)));
  }

  /** Removes every entry, keeping the table's size. */
  clear(): void {
    if (this.size > 0) this.table.fill(0);
    this.size = 0;
  }

  /** The stored fingerprints, compacted: `[lo, hi]` per entry, in table order. */
  entries(): Uint32Array {
    const out = new Uint32Array(2 * this.size);
    const t = this.table;
    let k = 0;
    for (let j = 0; j < t.length; j += 2) {
      if (t[j + 1] !== 0) {
        out[k++] = t[j]!;
        out[k++] = t[j + 1]!;
      }
    }
    return out;
  }
}
