/**
 * Power of the detector variants' statistics (src/stats) on the examples of issue 10 and issue 11,
 * at expected counts and by simulation. Prints Markdown; the figures quoted in
 * /work/coord/notes/stats.md and in TSDoc come from this script.
 *
 * Usage: npx tsx scripts/stats-power.ts [--reps 200]
 */
import { readFileSync } from 'node:fs';
import { createRandom, type Random } from '../src/random/index.js';
import {
  binomialTail,
  binomialTwoSided,
  combineStrata,
  familyTest,
  weightedBinomialBound,
  weightedBinomialTail,
  type WeightedCount,
} from '../src/stats/index.js';

const argReps = process.argv.indexOf('--reps');
const REPS = argReps > 0 ? Number(process.argv[argReps + 1]) : 200;
const GAMMA = 0.25;
const ALPHA_LOG10 = -6;
const rng = createRandom('stats-power');

/** Bin(n, p) by its normal approximation, rounded and clamped: fast enough for n = 10^5 x 200 reps. */
function drawBinomial(r: Random, n: number, p: number): number {
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(n * p * (1 - p)) * r.normal())));
}

function f(x: number): string {
  return x.toFixed(2);
}

/** Share of REPS draws whose log10 p is at or below ALPHA_LOG10. */
function power(draw: () => number): string {
  let hits = 0;
  for (let i = 0; i < REPS; i++) if (draw() <= ALPHA_LOG10) hits++;
  return `${((100 * hits) / REPS).toFixed(0)}%`;
}

function strata(): void {
  const n = 100_000;
  const sd = Math.sqrt(n * GAMMA * (1 - GAMMA));
  console.log(`## Strata: issue 10's example (z = +5.5, +0.2, -5.3; ${n} positions per stratum, gamma ${GAMMA})\n`);
  console.log('| scale of the z-scores | fisher log10 p | min-p log10 p | pooled one-sided | pooled two-sided | power fisher | power min-p | power pooled two-sided |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const scale of [0.5, 0.75, 1]) {
    const rates = [5.5, 0.2, -5.3].map((z) => GAMMA + (scale * z * sd) / n);
    const expected = rates.map((r) => ({ trials: n, successes: Math.round(n * r) }));
    const total = expected.reduce((a, s) => a + s.successes, 0);
    const draw = (): { trials: number; successes: number }[] => rates.map((r) => ({ trials: n, successes: drawBinomial(rng, n, r) }));
    const row = [
      f(combineStrata(expected, GAMMA).log10PValue),
      f(combineStrata(expected, GAMMA, { method: 'min-p' }).log10PValue),
      f(binomialTail(total, 3 * n, GAMMA).log10PValue),
      f(binomialTwoSided(total, 3 * n, GAMMA).log10PValue),
      power(() => combineStrata(draw(), GAMMA).log10PValue),
      power(() => combineStrata(draw(), GAMMA, { method: 'min-p' }).log10PValue),
      power(() => {
        const s = draw().reduce((a, c) => a + c.successes, 0);
        return binomialTwoSided(s, 3 * n, GAMMA).log10PValue;
      }),
    ];
    console.log(`| ${scale} | ${row.join(' | ')} |`);
  }
  console.log(`\n(expected counts; power = share of ${REPS} simulated students at p <= 1e${ALPHA_LOG10})\n`);
}

function family(): void {
  const n = 100_000;
  const m = 16;
  const sd = Math.sqrt(n * GAMMA * (1 - GAMMA));
  console.log(`## Family of ${m} keys, ${n} scored pairs each (issue 11)\n`);
  console.log('| keys carrying the signal | z per carrying key | pooled log10 p | min-p log10 p | power pooled | power min-p |');
  console.log('|---|---|---|---|---|---|');
  for (const [carrying, z] of [[1, 8], [2, 6], [4, 4], [16, 2]] as const) {
    const rates = Array.from({ length: m }, (_, j) => GAMMA + (j < carrying ? (z * sd) / n : 0));
    const expected = rates.map((r) => ({ trials: n, successes: Math.round(n * r) }));
    const e = familyTest(expected, GAMMA);
    const draw = (): { trials: number; successes: number }[] => rates.map((r) => ({ trials: n, successes: drawBinomial(rng, n, r) }));
    const row = [
      f(e.pooled.log10PValue),
      f(e.minP.log10PValue),
      power(() => familyTest(draw(), GAMMA).pooled.log10PValue),
      power(() => familyTest(draw(), GAMMA).minP.log10PValue),
    ];
    console.log(`| ${carrying} | ${z} | ${row.join(' | ')} |`);
  }
  console.log('');
}

function weighted(): void {
  // 10^6 positions in 8 lift levels 0..7 (125,000 each); the green rate rises with the lift:
  // gamma + 0.002 * level (level 0: the watermark could not lift the token there).
  const n = 125_000;
  const levels: WeightedCount[] = Array.from({ length: 8 }, (_, w) => ({ weight: w, trials: n, successes: Math.round(n * (GAMMA + 0.002 * w)) }));
  const total = levels.reduce((a, l) => a + l.successes, 0);
  const t0 = performance.now();
  const exact = weightedBinomialTail(levels, GAMMA);
  const ms = performance.now() - t0;
  console.log('## Weighted positions: 10^6 positions, lift levels 0..7, green rate gamma + 0.002 x level\n');
  console.log('| test | log10 p |');
  console.log('|---|---|');
  console.log(`| unweighted pooled (binomialTail) | ${f(binomialTail(total, 8 * n, GAMMA).log10PValue)} |`);
  console.log(`| weighted exact (weightedBinomialTail, weights = level) | ${f(exact.log10PValue)} |`);
  console.log(`| weighted Chernoff bound (weightedBinomialBound) | ${f(weightedBinomialBound(levels, GAMMA).log10PValue)} |`);
  console.log(`\n(one exact evaluation took ${ms.toFixed(0)} ms here)\n`);
}

function boundLooseness(): void {
  const vectors = JSON.parse(readFileSync(new URL('../test/vectors/binomial.json', import.meta.url), 'utf8')) as {
    weightedTail: { label: string; p: number; levels: WeightedCount[]; log10PValue: number }[];
  };
  console.log('## Chernoff bound against the exact tail (test/vectors/binomial.json, exact rationals)\n');
  console.log('| case | exact log10 p | weightedBinomialTail | weightedBinomialBound | bound - exact |');
  console.log('|---|---|---|---|---|');
  for (const c of vectors.weightedTail) {
    const e = weightedBinomialTail(c.levels, c.p).log10PValue;
    const b = weightedBinomialBound(c.levels, c.p).log10PValue;
    console.log(`| ${c.label} | ${c.log10PValue.toFixed(4)} | ${e.toFixed(4)} | ${b.toFixed(4)} | ${f(b - c.log10PValue)} |`);
  }
  console.log('');
}

strata();
family();
weighted();
boundLooseness();
