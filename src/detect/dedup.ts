/**
 * The deduplication set (rules R2-R4 of docs/detection.md): 64-bit pair fingerprints in one
 * open-addressing table (linear probing, 8 bytes per slot), filled a block at a time in the order
 * of the table.
 *
 * A slot's home is `floor(h * slots / 2^32)` for the fingerprint's 32-bit hash `h`, so the home
 * grows with `h` and any table size works: the table grows by 1.4x when it would pass 80% full,
 * which keeps it between 10.0 and 14.0 bytes per stored pair (a doubling table swings between 10.0
 * and 20.0).
 *
 * Why blocks: a corpus of 10^7 positions needs a table of tens of megabytes, and one random probe
 * into it costs a cache miss and often a TLB miss (docs/speed.md, from `npm run bench`, puts most
 * of the detector's time there). {@link DedupTable.addBlock} sorts a block's
 * fingerprints by the top 16 bits of their hash (a stable two-pass radix sort) and probes them in
 * that order, so the table is walked from start to end: consecutive probes land in the same or
 * the next cache lines and pages, which the hardware prefetches. The sort is stable, so of two
 * equal fingerprints in a block the earlier one is found new, as one probe at a time would.
 *
 * @module
 */
import { RadiomarkRangeError } from '../errors.js';
import { mix32 } from '../random/index.js';
import { compactEntries } from './fingerprint.js';

/** Largest load before the table grows. */
export const DEDUP_MAX_LOAD = 0.8;

/** Growth factor of the table. */
export const DEDUP_GROWTH = 1.4;

/** Probes whose home slots are loaded together before they run (see `DedupTable.touch`). */
const TOUCH = 32;

/** Largest table (slots): 4 GiB of WebAssembly memory at 8 bytes per slot. */
const MAX_SLOTS = 2 ** 29;

/** The part of `WebAssembly.Memory` used here (the project's TypeScript lib has no DOM types). */
interface GrowableMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** A WebAssembly memory of `pages` 64 KiB pages that can grow to 4 GiB in place. */
function newMemory(pages: number): GrowableMemory {
  const wasm = (globalThis as { WebAssembly?: { Memory: new (d: { initial: number; maximum: number }) => GrowableMemory } }).WebAssembly;
  if (wasm === undefined) throw new RadiomarkRangeError('detector: deduplication needs WebAssembly.Memory, which this engine lacks', { api: 'detector', field: 'dedup' });
  return new wasm.Memory({ initial: pages, maximum: 65536 });
}

/** The deduplication set (see the module comment). @internal */
export class DedupTable {
  /**
   * Slot words: `[lo, hi]` per slot; `hi === 0` marks an empty slot (bit 31 of `hi` is always set).
   * A view of `memory`, which grows in place: every page is touched once however often the table
   * grows (a fresh array per growth would touch 3.5 times the final size).
   */
  private table: Uint32Array;
  private memory: GrowableMemory;
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
  /** Keeps the touched loads observable. */
  private sink = 0;

  /**
   * @param capacity - expected number of entries
   * @param salt - mixed into the hash (so that crafted inputs cannot pick slots)
   */
  constructor(capacity = 1024, salt = 0) {
    this.salt = salt >>> 0;
    this.memory = newMemory(1);
    this.table = new Uint32Array(0);
    this.shrinkTo(capacity);
  }

  /** Bytes held by the table (its memory rounds up to the next 64 KiB page). */
  get bytes(): number {
    return this.memory.buffer.byteLength;
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
    if (this.size + count <= this.limit) return this.insertInOrder(lo, hi, order, count, isNew);
    // The block could overfill the table. Grow first, never during a pass: inserting in hash order
    // into a table that then grows would pile the low hashes into the low slots of the small
    // table. Pass 1 finds the pairs already there; the others (still in table order) go to
    // `pending` (the sort's scratch, free now), the table grows for them, and pass 2 inserts them.
    const pending = this.tmp;
    let m = 0;
    for (let c = 0; c < count; c += TOUCH) {
      const end = c + TOUCH < count ? c + TOUCH : count;
      this.touch(order, c, end);
      for (let j = c; j < end; j++) {
        const k = order[j]!;
        if (this.find(lo[k]!, hi[k]!, hash[k]!) < 0x80000000) isNew[k] = 0;
        else pending[m++] = k;
      }
    }
    let slots = this.slots;
    while (this.size + m > Math.floor(slots * DEDUP_MAX_LOAD)) slots = Math.ceil(slots * DEDUP_GROWTH);
    if (slots !== this.slots) this.resize(slots);
    return this.insertInOrder(lo, hi, pending, m, isNew);
  }

  /**
   * Looks up and inserts the block entries `order[0 .. m)`, in that order, marking each new or
   * not; the table has room for all of them.
   */
  private insertInOrder(lo: Uint32Array, hi: Uint32Array, order: Uint32Array, m: number, isNew: Uint8Array): number {
    const hash = this.hash;
    const t = this.table;
    let added = 0;
    for (let c = 0; c < m; c += TOUCH) {
      const end = c + TOUCH < m ? c + TOUCH : m;
      this.touch(order, c, end);
      for (let q = c; q < end; q++) {
        const k = order[q]!;
        const l = lo[k]!;
        const h = hi[k]!;
        const i = this.find(l, h, hash[k]!);
        if (i < 0x80000000) {
          isNew[k] = 0;
        } else {
          isNew[k] = 1;
          added++;
          const at = i & 0x7fffffff;
          t[2 * at] = l;
          t[2 * at + 1] = h;
        }
      }
    }
    this.size += added;
    return added;
  }

  /**
   * Loads the home slots of `order[from .. to)` without branching on what they hold: the probes
   * that follow branch on every slot they read (new or repeated: unpredictable), and a
   * mispredicted branch discards the loads issued after it; loads issued here first are all in
   * flight together, and their lines arrive in cache whatever the probes' branches do.
   */
  private touch(order: Uint32Array, from: number, to: number): void {
    const t = this.table;
    const hash = this.hash;
    const scale = this.scale;
    let sink = 0;
    for (let j = from; j < to; j++) sink ^= t[2 * Math.floor(hash[order[j]!]! * scale) + 1]!;
    this.sink = sink;
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

  /**
   * Grows the table to `slots` slots in place. The memory grows first (new pages are zero); then
   * the old slots are walked from the top down and each entry moves to its slot in the larger
   * table. Homes only move up (`floor(h * slots / 2^32)` grows with `slots`), and every slot above
   * the one being read already holds the larger table's layout, so an entry whose probe starts at
   * or above its old slot and does not wrap can be placed at once; the few others (near the start
   * of the table, or wrapping) are set aside and inserted last.
   */
  private resize(slots: number): void {
    if (slots > MAX_SLOTS) {
      throw new RadiomarkRangeError(`detector: the deduplication set cannot grow beyond 2^29 slots (${this.size} pairs)`, { api: 'detector', field: 'dedup' });
    }
    const old = this.slots;
    const need = Math.ceil((8 * slots) / 65536) - this.memory.buffer.byteLength / 65536;
    if (need > 0) this.memory.grow(need);
    const t = new Uint32Array(this.memory.buffer, 0, 2 * slots);
    this.table = t;
    this.slots = slots;
    this.scale = slots / 2 ** 32;
    this.limit = Math.floor(slots * DEDUP_MAX_LOAD);
    const aside: number[] = [];
    for (let p = old - 1; p >= 0; p--) {
      const hi = t[2 * p + 1]!;
      if (hi === 0) continue;
      const lo = t[2 * p]!;
      t[2 * p] = 0;
      t[2 * p + 1] = 0;
      let q = Math.floor(this.hashOf(lo, hi) * this.scale);
      if (q < p) {
        aside.push(lo, hi);
        continue;
      }
      while (q < slots && t[2 * q + 1] !== 0) q++;
      if (q === slots) {
        aside.push(lo, hi);
        continue;
      }
      t[2 * q] = lo;
      t[2 * q + 1] = hi;
    }
    for (let j = 0; j < aside.length; j += 2) {
      const i = this.find(aside[j]!, aside[j + 1]!, this.hashOf(aside[j]!, aside[j + 1]!));
      t[2 * (i & 0x7fffffff)] = aside[j]!;
      t[2 * (i & 0x7fffffff) + 1] = aside[j + 1]!;
    }
  }

  /** Empties the set and sizes its table for `capacity` entries (a new memory: it cannot shrink). */
  shrinkTo(capacity: number): void {
    const slots = Math.max(16, Math.ceil(capacity / DEDUP_MAX_LOAD));
    this.memory = newMemory(Math.ceil((8 * slots) / 65536));
    this.table = new Uint32Array(0);
    this.slots = 0;
    this.size = 0;
    this.resize(slots);
  }

  /** Removes every entry, keeping the table's size. */
  clear(): void {
    if (this.size > 0) this.table.fill(0);
    this.size = 0;
  }

  /** The stored fingerprints, compacted: `[lo, hi]` per entry, in table order. */
  entries(): Uint32Array {
    return compactEntries(this.table, this.size);
  }
}
