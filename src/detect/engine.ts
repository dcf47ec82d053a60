/**
 * The scoring engine: the green lists (key and decoys), the fingerprinters and sets of the position
 * rules (R1 prompt windows, the filter, the scope's window counts, R2-R4 deduplication), and the
 * pipeline that scores documents into a {@link Tally}:
 *
 * 1. rules (per position, in document order): R0, R1, the filter and the scope, as listed in
 *    docs/detection.md ("Which positions are scored"); a position that passes becomes a candidate
 *    of the pending {@link Block}, with its pair fingerprint, stratum and weight level;
 * 2. flush (per block of up to 65,536 candidates): the deduplication set takes the block's pair
 *    fingerprints as one batch (R2-R4: a pair is new when no earlier candidate, in this block or
 *    before, had it), then `greenAt` colours the new pairs under each key in one batched call, and
 *    the counts are added in document order.
 *
 * Built once per detector and reusable across documents and texts (`detectWindows` resets it
 * between texts instead of building another).
 *
 * @module
 */
import { checkId, checkNumber, rangeError, typeError } from '../assert.js';
import { deriveKey, subkey } from '../key/secret-key.js';
import { mix32 } from '../random/index.js';
import { createGreenList, type GreenList } from '../scheme/green-list.js';
import { Block, BLOCK_TOKENS } from './block.js';
import { DedupTable } from './dedup.js';
import { Fingerprinter, FingerprintSet } from './fingerprint.js';
import type { FamilyRule, ResolvedOptions, Rules } from './options.js';
import { recordTrace, reserveDocument, type Tally } from './tally.js';

/** The scoring engine of one detector (see the module comment). @internal */
export class Engine {
  /** Rules and options. */
  readonly rules: Rules;
  /** Preceding ids per window. */
  readonly h: number;
  /** Vocabulary size. */
  readonly vocabSize: number;
  /** The key's green list (member 0's for a family). */
  readonly gl: GreenList;
  /** The key family being scored, or null. */
  readonly family: FamilyRule | null;
  /** The green lists of the family's members (empty for a single key). */
  private readonly memberLists: GreenList[];
  /** Exact null probability of green. */
  readonly greenProbability: number;
  /** Pair fingerprints (window ids and token). */
  readonly pairFp: Fingerprinter;
  /** Window fingerprints. */
  readonly winFp: Fingerprinter;
  /** R2-R4 deduplication set (null when dedup is off). */
  readonly pairs: DedupTable | null;
  /** The filter's windows (null without a filter). */
  readonly filterSet: FingerprintSet | null;
  /** Window occurrence counts in the reference (scope, built-in strata), or null. */
  readonly refCounts: FingerprintSet | null;
  /** The pending block. */
  readonly block = new Block();
  private readonly decoyLists: GreenList[];
  private promptSet: FingerprintSet;
  private readonly setSalt: number;
  private readonly shardSalt: number;
  private readonly bounds: Uint32Array;
  private bufP = new Uint32Array(256);
  private labelBuf = new Uint8Array(256);
  private levelBuf = new Uint8Array(256);

  /**
   * @param resolved - validated options (`resolveOptions`)
   * @param api - the API, for messages about the filter and the reference
   */
  constructor(resolved: ResolvedOptions, api: string) {
    const { key, config, rules } = resolved;
    const { gamma, contextWidth, vocabSize } = config;
    this.rules = rules;
    this.h = contextWidth;
    this.vocabSize = vocabSize;
    this.gl = createGreenList({ key, gamma, contextWidth, vocabSize });
    this.greenProbability = this.gl.greenProbability;
    this.family = resolved.family;
    this.memberLists = (resolved.family?.members ?? []).map((m, u) => (u === 0 ? this.gl : createGreenList({ key: m.key, gamma, contextWidth, vocabSize })));
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
    this.pairs = rules.dedup ? new DedupTable(1024, this.setSalt) : null;
    this.promptSet = new FingerprintSet(64, this.setSalt);
    this.filterSet = resolved.filter === undefined ? null : this.windowSet(api, 'filter', resolved.filter, false);
    const ref = resolved.reference;
    this.refCounts = ref === undefined ? null : this.windowSet(api, ref.field, ref.sequences, true);
    this.bounds = Uint32Array.from(rules.strata?.kind === 'window-count' ? rules.strata.bounds : []);
  }

  /** The set (or counting set) of the windows of reference sequences. */
  private windowSet(api: string, field: string, sequences: Iterable<unknown>, counting: boolean): FingerprintSet {
    const set = new FingerprintSet(1024, this.setSalt, counting);
    const h = this.h;
    let r = 0;
    for (const seq of sequences) {
      if (seq === null || typeof seq !== 'object' || typeof (seq as { length?: unknown }).length !== 'number') {
        throw typeError(api, `${field}[${r}]`, 'an array of token ids', seq);
      }
      const buf = this.loadPrompt(seq as ArrayLike<number>, api, `${field}[${r}]`);
      for (let i = h; i <= (seq as ArrayLike<number>).length; i++) {
        this.winFp.compute(buf, i - h, -1);
        set.add(this.winFp.lo, this.winFp.hi);
      }
      r++;
    }
    return set;
  }

  /**
   * Copies `seq` into `dest` at `offset`, checking that every id is an integer in
   * `[0, vocabSize)`; the error names `field[i]`.
   */
  loadInto(seq: ArrayLike<number>, dest: Uint32Array, offset: number, api: string, field: string): void {
    const n = seq.length;
    const V = this.vocabSize;
    for (let i = 0; i < n; i++) {
      const id = seq[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= V) checkId(api, field, i, id, V);
      dest[offset + i] = id;
    }
  }

  /** Loads a prompt (or reference sequence) into the prompt scratch buffer and returns it. */
  loadPrompt(seq: ArrayLike<number>, api: string, field: string): Uint32Array {
    if (this.bufP.length < seq.length) this.bufP = new Uint32Array(grownSize(this.bufP.length, seq.length));
    this.loadInto(seq, this.bufP, 0, api, field);
    return this.bufP;
  }

  /** Checks one stratum label per position and returns them (a scratch buffer). */
  loadLabels(labels: ArrayLike<number>, n: number, api: string, field: string): Uint8Array {
    if (labels.length !== n) throw rangeError(api, field, `one label per completion position (length ${n})`, labels);
    if (this.labelBuf.length < n) this.labelBuf = new Uint8Array(grownSize(this.labelBuf.length, n));
    const count = this.rules.strata!.count;
    for (let i = 0; i < n; i++) {
      const s = labels[i];
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= count) throw rangeError(api, `${field}[${i}]`, `an integer stratum label in [0, ${count})`, s);
      this.labelBuf[i] = s;
    }
    return this.labelBuf;
  }

  /** Checks one weight per position and returns their quantized levels (a scratch buffer). */
  loadWeights(weights: ArrayLike<number>, n: number, api: string, field: string): Uint8Array {
    if (weights.length !== n) throw rangeError(api, field, `one weight per completion position (length ${n})`, weights);
    if (this.levelBuf.length < n) this.levelBuf = new Uint8Array(grownSize(this.levelBuf.length, n));
    const { max, levels } = this.rules.weights!;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      checkNumber(api, `${field}[${i}]`, w);
      if (!(w >= 0 && w <= max)) throw rangeError(api, `${field}[${i}]`, `a weight in [0, ${max}]`, w);
      this.levelBuf[i] = Math.round((w / max) * levels);
    }
    return this.levelBuf;
  }

  /**
   * Loads a document's prompt windows for R1 (the prompt is already in the prompt buffer). Returns
   * whether R1 applies to the document (the prompt has at least one window).
   */
  setPrompt(prompt: Uint32Array, length: number): boolean {
    const h = this.h;
    const windows = length - h + 1;
    if (windows <= 0) return false;
    if (this.promptSet.slots > 4096 && this.promptSet.slots > 8 * windows) this.promptSet = new FingerprintSet(windows, (this.shardSalt ^ 0x3c6ef372) >>> 0);
    else this.promptSet.clear();
    for (let i = h; i <= length; i++) {
      this.winFp.compute(prompt, i - h, -1);
      this.promptSet.add(this.winFp.lo, this.winFp.hi);
    }
    return true;
  }

  /** Empties the deduplication set (a new text for `detectWindows`), shrinking a large one. */
  resetDedup(expected: number): void {
    const pairs = this.pairs;
    if (pairs === null) return;
    pairs.clear();
    if (pairs.slots > 4096 && pairs.slots > 8 * expected) pairs.shrinkTo(expected);
  }

  /**
   * Scores one document whose ids (and tokens) were loaded into the block at `base`. The document
   * is read in chunks that never overflow the block; with a budget, each chunk is at most the
   * budget left, and is flushed at once, so the budget stops at exactly N scored positions.
   */
  document(t: Tally, base: number, n: number, usePrompt: boolean, labels: Uint8Array | null, levels: Uint8Array | null): void {
    const doc = t.documents++;
    reserveDocument(t, doc);
    const b = this.block;
    b.length = base + n;
    const budget = this.rules.budget;
    let i = 0;
    while (i < n) {
      if (t.budgetReached) {
        t.skipped.budget += (this.rules.shardIndex === 0 ? 1 : 0) * (n - i);
        return;
      }
      let to = i + b.room < n ? i + b.room : n;
      if (budget > 0 && to - i > budget - t.scored) to = i + (budget - t.scored);
      i = this.positions(t, doc, base, n, i, to, usePrompt, labels, levels);
      if (budget > 0) this.flush(t);
      else if (b.room === 0) {
        if (b.canGrow) b.grow();
        else this.flush(t);
      }
    }
    if (b.length >= BLOCK_TOKENS) this.flush(t);
  }

  /**
   * The hot loop (longer than the house's 80 lines on purpose: splitting it would cost a call per
   * position): positions `[from, to)` of a document get the rules R0, R1, filter and scope, in the
   * order of docs/detection.md; those that pass become candidates of the block. Returns where it
   * stopped: `to`, or `n` at end-of-text. Allocation-free.
   */
  private positions(
    t: Tally, doc: number, base: number, n: number, from: number, to: number,
    usePrompt: boolean, labels: Uint8Array | null, levels: Uint8Array | null,
  ): number {
    const r = this.rules;
    const h = this.h;
    const sk = t.skipped;
    const owner0 = r.shardIndex === 0 ? 1 : 0;
    const sharded = r.shardCount > 1;
    const { specials, eots, scope } = r;
    const b = this.block;
    const ids = b.ids;
    const toks = b.toks;
    const filterSet = this.filterSet;
    const refCounts = this.refCounts;
    const byCount = this.bounds.length > 0;
    const promptSet = this.promptSet;
    const pairFp = this.pairFp;
    const winFp = this.winFp;
    const needWindow = usePrompt || filterSet !== null || refCounts !== null;
    const needPair = this.pairs !== null || sharded;
    const sMin = scope === null ? 0 : scope.min;
    const sMax = scope === null ? 0 : scope.max;
    let k = b.count;
    for (let i = from; i < to; i++) {
      const at = base + i;
      if (eots !== null && eots[ids[at]!] === 1) {
        sk.afterEndOfText += owner0 * (n - i);
        b.count = k;
        return n;
      }
      if (i < h) {
        sk.noWindow += owner0;
        continue;
      }
      const tok = toks[at]!;
      if (specials !== null && specials[tok] === 1) {
        sk.special += owner0;
        continue;
      }
      let lo = 0;
      let hi = 0;
      if (needPair) {
        pairFp.compute(ids, at - h, tok);
        lo = pairFp.lo;
        hi = pairFp.hi;
        if (sharded && !this.ownsPair(lo, hi)) continue;
      }
      let label = labels === null ? 0 : labels[i]!;
      if (needWindow) {
        winFp.compute(ids, at - h, -1);
        if (usePrompt && promptSet.has(winFp.lo, winFp.hi)) {
          sk.promptWindow++;
          continue;
        }
        if (filterSet !== null && !filterSet.has(winFp.lo, winFp.hi)) {
          sk.filtered++;
          continue;
        }
        if (refCounts !== null) {
          const c = refCounts.count(winFp.lo, winFp.hi);
          if (scope !== null && (c < sMin || c > sMax)) {
            sk.filtered++;
            continue;
          }
          if (byCount) label = this.stratumOf(c);
        }
      }
      b.lo[k] = lo;
      b.hi[k] = hi;
      b.doc[k] = doc;
      b.end[k] = at;
      b.pos[k] = i;
      b.label[k] = label;
      b.level[k] = levels === null ? 0 : levels[i]!;
      k++;
    }
    b.count = k;
    return to;
  }

  /** Stratum of a window seen `c` times in the reference: the number of bounds <= c. */
  private stratumOf(c: number): number {
    const bounds = this.bounds;
    let s = 0;
    while (s < bounds.length && bounds[s]! <= c) s++;
    return s;
  }

  /** Whether this shard owns the pair `(lo, hi)`. */
  private ownsPair(lo: number, hi: number): boolean {
    return mix32((hi ^ Math.imul(lo, 0xcc9e2d51) ^ this.shardSalt) >>> 0) % this.rules.shardCount === this.rules.shardIndex;
  }

  /**
   * Scores the pending block: deduplication of its candidates as one batch, the new pairs'
   * colours under every key (batched), and the counts in document order.
   */
  flush(t: Tally): void {
    const b = this.block;
    const m = b.count;
    if (m === 0) return;
    const isNew = b.isNew;
    if (this.pairs === null) isNew.fill(1, 0, m);
    else this.pairs.addBlock(b.lo, b.hi, m, isNew);
    let j = 0;
    for (let k = 0; k < m; k++) {
      if (isNew[k] === 1) {
        b.newEnd[j] = b.end[k]!;
        b.newIdx[j] = k;
        j++;
      }
    }
    t.skipped.duplicate += m - j;
    b.count = 0;
    if (j === 0) return;
    for (let d = 0; d < this.decoyLists.length; d++) {
      this.decoyLists[d]!.greenAt(b.ids, b.toks, b.newEnd, j, b.colour);
      t.decoyGreen[d] += sumBytes(b.colour, j);
    }
    if (this.memberLists.length === 0) {
      this.gl.greenAt(b.ids, b.toks, b.newEnd, j, b.colour);
      this.accumulate(t, j, b.colour);
    } else {
      this.accumulate(t, j, this.colourMembers(t, j));
    }
  }

  /**
   * Colours the block's `j` new pairs under every family member (one batched `greenAt` per member
   * over the same pairs: the corpus is read once) and returns how many members find each green.
   */
  private colourMembers(t: Tally, j: number): Uint16Array {
    const b = this.block;
    const sum = b.colourSum;
    sum.fill(0, 0, j);
    const lists = this.memberLists;
    for (let u = 0; u < lists.length; u++) {
      lists[u]!.greenAt(b.ids, b.toks, b.newEnd, j, b.colour);
      let g = 0;
      for (let k = 0; k < j; k++) {
        const c = b.colour[k]!;
        sum[k] += c;
        g += c;
      }
      t.memberGreen[u] += g;
    }
    return sum;
  }

  /** Adds the block's `j` new pairs (their colours, or green member counts) to the counts, in order. */
  private accumulate(t: Tally, j: number, colour: Uint8Array | Uint16Array): void {
    const b = this.block;
    const strata = t.strataScored.length > 0;
    const weighted = t.levelScored.length > 0;
    const tracing = t.trace !== null;
    let green = 0;
    for (let k = 0; k < j; k++) {
      const idx = b.newIdx[k]!;
      const g = colour[k]!;
      const doc = b.doc[idx]!;
      t.docScored[doc]++;
      t.docGreen[doc] += g;
      green += g;
      if (strata) {
        const s = b.label[idx]!;
        t.strataScored[s]++;
        t.strataGreen[s] += g;
      }
      if (weighted) {
        const l = b.level[idx]!;
        t.levelScored[l]++;
        t.levelGreen[l] += g;
      }
      if (tracing) recordTrace(t, g, b.pos[idx]!);
    }
    t.scored += j;
    t.green += green;
    const budget = this.rules.budget;
    if (budget > 0 && t.scored === budget) t.budgetReached = true;
  }
}

/** Sum of `a[0 .. n)`. */
function sumBytes(a: Uint8Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i]!;
  return s;
}

/** The next power-of-two multiple of `cap` that holds `n`. */
function grownSize(cap: number, n: number): number {
  let c = Math.max(cap, 16);
  while (c < n) c *= 2;
  return c;
}
