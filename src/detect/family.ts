/**
 * The key-family test and attribution (docs/detection.md, "Key families"), read from a
 * {@link Tally} whose N deduplicated pairs were coloured under every member key in one pass.
 *
 * Null: the suspect never saw text marked by any member. Member keys are independent PRF keys, so
 * each (pair, member) decision is an independent Bernoulli(p), each member's green count is
 * Bin(N, p), and disjoint groups of members give independent tests. The family test is a
 * Bonferroni combination of layers, each a valid test on its own:
 * - pooled: every decision in one exact binomial, Bin(N M, p);
 * - member min-p: Sidak over the M members' exact tails;
 * - with K >= 2 cohorts and E >= 2 epochs also cohort min-p (Sidak over the K cohorts, each pooled
 *   over its epochs) and epoch min-p (Sidak over the E epochs, each pooled over the cohorts).
 * `p_family = min(1, L min_l p_l)` for L layers: P_null(p_family <= a) <= a (conservative).
 * `npx tsx scripts/family-test-power.ts` measures why: no single layer is near the best in every
 * placement of the harvest (few cohorts, all cohorts, one epoch, some cohorts over all epochs),
 * while the combination stays within about 5% of the best layer in each.
 *
 * @module
 */
import { familyTest, type FamilyTest } from '../stats/index.js';
import type { FamilyRule } from './options.js';
import type { Tally } from './tally.js';
import type { AttributionLine, FamilyLayer, FamilyReport, MemberScore } from './types.js';

/** `{ trials, successes }` per group of members, summing `memberGreen` over each group. */
function grouped(t: Tally, f: FamilyRule, groups: number, groupOf: (u: number) => number, size: number) {
  const out = Array.from({ length: groups }, () => ({ trials: t.scored * size, successes: 0 }));
  f.members.forEach((_, u) => (out[groupOf(u)]!.successes += t.memberGreen[u]!));
  return out;
}

/** Attribution lines of a family test over groups (cohorts or epochs). */
function lines(test: FamilyTest, counts: { trials: number; successes: number }[], alpha: number): AttributionLine[] {
  return counts.map((c, i) => ({
    index: i,
    trials: c.trials,
    green: c.successes,
    log10PValue: test.perKey[i]!.log10PValue,
    holmLog10PValue: test.holmLog10[i]!,
    flagged: test.holmLog10[i]! <= Math.log10(alpha),
  }));
}

/**
 * The family test, every member's own test, and (when the family test is at most `alpha`) the
 * attribution to cohorts and epochs.
 *
 * @param t - counts (`t.scored > 0`)
 * @param f - the family
 * @param p - exact null probability of green
 * @param alpha - the verdict's level
 */
export function familyReport(t: Tally, f: FamilyRule, p: number, alpha: number): FamilyReport {
  const K = f.cohorts;
  const E = f.epochs ?? 1;
  const memberCounts = f.members.map((_, u) => ({ trials: t.scored, successes: t.memberGreen[u]! }));
  const members = familyTest(memberCounts, p);
  const cohortCounts = grouped(t, f, K, (u) => Math.floor(u / E), E);
  const epochCounts = grouped(t, f, E, (u) => u % E, K);
  const byCohort = familyTest(cohortCounts, p);
  const byEpoch = familyTest(epochCounts, p);
  const layers: FamilyLayer[] = [
    { name: 'pooled', log10PValue: members.pooled.log10PValue },
    { name: 'member min-p', log10PValue: members.minP.log10PValue },
  ];
  if (K >= 2 && E >= 2) {
    layers.push({ name: 'cohort min-p', log10PValue: byCohort.minP.log10PValue }, { name: 'epoch min-p', log10PValue: byEpoch.minP.log10PValue });
  }
  const log10PValue = Math.min(0, Math.log10(layers.length) + Math.min(...layers.map((l) => l.log10PValue)));
  const perMember: MemberScore[] = f.members.map((m, u) => ({
    cohort: m.cohort,
    epoch: m.epoch,
    fingerprint: m.key.fingerprint,
    green: t.memberGreen[u]!,
    log10PValue: members.perKey[u]!.log10PValue,
    holmLog10PValue: members.holmLog10[u]!,
  }));
  const fired = log10PValue <= Math.log10(alpha);
  return {
    fingerprint: f.fingerprint,
    cohorts: K,
    epochs: f.epochs,
    members: f.members.length,
    layers,
    log10PValue,
    perMember,
    attribution: fired
      ? { alpha, cohorts: lines(byCohort, cohortCounts, alpha), epochs: f.epochs === null ? null : lines(byEpoch, epochCounts, alpha) }
      : null,
  };
}
