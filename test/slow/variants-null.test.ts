/**
 * Null calibration of the detector variants at scale (kept out of `npm test`):
 *   npx vitest run --config vitest.slow.config.ts test/slow/variants-null.test.ts
 *
 * Each variant scores VARIANT_TESTS (default 10^4) clean corpora, each under a fresh random key:
 * six documents of uniform random tokens that repeat each other (deduplication acts), and an
 * owner's reference that shares windows with them (every window-count stratum is populated).
 * Labels and weights are functions of the ids only (colour-blind, as the API requires). For each
 * variant: the rejection rate at alpha 0.05, 0.01 and 1e-3 must not exceed alpha (99%
 * Clopper-Pearson lower bound <= alpha), and a one-sided KS test of "too many small p-values"
 * against Uniform(0, 1) must pass. The two-sided test runs with a fixed budget, so its exact size
 * at each alpha is known and must lie inside the interval. Figures are printed and written to
 * test-output/variants-null.json; docs/detection.md records a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { keyFromBytes } from '../../src/key/index.js';
import { createDetector, type DetectorOptions } from '../../src/detect/index.js';
import { binomialPmfLog, binomialTwoSided } from '../../src/stats/index.js';
import { mix32 } from '../../src/random/index.js';
import { clopperPearson, Rng } from '../detect-helpers.js';

const TESTS = Number(process.env.VARIANT_TESTS ?? 10_000);
const V = 4096;
const BUDGET = 400;
const ALPHAS = [0.05, 0.01, 1e-3] as const;
const figures: Record<string, unknown> = { tests: TESTS, vocabSize: V, gamma: 0.25, contextWidth: 2 };

interface Variant {
  readonly name: string;
  readonly options: (reference: number[][]) => Partial<DetectorOptions>;
  readonly per?: 'labels' | 'weights';
  /** Exact size of the level-alpha test, when the variant has one (fixed budget). */
  readonly exactSize?: (alpha: number) => number;
}

/** P(two-sided p <= alpha) under Bin(BUDGET, 0.25), summed exactly over the outcomes. */
function twoSidedSize(alpha: number): number {
  let size = 0;
  for (let k = 0; k <= BUDGET; k++) {
    if (binomialTwoSided(k, BUDGET, 0.25).pValue <= alpha) size += Math.exp(binomialPmfLog(k, BUDGET, 0.25));
  }
  return size;
}

const VARIANTS: Variant[] = [
  { name: 'two-sided (budget 400)', options: () => ({ alternative: 'two-sided', budget: BUDGET }), exactSize: twoSidedSize },
  { name: 'strata by label, Fisher', options: () => ({ strata: { count: 4 } }), per: 'labels' },
  { name: 'strata by label, min-p', options: () => ({ strata: { count: 4, method: 'min-p' } }), per: 'labels' },
  { name: 'strata by window count 0 | 1 | 2+, Fisher', options: (reference) => ({ strata: { reference, bounds: [1, 2] } }) },
  { name: 'rare-window scope (count <= 1), pooled', options: (reference) => ({ scope: { reference, max: 1 } }) },
  { name: 'weighted, 16 levels', options: () => ({ weights: { levels: 16 } }), per: 'weights' },
];

function corpus(rng: Rng): { docs: number[][]; reference: number[][] } {
  const d0 = rng.tokens(120, V), d1 = rng.tokens(120, V);
  const docs = [d0, d1, d0, [...d1.slice(10, 60), ...rng.tokens(80, V)], rng.tokens(120, V), rng.tokens(120, V)];
  return { docs, reference: [d0, d1.slice(0, 60), d1.slice(30, 90), rng.tokens(200, V)] };
}

function oneSidedKs(ps: Float64Array): { d: number; pValue: number } {
  const s = Float64Array.from(ps).sort();
  let d = 0;
  for (let i = 0; i < s.length; i++) d = Math.max(d, (i + 1) / s.length - s[i]!);
  return { d, pValue: Math.exp(-2 * s.length * d * d) };
}

function calibrate(v: Variant, seed: number): void {
  const rng = new Rng(seed);
  const ps = new Float64Array(TESTS);
  const t0 = performance.now();
  for (let t = 0; t < TESTS; t++) {
    const key = keyFromBytes(Uint8Array.from({ length: 32 }, () => rng.int(256)));
    const { docs, reference } = corpus(rng);
    const det = createDetector({ key, vocabSize: V, ...v.options(reference) });
    for (const d of docs) {
      if (v.per === 'labels') det.add(d, { strata: d.map((x) => x % 4) });
      else if (v.per === 'weights') det.add(d, { weights: d.map((x, i) => (mix32(x * 7919 + i) % 1000) / 999) });
      else det.add(d);
    }
    ps[t] = 10 ** det.result().log10PValue!;
  }
  const seconds = (performance.now() - t0) / 1000;
  const ks = oneSidedKs(ps);
  const rows = ALPHAS.map((alpha) => {
    let rejections = 0;
    for (const p of ps) if (p <= alpha) rejections++;
    const cp99 = clopperPearson(rejections, TESTS, 0.99);
    return { alpha, rejections, rate: rejections / TESTS, cp99, exactSize: v.exactSize?.(alpha) ?? null };
  });
  figures[v.name] = { seconds, ksTooSmall: ks, rows };
  console.log(`[variant null] ${v.name}: ${TESTS} corpora in ${seconds.toFixed(1)} s; one-sided KS D+ = ${ks.d.toExponential(3)} (p <= ${ks.pValue.toPrecision(3)})`);
  for (const r of rows) {
    console.log(`  alpha ${r.alpha}: ${r.rejections} rejections, rate ${r.rate.toExponential(3)}, 99% CP [${r.cp99[0].toExponential(3)}, ${r.cp99[1].toExponential(3)}]${r.exactSize === null ? '' : `, exact size ${r.exactSize.toExponential(3)}`}`);
  }
  expect(ks.pValue).toBeGreaterThan(1e-3);
  for (const r of rows) {
    expect(r.cp99[0]).toBeLessThanOrEqual(r.alpha);
    if (r.exactSize !== null) {
      expect(r.exactSize).toBeLessThanOrEqual(r.alpha);
      expect(r.exactSize).toBeGreaterThanOrEqual(r.cp99[0]);
      expect(r.exactSize).toBeLessThanOrEqual(r.cp99[1]);
    }
  }
}

describe('variant nulls at scale', () => {
  afterAll(() => {
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/variants-null.json', JSON.stringify(figures, null, 2) + '\n');
  });
  VARIANTS.forEach((v, i) => {
    it(v.name, () => calibrate(v, 1000 + i));
  });
});
