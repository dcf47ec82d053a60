/**
 * The scoring engine: the green lists (key and decoys), the fingerprinters and sets of the position
 * rules (R1 prompt windows, the filter, R2-R4 deduplication), the scratch buffers, and the hot loop
 * that applies the rules of docs/detection.md ("Which positions are scored") to one document and
 * adds its counts to a {@link Tally}. Built once per detector and reusable across documents and
 * texts (`detectWindows` resets it between texts instead of building another).
 *
 * @module
 */
import { checkArrayLike, checkId } from '../assert.js';
import { deriveKey, subkey } from '../key/secret-key.js';
import { mix32 } from '../random/index.js';
import { createGreenList, SEED_WORDS, type GreenList } from '../scheme/green-list.js';
import { Fingerprinter, FingerprintSet } from './fingerprint.js';
import type { ResolvedOptions, Rules } from './options.js';
import { recordTrace, reserveDocument, type Tally } from './tally.js';

/** Positions per chunk of the two-pass hot loop. */
const CHUNK = 64;

/** Which scratch buffer a sequence is loaded into. */
export type Buffer = 'A' | 'B' | 'P';

/** The scoring engine of one detector (see the module comment). @internal */
export class Engine {
  /** Rules and options. */
  readonly rules: Rules;
  /** Preceding ids per window. */
  readonly h: number;
  /** Vocabulary size. */
  readonly vocabSize: number;
  /** The key's green list. */
  readonly gl: GreenList;
  /** Exact null probability of green. */
  readonly greenProbability: number;
  /** Pair fingerprints (window ids and token). */
  readonly pairFp: Fingerprinter;
  /** Window fingerprints. */
  readonly winFp: Fingerprinter;
  /** R2-R4 deduplication set (null when dedup is off). */
  readonly pairs: FingerprintSet | null;
  /** The filter's windows (null without a filter). */
  readonly filterSet: FingerprintSet | null;
  private readonly decoyLists: GreenList[];
  private promptSet: FingerprintSet;
  private readonly setSalt: number;
  private readonly shardSalt: number;
  private bufA = new Uint32Array(256);
  private bufB = new Uint32Array(256);
  private bufP = new Uint32Array(256);
  private readonly seed = new Uint32Array(SEED_WORDS);
  private readonly chunkLo = new Uint32Array(CHUNK);
  private readonly chunkHi = new Uint32Array(CHUNK);
  private readonly chunkWinLo = new Uint32Array(CHUNK);
  private readonly chunkWinHi = new Uint32Array(CHUNK);
  /** Keeps pass 1's loads observable. */
  private sink = 0;

  /**
   * @param resolved - validated options (`resolveOptions`)
   * @param api - the API, for messages about the filter
   */
  constructor(resolved: ResolvedOptions, api: string) {
    const { key, config, rules } = resolved;
    const { gamma, contextWidth, vocabSize } = config;
    this.rules = rules;
    this.h = contextWidth;
    this.vocabSize = vocabSize;
    this.gl = createGreenList({ key, gamma, contextWidth, vocabSize });
    this.greenProbability = this.gl.greenProbability;
    this.decoyLists = [];
    for (let j = 1; j <= rules.decoys; j++) {
      this.decoyLists.push(createGreenList({ key: deriveKey(key, `decoy/${j}`), gamma, contextWidth, vocabSize }));
    }
    const salt = subkey(key, 'detect/salt/v1', 8);
    const saltWords = new Uint32Array(salt.buffer, salt.byteOffset, 2);
    this.setSalt = saltWords[0]!;
    this.shardSalt = saltWords[1]!;
    this.pairFp = new Fingerprinter(key, contextWidth + 1, vocabSize);
    this.winFp = new Fingerprinter(key, contextWidth, vocabSize);
    this.pairs = rules.dedup ? new FingerprintSet(1024, this.setSalt) : null;
    this.promptSet = new FingerprintSet(64, this.setSalt);
    this.filterSet = resolved.filter === undefined ? null : this.buildFilter(api, resolved.filter);
  }

  /** The filter's window set, from the reference sequences. */
  private buildFilter(api: string, filter: Iterable<unknown>): FingerprintSet {
    const set = new FingerprintSet(1024, this.setSalt);
    const h = this.h;
    let r = 0;
    for (const seq of filter) {
      checkArrayLike(api, `filter[${r}]`, seq);
      const buf = this.load(seq, 'A', api, `filter[${r}]`);
      for (let i = h; i <= seq.length; i++) {
        this.winFp.compute(buf, i - h, -1);
        set.add(this.winFp.lo, this.winFp.hi);
      }
      r++;
    }
    return set;
  }

  /**
   * Copies and validates a sequence into scratch buffer `which`; returns the buffer. Every id must
   * be an integer in `[0, vocabSize)`; the error names `field[i]`.
   */
  load(seq: ArrayLike<number>, which: Buffer, api: string, field: string): Uint32Array {
    const n = seq.length;
    let buf = which === 'A' ? this.bufA : which === 'B' ? this.bufB : this.bufP;
    if (buf.length < n) {
      let cap = buf.length;
      while (cap < n) cap *= 2;
      buf = new Uint32Array(cap);
      if (which === 'A') this.bufA = buf;
      else if (which === 'B') this.bufB = buf;
      else this.bufP = buf;
    }
    const V = this.vocabSize;
    for (let i = 0; i < n; i++) {
      const id = seq[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= V) checkId(api, field, i, id, V);
      buf[i] = id;
    }
    return buf;
  }

  /**
   * Loads a document's prompt windows for R1 (the prompt is already in buffer `P`). Returns whether
   * R1 applies to the document (the prompt has at least one window).
   */
  setPrompt(prompt: Uint32Array, length: number): boolean {
    const h = this.h;
    const windows = length - h + 1;
    if (windows <= 0) return false;
    if (this.promptSet.slots > 4096 && this.promptSet.slots > 8 * windows) this.promptSet = new FingerprintSet(windows, this.promptSalt());
    else this.promptSet.clear();
    for (let i = h; i <= length; i++) {
      this.winFp.compute(prompt, i - h, -1);
      this.promptSet.add(this.winFp.lo, this.winFp.hi);
    }
    return true;
  }

  private promptSalt(): number {
    return (this.shardSalt ^ 0x3c6ef372) >>> 0;
  }

  /** Empties the deduplication set (a new text for `detectWindows`), shrinking a large one. */
  resetDedup(expected: number): void {
    const pairs = this.pairs;
    if (pairs === null) return;
    pairs.clear();
    if (pairs.slots > 4096 && pairs.slots > 8 * expected) pairs.shrinkTo(expected);
  }

  /** Whether shard `shardIndex` owns the pair `(lo, hi)`. */
  private ownsPair(lo: number, hi: number): boolean {
    return mix32((hi ^ Math.imul(lo, 0xcc9e2d51) ^ this.shardSalt) >>> 0) % this.rules.shardCount === this.rules.shardIndex;
  }

  /**
   * The hot loop (longer than the house's 80 lines on purpose: splitting it would cost a call per
   * position). Scores one document into `t`: `ids` supplies windows and end-of-text, `toks` the
   * scored token (the same array outside reading mode). Each position gets the first rule that
   * applies, in the order of docs/detection.md. Positions are taken in chunks of 64 in two passes:
   * pass 1 computes the fingerprints and loads each one's home slot (independent loads, so their
   * cache and TLB misses overlap), pass 2 applies the rules and finds those lines in cache.
   * Allocation-free except for amortized growth of the typed arrays.
   */
  score(t: Tally, ids: Uint32Array, toks: Uint32Array, n: number, usePrompt: boolean): void {
    const doc = t.documents++;
    reserveDocument(t, doc);
    const r = this.rules;
    const h = this.h;
    const sk = t.skipped;
    const owner0 = r.shardIndex === 0 ? 1 : 0;
    const sharded = r.shardCount > 1;
    const { specials, eots, budget } = r;
    const filterSet = this.filterSet;
    const pairs = this.pairs;
    const promptSet = this.promptSet;
    const pairFp = this.pairFp;
    const winFp = this.winFp;
    const gl = this.gl;
    const seed = this.seed;
    const decoyLists = this.decoyLists;
    const M = decoyLists.length;
    const decoyGreen = t.decoyGreen;
    const needWindow = usePrompt || filterSet !== null;
    const needPair = pairs !== null || sharded;
    const cLo = this.chunkLo;
    const cHi = this.chunkHi;
    const wLo = this.chunkWinLo;
    const wHi = this.chunkWinHi;
    const tracing = t.trace !== null;
    let docScored = 0;
    let docGreen = 0;
    let sink = 0;
    chunks: for (let c = 0; c < n; c += CHUNK) {
      const end = c + CHUNK < n ? c + CHUNK : n;
      // Pass 1: fingerprints of the chunk, and a load of each one's home slot.
      const from = needPair || needWindow ? (c < h ? h : c) : end;
      for (let i = from; i < end; i++) {
        const k = i - c;
        if (needPair) {
          pairFp.compute(ids, i - h, toks[i]!);
          cLo[k] = pairFp.lo;
          cHi[k] = pairFp.hi;
          if (pairs !== null) sink ^= pairs.touch(pairFp.lo, pairFp.hi);
        }
        if (needWindow) {
          winFp.compute(ids, i - h, -1);
          wLo[k] = winFp.lo;
          wHi[k] = winFp.hi;
          if (filterSet !== null) sink ^= filterSet.touch(winFp.lo, winFp.hi);
        }
      }
      // Pass 2: the rules, in order.
      for (let i = c; i < end; i++) {
        if (t.budgetReached) {
          sk.budget += owner0 * (n - i);
          break chunks;
        }
        if (eots !== null && eots[ids[i]!] === 1) {
          sk.afterEndOfText += owner0 * (n - i);
          break chunks;
        }
        if (i < h) {
          sk.noWindow += owner0;
          continue;
        }
        const tok = toks[i]!;
        if (specials !== null && specials[tok] === 1) {
          sk.special += owner0;
          continue;
        }
        const k = i - c;
        const lo = cLo[k]!;
        const hi = cHi[k]!;
        if (sharded && !this.ownsPair(lo, hi)) continue;
        if (needWindow) {
          if (usePrompt && promptSet.has(wLo[k]!, wHi[k]!)) {
            sk.promptWindow++;
            continue;
          }
          if (filterSet !== null && !filterSet.has(wLo[k]!, wHi[k]!)) {
            sk.filtered++;
            continue;
          }
        }
        if (pairs !== null && !pairs.add(lo, hi)) {
          sk.duplicate++;
          continue;
        }
        gl.seedWindow(ids, i, seed, 0);
        const g = gl.isGreenSeeded(seed, 0, tok) ? 1 : 0;
        docScored++;
        docGreen += g;
        for (let j = 0; j < M; j++) {
          const d = decoyLists[j]!;
          d.seedWindow(ids, i, seed, 0);
          if (d.isGreenSeeded(seed, 0, tok)) decoyGreen[j]++;
        }
        if (tracing) recordTrace(t, g, i);
        if (budget > 0 && t.scored + docScored === budget) t.budgetReached = true;
      }
    }
    this.sink = sink;
    t.scored += docScored;
    t.green += docGreen;
    t.docScored[doc] = docScored;
    t.docGreen[doc] = docGreen;
  }
}
