import { RadiomarkError } from '../errors.js';
import type { GreenList } from '../scheme/green-list.js';
import { checkInteger, describe, rangeError, typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';
import { nanError } from './validate.js';
import type { createUniform } from './random.js';

/**
 * Sampling options of `sample`. The distribution is fixed by this order (see {@link FusedSampler}):
 * bias, divide by `temperature`, keep `topK`, keep `topP`, keep `minP`, softmax, draw with `random`.
 *
 * Allocation: `sample` allocates nothing per call when the options objects it sees share one shape
 * (same keys in the same order; `undefined` values are fine) and `random` is the default. Reading a
 * non-integer from objects of many different shapes makes V8 box it (16 bytes per read), and a
 * user `random` returning a non-integer may too: build one options object per request, always with
 * the same keys.
 */
export interface SampleOptions {
  /** Softmax temperature, finite and >= 0 (default 1). `0` is greedy: see the warning on `sample`. */
  readonly temperature?: number;
  /** Keep the `topK` largest biased logits (integer >= 1; default: no limit). Ties: lower id first. */
  readonly topK?: number;
  /**
   * Nucleus: keep the smallest set, in order of probability (ties: lower id first), whose
   * probability reaches `topP`; in (0, 1], default 1 (the step is skipped at 1).
   */
  readonly topP?: number;
  /** Keep tokens whose probability is at least `minP` times the largest kept one; in [0, 1), default 0. */
  readonly minP?: number;
  /**
   * Uniform source in [0, 1), called exactly once per non-greedy draw and never for greedy ones.
   * Default: CSPRNG-backed 53-bit uniforms (`crypto.getRandomValues`, 2048 draws per refill of a
   * buffer owned by the watermark; the same construction as {@link createUniform}). The default
   * allocates nothing per draw; in V8 a user function returning a non-integer may allocate a
   * 16-byte heap number per call.
   */
  readonly random?: () => number;
}

const RANDOM_WORDS = 4096;
const TWO_POW_M53 = 1 / 9007199254740992;

// Slots of FusedSampler.f.
const F_T = 0;
const F_P = 1;
const F_MINP = 2;
const F_U = 3;
const F_ZMAX = 4;
/** Scratch slot for {@link FusedSampler.computeSpan}'s result (a returned double would be boxed). */
const F_SPAN = 5;
/** Scratch slots of the top-k prefilter (doubles passed to or returned from a call are boxed). */
const F_LMAX = 6;
const F_ZLO = 7;
const F_TAU = 8;
const F_BK = 9;

/** Bits of float64 resolution the negligible-mass rule is built on. */
export const NEGLIGIBLE_BITS = 53;

/**
 * The negligible-mass cutoff of the sampler, in natural-log units: a token whose log-weight
 * relative to the largest, `(z_i - z_max) / temperature`, is below `-negligibleCut(V)` gets weight
 * exactly 0. All such tokens together carry less than `V · e^{-cut} = 2^-53` of the largest
 * token's weight, i.e. less than float64 resolution of the normaliser, so dropping them changes
 * every probability by a relative amount below 2^-53. It is part of the sampler's definition (the
 * reference implementation applies it too), which is what lets the fused path skip those tokens
 * without hashing them and still agree draw for draw.
 *
 * @param vocabSize - the vocabulary size V (>= 1)
 * @returns `ln(V) + 53 · ln 2`
 * @throws RangeError when `vocabSize` is not a positive integer
 * @example
 * ```ts
 * negligibleCut(128256); // 48.50...
 * ```
 */
export function negligibleCut(vocabSize: number): number {
  checkInteger('negligibleCut', 'vocabSize', vocabSize, 1);
  return Math.log(vocabSize) + NEGLIGIBLE_BITS * Math.LN2;
}

/** Top-p subset thresholds (weights relative to the largest, which is 1): 2^-10, 2^-20, ... then 0. */
const FIRST_THRESHOLD = 2 ** -10;
const LAST_THRESHOLD = 2 ** -40;
/** A subset must exceed topP · S by this fraction of S: far above any summation-order difference (< 2^-28 · S). */
const SUBSET_MARGIN = 2 ** -20;

/** Relative slack of the pruning bounds: far above float64 rounding (2^-53), far below anything that matters. */
const SLACK = 2 ** -24;

/**
 * @internal The fused sampler: bias, temperature, top-k, top-p, min-p, softmax and the draw in
 * one pass over the logits plus work proportional to the candidates.
 *
 * Definition (the reference path in test/reference-sampler.ts implements it literally over all V):
 * 1. `z_i = l_i + delta` for green `i`, `l_i` otherwise (float64; `-Infinity` stays `-Infinity`).
 * 2. temperature 0: return the smallest `i` maximising `z_i` (no random draw).
 * 3. K = the `topK` largest `z` (ties: lower id first); all finite ones without `topK`.
 * 4. `e_i = (z_i - z_max) / T` for `i` in K; `i` is dropped when `e_i < -negligibleCut(V)`;
 *    `w_i = exp(e_i)` (the largest weight is exactly 1).
 * 5. `topP < 1`: `S = Σ w_i` over K in id order; walk K sorted by `(w desc, id asc)` summing `w`,
 *    keep up to and including the first token at which the running sum is `>= topP · S`.
 * 6. `minP > 0`: keep `i` with `w_i >= minP`.
 * 7. `S' = Σ w_i` over the kept set in id order, `t = u · S'` with `u = random()`; return the first
 *    kept id (in id order) at which the running sum exceeds `t`, or the last kept id.
 *
 * What the fused path skips: one pass finds the largest raw logit and (with `topK`) a lower bound
 * on the k-th largest biased logit; a token whose raw logit plus `delta` is below either bound (by
 * a relative slack of 2^-24 that absorbs rounding) provably cannot be kept, so it is neither hashed
 * nor touched again. Steps 3-7 then run on the candidates with the same float64 expressions in the
 * same order as the definition, so the result is bitwise the same token for every `u`.
 */
export class FusedSampler {
  /** Token ids hashed by the last call (a diagnostic for tests and benchmarks). */
  hashed = 0;
  /** Candidates left after the prefilter of the last call. */
  candidates = 0;

  private readonly vocabSize: number;
  private readonly delta: number;
  private readonly cut: number;
  /** The green list of the current call (a watermark's members share one sampler and its scratch). */
  private greenList: GreenList | null = null;
  private busy = false;
  /** CSPRNG words for the default source (see {@link createUniform}: same construction). */
  private readonly rbuf = new Uint32Array(RANDOM_WORDS);
  private rpos = RANDOM_WORDS;
  // Scratch, sized on first use; nothing in it survives a call.
  private cand: Int32Array = new Int32Array(0);
  private vals: Float64Array = new Float64Array(0);
  private heap: Int32Array = new Int32Array(0);
  private keep: Uint8Array = new Uint8Array(0);
  private mask: Float32Array = new Float32Array(0);
  private topV: Float64Array = new Float64Array(0);
  private topI: Int32Array = new Int32Array(0);
  private kz: Float64Array = new Float64Array(0);
  // Per-call values shared by the phases below (separate small methods, each optimised on its
  // own). Doubles live in a Float64Array: a double stored in an object field is boxed (a heap
  // number per store in V8), a typed-array element is not.
  private readonly f = new Float64Array(10);
  private k = 0;
  private best = 0;
  /** Whether the prefilter already wrote the candidates' biased logits to `vals`. */
  private zReady = false;
  /** Green flags of the prefilter's top tokens (one batched hash call). */
  private topG: Uint8Array = new Uint8Array(0);
  /** Biased logits of the prefilter's top tokens. */
  private topZ: Float64Array = new Float64Array(0);

  constructor(vocabSize: number, delta: number) {
    this.vocabSize = vocabSize;
    this.delta = delta;
    this.cut = negligibleCut(vocabSize);
  }

  /**
   * One draw. `greenList` is the key's (its `vocabSize` is this sampler's); `seed` is the window's
   * seed (or `null`: no bias at this step). The caller has checked the logits' type and length;
   * this checks the options, the draw and the logits' values.
   */
  sample(api: string, greenList: GreenList, logits: Float32Array, seed: Uint32Array | null, seedOffset: number, options: SampleOptions | undefined): number {
    if (this.busy) {
      throw new RadiomarkError('STATE', `${api}: called from inside a random() of the same watermark; a random source must not sample`, { api, field: 'random' });
    }
    this.busy = true;
    this.greenList = greenList;
    try {
      return this.run(api, logits, seed, seedOffset, options);
    } finally {
      this.busy = false;
      this.greenList = null;
    }
  }

  private run(api: string, logits: Float32Array, seed: Uint32Array | null, seedOffset: number, options: SampleOptions | undefined): number {
    const random = this.readOptions(api, options);
    const greedy = this.f[F_T] === 0;
    // Draw first: a user `random` that re-enters the sampler is refused before scratch is used.
    if (!greedy) this.drawUniform(api, random);
    const V = this.vocabSize;
    const k = this.k;
    this.ensureScratch(k);
    const biased = seed !== null && this.delta > 0;
    const useK = !greedy && k > 0 && k < V;
    this.zReady = false;
    const n = useK ? this.collectTopK(api, logits, seed, seedOffset, biased) : this.collectAll(api, logits, biased);
    this.candidates = n;
    if (!useK) this.hashed = biased ? (n > V >> 1 ? V : n) : 0;
    if (this.zReady) this.scanMax(n);
    else this.biasCandidates(logits, seed, seedOffset, n, biased);
    if (greedy) return this.cand[this.best]!;
    if (useK && n > k) this.selectTopK(n);
    else this.keep.fill(1, 0, n);
    this.weigh(n);
    if (this.f[F_P]! < 1) this.nucleus(n);
    if (this.f[F_MINP]! > 0) this.dropBelowMinP(n);
    return this.draw(n);
  }

  /** Validates the options into fields; returns the user's `random`, if any. */
  private readOptions(api: string, options: SampleOptions | undefined): (() => number) | undefined {
    const f = this.f;
    f[F_T] = 1;
    this.k = 0;
    f[F_P] = 1;
    f[F_MINP] = 0;
    if (options === undefined) return undefined;
    if (options === null || typeof options !== 'object') {
      throw typeError(api, 'options', 'an object', options);
    }
    const t = options.temperature;
    if (t !== undefined) {
      if (typeof t !== 'number') throw typeError(api, 'temperature', 'a number', t);
      if (!(t >= 0 && t < Infinity)) throw rangeError(api, 'temperature', 'finite and >= 0', t);
      f[F_T] = t;
    }
    const kk = options.topK;
    if (kk !== undefined) {
      if (typeof kk !== 'number') throw typeError(api, 'topK', 'a number', kk);
      if (!Number.isInteger(kk) || kk < 1) throw rangeError(api, 'topK', 'an integer >= 1', kk);
      this.k = kk;
    }
    const pp = options.topP;
    if (pp !== undefined) {
      if (typeof pp !== 'number') throw typeError(api, 'topP', 'a number', pp);
      if (!(pp > 0 && pp <= 1)) throw rangeError(api, 'topP', 'in (0, 1]', pp);
      f[F_P] = pp;
    }
    const mp = options.minP;
    if (mp !== undefined) {
      if (typeof mp !== 'number') throw typeError(api, 'minP', 'a number', mp);
      if (!(mp >= 0 && mp < 1)) throw rangeError(api, 'minP', 'in [0, 1)', mp);
      f[F_MINP] = mp;
    }
    const r = options.random;
    if (r !== undefined && typeof r !== 'function') {
      throw typeError(api, 'random', 'a function returning numbers in [0, 1)', r);
    }
    return r;
  }

  /** Sets `this.u`: one draw from the user's source, or from the inlined CSPRNG buffer. */
  private drawUniform(api: string, random: (() => number) | undefined): void {
    if (random === undefined) {
      // A function's double result would be boxed (a heap number per draw in V8); this is not.
      let pos = this.rpos;
      if (pos === RANDOM_WORDS) {
        globalThis.crypto.getRandomValues(this.rbuf);
        pos = 0;
      }
      this.f[F_U] = ((this.rbuf[pos]! >>> 5) * 67108864 + (this.rbuf[pos + 1]! >>> 6)) * TWO_POW_M53;
      this.rpos = pos + 2;
      return;
    }
    const u = random();
    if (typeof u !== 'number' || !(u >= 0 && u < 1)) {
      throw new RadiomarkRangeError(`${api}: "random" must return a number in [0, 1), got ${describe(u)}`, { api, field: 'random' });
    }
    this.f[F_U] = u;
  }

  /**
   * How far below the largest biased logit (in logit units) a token may sit and still be kept:
   * the negligible-mass cut, or min-p's when that is tighter and no top-p step needs the tail.
   * Written to `f[F_SPAN]`: a double returned from a call V8 does not inline is a 16-byte heap
   * number, and this runs once per sampled token (test/alloc.test.ts).
   */
  private computeSpan(): void {
    const f = this.f;
    const T = f[F_T]!;
    if (T === 0) {
      f[F_SPAN] = 0;
      return;
    }
    const c = f[F_P]! < 1 || f[F_MINP]! === 0 ? this.cut : Math.min(this.cut, -Math.log(f[F_MINP]!));
    f[F_SPAN] = c * T;
  }

  /**
   * Top-k prefilter. Pass 1 finds the largest raw logit and the m = 4k + 8 largest raw logits
   * with their ids (NaN and +Infinity are caught on the rare "new maximum" branch: NaN fails every
   * comparison, so it always takes it). Hashing those m gives lower bounds from real tokens:
   * `zlo` <= the largest biased logit and `bk` <= the k-th largest (about gamma * m of them are
   * green, which lifts `bk` by up to delta over the k-th raw logit). A token whose raw logit plus
   * delta is below either bound is provably dropped. Writes the candidates, in id order, to `cand`.
   */
  private collectTopK(api: string, logits: Float32Array, seed: Uint32Array | null, seedOffset: number, biased: boolean): number {
    const V = this.vocabSize;
    const k = this.k;
    const d = biased ? this.delta : 0;
    this.computeSpan();
    const span = this.f[F_SPAN]!;
    const slackBase = d + span + this.f[F_T]! + 1;
    const topV = this.topV;
    const topI = this.topI;
    const m = Math.min(V, 4 * k + 8);
    topV.fill(-Infinity, 0, m);
    topI.fill(-1, 0, m);
    let lmax = -Infinity;
    let r0 = -Infinity;
    for (let i = 0; i < V; i++) {
      const v = logits[i]!;
      if (!(v <= lmax)) {
        // eslint-disable-next-line no-self-compare
        if (v !== v) throw nanError(api, i);
        if (v === Infinity) throw infError(api, i);
        lmax = v;
      }
      if (v > r0) {
        topV[0] = v;
        topI[0] = i;
        pairHeapSiftDown(topV, topI, m);
        r0 = topV[0]!;
      }
    }
    if (lmax === -Infinity) throw allMaskedError(api);
    this.f[F_LMAX] = lmax;
    this.hashTop(seed, seedOffset, m, biased);
    const zlo = this.f[F_ZLO]!;
    let tau = zlo - d - span - (Math.abs(zlo) + slackBase) * SLACK;
    const bk = this.kz[0]!;
    if (bk > -Infinity) {
      const t2 = bk - d - (Math.abs(bk) + slackBase) * SLACK;
      if (t2 > tau) tau = t2;
    }
    const cand = this.cand;
    let n = 0;
    if (tau > r0) {
      // Every token at or above tau is above the smallest of the m kept (a token above the final
      // root was never evicted), so the candidates are all in the heap, already hashed: no second
      // pass, and their biased logits go along.
      const z = this.vals;
      const topZ = this.topZ;
      // With exactly k of them at or above bk (no tie straddling the k-th place), they are the
      // top k whatever the order: keep only those, so that just k are sorted into id order.
      this.f[F_TAU] = tau;
      this.f[F_BK] = bk;
      const cut = this.exactlyKAtOrAbove(m) ? bk : tau;
      const byZ = cut === bk;
      for (let q = 0; q < m; q++) {
        if (byZ ? topZ[q]! >= cut : topV[q]! >= cut) {
          cand[n] = topI[q]!;
          z[n++] = topZ[q]!;
        }
      }
      sortPairs(cand, z, n);
      this.zReady = true;
      this.hashed = biased ? m : 0;
    } else {
      // Pass 2 (-Infinity never passes: tau is finite).
      for (let i = 0; i < V; i++) {
        cand[n] = i;
        n += logits[i]! >= tau ? 1 : 0;
      }
      this.hashed = biased ? m + (n > V >> 1 ? V : n) : 0;
    }
    return n;
  }

  /**
   * Hashes the prefilter's m top tokens in one batched call (when biased) into `topZ` (their
   * biased logits) and the k-th largest of those into `kz[0]`; writes the largest, a lower bound
   * on the largest biased logit (at least `f[F_LMAX]`), to `f[F_ZLO]`.
   */
  private hashTop(seed: Uint32Array | null, seedOffset: number, m: number, biased: boolean): void {
    const k = this.k;
    const topV = this.topV;
    const topZ = this.topZ;
    const g = this.topG;
    const delta = this.delta;
    if (biased) this.greenList!.greenOf(seed as Uint32Array, seedOffset, this.topI, m, g);
    const kz = this.kz;
    kz.fill(-Infinity, 0, k);
    let zlo = this.f[F_LMAX]!;
    for (let q = 0; q < m; q++) {
      const v = topV[q]!;
      // g is exactly 0 or 1 (0 for the unfilled slots, whose v is -Infinity): v + 1 * delta ===
      // v + delta and v + 0 * delta === v + 0, the definition's values.
      const zq = biased ? v + g[q]! * delta : v;
      topZ[q] = zq;
      if (zq > zlo) zlo = zq;
      if (zq > kz[0]!) {
        kz[0] = zq;
        minHeapSiftDown(kz, 0, k);
      }
    }
    this.f[F_ZLO] = zlo;
  }

  /** Sets `zmax` and `best` (the first position holding it) over the biased logits in `vals`. */
  private scanMax(n: number): void {
    const z = this.vals;
    let zmax = -Infinity;
    let best = 0;
    for (let j = 0; j < n; j++) {
      const zj = z[j]!;
      if (zj > zmax) {
        zmax = zj;
        best = j;
      }
    }
    this.f[F_ZMAX] = zmax;
    this.best = best;
  }

  /**
   * Whether exactly k of the m hashed tokens have a biased logit at or above `bk` (their k-th
   * largest, `f[F_BK]`), all of them candidates (raw logit at or above `tau`, `f[F_TAU]`). Then those k are the top k by
   * (z desc, id asc) among all candidates, whatever the ids: fewer than k lie above bk and no
   * other token ties it, and every token outside the m has z < bk (its raw logit is below tau).
   */
  private exactlyKAtOrAbove(m: number): boolean {
    const tau = this.f[F_TAU]!;
    const bk = this.f[F_BK]!;
    if (!(bk > -Infinity)) return false;
    const topZ = this.topZ;
    const topV = this.topV;
    let c = 0;
    for (let q = 0; q < m; q++) {
      if (topZ[q]! >= bk) {
        if (topV[q]! < tau) return false;
        c++;
      }
    }
    return c === this.k;
  }

  /**
   * No top-k: one pass with a running bound from the running maximum. The bound only grows with
   * the maximum, so a token skipped against an earlier bound also fails the final one.
   */
  private collectAll(api: string, logits: Float32Array, biased: boolean): number {
    const V = this.vocabSize;
    const d = biased ? this.delta : 0;
    this.computeSpan();
    const span = this.f[F_SPAN]!;
    const slackBase = d + span + this.f[F_T]! + 1;
    const cand = this.cand;
    let lmax = -Infinity;
    let tau = -Infinity;
    let c = 0;
    for (let i = 0; i < V; i++) {
      const v = logits[i]!;
      if (v < tau) continue;
      if (!(v > -Infinity)) {
        // eslint-disable-next-line no-self-compare
        if (v !== v) throw nanError(api, i);
        continue; // -Infinity: a masked token
      }
      if (v === Infinity) throw infError(api, i);
      cand[c++] = i;
      if (v > lmax) {
        lmax = v;
        tau = lmax - d - span - (Math.abs(lmax) + slackBase) * SLACK;
      }
    }
    if (c === 0) throw allMaskedError(api);
    let n = 0;
    for (let j = 0; j < c; j++) {
      const id = cand[j]!;
      if (logits[id]! >= tau) cand[n++] = id;
    }
    return n;
  }

  /**
   * Biased logits of the candidates, in id order, into `vals`; sets `zmax` and `best` (the first
   * position holding it) with {@link FusedSampler.scanMax}. When more than half the vocabulary is
   * a candidate (no truncation at T ~ 1), one branch-free green-mask pass over all of it (addGreen
   * of 1 on zeros) costs less than one call per candidate.
   */
  private biasCandidates(logits: Float32Array, seed: Uint32Array | null, seedOffset: number, n: number, biased: boolean): void {
    const cand = this.cand;
    const z = this.vals;
    const delta = this.delta;
    if (biased && n > this.vocabSize >> 1) {
      const mask = this.mask;
      mask.fill(0);
      this.greenList!.addGreen(seed as Uint32Array, seedOffset, mask, 0, 1);
      // mask is exactly 0 or 1: v + 1 * delta === v + delta, and v + 0 * delta === v + 0.
      for (let j = 0; j < n; j++) z[j] = logits[cand[j]!]! + mask[cand[j]!]! * delta;
    } else if (biased) {
      const gl = this.greenList!;
      const s = seed as Uint32Array;
      for (let j = 0; j < n; j++) {
        const v = logits[cand[j]!]!;
        z[j] = gl.isGreenSeeded(s, seedOffset, cand[j]!) ? v + delta : v;
      }
    } else {
      for (let j = 0; j < n; j++) z[j] = logits[cand[j]!]!;
    }
    this.scanMax(n);
  }

  /** keep[j] = 1 for the k best candidates by (z desc, id asc), 0 otherwise. */
  private selectTopK(n: number): void {
    const k = this.k;
    const z = this.vals;
    const keep = this.keep;
    const heap = this.heap;
    keep.fill(0, 0, n);
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (size < k) {
        worstHeapPush(heap, size++, j, z);
      } else if (ranksAbove(z, j, heap[0]!)) {
        heap[0] = j;
        worstHeapSiftDown(heap, 0, k, z);
      }
    }
    for (let q = 0; q < k; q++) keep[heap[q]!] = 1;
  }

  /** Weights `exp((z - zmax) / T)` over the kept candidates (in place of z); the negligible-mass rule. */
  private weigh(n: number): void {
    const z = this.vals;
    const keep = this.keep;
    const zmax = this.f[F_ZMAX]!;
    const T = this.f[F_T]!;
    const cut = this.cut;
    for (let j = 0; j < n; j++) {
      if (keep[j] === 0) continue;
      const e = (z[j]! - zmax) / T;
      if (e < -cut) keep[j] = 0;
      else z[j] = Math.exp(e);
    }
  }

  /**
   * Top-p: running sum in (w desc, id asc) order against topP · S. The walk only needs the
   * heaviest tokens: with thr such that the tokens of weight >= thr carry more than topP · S (with
   * a 2^-20 · S margin for summation order), those tokens are exactly the first ones of the full
   * order and the walk stops among them; only they are heapified.
   */
  private nucleus(n: number): void {
    const z = this.vals;
    const keep = this.keep;
    const heap = this.heap;
    let S = 0;
    for (let j = 0; j < n; j++) if (keep[j] !== 0) S += z[j]!;
    const target = this.f[F_P]! * S;
    const enough = target + S * SUBSET_MARGIN;
    let thr = FIRST_THRESHOLD;
    let m = 0;
    for (;;) {
      m = 0;
      let sub = 0;
      for (let j = 0; j < n; j++) {
        if (keep[j] !== 0 && z[j]! >= thr) {
          heap[m++] = j;
          sub += z[j]!;
        }
      }
      if (sub >= enough || thr === 0) break;
      thr = thr > LAST_THRESHOLD ? thr * FIRST_THRESHOLD : 0;
    }
    for (let q = (m >> 1) - 1; q >= 0; q--) bestHeapSiftDown(heap, q, m, z);
    let cum = 0;
    while (m > 0) {
      const j = heap[0]!;
      keep[j] = 2;
      cum += z[j]!;
      if (cum >= target) break;
      heap[0] = heap[--m]!;
      bestHeapSiftDown(heap, 0, m, z);
    }
    for (let j = 0; j < n; j++) keep[j] = keep[j] === 2 ? 1 : 0;
  }

  /** Min-p: the largest weight is exactly 1, so "w >= minP · max" is "w >= minP". */
  private dropBelowMinP(n: number): void {
    const z = this.vals;
    const keep = this.keep;
    const minP = this.f[F_MINP]!;
    for (let j = 0; j < n; j++) if (keep[j] !== 0 && z[j]! < minP) keep[j] = 0;
  }

  /** The draw, in id order over the kept candidates. */
  private draw(n: number): number {
    const z = this.vals;
    const keep = this.keep;
    const cand = this.cand;
    let S = 0;
    for (let j = 0; j < n; j++) if (keep[j] !== 0) S += z[j]!;
    const target = this.f[F_U]! * S;
    let cum = 0;
    let last = this.best;
    for (let j = 0; j < n; j++) {
      if (keep[j] === 0) continue;
      cum += z[j]!;
      last = j;
      if (cum > target) return cand[j]!;
    }
    return cand[last]!;
  }

  private ensureScratch(k: number): void {
    const V = this.vocabSize;
    if (this.cand.length !== V) {
      this.cand = new Int32Array(V);
      this.vals = new Float64Array(V);
      this.heap = new Int32Array(V);
      this.keep = new Uint8Array(V);
      this.mask = new Float32Array(V);
    }
    if (k > this.kz.length && k < V) {
      const m = Math.min(V, 4 * k + 8);
      this.kz = new Float64Array(k);
      this.topV = new Float64Array(m);
      this.topI = new Int32Array(m);
      this.topZ = new Float64Array(m);
      this.topG = new Uint8Array(m);
    }
  }
}

// --- heaps over typed arrays (module functions: no closures)

function allMaskedError(api: string): RadiomarkRangeError {
  return new RadiomarkRangeError(`${api}: every logit is -Infinity; there is no token to sample`, { api, field: 'logits' });
}

function infError(api: string, i: number): RadiomarkRangeError {
  return new RadiomarkRangeError(`${api}: logits[${i}] is +Infinity; the distribution is undefined`, { api, field: `logits[${i}]` });
}

const GAPS = new Int32Array([8929, 3905, 1750, 701, 301, 132, 57, 23, 10, 4, 1]);

/** Sorts `a[0 .. n)` ascending in place, moving `b[j]` along with `a[j]` (Shell sort, Ciura gaps; no allocation). */
function sortPairs(a: Int32Array, b: Float64Array, n: number): void {
  for (let g = 0; g < GAPS.length; g++) {
    const gap = GAPS[g]!;
    if (gap >= n) continue;
    for (let i = gap; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      let j = i;
      while (j >= gap && a[j - gap]! > x) {
        a[j] = a[j - gap]!;
        b[j] = b[j - gap]!;
        j -= gap;
      }
      a[j] = x;
      b[j] = y;
    }
  }
}

/** Sifts the root of a min-heap of (value, id) pairs keyed by value. */
function pairHeapSiftDown(hv: Float64Array, hi: Int32Array, size: number): void {
  const v = hv[0]!;
  const id = hi[0]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && hv[child + 1]! < hv[child]!) child++;
    if (hv[child]! >= v) break;
    hv[i] = hv[child]!;
    hi[i] = hi[child]!;
    i = child;
  }
  hv[i] = v;
  hi[i] = id;
}

function minHeapSiftDown(h: Float64Array, i: number, size: number): void {
  const v = h[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && h[child + 1]! < h[child]!) child++;
    if (h[child]! >= v) break;
    h[i] = h[child]!;
    i = child;
  }
  h[i] = v;
}

/** Whether position `a` ranks above `b`: larger value, or equal value and lower position (id). */
function ranksAbove(z: Float64Array, a: number, b: number): boolean {
  const za = z[a]!;
  const zb = z[b]!;
  return za > zb || (za === zb && a < b);
}

/** Heap whose root is the lowest-ranked position (for keeping the best k). */
function worstHeapPush(h: Int32Array, size: number, j: number, z: Float64Array): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pj = h[parent]!;
    if (!ranksAbove(z, pj, j)) break;
    h[i] = pj;
    i = parent;
  }
  h[i] = j;
}

function worstHeapSiftDown(h: Int32Array, i: number, size: number, z: Float64Array): void {
  const j = h[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && ranksAbove(z, h[child]!, h[child + 1]!)) child++;
    if (!ranksAbove(z, j, h[child]!)) break;
    h[i] = h[child]!;
    i = child;
  }
  h[i] = j;
}

/** Heap whose root is the highest-ranked position (for walking in rank order). */
function bestHeapSiftDown(h: Int32Array, i: number, size: number, z: Float64Array): void {
  const j = h[i]!;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && ranksAbove(z, h[child + 1]!, h[child]!)) child++;
    if (!ranksAbove(z, h[child]!, j)) break;
    h[i] = h[child]!;
    i = child;
  }
  h[i] = j;
}
