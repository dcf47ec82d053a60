/**
 * The detector variants' tests (docs/detection.md, "Detector variants"): the two-sided pooled test,
 * the stratified test and the weighted test, each read from a {@link Tally} with the statistics of
 * src/stats. Which one gives the verdict is fixed by the options before any data is read.
 *
 * @module
 */
import { binomialTwoSided, combineStrata, weightedBinomialBound, weightedBinomialTail, type WeightedTest } from '../stats/index.js';
import type { Rules, StrataRule } from './options.js';
import type { Tally } from './tally.js';
import type { StrataReport, StratumScore, TestName, TwoSidedReport, WeightedReport } from './types.js';

/** The name of the test a detector's verdict comes from. */
export function testName(r: Rules): TestName {
  if (r.strata !== null) return 'strata';
  if (r.weights !== null) return 'weighted';
  return r.alternative === 'two-sided' ? 'two-sided' : 'pooled';
}

/** The two-sided pooled test of `green` of `scored` (log10 p of `min(1, 2 min(P(X >= S), P(X <= S)))`). */
export function twoSided(green: number, scored: number, p: number): { log10PValue: number; report: TwoSidedReport } {
  const t = binomialTwoSided(green, scored, p);
  return {
    log10PValue: t.log10PValue,
    report: { upperLog10PValue: t.upper.log10PValue, lowerLog10PValue: t.lower.log10PValue, direction: t.direction },
  };
}

/** What stratum `j` holds, in words. */
function stratumLabel(rule: StrataRule, j: number): string {
  if (rule.kind === 'labels') return `label ${j}`;
  const lo = j === 0 ? 0 : rule.bounds[j - 1]!;
  const hi = j < rule.bounds.length ? rule.bounds[j]! - 1 : Infinity;
  if (hi === Infinity) return `window count >= ${lo}`;
  return lo === hi ? `window count ${lo}` : `window count ${lo}-${hi}`;
}

/** The stratified test: each stratum two-sided, combined by the rule's method. */
export function strataTest(t: Tally, rule: StrataRule, p: number): StrataReport {
  const counts = Array.from(t.strataScored, (trials, j) => ({ trials, successes: t.strataGreen[j]! }));
  const s = combineStrata(counts, p, { method: rule.method });
  const strata: StratumScore[] = s.strata.map((x, j) => ({
    index: j,
    label: stratumLabel(rule, j),
    scored: x.trials,
    green: x.successes,
    z: x.trials > 0 ? x.z : null,
    log10PValue: x.log10PValue,
    direction: x.direction,
    holmLog10PValue: x.holmLog10,
  }));
  return { method: s.method, statistic: s.statistic, log10PValue: s.log10PValue, strata };
}

/**
 * The weighted test: statistic `sum of the green pairs' levels`, exact under the null for the
 * integer levels (`weightedBinomialTail`); when the exact convolution would be too large, the
 * Chernoff bound (`weightedBinomialBound`), which is never below the exact tail, so the level holds.
 */
export function weightedTest(t: Tally, levels: number, maxWeight: number, p: number): WeightedReport {
  const counts = Array.from(t.levelScored, (trials, l) => ({ weight: l, trials, successes: t.levelGreen[l]! }));
  let w: WeightedTest;
  try {
    w = weightedBinomialTail(counts, p);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    w = weightedBinomialBound(counts, p);
  }
  return {
    method: w.method,
    levels,
    maxWeight,
    statistic: w.statistic,
    mean: w.mean,
    log10PValue: w.log10PValue,
    scoredPerLevel: Array.from(t.levelScored),
    greenPerLevel: Array.from(t.levelGreen),
  };
}
