/**
 * Helpers of the detector suites: a seeded PRNG, fixed keys, and watermarked text produced with
 * the scheme directly (a KGW sampler over a uniform base distribution), without the sampler module.
 */
import { keyFromBytes, type KeyParams, type SecretKey } from '../src/key/index.js';
import type { GreenList } from '../src/scheme/index.js';

/** mulberry32: a small seeded PRNG (deterministic test data). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** `n` uniform token ids in [0, V). */
  tokens(n: number, V: number): number[] {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.int(V);
    return out;
  }
}

/** A fixed key from a one-byte pattern. */
export function testKey(byte: number, params: KeyParams = {}): SecretKey {
  return keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (byte * 31 + i * 7 + 1) & 255), params);
}

/**
 * Watermarked text: at each position with a full window, a token from the uniform distribution over
 * `[0, V)` with `delta` added to the green logits (so green with probability
 * `g e^delta / (g e^delta + 1 - g)`), drawn by choosing the colour then rejection-sampling a
 * uniform token of that colour with `isGreenSeeded`. The first `contextWidth` ids are uniform, or
 * continue `prefix` (the prompt) when given.
 */
export function watermarked(gl: GreenList, n: number, delta: number, rng: Rng, prefix: ArrayLike<number> = []): number[] {
  const h = gl.contextWidth;
  const V = gl.vocabSize;
  const g = gl.greenProbability;
  const pGreen = (g * Math.exp(delta)) / (g * Math.exp(delta) + 1 - g);
  const all = new Uint32Array(prefix.length + n);
  for (let i = 0; i < prefix.length; i++) all[i] = prefix[i]!;
  const seed = new Uint32Array(3);
  for (let i = prefix.length; i < all.length; i++) {
    if (i < h) {
      all[i] = rng.int(V);
      continue;
    }
    gl.seedWindow(all, i, seed, 0);
    const wantGreen = rng.next() < pGreen;
    let t: number;
    do t = rng.int(V);
    while (gl.isGreenSeeded(seed, 0, t) !== wantGreen);
    all[i] = t;
  }
  return Array.from(all.subarray(prefix.length));
}

/** Clopper-Pearson interval by bisection on the exact binomial CDF (independent of src/stats). */
export function clopperPearson(k: number, n: number, confidence: number): [number, number] {
  const a = 1 - confidence;
  const logChoose = (nn: number, kk: number): number => lgamma(nn + 1) - lgamma(kk + 1) - lgamma(nn - kk + 1);
  const cdf = (x: number, p: number): number => {
    let s = 0;
    for (let i = 0; i <= x; i++) s += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
    return s;
  };
  const solve = (f: (p: number) => number, target: number): number => {
    let lo = 0, hi = 1;
    for (let it = 0; it < 100; it++) {
      const mid = (lo + hi) / 2;
      if (f(mid) > target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = k === 0 ? 0 : solve((p) => 1 - cdf(k - 1, p) < a / 2 ? 1 : 0, 0.5);
  const upper = k === n ? 1 : solve((p) => (cdf(k, p) > a / 2 ? 1 : 0), 0.5);
  return [lower, upper];
}

/** log Gamma by Lanczos (g = 7), for the independent Clopper-Pearson above. */
function lgamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Exact P(Bin(n, p) >= k) by direct summation (small n only; independent of src/stats). */
export function exactTail(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = k; i <= n; i++) s += Math.exp(lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, s);
}
