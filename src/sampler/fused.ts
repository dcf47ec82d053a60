import { RadiomarkError } from '../errors.js';
import type { GreenList } from '../scheme/green-list.js';
import { describe, nanError } from './validate.js';

/**
 * Sampling options of `sample`. The distribution is fixed by this order (see {@link FusedSampler}):
 * bias, divide by `temperature`, keep `topK`, keep `topP`, keep `minP`, softmax, draw with `random`.
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
   * Default: a CSPRNG-backed uniform with 53 random bits ({@link createUniform}).
   */
  readonly random?: () => number;
}

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
  if (!Number.isInteger(vocabSize) || vocabSize < 1) {
    throw new RangeError(`negligibleCut: "vocabSize" must be a positive integer, got ${vocabSize}`);
  }
  return Math.log(vocabSize) + NEGLIGIBLE_BITS * Math.LN2;
}

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
  /** Candidates hashed by the last call (a diagnostic for tests and benchmarks). */
  hashed = 0;
  /** Candidates left after the prefilter of the last call. */
  candidates = 0;

  private busy = false;
  private readonly vocabSize: number;
  private readonly delta: number;
  private readonly cut: number;
  private readonly greenList: GreenList;
  private cand: Int32Array = new Int32Array(0);
  private vals: Float64Array = new Float64Array(0);
  private heap: Int32Array = new Int32Array(0);
  private keep: Uint8Array = new Uint8Array(0);
  private rk: Float64Array = new Float64Array(0);

  constructor(greenList: GreenList, delta: number) {
    this.greenList = greenList;
    this.vocabSize = greenList.vocabSize;
    this.delta = delta;
    this.cut = negligibleCut(greenList.vocabSize);
  }

  /**
   * One draw. `seed` is the window's seed (or `null`: no bias at this step). The caller has checked
   * the logits' type and length; this checks the options, the draw and the logits' values.
   */
  sample(api: string, logits: Float32Array, seed: Uint32Array | null, seedOffset: number, options: SampleOptions | undefined, defaultRandom: () => number): number {
    if (this.busy) {
      throw new RadiomarkError('STATE', `${api}: called from inside a random() of the same watermark; a random source must not sample`);
    }
    this.busy = true;
    try {
      return this.run(api, logits, seed, seedOffset, options, defaultRandom);
    } finally {
      this.busy = false;
    }
  }

  private run(api: string, logits: Float32Array, seed: Uint32Array | null, seedOffset: number, options: SampleOptions | undefined, defaultRandom: () => number): number {
    // --- options (scalars only; no allocation)
    let T = 1;
    let k = 0;
    let p = 1;
    let minP = 0;
    let random = defaultRandom;
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        throw new TypeError(`${api}: options must be an object, got ${describe(options)}`);
      }
      const t = options.temperature;
      if (t !== undefined) {
        if (typeof t !== 'number') throw new TypeError(`${api}: "temperature" must be a number, got ${describe(t)}`);
        if (!(t >= 0 && t < Infinity)) throw new RangeError(`${api}: "temperature" must be finite and >= 0, got ${t}`);
        T = t;
      }
      const kk = options.topK;
      if (kk !== undefined) {
        if (typeof kk !== 'number') throw new TypeError(`${api}: "topK" must be a number, got ${describe(kk)}`);
        if (!Number.isInteger(kk) || kk < 1) throw new RangeError(`${api}: "topK" must be an integer >= 1, got ${kk}`);
        k = kk;
      }
      const pp = options.topP;
      if (pp !== undefined) {
        if (typeof pp !== 'number') throw new TypeError(`${api}: "topP" must be a number, got ${describe(pp)}`);
        if (!(pp > 0 && pp <= 1)) throw new RangeError(`${api}: "topP" must be in (0, 1], got ${pp}`);
        p = pp;
      }
      const mp = options.minP;
      if (mp !== undefined) {
        if (typeof mp !== 'number') throw new TypeError(`${api}: "minP" must be a number, got ${describe(mp)}`);
        if (!(mp >= 0 && mp < 1)) throw new RangeError(`${api}: "minP" must be in [0, 1), got ${mp}`);
        minP = mp;
      }
      const r = options.random;
      if (r !== undefined) {
        if (typeof r !== 'function') throw new TypeError(`${api}: "random" must be a function returning numbers in [0, 1), got ${describe(r)}`);
        random = r;
      }
    }
    const greedy = T === 0;
    // Draw first: a user `random` that re-enters the sampler cannot clobber this call's scratch.
    let u = 0;
    if (!greedy) {
      u = random();
      if (typeof u !== 'number' || !(u >= 0 && u < 1)) {
        throw new RangeError(`${api}: "random" must return a number in [0, 1), got ${typeof u === 'number' ? u : describe(u)}`);
      }
    }
    this.ensureScratch(k);

    const V = this.vocabSize;
    const biased = seed !== null && this.delta > 0;
    const d = biased ? this.delta : 0;
    const useK = !greedy && k > 0 && k < V;
    // How far below the largest raw logit (in logit units) a token may sit and still be kept.
    const span = greedy ? 0 : (p < 1 || minP === 0 ? this.cut : Math.min(this.cut, -Math.log(minP))) * T;
    const slackBase = d + span + T + 1;

    // --- pass 1: candidates (raw logit >= a running lower bound tau), max, k-th largest raw logit
    const cand = this.cand;
    const rk = this.rk;
    let c = 0;
    let hs = 0;
    let lmax = -Infinity;
    let tau = -Infinity;
    for (let i = 0; i < V; i++) {
      const v = logits[i]!;
      if (v < tau) continue;
      if (!(v > -Infinity)) {
        // eslint-disable-next-line no-self-compare
        if (v !== v) throw nanError(api, i);
        continue; // -Infinity: masked token
      }
      if (v === Infinity) throw new RangeError(`${api}: logits[${i}] is +Infinity; the distribution is undefined`);
      cand[c++] = i;
      let moved = false;
      if (v > lmax) {
        lmax = v;
        moved = true;
      }
      if (useK) {
        if (hs < k) {
          minHeapPush(rk, hs++, v);
          if (hs === k) moved = true;
        } else if (v > rk[0]!) {
          rk[0] = v;
          minHeapSiftDown(rk, 0, k);
          moved = true;
        }
      }
      if (moved) {
        // Both bounds are strictly increasing in their argument, so tau only grows: a token
        // skipped against an earlier tau also fails the final one.
        let t = lmax - d - span - (Math.abs(lmax) + slackBase) * SLACK;
        if (useK && hs === k) {
          const r = rk[0]!;
          const t2 = r - d - (Math.abs(r) + slackBase) * SLACK;
          if (t2 > t) t = t2;
        }
        tau = t;
      }
    }
    if (c === 0) throw new RangeError(`${api}: every logit is -Infinity; there is no token to sample`);

    // --- final filter, hash the survivors, biased logits in id order
    let n = 0;
    for (let j = 0; j < c; j++) {
      const id = cand[j]!;
      if (logits[id]! >= tau) cand[n++] = id;
    }
    const z = this.vals;
    const gl = this.greenList;
    const delta = this.delta;
    let zmax = -Infinity;
    let best = 0;
    if (biased) {
      const s = seed as Uint32Array;
      for (let j = 0; j < n; j++) {
        const id = cand[j]!;
        const v = logits[id]!;
        const zj = gl.isGreenSeeded(s, seedOffset, id) ? v + delta : v;
        z[j] = zj;
        if (zj > zmax) {
          zmax = zj;
          best = j;
        }
      }
    } else {
      for (let j = 0; j < n; j++) {
        const zj = logits[cand[j]!]!;
        z[j] = zj;
        if (zj > zmax) {
          zmax = zj;
          best = j;
        }
      }
    }
    this.candidates = n;
    this.hashed = biased ? n : 0;
    if (greedy) return cand[best]!;

    // --- top-k among candidates: (z desc, id asc)
    const keep = this.keep;
    const heap = this.heap;
    if (useK && n > k) {
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
    } else {
      keep.fill(1, 0, n);
    }

    // --- weights (overwrite z), negligible-mass rule
    const cut = this.cut;
    for (let j = 0; j < n; j++) {
      if (keep[j] === 0) continue;
      const e = (z[j]! - zmax) / T;
      if (e < -cut) keep[j] = 0;
      else z[j] = Math.exp(e);
    }

    // --- top-p: running sum in (w desc, id asc) order against topP · S
    if (p < 1) {
      let S = 0;
      let m = 0;
      for (let j = 0; j < n; j++) {
        if (keep[j] !== 0) {
          S += z[j]!;
          heap[m++] = j;
        }
      }
      for (let q = (m >> 1) - 1; q >= 0; q--) bestHeapSiftDown(heap, q, m, z);
      const target = p * S;
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

    // --- min-p: the largest weight is exactly 1
    if (minP > 0) {
      for (let j = 0; j < n; j++) if (keep[j] !== 0 && z[j]! < minP) keep[j] = 0;
    }

    // --- draw in id order
    let S2 = 0;
    for (let j = 0; j < n; j++) if (keep[j] !== 0) S2 += z[j]!;
    const target = u * S2;
    let cum = 0;
    let last = best;
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
    }
    if (k > this.rk.length && k < V) this.rk = new Float64Array(k);
  }
}

// --- heaps over typed arrays (module functions: no closures)

function minHeapPush(h: Float64Array, size: number, v: number): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const pv = h[parent]!;
    if (pv <= v) break;
    h[i] = pv;
    i = parent;
  }
  h[i] = v;
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
