/**
 * The synthetic teacher: a conditional language model over a real tokenizer's id range (o200k by
 * default) whose next-token distributions have an LLM-like entropy profile, built from hashes of the
 * preceding tokens so that it is a deterministic function of its context (a real conditional LM,
 * not noise), and cheap enough to run at full vocabulary width.
 *
 * The profile (all weights are logits before the softmax):
 * - a Zipfian background: the `background` most frequent ids (a seeded permutation of the ordinary
 *   ids gives the frequency ranks) with logit `-zipf · ln(1 + rank)`;
 * - a bigram component: `candidates` ids drawn from the Zipfian rank distribution by a stream seeded
 *   with a hash of the previous token, logits `3 - 0.8 · ln(1 + i)`;
 * - a context component: `candidates` ids drawn by a stream seeded with a hash of the previous
 *   `contextOrder` tokens, logits `4.5 - 0.8 · ln(1 + i)`;
 * - a regime per context: with probability `determinism` the step is near-deterministic (the first
 *   context candidate, never one of the last two tokens, gets `+6` to `+10`), otherwise the step
 *   stays high-entropy.
 * Ids drawn twice are merged with log-sum-exp. The result is a mixture of near-deterministic steps
 * (most of the mass on one token, like copying a name or closing a bracket) and broad steps with a
 * Zipfian tail, whose mean entropy the simulator measures and prints.
 */

import { hashString, mix32 } from '../random/index.js';
import { firstAbove } from './search.js';
import type { Teacher } from './teacher.js';

/** Options of {@link createSyntheticTeacher}. */
export interface SyntheticOptions {
  /** Width of the logits (the tokenizer's id range). */
  readonly vocabSize: number;
  /** Ids `[0, ordinaryIds)` are the tokens the model may emit (specials are excluded). */
  readonly ordinaryIds: number;
  /** Seed of the model itself (not of sampling). */
  readonly seed: string;
  /** Preceding tokens hashed by the context component (default 2). */
  readonly contextOrder?: number;
  /** Size of the Zipfian background (default 2048). */
  readonly background?: number;
  /** Zipf exponent of the background (default 1.1). */
  readonly zipf?: number;
  /** Candidates per component (default 24). */
  readonly candidates?: number;
  /** Probability that a context is near-deterministic (default 0.5). */
  readonly determinism?: number;
}

/** The synthetic teacher (see the module notes). */
export interface SyntheticTeacher extends Teacher {
  /** Draws a prompt of `length` ids from the background's unigram distribution. */
  prompt(length: number, uniform: () => number): Uint32Array;
  /** Entropy in nats of the next-token distribution after `context` (temperature 1). */
  entropy(context: ArrayLike<number>): number;
}

/**
 * Builds the synthetic teacher.
 *
 * @param options - see {@link SyntheticOptions}
 * @returns the teacher
 * @throws RangeError for out-of-range options
 */
export function createSyntheticTeacher(options: SyntheticOptions): SyntheticTeacher {
  return new SyntheticLM(resolveOptions(options));
}

/** The validated options, with defaults. */
interface Shape {
  readonly V: number;
  readonly ordinary: number;
  readonly order: number;
  /** Size of the background. */
  readonly B: number;
  /** Zipf exponent. */
  readonly s: number;
  /** Candidates per component. */
  readonly K: number;
  readonly pDet: number;
  readonly seed: string;
}

function resolveOptions(options: SyntheticOptions): Shape {
  const V = options.vocabSize;
  const ordinary = options.ordinaryIds;
  const order = options.contextOrder ?? 2;
  const B = options.background ?? 2048;
  const s = options.zipf ?? 1.1;
  const K = options.candidates ?? 24;
  const pDet = options.determinism ?? 0.5;
  if (!Number.isInteger(V) || V < 2) throw new RangeError(`createSyntheticTeacher: "vocabSize" must be an integer >= 2, got ${V}`);
  if (!Number.isInteger(ordinary) || ordinary < 2 || ordinary > V) {
    throw new RangeError(`createSyntheticTeacher: "ordinaryIds" must be an integer in [2, vocabSize], got ${ordinary}`);
  }
  if (!Number.isInteger(order) || order < 1 || order > 8) throw new RangeError(`createSyntheticTeacher: "contextOrder" must be in 1..8, got ${order}`);
  if (!Number.isInteger(B) || B < 1 || B > ordinary) throw new RangeError(`createSyntheticTeacher: "background" must be in [1, ordinaryIds], got ${B}`);
  if (!Number.isInteger(K) || K < 1 || K > 4096) throw new RangeError(`createSyntheticTeacher: "candidates" must be in 1..4096, got ${K}`);
  if (!(pDet >= 0 && pDet <= 1)) throw new RangeError(`createSyntheticTeacher: "determinism" must be in [0, 1], got ${pDet}`);
  return { V, ordinary, order, B, s, K, pDet, seed: options.seed };
}

/** Frequency ranks: a seeded permutation of the ordinary ids (Fisher-Yates on a counter stream). */
function rankPermutation(ordinary: number, modelSeed: number): Int32Array {
  const rankToId = new Int32Array(ordinary);
  for (let i = 0; i < ordinary; i++) rankToId[i] = i;
  let ps = modelSeed;
  for (let i = ordinary - 1; i > 0; i--) {
    ps = (ps + 0x9e3779b9) | 0;
    const j = Math.floor((mix32(ps) / 2 ** 32) * (i + 1));
    const t = rankToId[i]!;
    rankToId[i] = rankToId[j]!;
    rankToId[j] = t;
  }
  return rankToId;
}

/** The CDF of Zipfian rank sampling over all ordinary ids (ranks weighted (1 + r)^-s). */
function zipfCdf(ordinary: number, s: number): Float64Array {
  const cdf = new Float64Array(ordinary);
  let acc = 0;
  for (let r = 0; r < ordinary; r++) {
    acc += Math.pow(1 + r, -s);
    cdf[r] = acc;
  }
  for (let r = 0; r < ordinary; r++) cdf[r] /= acc;
  return cdf;
}

/** The synthetic teacher (see the module notes); per-step work happens in preallocated scratch. */
class SyntheticLM implements SyntheticTeacher {
  readonly kind = 'synthetic';
  readonly description: string;
  readonly vocabSize: number;
  readonly endOfText: number | undefined = undefined;
  private readonly shape: Shape;
  private readonly modelSeed: number;
  private readonly rankToId: Int32Array;
  private readonly cdf: Float64Array;
  /** Background logits over the full width (`-Infinity` off the background). */
  private readonly base: Float32Array;
  private readonly baseZ: number;
  /** Σ w·l over the background, for the entropy. */
  private readonly baseEnt: number;
  /** Per-step scratch: the ids the components touched and their final logits. */
  private readonly touchedIds: Int32Array;
  private readonly touchedVals: Float64Array;
  private nTouched = 0;
  /** A small counter-based stream's state. */
  private streamState = 0;

  constructor(shape: Shape) {
    const { V, ordinary, order, B, s, K, pDet } = shape;
    this.shape = shape;
    this.vocabSize = V;
    this.description =
      `synthetic conditional LM over ${V} ids: Zipf(${s}) background of ${B} ids, ${K} bigram and ${K} ` +
      `${order + 1}-gram candidates per step, ${Math.round(pDet * 100)}% near-deterministic contexts`;
    this.modelSeed = hashString(`synthetic-teacher/${shape.seed}`);
    this.rankToId = rankPermutation(ordinary, this.modelSeed);
    this.cdf = zipfCdf(ordinary, s);
    const base = new Float32Array(V).fill(-Infinity);
    let baseZ = 0;
    let baseEnt = 0;
    for (let r = 0; r < B; r++) {
      const l = -s * Math.log(1 + r);
      base[this.rankToId[r]!] = l;
      baseZ += Math.exp(l);
      baseEnt += Math.exp(l) * l;
    }
    this.base = base;
    this.baseZ = baseZ;
    this.baseEnt = baseEnt;
    this.touchedIds = new Int32Array(2 * K);
    this.touchedVals = new Float64Array(2 * K);
  }

  logits(context: ArrayLike<number>, out: Float32Array): Float32Array {
    const V = this.vocabSize;
    if (out.length !== V) throw new RangeError(`synthetic teacher: "out" must have length ${V}, got ${out.length}`);
    out.set(this.base);
    this.components(context);
    for (let k = 0; k < this.nTouched; k++) out[this.touchedIds[k]!] = this.touchedVals[k]!;
    return out;
  }

  logProb(context: ArrayLike<number>, token: number): number {
    this.components(context);
    let l = this.base[token]!;
    for (let k = 0; k < this.nTouched; k++) if (this.touchedIds[k] === token) l = this.touchedVals[k]!;
    return l - this.logZ();
  }

  entropy(context: ArrayLike<number>): number {
    this.components(context);
    const lz = this.logZ();
    // H = log Z - E[l]; E[l]·Z = Σ e^l l over the background with the touched ids replaced.
    let s1 = this.baseEnt;
    for (let k = 0; k < this.nTouched; k++) {
      const b = this.base[this.touchedIds[k]!]!;
      if (b !== -Infinity) s1 -= Math.exp(b) * b;
      const v = this.touchedVals[k]!;
      s1 += Math.exp(v) * v;
    }
    return lz - s1 / Math.exp(lz);
  }

  prompt(length: number, uniform: () => number): Uint32Array {
    // The background's own distribution: rank r with weight (1 + r)^-s, r < B.
    const out = new Uint32Array(length);
    const top = this.cdf[this.shape.B - 1]!;
    for (let i = 0; i < length; i++) out[i] = this.rankToId[this.drawRank(uniform() * top)]!;
    return out;
  }

  /** Zipfian rank sampling by inverse CDF on the table. */
  private drawRank(u: number): number {
    return firstAbove(this.cdf, 0, this.shape.ordinary, u);
  }

  private hashContext(context: ArrayLike<number>, n: number, width: number, salt: number): number {
    let h = mix32(this.modelSeed ^ salt);
    for (let d = width; d >= 1; d--) {
      const j = n - d;
      const t = j >= 0 ? context[j]! + 1 : 0; // 0 stands for "before the start"
      h = mix32((h ^ t) + Math.imul(d, 0x9e3779b1));
    }
    return h;
  }

  private streamNext(): number {
    this.streamState = (this.streamState + 0x9e3779b9) | 0;
    return mix32(this.streamState) / 2 ** 32;
  }

  private touch(id: number, value: number): void {
    const { touchedIds, touchedVals } = this;
    const n = this.nTouched;
    for (let k = 0; k < n; k++) {
      if (touchedIds[k] === id) {
        const a = touchedVals[k]!;
        const m = Math.max(a, value);
        touchedVals[k] = m + Math.log(Math.exp(a - m) + Math.exp(value - m));
        return;
      }
    }
    touchedIds[n] = id;
    // The component adds to whatever mass the background gives the id.
    const b = this.base[id]!;
    if (b === -Infinity) touchedVals[n] = value;
    else {
      const m = Math.max(b, value);
      touchedVals[n] = m + Math.log(Math.exp(b - m) + Math.exp(value - m));
    }
    this.nTouched = n + 1;
  }

  /** Computes the components of the step after `context`; leaves them in the scratch. */
  private components(context: ArrayLike<number>): void {
    const { K, order, pDet } = this.shape;
    const rankToId = this.rankToId;
    const n = context.length;
    this.nTouched = 0;
    this.streamState = this.hashContext(context, n, 1, 0x51ed27);
    for (let i = 0; i < K; i++) this.touch(rankToId[this.drawRank(this.streamNext())]!, 3 - 0.8 * Math.log(1 + i));
    this.streamState = this.hashContext(context, n, order, 0x2545f4);
    const deterministic = this.streamNext() < pDet;
    const boost = deterministic ? 6 + 4 * this.streamNext() : 0;
    // The dominant candidate never repeats one of the last two tokens (no "the the the" loops).
    const last = n >= 1 ? context[n - 1]! : -1;
    const last2 = n >= 2 ? context[n - 2]! : -1;
    let first = rankToId[this.drawRank(this.streamNext())]!;
    while (first === last || first === last2) first = rankToId[this.drawRank(this.streamNext())]!;
    this.touch(first, 4.5 + boost);
    for (let i = 1; i < K; i++) this.touch(rankToId[this.drawRank(this.streamNext())]!, 4.5 - 0.8 * Math.log(1 + i));
  }

  /** log Z of the step whose components are in the scratch. */
  private logZ(): number {
    let z = this.baseZ;
    for (let k = 0; k < this.nTouched; k++) {
      const b = this.base[this.touchedIds[k]!]!;
      if (b !== -Infinity) z -= Math.exp(b);
      z += Math.exp(this.touchedVals[k]!);
    }
    return Math.log(z);
  }
}
