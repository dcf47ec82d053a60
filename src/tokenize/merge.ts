/**
 * Byte-pair merging of one pre-tokenizer piece, with tiktoken's rule: repeatedly merge the adjacent
 * pair whose concatenation has the lowest rank, the leftmost such pair on ties, until no adjacent
 * pair is a token.
 *
 * Two implementations of that one rule:
 * - {@link mergeShort}: tiktoken's own loop (scan all pairs for the minimum, remove one part),
 *   O(n^2) in the piece's length n; the fastest for the short pieces of ordinary text.
 * - {@link mergeLong}: the same merges in the same order from an indexed binary heap keyed by
 *   (rank, position) over a linked list of parts, O(n log n) with at most 3n rank lookups. The
 *   heap's minimum is the pair the scan would pick (lowest rank, then leftmost position: parts keep
 *   their left-to-right order), so both produce the same ids; test/tokenize.prop.test.ts checks it.
 *
 * {@link mergePiece} picks by length: long pieces (one "word" of 40k letters, a line of one
 * repeated character) cost linear work instead of quadratic.
 *
 * @internal
 * @module
 */
import type { RankTable } from './rank-table.js';

/** Pieces up to this many bytes use the quadratic scan; longer ones the heap. */
export const SHORT_PIECE_BYTES = 128;

const NONE = 0x7fffffff;

/** A growable list of token ids. */
export class IdList {
  ids: Uint32Array;
  length = 0;

  /** @param capacity - initial capacity */
  constructor(capacity: number) {
    this.ids = new Uint32Array(Math.max(16, capacity));
  }

  /** Appends one id. */
  push(id: number): void {
    if (this.length === this.ids.length) {
      const grown = new Uint32Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids[this.length++] = id;
  }
}

/** Reusable working arrays of the merges (one set per encoder; grown on demand). */
export class MergeScratch {
  /**
   * Work done so far outside rank lookups: pairs scanned by {@link mergeShort}, sift steps of
   * {@link mergeLong}'s heap. Tests read it (with {@link RankTable.lookups}) to bound the work of a
   * long piece without a clock; one integer add per scan or sift step.
   */
  steps = 0;
  a = new Int32Array(0);
  b = new Int32Array(0);
  c = new Int32Array(0);
  d = new Int32Array(0);
  e = new Int32Array(0);
  k = new Float64Array(0);

  /** Makes every array hold at least `n` entries. */
  reserve(n: number): void {
    if (this.a.length >= n) return;
    const size = Math.max(n, this.a.length * 2, 256);
    this.a = new Int32Array(size);
    this.b = new Int32Array(size);
    this.c = new Int32Array(size);
    this.d = new Int32Array(size);
    this.e = new Int32Array(size);
    this.k = new Float64Array(size);
  }
}

function rankOr(table: RankTable, buf: Uint8Array, from: number, to: number): number {
  const r = table.rank(buf, from, to);
  return r < 0 ? NONE : r;
}

function emit(table: RankTable, buf: Uint8Array, from: number, to: number, out: IdList): void {
  const r = table.rank(buf, from, to);
  // Every single byte is a token of the bundled encodings, so a part is always a token.
  if (r < 0) throw new Error('tokenize: a merged part is not a token (corrupt rank table)');
  out.push(r);
}

/**
 * Merges `buf[0, n)` (n >= 2) with tiktoken's scan and appends the ids to `out`.
 *
 * @internal
 */
export function mergeShort(table: RankTable, buf: Uint8Array, n: number, out: IdList, s: MergeScratch): void {
  s.reserve(n + 1);
  const pos = s.a; // part starts, then the end
  const rk = s.b; // rk[i]: rank of the pair (part i, part i + 1), NONE when it is not a token
  for (let i = 0; i <= n; i++) pos[i] = i;
  for (let i = 0; i < n - 1; i++) rk[i] = rankOr(table, buf, i, i + 2);
  rk[n - 1] = NONE;
  let m = n + 1; // entries in pos (parts + 1)
  for (;;) {
    let min = NONE;
    let at = -1;
    s.steps += m;
    for (let i = 0; i < m - 2; i++) {
      if (rk[i]! < min) {
        min = rk[i]!;
        at = i;
      }
    }
    if (at < 0) break;
    pos.copyWithin(at + 1, at + 2, m);
    rk.copyWithin(at + 1, at + 2, m);
    m--;
    rk[at] = at + 2 < m ? rankOr(table, buf, pos[at]!, pos[at + 2]!) : NONE;
    if (at > 0) rk[at - 1] = rankOr(table, buf, pos[at - 1]!, pos[at + 1]!);
  }
  for (let i = 0; i < m - 1; i++) emit(table, buf, pos[i]!, pos[i + 1]!, out);
}

/** Heap keys: rank * 2^31 + start, exact in a double while ranks stay below 2^22. */
const KEY_SCALE = 2 ** 31;

/**
 * An indexed min-heap of part starts keyed by (rank, start). Keys sit in their own array next to
 * the heap's entries, so sifting compares neighbouring doubles instead of chasing `rk[start]`
 * across the piece (the cache misses dominated long pieces).
 */
class PairHeap {
  size = 0;
  constructor(
    readonly heap: Int32Array,
    readonly key: Float64Array,
    readonly where: Int32Array,
    readonly scratch: MergeScratch,
  ) {}

  #up(i: number, p: number, k: number): void {
    const { heap, key, where } = this;
    while (i > 0) {
      this.scratch.steps++;
      const parent = (i - 1) >> 1;
      const kp = key[parent]!;
      if (kp <= k) break;
      const q = heap[parent]!;
      heap[i] = q;
      key[i] = kp;
      where[q] = i;
      i = parent;
    }
    heap[i] = p;
    key[i] = k;
    where[p] = i;
  }

  #down(i: number, p: number, k: number): void {
    const { heap, key, where } = this;
    const size = this.size;
    for (;;) {
      this.scratch.steps++;
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && key[child + 1]! < key[child]!) child++;
      const kc = key[child]!;
      if (kc >= k) break;
      const q = heap[child]!;
      heap[i] = q;
      key[i] = kc;
      where[q] = i;
      i = child;
    }
    heap[i] = p;
    key[i] = k;
    where[p] = i;
  }

  /** Builds the heap from the starts `0..n-1` whose pair is a token (`rk[p] !== NONE`). */
  build(n: number, rk: Int32Array): void {
    this.size = 0;
    for (let p = 0; p < n; p++) {
      if (rk[p] === NONE) {
        this.where[p] = -1;
        continue;
      }
      const i = this.size++;
      this.heap[i] = p;
      this.key[i] = rk[p]! * KEY_SCALE + p;
      this.where[p] = i;
    }
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.#down(i, this.heap[i]!, this.key[i]!);
  }

  /** Removes start `p` if present. */
  remove(p: number): void {
    const i = this.where[p]!;
    if (i < 0) return;
    this.where[p] = -1;
    const last = --this.size;
    if (i === last) return;
    const q = this.heap[last]!;
    const k = this.key[last]!;
    if (i > 0 && this.key[(i - 1) >> 1]! > k) this.#up(i, q, k);
    else this.#down(i, q, k);
  }

  /** Sets start `p`'s rank to `rank` (NONE removes it), inserting it when absent. */
  set(p: number, rank: number): void {
    if (rank === NONE) {
      this.remove(p);
      return;
    }
    const k = rank * KEY_SCALE + p;
    let i = this.where[p]!;
    if (i < 0) {
      i = this.size++;
      this.#up(i, p, k);
    } else if (k < this.key[i]!) this.#up(i, p, k);
    else this.#down(i, p, k);
  }
}

/**
 * Merges `buf[0, n)` (n >= 2) with the heap (same result as {@link mergeShort}) and appends the
 * ids to `out`. At most 3n rank lookups to merge, plus one per output id.
 *
 * @internal
 */
export function mergeLong(table: RankTable, buf: Uint8Array, n: number, out: IdList, s: MergeScratch): void {
  s.reserve(n + 1);
  const next = s.a; // next part's start (n after the last part)
  const prev = s.b; // previous part's start (-1 before the first)
  const rk = s.c; // rank of the pair (part p, the part after it) while building the heap
  const heap = new PairHeap(s.d, s.k, s.e, s);
  for (let p = 0; p < n; p++) {
    next[p] = p + 1;
    prev[p] = p - 1;
    rk[p] = p + 2 <= n ? rankOr(table, buf, p, p + 2) : NONE;
  }
  heap.build(n, rk);
  while (heap.size > 0) {
    const p = heap.heap[0]!;
    const q = next[p]!; // merge part q into part p
    const after = next[q]!;
    heap.remove(q);
    next[p] = after;
    if (after < n) prev[after] = p;
    heap.set(p, after < n ? rankOr(table, buf, p, next[after]!) : NONE);
    const l = prev[p]!;
    if (l >= 0) heap.set(l, rankOr(table, buf, l, after));
  }
  for (let p = 0; p < n; p = next[p]!) emit(table, buf, p, next[p]!, out);
}

/**
 * Appends the ids of one piece's bytes `buf[0, n)` to `out`: the whole piece's rank when it is a
 * token, else its merges (the scan for short pieces, the heap for long ones).
 *
 * @internal
 */
export function mergePiece(table: RankTable, buf: Uint8Array, n: number, out: IdList, s: MergeScratch): void {
  const whole = table.rank(buf, 0, n);
  if (whole >= 0) out.push(whole);
  else if (n <= SHORT_PIECE_BYTES) mergeShort(table, buf, n, out, s);
  else mergeLong(table, buf, n, out, s);
}
