/**
 * The slow reference path of `sample`: the definition in src/sampler/fused.ts executed literally
 * over the whole vocabulary, with plain arrays, full sorts and one public `isGreen` call per token.
 * It shares no code with the fused path except `negligibleCut`'s formula, which it recomputes.
 * Used by the exactness tests; never by the library.
 */
import type { Watermark } from '../src/sampler/watermark.js';

export interface ReferenceOptions {
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
}

/** The weights the reference keeps before the draw (for inspecting exactness). */
export interface ReferenceKept {
  /** Kept ids in id order. */
  ids: number[];
  /** Their weights `exp((z - zmax) / T)` (unnormalised), aligned with `ids`. */
  weights: number[];
}

/** Biased logits `z` over the whole vocabulary (float64), `context === null` meaning "no bias". */
export function referenceBiased(wm: Watermark, logits: Float32Array, context: ArrayLike<number> | null): number[] {
  const V = wm.config.vocabSize;
  const h = wm.config.contextWidth;
  const z: number[] = [];
  const biased = context !== null && context.length >= h;
  for (let i = 0; i < V; i++) {
    const l = logits[i]!;
    z.push(biased && wm.isGreen(context, i) ? l + wm.config.delta : l + 0);
  }
  return z;
}

/** The kept set and weights after top-k, the negligible-mass rule, top-p and min-p (not for T = 0). */
export function referenceKept(wm: Watermark, logits: Float32Array, context: ArrayLike<number> | null, opts: ReferenceOptions = {}): ReferenceKept {
  const V = wm.config.vocabSize;
  const T = opts.temperature ?? 1;
  const p = opts.topP ?? 1;
  const minP = opts.minP ?? 0;
  const cut = Math.log(V) + 53 * Math.LN2;
  const z = referenceBiased(wm, logits, context);
  const finite = [...Array(V).keys()].filter((i) => z[i]! > -Infinity);
  const ranked = [...finite].sort((a, b) => (z[b]! - z[a]!) || a - b);
  let K = opts.topK !== undefined ? ranked.slice(0, opts.topK) : ranked;
  const zmax = z[ranked[0]!]!;
  const w = new Map<number, number>();
  K = K.filter((i) => {
    const e = (z[i]! - zmax) / T;
    if (e < -cut) return false;
    w.set(i, Math.exp(e));
    return true;
  });
  K.sort((a, b) => a - b); // id order
  if (p < 1) {
    let S = 0;
    for (const i of K) S += w.get(i)!;
    const byProb = [...K].sort((a, b) => (w.get(b)! - w.get(a)!) || a - b);
    const target = p * S;
    const nucleus = new Set<number>();
    let cum = 0;
    for (const i of byProb) {
      nucleus.add(i);
      cum += w.get(i)!;
      if (cum >= target) break;
    }
    K = K.filter((i) => nucleus.has(i));
  }
  if (minP > 0) K = K.filter((i) => w.get(i)! >= minP);
  return { ids: K, weights: K.map((i) => w.get(i)!) };
}

/**
 * One reference draw. Consumes exactly one `random()` value unless `temperature` is 0, like the
 * fused path.
 */
export function referenceSample(
  wm: Watermark,
  logits: Float32Array,
  context: ArrayLike<number> | null,
  opts: ReferenceOptions,
  random: () => number,
): number {
  const T = opts.temperature ?? 1;
  if (T === 0) {
    const z = referenceBiased(wm, logits, context);
    let best = -1;
    for (let i = 0; i < z.length; i++) if (z[i]! > -Infinity && (best < 0 || z[i]! > z[best]!)) best = i;
    return best;
  }
  const u = random();
  const { ids, weights } = referenceKept(wm, logits, context, opts);
  let S = 0;
  for (const x of weights) S += x;
  const t = u * S;
  let cum = 0;
  for (let j = 0; j < ids.length; j++) {
    cum += weights[j]!;
    if (cum > t) return ids[j]!;
  }
  return ids[ids.length - 1]!;
}
