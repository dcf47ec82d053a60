/**
 * Interpolated Witten-Bell n-gram language models over token ids: the simulator's n-gram teacher
 * and its students.
 *
 * Smoothing (Witten & Bell 1991, interpolated form; Chen & Goodman 1998, eq. 14): for a context `h`
 * seen `c(h)` times with `T(h)` distinct followers,
 *
 *     P(x | h) = (c(h, x) + T(h) · P(x | h')) / (c(h) + T(h)),
 *
 * where `h'` drops the oldest token of `h`, down to the empty context, whose distribution is add-one
 * over a base set of token types: `P(x) = (c(x) + 1) / Σ_{y in base} (c(y) + 1)`. The base set is
 * every type seen in training, or (option `baseTypes`) only the most frequent ones. Every level
 * sums to one, so the model is a proper distribution over the base types plus the followers of
 * its matched contexts (a closed vocabulary: anything else has probability 0, which is what lets a
 * teacher leave the rest of a 200k vocabulary at -Infinity). Sequences start with one
 * begin-of-sequence id equal to `vocabSize` (outside every tokenizer's range; internal to the
 * model).
 *
 * Storage: a trie of reversed contexts (node = context read backwards from the predicted
 * position), two open-addressing hash tables over (node, id) pairs in typed arrays, and a
 * compressed list of (token, cumulative count) per node for sampling.
 */

import type { Random } from '../random/index.js';
import { firstAbove } from './search.js';

/** Options of {@link NGramBuilder}. */
export interface NGramOptions {
  /** Tokens per n-gram (context + predicted token), >= 1. */
  readonly order: number;
  /** Token ids lie in `[0, vocabSize)`; `vocabSize` itself is the begin-of-sequence id. */
  readonly vocabSize: number;
}

/** Open-addressing hash map from a pair of non-negative int32s to an int32. */
class PairTable {
  private keyA: Int32Array;
  private keyB: Int32Array;
  private val: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacityPow2 = 1 << 16) {
    this.keyA = new Int32Array(capacityPow2).fill(-1);
    this.keyB = new Int32Array(capacityPow2);
    this.val = new Int32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  private static hash(a: number, b: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    return h;
  }

  get(a: number, b: number): number {
    const keyA = this.keyA;
    let i = PairTable.hash(a, b) & this.mask;
    for (;;) {
      const k = keyA[i]!;
      if (k === -1) return -1;
      if (k === a && this.keyB[i] === b) return this.val[i]!;
      i = (i + 1) & this.mask;
    }
  }

  /** Returns the value for (a, b), inserting `fresh` when absent. */
  getOrInsert(a: number, b: number, fresh: number): number {
    if ((this.size + 1) * 2 > this.keyA.length) this.grow();
    const keyA = this.keyA;
    let i = PairTable.hash(a, b) & this.mask;
    for (;;) {
      const k = keyA[i]!;
      if (k === -1) {
        keyA[i] = a;
        this.keyB[i] = b;
        this.val[i] = fresh;
        this.size++;
        return fresh;
      }
      if (k === a && this.keyB[i] === b) return this.val[i]!;
      i = (i + 1) & this.mask;
    }
  }

  /** Calls `fn(a, b, value)` for every entry and stores its return value. */
  remap(fn: (a: number, b: number, v: number) => number): void {
    for (let i = 0; i < this.keyA.length; i++) if (this.keyA[i] !== -1) this.val[i] = fn(this.keyA[i]!, this.keyB[i]!, this.val[i]!);
  }

  private grow(): void {
    const { keyA, keyB, val } = this;
    const cap = keyA.length * 2;
    this.keyA = new Int32Array(cap).fill(-1);
    this.keyB = new Int32Array(cap);
    this.val = new Int32Array(cap);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < keyA.length; i++) if (keyA[i] !== -1) this.getOrInsert(keyA[i]!, keyB[i]!, val[i]!);
  }

  /** Bytes held. */
  get bytes(): number {
    return this.keyA.byteLength * 3;
  }
}

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}

/**
 * Counts n-grams; {@link NGramBuilder.build} freezes them into an {@link NGramModel}.
 *
 * @example
 * ```ts
 * const b = new NGramBuilder({ order: 3, vocabSize: 200019 });
 * b.add(tokens);
 * const lm = b.build();
 * ```
 */
export class NGramBuilder {
  readonly order: number;
  readonly vocabSize: number;
  /** (parent node, token) -> child node of the reversed-context trie. */
  private readonly children = new PairTable(1 << 16);
  /** (node, token) -> entry index. */
  private readonly entries = new PairTable(1 << 16);
  private readonly entryNode = new IntList(1 << 16);
  private readonly entryToken = new IntList(1 << 16);
  private readonly entryCount = new IntList(1 << 16);
  private nodes = 1;
  private built = false;
  /** Number of predictions counted. */
  tokens = 0;

  constructor(options: NGramOptions) {
    const { order, vocabSize } = options;
    if (!Number.isInteger(order) || order < 1 || order > 8) throw new RangeError(`NGramBuilder: "order" must be an integer in 1..8, got ${order}`);
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize >= 2 ** 30) {
      throw new RangeError(`NGramBuilder: "vocabSize" must be an integer in [1, 2^30), got ${vocabSize}`);
    }
    this.order = order;
    this.vocabSize = vocabSize;
  }

  /**
   * Counts the predictions of `tokens[from..]`, each in the context of the tokens before it (the
   * sequence is preceded by begin-of-sequence ids).
   *
   * @param tokens - one sequence (a document, or prompt + completion)
   * @param from - first position to count as a prediction (e.g. the prompt length: prompt tokens
   *   are context only, as in supervised fine-tuning)
   * @param weight - count added per prediction (a positive integer)
   */
  add(tokens: ArrayLike<number>, from = 0, weight = 1): void {
    if (this.built) throw new Error('NGramBuilder.add: the model was already built');
    const V = this.vocabSize;
    const bos = V;
    const maxDepth = this.order - 1;
    for (let i = from; i < tokens.length; i++) {
      const x = tokens[i]!;
      if (!(x >= 0 && x < V) || !Number.isInteger(x)) throw new RangeError(`NGramBuilder.add: tokens[${i}] must be an integer id in [0, ${V}), got ${x}`);
      let node = 0;
      this.bump(node, x, weight);
      for (let d = 1; d <= maxDepth; d++) {
        const j = i - d;
        const c = j >= 0 ? tokens[j]! : bos;
        const fresh = this.nodes;
        node = this.children.getOrInsert(node, c, fresh);
        if (node === fresh) this.nodes++;
        this.bump(node, x, weight);
        if (j < 0) break; // deeper contexts would be all BOS: the same node chain, kept at one BOS
      }
      this.tokens += weight;
    }
  }

  private bump(node: number, x: number, weight: number): void {
    const fresh = this.entryNode.length;
    const e = this.entries.getOrInsert(node, x, fresh);
    if (e === fresh) {
      this.entryNode.push(node);
      this.entryToken.push(x);
      this.entryCount.push(weight);
    } else {
      this.entryCount.data[e] += weight;
    }
  }

  /**
   * Freezes the counts into a model. The builder cannot be used afterwards.
   * @param options - `baseTypes`: keep only this many most frequent types (ties: lower id) in the
   *   empty-context distribution (default: all seen types)
   * @returns the model
   */
  build(options: { baseTypes?: number } = {}): NGramModel {
    const baseTypes = options.baseTypes;
    if (baseTypes !== undefined && (!Number.isInteger(baseTypes) || baseTypes < 1)) {
      throw new RangeError(`NGramBuilder.build: "baseTypes" must be a positive integer, got ${baseTypes}`);
    }
    if (this.built) throw new Error('NGramBuilder.build: already built');
    this.built = true;
    const nodes = this.nodes;
    const E = this.entryNode.length;
    const eNode = this.entryNode.data;
    const eTok = this.entryToken.data;
    const eCnt = this.entryCount.data;
    // Counting sort of entries by node, then by token within a node (stable order for determinism).
    const start = new Int32Array(nodes + 1);
    for (let e = 0; e < E; e++) start[eNode[e]! + 1]++;
    for (let n = 0; n < nodes; n++) start[n + 1] += start[n]!;
    const order = new Int32Array(E);
    const fill = start.slice(0, nodes);
    for (let e = 0; e < E; e++) order[fill[eNode[e]!]++] = e;
    const tok = new Int32Array(E);
    const cum = new Float64Array(E);
    const total = new Float64Array(nodes);
    const position = new Int32Array(E);
    for (let n = 0; n < nodes; n++) {
      const s = start[n]!;
      const t = start[n + 1]!;
      const slice = Array.from(order.subarray(s, t)).sort((a, b) => eTok[a]! - eTok[b]!);
      let acc = 0;
      for (let k = 0; k < slice.length; k++) {
        const e = slice[k]!;
        tok[s + k] = eTok[e]!;
        acc += eCnt[e]!;
        cum[s + k] = acc;
        position[e] = s + k;
      }
      total[n] = acc;
    }
    this.entries.remap((_a, _b, e) => position[e]!);
    // The base distribution: add-one over the kept types.
    const rootN = start[1]! - start[0]!;
    const byCount = Array.from({ length: rootN }, (_, k) => k).sort((a, b) => {
      const ca = cum[a]! - (a > 0 ? cum[a - 1]! : 0);
      const cb = cum[b]! - (b > 0 ? cum[b - 1]! : 0);
      return cb - ca || tok[a]! - tok[b]!;
    });
    const kept = byCount.slice(0, Math.min(rootN, baseTypes ?? rootN)).sort((a, b) => tok[a]! - tok[b]!);
    const baseIds = new Int32Array(kept.length);
    const baseCum = new Float64Array(kept.length);
    let z = 0;
    for (let k = 0; k < kept.length; k++) {
      const e = kept[k]!;
      baseIds[k] = tok[e]!;
      z += cum[e]! - (e > 0 ? cum[e - 1]! : 0) + 1;
      baseCum[k] = z;
    }
    const baseProb = new Float64Array(this.vocabSize);
    for (let k = 0; k < kept.length; k++) baseProb[baseIds[k]!] = (baseCum[k]! - (k > 0 ? baseCum[k - 1]! : 0)) / z;
    return new NGramModel(this.order, this.vocabSize, this.children, this.entries, start, tok, cum, total, this.tokens, baseIds, baseCum, baseProb);
  }
}

/**
 * A frozen interpolated Witten-Bell model (see the module notes). Methods reuse internal scratch
 * and are not reentrant.
 */
export class NGramModel {
  /** Number of token types seen as predictions. */
  readonly types: number;
  /** Number of contexts (trie nodes), the empty context included. */
  readonly contexts: number;
  /** Number of distinct (context, token) pairs over all orders. */
  readonly pairs: number;
  private readonly chain: Int32Array;
  private readonly weights: Float64Array;
  private baseLogits: Float32Array | undefined;
  private acc: Float64Array | undefined;
  private touched: Int32Array | undefined;
  private followerProbs: Float64Array | undefined;
  private sortedBase: { ids: Int32Array; probs: Float64Array } | undefined;

  /** @internal Use {@link NGramBuilder.build}. */
  constructor(
    readonly order: number,
    readonly vocabSize: number,
    private readonly children: PairTable,
    private readonly entries: PairTable,
    private readonly start: Int32Array,
    private readonly tok: Int32Array,
    private readonly cum: Float64Array,
    private readonly total: Float64Array,
    /** Number of predictions the model was trained on. */
    readonly tokens: number,
    private readonly baseIds: Int32Array,
    private readonly baseCum: Float64Array,
    private readonly baseProb: Float64Array,
  ) {
    this.types = start[1]! - start[0]!;
    this.contexts = total.length;
    this.pairs = tok.length;
    this.chain = new Int32Array(order);
    this.weights = new Float64Array(order);
  }

  /** Approximate bytes held by the model's arrays. */
  get bytes(): number {
    return (
      this.children.bytes + this.entries.bytes + this.start.byteLength + this.tok.byteLength + this.cum.byteLength + this.total.byteLength + this.baseProb.byteLength
    );
  }

  /** The token types seen in training, ascending. */
  supportTokens(): Int32Array {
    return this.tok.slice(this.start[0]!, this.start[1]!);
  }

  /** The types of the empty-context (base) distribution, ascending. */
  baseTokens(): Int32Array {
    return this.baseIds.slice();
  }

  /** Fills `chain[0..depth]` with the context nodes after `context` (chain[0] is the root). */
  private walk(context: ArrayLike<number>, end: number): number {
    const bos = this.vocabSize;
    let node = 0;
    this.chain[0] = 0;
    let depth = 0;
    for (let d = 1; d < this.order; d++) {
      const j = end - d;
      const c = j >= 0 ? context[j]! : bos;
      const next = this.children.get(node, c);
      if (next < 0) break;
      node = next;
      this.chain[++depth] = node;
      if (j < 0) break;
    }
    return depth;
  }

  private count(node: number, x: number): number {
    const e = this.entries.get(node, x);
    if (e < 0) return 0;
    const s = this.start[node]!;
    return e === s ? this.cum[e]! : this.cum[e]! - this.cum[e - 1]!;
  }

  /**
   * The model's probability of `token` after `context[0..end)`.
   *
   * @param context - the preceding ids (only the last `order - 1` matter)
   * @param token - the predicted id
   * @param end - end of the context within `context` (default its length)
   * @returns P(token | context), 0 outside the model's support
   */
  prob(context: ArrayLike<number>, token: number, end = context.length): number {
    const depth = this.walk(context, end);
    if (!(token >= 0 && token < this.vocabSize)) return 0;
    let p = this.baseProb[token]!;
    for (let d = 1; d <= depth; d++) {
      const n = this.chain[d]!;
      const s = this.start[n]!;
      const T = this.start[n + 1]! - s;
      const c = this.total[n]!;
      p = (this.count(n, token) + T * p) / (c + T);
    }
    return p;
  }

  /**
   * Draws the next token after `context[0..end)` from the model (exact: interpolation is a mixture,
   * so draw the level, then the token).
   *
   * @param context - the preceding ids
   * @param random - the stream
   * @param end - end of the context (default its length)
   * @returns a token id
   */
  sample(context: ArrayLike<number>, random: Random, end = context.length): number {
    let depth = this.walk(context, end);
    for (;;) {
      const n = this.chain[depth]!;
      const s = this.start[n]!;
      const t = this.start[n + 1]!;
      const T = t - s;
      const c = this.total[n]!;
      if (depth === 0) {
        const cum = this.baseCum;
        return this.baseIds[firstAbove(cum, 0, cum.length, random.next() * cum[cum.length - 1]!)]!;
      }
      const u = random.next() * (c + T);
      if (u < c) return this.tok[firstAbove(this.cum, s, t, u)]!;
      depth--;
    }
  }

  /**
   * Writes the model's next-token logits after `context[0..end)` into `out` (length `vocabSize`):
   * `log P(x | context)` up to one shared constant for every seen type, `-Infinity` for the rest.
   * Cost: one copy of a precomputed vector plus the followers of the matched contexts.
   *
   * @param context - the preceding ids
   * @param out - a Float32Array of length `vocabSize`
   * @param end - end of the context (default its length)
   * @returns `out`
   */
  logits(context: ArrayLike<number>, out: Float32Array, end = context.length): Float32Array {
    if (out.length !== this.vocabSize) throw new RangeError(`NGramModel.logits: "out" must have length ${this.vocabSize}, got ${out.length}`);
    const base = this.base();
    out.set(base);
    const depth = this.walk(context, end);
    if (depth === 0) return out;
    // P(x) = B·P0(x) + Σ_d A_d·c_d(x); logits are log(P0(x) + Σ_d (A_d / B)·c_d(x)).
    const m = this.accumulate(depth, this.interpolate(depth));
    const acc = this.acc!;
    const touched = this.touched!;
    const baseProb = this.baseProb;
    for (let k = 0; k < m; k++) {
      const x = touched[k]!;
      out[x] = Math.log(baseProb[x]! + acc[x]!);
      acc[x] = 0;
    }
    return out;
  }

  /**
   * The explicit part of the next-token distribution after `context[0..end)`: the followers of the
   * matched contexts with their probabilities, and the weight `baseWeight` of the base
   * distribution, so that every other type `x` has probability `baseWeight · P0(x)` (see
   * {@link NGramModel.baseByProbability}). The returned arrays are scratch views, valid until the
   * next call.
   *
   * @param context - the preceding ids
   * @param end - end of the context (default its length)
   * @returns ids and probabilities of the followers, and the base weight
   */
  followers(context: ArrayLike<number>, end = context.length): { ids: Int32Array; probs: Float64Array; baseWeight: number } {
    this.base();
    const depth = this.walk(context, end);
    const prod = this.interpolate(depth);
    const m = this.accumulate(depth, 1);
    const acc = this.acc!;
    const touched = this.touched!;
    const probs = (this.followerProbs ??= new Float64Array(this.vocabSize));
    for (let k = 0; k < m; k++) {
      const x = touched[k]!;
      probs[k] = prod * this.baseProb[x]! + acc[x]!;
      acc[x] = 0;
    }
    return { ids: touched.subarray(0, m), probs: probs.subarray(0, m), baseWeight: prod };
  }

  /**
   * Interpolation weights of the matched contexts `chain[1..depth]`: writes `A_d` into
   * `weights[d]`, where P(x) = B·P0(x) + Σ_d A_d·c_d(x), and returns `B`, the base distribution's
   * weight.
   */
  private interpolate(depth: number): number {
    const w = this.weights;
    let prod = 1;
    for (let d = depth; d >= 1; d--) {
      const n = this.chain[d]!;
      const T = this.start[n + 1]! - this.start[n]!;
      const c = this.total[n]!;
      w[d] = prod / (c + T);
      prod *= T / (c + T);
    }
    return prod;
  }

  /**
   * Adds `Σ_d (A_d / scale)·c_d(x)` into `acc[x]` for every follower `x` of the matched contexts
   * (weights from {@link NGramModel.interpolate}), listing each `x` once in `touched`.
   * @returns the number of ids listed
   */
  private accumulate(depth: number, scale: number): number {
    const w = this.weights;
    const acc = this.acc!;
    const touched = this.touched!;
    let m = 0;
    for (let d = 1; d <= depth; d++) {
      const n = this.chain[d]!;
      const f = w[d]! / scale;
      const s = this.start[n]!;
      const t = this.start[n + 1]!;
      let prev = 0;
      for (let e = s; e < t; e++) {
        const x = this.tok[e]!;
        const c = this.cum[e]! - prev;
        prev = this.cum[e]!;
        if (acc[x] === 0) touched[m++] = x;
        acc[x] += f * c;
      }
    }
    return m;
  }

  /** The base types sorted by decreasing base probability `P0` (ties: lower id first), and their `P0`. */
  baseByProbability(): { ids: Int32Array; probs: Float64Array } {
    if (!this.sortedBase) {
      const ids = Array.from(this.baseIds).sort((a, b) => this.baseProb[b]! - this.baseProb[a]! || a - b);
      this.sortedBase = { ids: Int32Array.from(ids), probs: Float64Array.from(ids, (x) => this.baseProb[x]!) };
    }
    return this.sortedBase;
  }

  private base(): Float32Array {
    if (this.baseLogits) return this.baseLogits;
    const V = this.vocabSize;
    const base = new Float32Array(V).fill(-Infinity);
    for (let k = 0; k < this.baseIds.length; k++) base[this.baseIds[k]!] = Math.log(this.baseProb[this.baseIds[k]!]!);
    this.baseLogits = base;
    this.acc = new Float64Array(V);
    this.touched = new Int32Array(V);
    return base;
  }

  /**
   * Per-token cross-entropy of the model on sequences, in nats (perplexity is its exponential).
   *
   * @param sequences - the sequences, each with the index of its first scored position
   * @returns mean `-log P` over scored positions and their number; a type never seen in training
   *   counts as `Infinity`
   */
  crossEntropy(sequences: Iterable<{ tokens: ArrayLike<number>; from?: number }>): { nats: number; tokens: number } {
    let sum = 0;
    let n = 0;
    for (const { tokens, from = 0 } of sequences) {
      for (let i = from; i < tokens.length; i++) {
        sum -= Math.log(this.prob(tokens, tokens[i]!, i));
        n++;
      }
    }
    return { nats: n > 0 ? sum / n : NaN, tokens: n };
  }
}
