/**
 * The pending block of the scoring pipeline: the token ids of the documents read since the last
 * flush, and one record per candidate position (a position that passed R0, R1 (docs/detection.md),
 * the filter and the scope, and still awaits deduplication and its colour). Fixed-size typed
 * arrays, grown only when a document is longer than the buffer: nothing is allocated per position.
 *
 * @module
 */

/** Candidates per block before a flush (the deduplication set takes them as one batch). */
export const BLOCK_CANDIDATES = 1 << 16;

/** Token ids held before a flush even when few positions become candidates. */
export const BLOCK_TOKENS = 1 << 18;

/** The pending block (see the module comment). @internal */
export class Block {
  /** Window ids of the pending documents, back to back. */
  ids: Uint32Array = new Uint32Array(1024);
  /** Scored tokens (the same as `ids` except in reading mode). */
  toks: Uint32Array = new Uint32Array(1024);
  /** Used length of `ids` and `toks`. */
  length = 0;
  /** Candidates in the block. */
  count = 0;
  /** Candidate capacity: starts small and doubles up to {@link BLOCK_CANDIDATES}. */
  capacity = 0;
  /** Pair fingerprint, low word. */
  lo: Uint32Array = new Uint32Array(0);
  /** Pair fingerprint, high word. */
  hi: Uint32Array = new Uint32Array(0);
  /** Document index. */
  doc: Uint32Array = new Uint32Array(0);
  /** Index of the position in `ids` / `toks`. */
  end: Uint32Array = new Uint32Array(0);
  /** Position in its document's text. */
  pos: Uint32Array = new Uint32Array(0);
  /** Stratum. */
  label: Uint8Array = new Uint8Array(0);
  /** Weight level. */
  level: Uint8Array = new Uint8Array(0);
  /** Flush scratch: 1 where the candidate's pair is new. */
  isNew = new Uint8Array(0);
  /** Flush scratch: `end` of the new pairs, in order. */
  newEnd = new Uint32Array(0);
  /** Flush scratch: candidate index of the new pairs, in order. */
  newIdx = new Uint32Array(0);
  /** Flush scratch: colour of the new pairs under one key. */
  colour = new Uint8Array(0);
  /** Flush scratch: number of family members under which each new pair is green. */
  colourSum = new Uint16Array(0);

  constructor() {
    this.grow();
  }

  /** Room left for candidates. */
  get room(): number {
    return this.capacity - this.count;
  }

  /** Whether the candidate arrays can still grow (else a full block is flushed). */
  get canGrow(): boolean {
    return this.capacity < BLOCK_CANDIDATES;
  }

  /** Doubles the candidate capacity (from 1,024), keeping the pending candidates. */
  grow(): void {
    const cap = this.capacity === 0 ? 1024 : Math.min(BLOCK_CANDIDATES, 2 * this.capacity);
    const n = this.count;
    const u32 = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(cap);
      b.set(a.subarray(0, n));
      return b;
    };
    const u8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(cap);
      b.set(a.subarray(0, n));
      return b;
    };
    this.lo = u32(this.lo);
    this.hi = u32(this.hi);
    this.doc = u32(this.doc);
    this.end = u32(this.end);
    this.pos = u32(this.pos);
    this.label = u8(this.label);
    this.level = u8(this.level);
    this.isNew = new Uint8Array(cap);
    this.newEnd = new Uint32Array(cap);
    this.newIdx = new Uint32Array(cap);
    this.colour = new Uint8Array(cap);
    this.colourSum = new Uint16Array(cap);
    this.capacity = cap;
  }

  /**
   * Makes room for a document of `n` ids at `length` and returns its base index. The token buffer
   * restarts at 0 when no candidate is pending.
   */
  reserve(n: number): number {
    if (this.count === 0) this.length = 0;
    const need = this.length + n;
    if (need > this.ids.length) {
      let cap = this.ids.length;
      while (cap < need) cap *= 2;
      const ids = new Uint32Array(cap);
      ids.set(this.ids.subarray(0, this.length));
      this.ids = ids;
      const toks = new Uint32Array(cap);
      toks.set(this.toks.subarray(0, this.length));
      this.toks = toks;
    }
    return this.length;
  }
}
