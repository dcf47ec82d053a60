/**
 * Which family test should give the verdict (issue 11, docs/detection.md "Key families")? Power of
 * four candidate tests at alpha = 1e-6 over the same N deduplicated pairs scored under M = K x E
 * member keys, when the student's green excess sits on a few members or on all:
 *
 *   npx tsx scripts/family-test-power.ts
 *
 * Under the null every (pair, member) decision is an independent Bernoulli(gamma) (independent
 * keys), so each member's green count is Bin(N, gamma) and the counts are independent. Each
 * replicate draws those counts (normal draws rounded, N >= 10^5) with rate gamma + lift on the
 * signal members and gamma elsewhere, and applies each test with its exact tails:
 * - pooled: P(Bin(N M, gamma) >= sum of the counts);
 * - min-p: Sidak over the M per-member exact upper tails;
 * - cohort min-p: Sidak over the K cohorts of each cohort's pooled test over its E epochs;
 * - pooled + min-p: Bonferroni of the two (2 min(p_pooled, p_minP));
 * - layers: Bonferroni over the layers pooled, min-p, and with epochs also cohort min-p and epoch
 *   min-p (Sidak over the E epochs of each epoch's pooled test over its K cohorts).
 * The harvest's total green excess is held at what one key would show at z = Z (to first order a
 * student's excess under a key is proportional to the share of its training data made under that
 * key, so the same harvest spread over c members gives each 1/c of it); the script finds, for each
 * test, the smallest Z at which it detects with 90% power.
 */
import { binomialTail, sidakLog10 } from '../src/stats/index.js';
import { createRandom } from '../src/random/index.js';

const GAMMA = 0.25;
const N = 300_000;
const ALPHA = 1e-6;
const REPS = Number(process.env.REPS ?? 400);
const rnd = createRandom('family-test-power');

interface Scenario { name: string; K: number; E: number; carriers: (c: number, e: number) => boolean }

const scenarios: Scenario[] = [
  { name: 'K 16, E 1: harvest in 2 cohorts', K: 16, E: 1, carriers: (c) => c < 2 },
  { name: 'K 16, E 1: harvest in 1 cohort', K: 16, E: 1, carriers: (c) => c === 0 },
  { name: 'K 16, E 1: harvest over all 16 cohorts', K: 16, E: 1, carriers: () => true },
  { name: 'K 16, E 4: 2 cohorts, all 4 epochs', K: 16, E: 4, carriers: (c) => c < 2 },
  { name: 'K 16, E 4: 2 cohorts, 1 epoch', K: 16, E: 4, carriers: (c, e) => c < 2 && e === 0 },
  { name: 'K 16, E 4: everywhere', K: 16, E: 4, carriers: () => true },
  { name: 'K 16, E 4: all cohorts, 1 epoch', K: 16, E: 4, carriers: (_c, e) => e === 0 },
];

const la = Math.log10(ALPHA);
const sd = Math.sqrt(N * GAMMA * (1 - GAMMA));
const TESTS = ['pooled', 'min-p', 'cohort min-p', 'pooled + min-p', 'layers'] as const;

/** Power of each test when the harvest's total excess equals a single key's z = zOne. */
function power(s: Scenario, zOne: number, reps: number): number[] {
  const M = s.K * s.E;
  const carry: boolean[] = [];
  for (let c = 0; c < s.K; c++) for (let e = 0; e < s.E; e++) carry.push(s.carriers(c, e));
  const carriers = carry.filter(Boolean).length;
  const excess = (zOne * sd) / carriers;
  const hits = [0, 0, 0, 0, 0];
  for (let r = 0; r < reps; r++) {
    const g = carry.map((c) => Math.min(N, Math.max(0, Math.round(N * GAMMA + (c ? excess : 0) + sd * rnd.normal()))));
    const per = g.map((x) => binomialTail(x, N, GAMMA).log10PValue);
    const pooled = binomialTail(g.reduce((a, b) => a + b, 0), N * M, GAMMA).log10PValue;
    const minP = sidakLog10(Math.min(...per), M);
    const cohorts: number[] = [];
    for (let c = 0; c < s.K; c++) cohorts.push(binomialTail(g.slice(c * s.E, (c + 1) * s.E).reduce((a, b) => a + b, 0), N * s.E, GAMMA).log10PValue);
    const cohortMin = sidakLog10(Math.min(...cohorts), s.K);
    const both = Math.min(0, Math.log10(2) + Math.min(pooled, minP));
    const epochs: number[] = [];
    for (let e = 0; e < s.E; e++) {
      let sum = 0;
      for (let c = 0; c < s.K; c++) sum += g[c * s.E + e]!;
      epochs.push(binomialTail(sum, N * s.K, GAMMA).log10PValue);
    }
    const epochMin = sidakLog10(Math.min(...epochs), s.E);
    // The layers: pooled, per member; with epochs also per cohort and per epoch. Bonferroni over them.
    const layers = s.E > 1 ? [pooled, minP, cohortMin, epochMin] : [pooled, minP];
    const layered = Math.min(0, Math.log10(layers.length) + Math.min(...layers));
    [pooled, minP, cohortMin, both, layered].forEach((v, i) => (hits[i]! += v <= la ? 1 : 0));
  }
  return hits.map((h) => h / reps);
}

/** The smallest single-key z (to 0.25) at which `test` reaches 90% power, by bisection. */
function zFor90(s: Scenario, test: number): number {
  let lo = 0;
  let hi = 200;
  while (hi - lo > 0.25) {
    const mid = (lo + hi) / 2;
    if (power(s, mid, REPS)[test]! >= 0.9) hi = mid;
    else lo = mid;
  }
  return hi;
}

console.log(`N = ${N} scored pairs, gamma ${GAMMA}, alpha ${ALPHA}, ${REPS} replicates per point.`);
console.log('The harvest\'s total green excess equals what ONE key would show at z = Z; the table gives the');
console.log('smallest Z at which each test detects with 90% power (lower is better).');
console.log(`| scenario | members M | carriers | ${TESTS.join(' | ')} |`);
console.log(`|---|---|---|${TESTS.map(() => '---').join('|')}|`);
for (const s of scenarios) {
  const M = s.K * s.E;
  let carriers = 0;
  for (let c = 0; c < s.K; c++) for (let e = 0; e < s.E; e++) carriers += s.carriers(c, e) ? 1 : 0;
  console.log(`| ${s.name} | ${M} | ${carriers} | ${TESTS.map((_, i) => zFor90(s, i).toFixed(2)).join(' | ')} |`);
}
