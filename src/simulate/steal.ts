/**
 * The distiller's estimate of the green lists, by frequency analysis of its harvest against a clean
 * reference model of its own (Pan et al., ACL 2025, "watermark neutralization"; Jovanovic et al.,
 * ICML 2024, "watermark stealing"). The attacker knows the scheme's context width `h` (it is in
 * every paper) but never the key. It counts how often each (window, token) pair occurs in the
 * teacher's answers, compares that with what its reference model expects after the same window,
 * and labels green the pairs that are over-represented.
 *
 * The reference is the distiller's own model before distillation (trained on its clean text). In
 * the domain-split world it does not know the teacher's private domain, so knowledge the teacher
 * has and the distiller lacks is also "over-represented": removing it removes what the distiller
 * paid for. That confusion is the real attacker's problem too.
 */

import type { NGramModel } from './ngram.js';

/** Thresholds of the estimate. */
export interface EstimatorOptions {
  /** Prefix-frequency cut: only windows seen at least this many times in the harvest are labelled. */
  readonly minWindow: number;
  /** Only pairs seen at least this many times are labelled. */
  readonly minPair: number;
  /** Label a pair when its count is at least `ratio` times `c(window) · P_ref(token | window)`. */
  readonly ratio: number;
}

/**
 * The default estimate, fixed before any attack was run: windows seen at least 3 times (Pan et
 * al. estimate on frequent prefixes), pairs at least twice, and at least 1.5 times their expected
 * count (the thresholds of docs/RESULTS.md section 7, pair count relaxed from 3 to 2).
 */
export const DEFAULT_ESTIMATOR: EstimatorOptions = Object.freeze({ minWindow: 3, minPair: 2, ratio: 1.5 });

/** Floor of the reference probability in the expected count (a type the reference never saw). */
const REFERENCE_FLOOR = 1e-7;

/**
 * Numeric key of the window `seq[end - h .. end)` (h <= 2, ids below 2^26) or a string key.
 * @param seq - the sequence
 * @param end - position the window precedes
 * @param h - the context width
 * @returns a key equal for equal windows
 */
export function windowKey(seq: ArrayLike<number>, end: number, h: number): number | string {
  if (h === 0) return 0;
  if (h === 1) return seq[end - 1]!;
  if (h === 2) return seq[end - 2]! * 67_108_864 + seq[end - 1]!;
  let k = '';
  for (let j = end - h; j < end; j++) k += `${seq[j]},`;
  return k;
}

/** The pairs a distiller labels green: for each window, the labelled tokens. */
export class GreenLabels {
  private readonly byWindow = new Map<number | string, { window: Uint32Array; tokens: number[] }>();
  private count = 0;

  /** @param contextWidth - the scheme's window width h */
  constructor(readonly contextWidth: number) {}

  /** Labels `token` after the window ending at `end` of `seq`. */
  add(seq: ArrayLike<number>, end: number, token: number): void {
    const k = windowKey(seq, end, this.contextWidth);
    const entry = this.byWindow.get(k);
    if (entry === undefined) this.byWindow.set(k, { window: Uint32Array.from(Array.prototype.slice.call(seq, end - this.contextWidth, end) as number[]), tokens: [token] });
    else if (!entry.tokens.includes(token)) entry.tokens.push(token);
    else return;
    this.count++;
  }

  /** The labelled tokens after the window ending at `end` of `seq` (undefined: none, or no full window). */
  at(seq: ArrayLike<number>, end: number): readonly number[] | undefined {
    if (end < this.contextWidth) return undefined;
    return this.byWindow.get(windowKey(seq, end, this.contextWidth))?.tokens;
  }

  /** Whether `token` after the window ending at `end` of `seq` is labelled. */
  has(seq: ArrayLike<number>, end: number, token: number): boolean {
    const list = this.at(seq, end);
    return list !== undefined && list.includes(token);
  }

  /** Number of labelled pairs. */
  get size(): number {
    return this.count;
  }

  /** Calls `fn(window, token)` for every labelled pair. */
  forEach(fn: (window: Uint32Array, token: number) => void): void {
    for (const { window, tokens } of this.byWindow.values()) for (const t of tokens) fn(window, t);
  }
}

/** A harvested answer: prompt and completion in the teacher's ids. */
export interface HarvestedAnswer {
  readonly prompt: Uint32Array;
  readonly completion: Uint32Array;
}

/** What the estimate found. */
export interface Estimate {
  readonly labels: GreenLabels;
  /** Distinct (window, token) pairs in the harvest. */
  readonly pairs: number;
  /** Distinct windows, and those passing the prefix-frequency cut. */
  readonly windows: number;
  readonly frequentWindows: number;
}

/**
 * Estimates the green pairs from a harvest (see the module notes).
 *
 * @param harvest - the teacher's answers the distiller collected
 * @param reference - the distiller's clean model (conditions on at least the window)
 * @param contextWidth - the scheme's h
 * @param options - thresholds
 * @returns the labelled pairs and counts
 */
export function estimateGreen(harvest: Iterable<HarvestedAnswer>, reference: NGramModel, contextWidth: number, options: EstimatorOptions = DEFAULT_ESTIMATOR): Estimate {
  const h = contextWidth;
  const windowCount = new Map<number | string, number>();
  // Pair -> [count, answer index, position] (where to find the window's ids again).
  const pairCount = new Map<string, { n: number; seq: Uint32Array; end: number }>();
  for (const a of harvest) {
    const seq = new Uint32Array(a.prompt.length + a.completion.length);
    seq.set(a.prompt);
    seq.set(a.completion, a.prompt.length);
    for (let i = Math.max(a.prompt.length, h); i < seq.length; i++) {
      const w = windowKey(seq, i, h);
      windowCount.set(w, (windowCount.get(w) ?? 0) + 1);
      const k = `${w}|${seq[i]}`;
      const p = pairCount.get(k);
      if (p) p.n++;
      else pairCount.set(k, { n: 1, seq, end: i });
    }
  }
  const labels = new GreenLabels(h);
  let frequent = 0;
  for (const c of windowCount.values()) if (c >= options.minWindow) frequent++;
  for (const { n, seq, end } of pairCount.values()) {
    if (n < options.minPair) continue;
    const cw = windowCount.get(windowKey(seq, end, h))!;
    if (cw < options.minWindow) continue;
    const expected = cw * Math.max(REFERENCE_FLOOR, reference.prob(seq.subarray(end - h, end), seq[end]!));
    if (n >= options.ratio * expected) labels.add(seq, end, seq[end]!);
  }
  return { labels, pairs: pairCount.size, windows: windowCount.size, frequentWindows: frequent };
}
