/**
 * Students: smoothed n-gram models trained on a mix of teacher outputs (a fraction of them
 * watermarked) and clean text, plus an optional copy mechanism, answering prompts.
 */

import { NGramBuilder, type NGramModel } from './ngram.js';
import type { Random } from '../random/index.js';

/** One training sequence: `tokens[from..]` are predictions, `tokens[..from)` context only. */
export interface TrainingSequence {
  readonly tokens: ArrayLike<number>;
  readonly from: number;
}

/**
 * Trains a Witten-Bell n-gram student.
 *
 * @param sequences - the training mix
 * @param order - n-gram order (>= contextWidth + 1 to be able to learn the green lists)
 * @param vocabSize - the student's tokenizer id range
 * @returns the model
 */
export function trainNGram(sequences: Iterable<TrainingSequence>, order: number, vocabSize: number): NGramModel {
  const b = new NGramBuilder({ order, vocabSize });
  for (const s of sequences) b.add(s.tokens, s.from);
  return b.build();
}

/**
 * How a student decodes (the distiller's choices at inference). The default is plain sampling.
 * Temperature and top-p apply to the n-gram part (the copy mechanism is an in-context effect and
 * keeps its weight); `accept` applies to whatever was drawn.
 */
export interface Decoding {
  /** Softmax temperature of the n-gram part in [0, 1]; 0 is greedy (default 1). */
  readonly temperature?: number;
  /** Nucleus of the n-gram part in (0, 1] (default 1: no truncation). */
  readonly topP?: number;
  /**
   * Inference-time reweighting, e.g. watermark neutralization: the probability in [0, 1] of keeping
   * `token` after `seq` (rejection sampling, so the student's distribution becomes proportional to
   * `P(token) · accept(seq, token)`: `accept = exp(-delta')` on labelled pairs subtracts delta' from
   * their logits exactly).
   */
  readonly accept?: (seq: readonly number[], token: number) => number;
}

/** Contexts whose decoded distribution a student keeps. */
const MAX_CACHED = 100_000;

/** Draws before rejection sampling gives up and keeps the last draw (never reached in practice). */
const MAX_REJECTIONS = 10_000;

/**
 * A student: the n-gram model, mixed with probability `copy` with a copy mechanism that continues
 * an earlier occurrence of the last two tokens in the same text (prompt included), the way an LLM's
 * induction heads repeat what is in their context. The copy part is what makes the prompt-copying
 * control meaningful: a student prompted with watermarked text reproduces some of it verbatim, and
 * only rule R1 of docs/detection.md (drop windows that occur in the prompt) keeps that from being
 * scored as evidence.
 *
 * `P(x | text) = copy · P_copy(x | text) + (1 - copy) · P_ngram(x | text)` when the last two tokens
 * occurred earlier in the text, `P_ngram` otherwise; `P_copy` is uniform over those occurrences'
 * successors.
 */
export class Student {
  private readonly stamp: Uint32Array;
  private stampId = 0;
  /**
   * Decoded distributions by context (the n-gram part depends only on the last `order - 1`
   * tokens): greedy choice, tempered bound, or nucleus (ids and cumulative mass). Cleared when
   * it holds {@link MAX_CACHED} contexts.
   */
  private readonly cache = new Map<string, number | { ids: Int32Array; cum: Float64Array }>();

  /**
   * @param model - the trained n-gram model
   * @param copy - weight of the copy mechanism in [0, 1)
   * @param endOfText - the id that ends a completion (not included in it), if any
   * @param decoding - how it decodes (default: plain sampling)
   */
  constructor(
    readonly model: NGramModel,
    readonly copy: number,
    readonly endOfText: number | undefined,
    readonly decoding: Decoding = {},
  ) {
    if (!(copy >= 0 && copy < 1)) throw new RangeError(`Student: "copy" must be in [0, 1), got ${copy}`);
    const t = decoding.temperature ?? 1;
    const p = decoding.topP ?? 1;
    if (!(t >= 0 && t <= 1)) throw new RangeError(`Student: "temperature" must be in [0, 1], got ${t}`);
    if (!(p > 0 && p <= 1)) throw new RangeError(`Student: "topP" must be in (0, 1], got ${p}`);
    this.stamp = new Uint32Array(t === 1 && p === 1 ? 0 : model.vocabSize);
  }

  /**
   * Answers one prompt.
   *
   * @param prompt - the prompt ids
   * @param random - the stream
   * @param maxNewTokens - largest completion length
   * @returns the completion ids
   */
  complete(prompt: ArrayLike<number>, random: Random, maxNewTokens: number): Uint32Array {
    const endOfText = this.endOfText;
    const accept = this.decoding.accept;
    const seq: number[] = Array.from(prompt);
    const n0 = seq.length;
    const W = this.model.vocabSize + 1;
    // (a, b) -> positions of the tokens that followed them.
    const follow = new Map<number, number[]>();
    const note = (i: number): void => {
      // Records that seq[i] followed (seq[i-2], seq[i-1]).
      if (i < 2) return;
      const k = seq[i - 2]! * W + seq[i - 1]!;
      const list = follow.get(k);
      if (list) list.push(i);
      else follow.set(k, [i]);
    };
    if (this.copy > 0) for (let i = 2; i < n0; i++) note(i);
    for (let step = 0; step < maxNewTokens; step++) {
      let x = -1;
      for (let tries = 0; tries < MAX_REJECTIONS; tries++) {
        x = this.draw(seq, follow, W, random);
        if (accept === undefined || random.next() < accept(seq, x)) break;
      }
      if (x === endOfText) break;
      seq.push(x);
      if (this.copy > 0) note(seq.length - 1);
    }
    return Uint32Array.from(seq.slice(n0));
  }

  /** One draw from the copy / n-gram mixture, the n-gram part decoded as configured. */
  private draw(seq: number[], follow: Map<number, number[]>, W: number, random: Random): number {
    const n = seq.length;
    if (this.copy > 0 && n >= 2) {
      const list = follow.get(seq[n - 2]! * W + seq[n - 1]!);
      if (list !== undefined && random.next() < this.copy) return seq[list[random.int(list.length)]!]!;
    }
    const t = this.decoding.temperature ?? 1;
    const p = this.decoding.topP ?? 1;
    if (t === 1 && p === 1) return this.model.sample(seq, random);
    const key = seq.slice(Math.max(0, n - this.model.order + 1)).join(',');
    let c = this.cache.get(key);
    if (c === undefined) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      c = t === 0 ? this.greedy(seq) : p < 1 ? this.nucleus(seq, p) : this.bound(seq);
      this.cache.set(key, c);
    }
    if (typeof c !== 'number') {
      const u = random.next() * c.cum[c.cum.length - 1]!;
      let lo = 0;
      let hi = c.cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (c.cum[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      return c.ids[lo]!;
    }
    return t === 0 ? c : this.tempered(seq, t, c, random);
  }

  /** Marks the followers in the stamp array; returns them with the base weight. */
  private mark(seq: number[]): ReturnType<NGramModel['followers']> {
    const f = this.model.followers(seq);
    if (++this.stampId === 0xffffffff) {
      this.stamp.fill(0);
      this.stampId = 1;
    }
    for (let k = 0; k < f.ids.length; k++) this.stamp[f.ids[k]!] = this.stampId;
    return f;
  }

  private greedy(seq: number[]): number {
    const f = this.mark(seq);
    let best = -1;
    let bestP = -1;
    for (let k = 0; k < f.ids.length; k++) {
      if (f.probs[k]! > bestP || (f.probs[k] === bestP && f.ids[k]! < best)) {
        bestP = f.probs[k]!;
        best = f.ids[k]!;
      }
    }
    const base = this.model.baseByProbability();
    for (let k = 0; k < base.ids.length; k++) {
      if (this.stamp[base.ids[k]!] === this.stampId) continue;
      if (f.baseWeight * base.probs[k]! > bestP) best = base.ids[k]!;
      break;
    }
    return best;
  }

  /** An upper bound M on the largest probability after `seq`. */
  private bound(seq: number[]): number {
    const f = this.model.followers(seq);
    let m = f.baseWeight * (this.model.baseByProbability().probs[0] ?? 0);
    for (let k = 0; k < f.probs.length; k++) if (f.probs[k]! > m) m = f.probs[k]!;
    return m;
  }

  /** Exact tempered sampling (T < 1) by rejection from P: accept x with (P(x) / M)^(1/T - 1), M >= max P. */
  private tempered(seq: number[], t: number, m: number, random: Random): number {
    const a = 1 / t - 1;
    for (let tries = 0; ; tries++) {
      const x = this.model.sample(seq, random);
      if (tries >= MAX_REJECTIONS || random.next() < Math.pow(this.model.prob(seq, x) / m, a)) return x;
    }
  }

  /** Exact nucleus sampling: the most probable types until their mass reaches `p`, renormalised. */
  private nucleus(seq: number[], p: number): { ids: Int32Array; cum: Float64Array } {
    const f = this.mark(seq);
    const order = Array.from(f.ids.keys()).sort((i, j) => f.probs[j]! - f.probs[i]! || f.ids[i]! - f.ids[j]!);
    const base = this.model.baseByProbability();
    const ids: number[] = [];
    const ps: number[] = [];
    let mass = 0;
    let i = 0;
    let b = 0;
    while (mass < p) {
      while (b < base.ids.length && this.stamp[base.ids[b]!] === this.stampId) b++;
      const fp = i < order.length ? f.probs[order[i]!]! : -1;
      const bp = b < base.ids.length ? f.baseWeight * base.probs[b]! : -1;
      if (fp < 0 && bp < 0) break;
      if (fp >= bp) {
        ids.push(f.ids[order[i]!]!);
        ps.push(fp);
        mass += fp;
        i++;
      } else {
        ids.push(base.ids[b]!);
        ps.push(bp);
        mass += bp;
        b++;
      }
    }
    const cum = new Float64Array(ps.length);
    let acc = 0;
    for (let k = 0; k < ps.length; k++) cum[k] = acc += ps[k]!;
    return { ids: Int32Array.from(ids), cum };
  }
}
