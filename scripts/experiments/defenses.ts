/**
 * The defenses of "A distiller who fights back", measured on the same suspect documents as the
 * pooled test. One pass applies the detector's position rules (R0 completion windows only,
 * specials and end-of-text, R1 prompt windows, R2-R4 corpus-wide deduplication of (window, token)
 * pairs; docs/detection.md) and records, for every scored position in order, its green bit, the
 * count of its window in the owner's served log, and the teacher's probability of the emitted
 * token at the suspect's context. `checkAgainstDetector` verifies that the pass reproduces
 * createDetector's N and S exactly, so the variants below test what the product scores.
 *
 * Every variant's data choice is fixed here, before any suspect is read:
 * - pooled one-sided (the product's test) and two-sided (stats.binomialTwoSided) at a fixed budget;
 * - strata by the window's count in the owner's log (0 | 1 | 2-3 | 4+; filtered: 1 | 2-3 | 4+),
 *   each tested both ways, combined by Fisher (stats.combineStrata, conservative exact null);
 * - rare-window scope: only windows seen exactly once in the owner's log;
 * - teacher-informed weights (neural students): the posterior lift of a token the watermarked
 *   teacher emits with probability q = P_teacher(token | context), w(q) = P(green | emitted) - gamma
 *   with the rest of the mass green at rate gamma, quantized to 16 integer levels; computed without
 *   any colour, so the weighted count's null is exact given the weights (stats.weightedBinomialTail).
 */

import { createDetector } from '../../src/detect/index.js';
import type { SecretKey } from '../../src/key/index.js';
import { createWatermark } from '../../src/sampler/index.js';
import { binomialTail, binomialTwoSided, combineStrata, weightedBinomialTail, zScore } from '../../src/stats/index.js';
import type { Tokenizer } from '../../src/tokenize/index.js';
import type { Teacher } from '../../src/simulate/teacher.js';
import { windowKey, type HarvestedAnswer } from '../../src/simulate/steal.js';

/** Per scored position, in order. */
export interface ScoredPositions {
  readonly green: Uint8Array;
  /** Count of the position's window in the owner's served log. */
  readonly logCount: Uint32Array;
  /** Teacher-informed weight level (0..WEIGHT_LEVELS), when a teacher was given. */
  readonly weight: Uint8Array | null;
  readonly greenProbability: number;
}

/** Integer levels of the teacher-informed weights. */
export const WEIGHT_LEVELS = 16;
/** Strata bounds on the window's count in the owner's log: [0], [1], [2, 3], [4, ...). */
export const STRATA_BOUNDS = [1, 2, 4] as const;

/** Counts every window (h-gram inside a reference sequence) of the owner's served log. */
export function windowCounts(reference: Iterable<ArrayLike<number>>, h: number): Map<number | string, number> {
  const m = new Map<number | string, number>();
  for (const seq of reference) for (let i = h; i <= seq.length; i++) m.set(windowKey(seq, i, h), (m.get(windowKey(seq, i, h)) ?? 0) + 1);
  return m;
}

/** The posterior lift weight w(q) in [0, 1) before quantization (see the module notes). */
export function liftWeight(q: number, gamma: number, delta: number): number {
  const e = Math.exp(delta) - 1;
  const lg = Math.exp(delta) / (1 + e * (gamma * (1 - q) + q));
  const lr = 1 / (1 + e * gamma * (1 - q));
  const post = (gamma * lg) / (gamma * lg + (1 - gamma) * lr);
  return post - gamma;
}

/**
 * Applies the detector's rules to the answers and records every scored position.
 *
 * @param answers - the suspect's (prompt, completion) pairs, teacher ids
 * @param o - the key, tokenizer, owner's log window counts, and optionally the teacher (weights)
 */
export function scorePositions(
  answers: readonly HarvestedAnswer[],
  o: { key: SecretKey; tokenizer: Tokenizer; logCounts: Map<number | string, number>; teacher?: Teacher; delta?: number },
): ScoredPositions {
  const wm = createWatermark({ key: o.key });
  const h = wm.config.contextWidth;
  const gamma = wm.config.gamma;
  const specials = o.tokenizer.specialTokenIds;
  const eot = o.tokenizer.endOfTextId;
  const seen = new Set<string>();
  const green: number[] = [];
  const counts: number[] = [];
  const weights: number[] = [];
  const wmax = liftWeight(0, gamma, o.delta ?? 3);
  for (const a of answers) {
    const c = a.completion;
    const promptWindows = new Set<number | string>();
    for (let i = h; i <= a.prompt.length; i++) promptWindows.add(windowKey(a.prompt, i, h));
    const ctx = o.teacher ? [...a.prompt] : [];
    for (let i = 0; i < c.length; i++) {
      const x = c[i]!;
      if (x === eot) break;
      if (o.teacher && i > 0) ctx.push(c[i - 1]!);
      if (i < h || specials.has(x)) continue;
      const w = windowKey(c, i, h);
      if (promptWindows.has(w)) continue;
      const pair = `${w}|${x}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      green.push(wm.isGreen(c.subarray(i - h, i), x) ? 1 : 0);
      counts.push(o.logCounts.get(w) ?? 0);
      if (o.teacher) {
        const q = Math.exp(o.teacher.logProb(ctx, x));
        weights.push(Math.round((liftWeight(q, gamma, o.delta ?? 3) / wmax) * WEIGHT_LEVELS));
      }
    }
  }
  return {
    green: Uint8Array.from(green),
    logCount: Uint32Array.from(counts),
    weight: o.teacher ? Uint8Array.from(weights) : null,
    greenProbability: wm.greenProbability,
  };
}

/**
 * Checks that {@link scorePositions} scored exactly what createDetector scores (N and S) on the
 * same answers (with `filter`: createDetector's filter against the prototype's window counts).
 * @throws Error when they differ
 */
export function checkAgainstDetector(answers: readonly HarvestedAnswer[], s: ScoredPositions, key: SecretKey, tokenizer: Tokenizer, filter?: Iterable<ArrayLike<number>>): void {
  const d = createDetector({
    key,
    tokenizer: tokenizer.name,
    specialTokens: tokenizer.specialTokenIds,
    ...(tokenizer.endOfTextId !== undefined ? { endOfText: tokenizer.endOfTextId } : {}),
    ...(filter ? { filter } : {}),
  });
  for (const a of answers) d.add(a.completion, { promptTokens: a.prompt });
  const r = d.result();
  let n = 0;
  let g = 0;
  for (let i = 0; i < s.green.length; i++) {
    if (filter && s.logCount[i] === 0) continue;
    n++;
    g += s.green[i]!;
  }
  if (r.scored !== n || r.green !== g) throw new Error(`defenses: the prototype scored N=${n}, S=${g}${filter ? ' (filtered)' : ''}; createDetector N=${r.scored}, S=${r.green}`);
}

/** The tests of one suspect at one budget. */
export interface DefenseRow {
  scored: number;
  green: number;
  greenFraction: number | null;
  z: number | null;
  /** The product's pooled one-sided test. */
  pooled: number | null;
  twoSided: number | null;
  direction: 'excess' | 'deficit' | null;
  /** Strata by the window's count in the owner's log, Fisher-combined; and each stratum's z. */
  strata: number | null;
  strataZ: (number | null)[];
  strataN: number[];
  /** Rare windows (count 1 in the owner's log), one-sided and two-sided. */
  rareScored: number;
  rare: number | null;
  rareTwoSided: number | null;
  /** Teacher-informed weighted count (exact tail), when weights were computed. */
  weighted: number | null;
}

/**
 * Runs every test on the first `budget` scored positions (those whose window passes `keep`).
 * @param s - the scored positions
 * @param budget - the fixed budget (positions after `keep`)
 * @param filtered - keep only windows present in the owner's log (the filter)
 */
export function defenses(s: ScoredPositions, budget: number, filtered: boolean): DefenseRow {
  const p = s.greenProbability;
  let n = 0;
  let g = 0;
  const sn = [0, 0, 0, 0];
  const sg = [0, 0, 0, 0];
  let rn = 0;
  let rg = 0;
  const lw = new Map<number, { trials: number; successes: number }>();
  for (let i = 0; i < s.green.length && n < budget; i++) {
    const c = s.logCount[i]!;
    if (filtered && c === 0) continue;
    const b = s.green[i]!;
    n++;
    g += b;
    const k = c >= 4 ? 3 : c >= 2 ? 2 : c;
    sn[k]!++;
    sg[k]! += b;
    if (c === 1) {
      rn++;
      rg += b;
    }
    if (s.weight) {
      const w = s.weight[i]!;
      const e = lw.get(w) ?? { trials: 0, successes: 0 };
      e.trials++;
      e.successes += b;
      lw.set(w, e);
    }
  }
  const strataUsed = [0, 1, 2, 3].filter((k) => sn[k]! > 0 && !(filtered && k === 0));
  const strataTest = strataUsed.length > 0 ? combineStrata(strataUsed.map((k) => ({ trials: sn[k]!, successes: sg[k]! })), p, { method: 'fisher' }) : null;
  const levels = [...lw.entries()].filter(([w]) => w > 0).map(([weight, c]) => ({ weight, ...c }));
  const two = n > 0 ? binomialTwoSided(g, n, p) : null;
  return {
    scored: n,
    green: g,
    greenFraction: n > 0 ? g / n : null,
    z: n > 0 ? zScore(g, n, p) : null,
    pooled: n > 0 ? binomialTail(g, n, p).log10PValue : null,
    twoSided: two ? two.log10PValue : null,
    direction: two ? two.direction : null,
    strata: strataTest ? strataTest.log10PValue : null,
    strataZ: [0, 1, 2, 3].map((k) => (sn[k]! > 0 ? zScore(sg[k]!, sn[k]!, p) : null)),
    strataN: sn,
    rareScored: rn,
    rare: rn > 0 ? binomialTail(rg, rn, p).log10PValue : null,
    rareTwoSided: rn > 0 ? binomialTwoSided(rg, rn, p).log10PValue : null,
    weighted: levels.length > 0 ? weightedBinomialTail(levels, p).log10PValue : null,
  };
}
