/**
 * The accuracy and cost figures quoted in src/stats' comments, measured: worst relative errors of
 * the binomial tails, the weighted tail and the KS p-value against the extended-precision vectors
 * of test/vectors/binomial.json (written by scripts/binomial-vectors.py), the error of Stephens'
 * classic KS correction that ks.ts does not use, and the time of the calls whose cost a comment
 * states. The tests (test/stats*.test.ts) assert bounds; this prints the measured values.
 *
 * Usage: npx tsx scripts/stats-accuracy.ts
 */
import { readFileSync } from 'node:fs';
import { binomialInterval, binomialLowerTail, binomialTail, ksPValue, normalTail, weightedBinomialTail, type WeightedCount } from '../src/stats/index.js';
import { logGamma } from '../src/stats/special.js';
import { binomialPmfLog } from '../src/stats/binomial.js';
import { KS_EXACT_MAX_N, kolmogorovSf } from '../src/stats/ks.js';

interface Vectors {
  binomial: { n: number; k: number; p: number; log10PValue: number; pValue: number }[];
  binomialTinyP: { n: number; k: number; p: number; log10PValue: number; log10LowerPValue: number; log10PmfValue: number }[];
  weightedTail: { label: string; levels: WeightedCount[]; p: number; log10PValue: number }[];
  ksDistribution: { n: number; d: number; pValue: number }[];
  normal: { z: number; pValue: number; log10PValue: number }[];
  logGamma: { x: number; value: number }[];
  clopperPearson: { k: number; n: number; level: number; lower: number; upper: number }[];
}

const V = JSON.parse(readFileSync(new URL('../test/vectors/binomial.json', import.meta.url), 'utf8')) as Vectors;

function rel(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual / expected - 1);
}

const worst = (errors: number[]): string => Math.max(...errors).toExponential(1);

/** Median wall time of `f` in milliseconds over `reps` calls (after a warm-up). */
function timeMs(f: () => unknown, reps: number): number {
  for (let i = 0; i < Math.min(reps, 20); i++) f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

console.log('## Accuracy against test/vectors/binomial.json (worst relative error)\n');
console.log(`binomialTail log10PValue, ${V.binomial.length} cases: ${worst(V.binomial.map((c) => rel(binomialTail(c.k, c.n, c.p).log10PValue, c.log10PValue)))}`);
const normalP = V.binomial.filter((c) => c.pValue >= 2.2250738585072014e-308);
console.log(`binomialTail pValue, ${normalP.length} cases with a normal p: ${worst(normalP.map((c) => rel(binomialTail(c.k, c.n, c.p).pValue, c.pValue)))}`);
const tiny = V.binomialTinyP;
console.log(
  `tiny and near-1 p, ${tiny.length} cases: upper ${worst(tiny.map((c) => rel(binomialTail(c.k, c.n, c.p).log10PValue, c.log10PValue)))}, ` +
    `lower ${worst(tiny.map((c) => rel(binomialLowerTail(c.k - 1, c.n, c.p).log10PValue, c.log10LowerPValue)))}, ` +
    `pmf ${worst(tiny.map((c) => rel(binomialPmfLog(c.k, c.n, c.p) * Math.LOG10E, c.log10PmfValue)))}`,
);
const normal = V.normal.filter((c) => c.log10PValue !== 0);
console.log(`normalTail log10PValue, ${normal.length} cases: ${worst(normal.map((c) => rel(normalTail(c.z).log10PValue, c.log10PValue)))}`);
const big = V.logGamma.filter((c) => c.x >= 15);
const small = V.logGamma.filter((c) => c.x < 15);
console.log(`logGamma, x >= 15 (${big.length} cases, relative): ${worst(big.map((c) => rel(logGamma(c.x), c.value)))}; x < 15 (${small.length} cases, absolute): ${worst(small.map((c) => Math.abs(logGamma(c.x) - c.value)))}`);
const cp = V.clopperPearson.flatMap((c) => {
  const r = binomialInterval(c.k, c.n, c.level);
  return [rel(r.lower, c.lower), rel(r.upper, c.upper)];
});
console.log(`binomialInterval endpoints, ${V.clopperPearson.length} intervals: ${worst(cp)}`);
const weighted = V.weightedTail.map((c) => ({ label: c.label, e: rel(weightedBinomialTail(c.levels, c.p).log10PValue, c.log10PValue) }));
const w = weighted.reduce((a, b) => (b.e > a.e ? b : a));
console.log(`weightedBinomialTail log10PValue, ${weighted.length} cases: ${w.e.toExponential(1)} (${w.label}); the others: ${worst(weighted.filter((x) => x !== w).map((x) => x.e))}`);

const exact = V.ksDistribution.filter((c) => c.n <= KS_EXACT_MAX_N && c.pValue >= 1e-14);
console.log(`ksPValue, exact range (n <= ${KS_EXACT_MAX_N}, p >= 1e-14), ${exact.length} cases: ${worst(exact.map((c) => rel(ksPValue(c.d, c.n), c.pValue)))}`);
for (const n of [...new Set(V.ksDistribution.map((c) => c.n))].filter((m) => m > KS_EXACT_MAX_N).sort((a, b) => a - b)) {
  const cases = V.ksDistribution.filter((c) => c.n === n);
  console.log(`ksPValue, asymptotic range, n = ${n}, ${cases.length} cases: ${worst(cases.map((c) => rel(ksPValue(c.d, c.n), c.pValue)))}`);
}
// Stephens (1970): P(D_n >= d) ~ Q_KS(d (sqrt n + 0.12 + 0.11 / sqrt n)).
const stephens = V.ksDistribution.filter((c) => c.n === 1000);
const stephensErr = (c: { n: number; d: number; pValue: number }) => rel(kolmogorovSf(c.d * (Math.sqrt(c.n) + 0.12 + 0.11 / Math.sqrt(c.n))), c.pValue);
const bands: [string, number, number][] = [
  ['p >= 0.01', 0.01, 1.01],
  ['1e-6 <= p < 0.01', 1e-6, 0.01],
  ['p < 1e-6', 0, 1e-6],
];
for (const [name, lo, hi] of bands) {
  const cases = stephens.filter((c) => c.pValue >= lo && c.pValue < hi);
  if (cases.length > 0) console.log(`Stephens' correction (not used), n = 1000, ${name} (${cases.length} cases): ${worst(cases.map(stephensErr))}`);
}
console.log('\n## Cost (median wall time of one call; a loaded machine reads higher)\n');
const n7 = 10_000_000;
for (const [p, sds] of [[0.25, 2], [0.5, 0], [0.5, 2]] as const) {
  const k = Math.round(n7 * p + sds * Math.sqrt(n7 * p * (1 - p)));
  console.log(`binomialTail(${k}, 10^7, ${p}) (${sds} sd above the mean): ${timeMs(() => binomialTail(k, n7, p), 200).toFixed(3)} ms`);
}
const dKs = Math.sqrt(2 / KS_EXACT_MAX_N);
console.log(`ksPValue(${dKs.toFixed(4)}, ${KS_EXACT_MAX_N}) (exact range, n d^2 = 2): ${timeMs(() => ksPValue(dKs, KS_EXACT_MAX_N), 20).toFixed(1)} ms`);
