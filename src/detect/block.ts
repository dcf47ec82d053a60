/**
 * The pending block of the scoring pipeline: the token ids of the documents read since the last
 * flush, and one record per candidate position (a position that passed R0, R1, the filter and the
 * scope, and still awaits deduplication and its colour). Fixed-size typed arrays, grown only when
 * a document is longer than the buffer: nothing is allocated per position.
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
  ids = new Uint32Array(1024);
  /** Scored tokens (the same as `ids` except in reading mode). */
  toks = new Uint32Array(1024);
  /** Used length of `ids` and `toks`. */
  length = 0;
  /** Candidates in the block. */
  count = 0;
  /** Pair fingerprint, low word. */
  readonly lo = new Uint32Array(BLOCK_CANDIDATES);
  /** Pair fingerprint, high word. */
  readonly hi = new Uint32Array(BLOCK_CANDIDATES);
  /** Document index. */
  readonly doc = new Uint32Array(BLOCK_CANDIDATES);
  /** Index of the position in `ids` / `toks`. */
  readonly end = new Uint32Array(BLOCK_CANDIDATES);
  /** Position in its document's text. */
  readonly pos = new Uint32Array(BLOCK_CANDIDATES);
  /** Stratum. */
  readonly label = new Uint8Array(BLOCK_CANDIDATES);
  /** Weight level. */
  readonly level = new Uint8Array(BLOCK_CANDIDATES);
  /** Flush scratch: 1 where the candidate's pair is new. */
  readonly isNew = new Uint8Array(BLOCK_CANDIDATES);
  /** Flush scratch: `end` of the new pairs, in order. */
  readonly newEnd = new Uint32Array(BLOCK_CANDIDATES);
  /** Flush scratch: candidate index of the new pairs, in order. */
  readonly newIdx = new Uint32Array(BLOCK_CANDIDATES);
  /** Flush scratch: colour of the new pairs under one key. */
  readonly colour = new Uint8Array(BLOCK_CANDIDATES);
  /** Flush scratch: number of family members under which each new pair is green. */
  readonly colourSum = new Uint16Array(BLOCK_CANDIDATES);

  /** Room left for candidates. */
  get room(): number {
    return BLOCK_CANDIDATES - this.count;
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
