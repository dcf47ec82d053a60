/**
 * Result assembly: from a {@link Tally} to the {@link DetectionResult} (the pooled exact test, the
 * verdict, warnings, per-document scores, the running curve and the decoy report), and the small
 * statistics helpers the other detection APIs share (randomized p-values, the power check).
 *
 * @module
 */
import { checkInteger, checkNumber, checkOpenUnit, rangeError } from '../assert.js';
import { mix32 } from '../random/index.js';
import type { ResolvedParams } from '../scheme/config.js';
import { binomialTail, binomialTwoSided, ksUniform, zScore } from '../stats/index.js';
import type { FamilyRule, Rules } from './options.js';
import type { Tally } from './tally.js';
import { DECOY_KS_ALPHA, type Alternative, type CurvePoint, type DecoyReport, type DetectionResult, type DocumentScore, type Verdict } from './types.js';
import { strataTest, testName, twoSided, weightedTest } from './variants.js';
import { familyReport } from './family.js';

/**
 * Deterministic uniform number in (0, 1) from two integers (for randomized p-values).
 * @internal
 */
export function uniformFrom(a: number, b: number): number {
  return (mix32((mix32(a >>> 0) ^ Math.imul(b >>> 0, 0x9e3779b1)) >>> 0) + 0.5) / 2 ** 32;
}

/**
 * Randomized p-value of a discrete upper-tail binomial test: `P(X > k) + u * P(X = k)`. Exactly
 * Uniform(0, 1) under the null when `u` is, unlike the exact p-value, which is stochastically
 * larger (so a KS test on exact p-values of short documents rejects uniformity of a correct null).
 *
 * @param k - green count (a safe integer)
 * @param n - scored count, an integer >= 1
 * @param p - null probability, in (0, 1)
 * @param u - a uniform number in (0, 1), independent of the data (0 and 1 are accepted)
 * @returns a p-value in [0, 1]
 * @throws TypeError when an argument is not a number; RangeError naming it when out of range
 * @example
 * ```ts
 * randomizedPValue(65, 200, 0.25, Math.random()); // uniform on [P(X > 65), P(X >= 65)]
 * ```
 */
export function randomizedPValue(k: number, n: number, p: number, u: number): number {
  const api = 'randomizedPValue';
  checkInteger(api, 'k', k);
  checkInteger(api, 'n', n, 1);
  checkOpenUnit(api, 'p', p);
  checkNumber(api, 'u', u);
  if (!(u >= 0 && u <= 1)) throw rangeError(api, 'u', 'in [0, 1]', u);
  const above = k + 1 > n ? 0 : binomialTail(k + 1, n, p).pValue;
  const atLeast = binomialTail(k, n, p).pValue;
  return above + u * (atLeast - above);
}

/**
 * Whether even `n` green out of `n` could not reach `alpha`: `n * log10(p) > log10(alpha)`.
 * @internal
 */
export function underpowered(n: number, p: number, alpha: number): boolean {
  return n === 0 || n * Math.log10(p) > Math.log10(alpha);
}

/** What a result is assembled from. */
export interface ResultInput {
  /** Key fingerprint. */
  readonly fingerprint: string;
  /** Scheme parameters. */
  readonly config: ResolvedParams;
  /** Rules and options. */
  readonly rules: Rules;
  /** The key family scored, or null. */
  readonly family: FamilyRule | null;
  /** Exact null probability of green. */
  readonly greenProbability: number;
  /** The counts. */
  readonly tally: Tally;
  /** Shards whose data the counts hold. */
  readonly covered: readonly number[];
}

/**
 * The verdict, with its warnings. `trials` Bernoulli trials stand behind the N scored pairs (N M
 * for a family); `factor` is what the test pays at best over a one-sided binomial (2 two-sided,
 * the number of layers of a family test).
 */
function verdictOf(N: number, trials: number, log10PValue: number | null, p: number, alpha: number, factor: number, warnings: string[]): Verdict {
  const short = N === 0 || underpowered(trials, p, alpha / factor);
  const verdict: Verdict = short ? 'insufficient' : (log10PValue as number) <= Math.log10(alpha) ? 'detected' : 'not-detected';
  if (N === 0) warnings.push('nothing was scored: the corpus gives no evidence either way (see "skipped")');
  else if (verdict === 'insufficient') warnings.push(`only ${N} positions were scored: even all green could not reach alpha ${alpha}`);
  return verdict;
}

/** log10 p of the pooled count `g` of `n` under the alternative (`n > 0`). */
function pooledLog10(g: number, n: number, p: number, alternative: Alternative): number {
  return alternative === 'two-sided' ? binomialTwoSided(g, n, p).log10PValue : binomialTail(g, n, p).log10PValue;
}

function perDocumentScores(t: Tally, p: number, alternative: Alternative, M: number): DocumentScore[] {
  const out: DocumentScore[] = new Array(t.documents);
  for (let d = 0; d < t.documents; d++) {
    const n = t.docScored[d]!;
    const g = t.docGreen[d]!;
    out[d] = { index: d, scored: n, green: g, log10PValue: n > 0 ? pooledLog10(g, n * M, p, alternative) : null };
  }
  return out;
}

/** The verdict's test: its log10 p-value and the variant's report. */
function verdictTest(input: ResultInput): { pValue: number | null; log10PValue: number | null; extra: Partial<DetectionResult> } {
  const { rules: r, tally: t, greenProbability: p } = input;
  const N = t.scored;
  // The variant's report is there even when nothing was scored (its counts are then zero); the
  // verdict's p-value is null then.
  const tested = (log10PValue: number, extra: Partial<DetectionResult>) =>
    N === 0 ? { pValue: null, log10PValue: null, extra } : { pValue: 10 ** log10PValue, log10PValue, extra };
  if (input.family !== null) {
    if (N === 0) return { pValue: null, log10PValue: null, extra: {} };
    const family = familyReport(t, input.family, p, r.alpha);
    return tested(family.log10PValue, { family });
  }
  if (r.strata !== null) {
    const strata = strataTest(t, r.strata, p);
    return tested(strata.log10PValue, { strata });
  }
  if (r.weights !== null) {
    const weighted = weightedTest(t, r.weights.levels, r.weights.max, p);
    return tested(weighted.log10PValue, { weighted });
  }
  if (N === 0) return { pValue: null, log10PValue: null, extra: {} };
  if (r.alternative === 'two-sided') {
    const two = twoSided(t.green, N, p);
    return tested(two.log10PValue, { twoSided: two.report });
  }
  const tail = binomialTail(t.green, N, p);
  return { pValue: tail.pValue, log10PValue: tail.log10PValue, extra: {} };
}

/**
 * Assembles the {@link DetectionResult} of a detector's counts. Cheap: O(documents + decoys +
 * 100 curve points).
 */
export function assembleResult(input: ResultInput): DetectionResult {
  const { rules: r, tally: t, greenProbability: p, config } = input;
  const N = t.scored;
  const S = t.green;
  const M = input.family === null ? 1 : input.family.members.length;
  const trials = N * M;
  const warnings: string[] = [];
  const { pValue, log10PValue, extra } = verdictTest(input);
  const factor = extra.family ? extra.family.layers.length : r.alternative === 'two-sided' ? 2 : 1;
  const verdict = verdictOf(N, trials, log10PValue, p, r.alpha, factor, warnings);
  if (!r.dedup) warnings.push('deduplication is off (benchmarking only): repeated pairs are counted again and the p-value is not valid');
  const covered = [...input.covered].sort((a, b) => a - b);
  const result: DetectionResult = {
    fingerprint: input.fingerprint,
    gamma: config.gamma,
    greenProbability: p,
    contextWidth: config.contextWidth,
    vocabSize: config.vocabSize,
    documents: t.documents,
    scored: N,
    green: S,
    greenFraction: N > 0 ? S / trials : null,
    z: N > 0 ? zScore(S, trials, p) : null,
    pValue,
    log10PValue,
    test: input.family === null ? testName(r) : 'family',
    trials,
    alpha: r.alpha,
    verdict,
    skipped: { ...t.skipped },
    dedup: r.dedup,
    budget: r.budget > 0 ? { limit: r.budget, reached: t.budgetReached } : null,
    shards: r.shardCount > 1 ? { count: r.shardCount, covered } : null,
    perDocument: perDocumentScores(t, p, r.alternative, M),
    warnings,
    ...extra,
  };
  if (r.shardCount > 1 && covered.length < r.shardCount) {
    warnings.push(`only shards ${covered.join(', ')} of ${r.shardCount} are merged: the counts cover part of the corpus`);
  }
  if (r.curve && t.trace !== null) result.curve = curvePoints(t, p, r.alternative, M);
  if (r.decoys > 0) {
    // Decoys check the pipeline through the pooled count: the real key's pooled p-value is ranked
    // among theirs, whatever test gives the verdict.
    const pooled = N > 0 ? pooledLog10(S, N, p, r.alternative) : null;
    result.decoys = decoyReport(t, r.decoys, p, pooled, r.alternative);
    if (result.decoys.warning) warnings.push(result.decoys.warning);
  }
  return result;
}

/** The running p-value after each 1% of the scored positions. */
function curvePoints(t: Tally, p: number, alternative: Alternative, M: number): CurvePoint[] {
  const N = t.traceLength;
  const trace = t.trace!;
  const out: CurvePoint[] = [];
  let g = 0;
  let pos = 0;
  for (let k = 1; k <= 100; k++) {
    const upto = Math.ceil((k * N) / 100);
    if (upto === 0 || upto === pos) continue;
    while (pos < upto) g += trace[pos++]!;
    out.push({ fraction: k / 100, scored: upto, green: g, log10PValue: pooledLog10(g, upto * M, p, alternative) });
  }
  return out;
}

/** The decoy-key check (N3 of docs/detection.md, "Decoy keys"): rank p-value and KS uniformity of the decoys' randomized p-values. */
function decoyReport(t: Tally, M: number, p: number, realLog10: number | null, alternative: Alternative): DecoyReport {
  const N = t.scored;
  const values: number[] = [];
  const randomized: number[] = [];
  let asExtreme = 0;
  for (let j = 0; j < M; j++) {
    const g = t.decoyGreen[j]!;
    const lg = N > 0 ? pooledLog10(g, N, p, alternative) : 0;
    values.push(lg);
    if (realLog10 !== null && lg <= realLog10) asExtreme++;
    if (N > 0) randomized.push(randomizedPValue(g, N, p, uniformFrom(0x6a09e667, j)));
  }
  const ks = N > 0 ? ksUniform(randomized) : { statistic: 0, pValue: 1, n: 0 };
  const uniform = N === 0 || ks.pValue >= DECOY_KS_ALPHA;
  const report: DecoyReport = {
    count: M,
    values,
    rankPValue: realLog10 === null ? 1 : (1 + asExtreme) / (M + 1),
    ks: { statistic: ks.statistic, pValue: ks.pValue, n: ks.n },
    uniform,
  };
  if (!uniform) {
    report.warning = `the ${M} decoy keys' p-values are not uniform (KS p = ${ks.pValue.toPrecision(3)} < ${DECOY_KS_ALPHA}): suspect a pipeline bug (tokenizer, vocabulary, deduplication), not evidence`;
  }
  return report;
}
