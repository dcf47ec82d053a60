/**
 * Null calibration of key-family detection at scale (kept out of `npm test`):
 *   npx vitest run --config vitest.slow.config.ts test/slow/family-null.test.ts
 *
 * - Family test: FAMILY_TESTS (default 10^4) clean corpora, each under a fresh random family
 *   (16 cohorts without epochs; 4 cohorts x 3 epochs): the rejection rate at alpha 0.05, 0.01 and
 *   1e-3 must not exceed alpha (99% Clopper-Pearson lower bound <= alpha) and a one-sided KS test
 *   of "too many small p-values" must pass.
 * - Attribution: FAMILY_TESTS corpora that carry cohort 0's watermark (and, with epochs, epoch 1's)
 *   and nothing else: the family test fires, and the attribution at alpha 0.01 must flag another
 *   cohort (or epoch) in at most 1% of the corpora (99% Clopper-Pearson lower bound <= 0.01): Holm
 *   holds the family-wise error rate over the true-null cohorts, and the gate can only lower it.
 * Figures are printed and written to test-output/family-null.json; docs/detection.md records a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyFamily, keyFromBytes, type KeyFamily } from '../../src/key/index.js';
import { createGreenList } from '../../src/scheme/index.js';
import { createDetector } from '../../src/detect/index.js';
import { clopperPearson, Rng, watermarked } from '../detect-helpers.js';

const TESTS = Number(process.env.FAMILY_TESTS ?? 10_000);
const V = 1024;
const ALPHAS = [0.05, 0.01, 1e-3] as const;
const SHAPES = [
  { name: '16 cohorts', cohorts: 16, epochs: undefined },
  { name: '4 cohorts x 3 epochs', cohorts: 4, epochs: 3 },
] as const;
const figures: Record<string, unknown> = { tests: TESTS, vocabSize: V, gamma: 0.25, contextWidth: 2 };

function randomFamily(rng: Rng, cohorts: number, epochs: number | undefined): KeyFamily {
  const master = keyFromBytes(Uint8Array.from({ length: 32 }, () => rng.int(256)));
  return createKeyFamily(master, epochs === undefined ? { cohorts } : { cohorts, epochDays: 30, epochOrigin: '2026-01-01' });
}

function cleanDocs(rng: Rng): number[][] {
  const d0 = rng.tokens(100, V);
  return [d0, rng.tokens(100, V), d0, rng.tokens(100, V), rng.tokens(100, V)];
}

function oneSidedKs(ps: Float64Array): { d: number; pValue: number } {
  const s = Float64Array.from(ps).sort();
  let d = 0;
  for (let i = 0; i < s.length; i++) d = Math.max(d, (i + 1) / s.length - s[i]!);
  return { d, pValue: Math.exp(-2 * s.length * d * d) };
}

describe('key-family nulls at scale', () => {
  afterAll(() => {
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/family-null.json', JSON.stringify(figures, null, 2) + '\n');
  });

  SHAPES.forEach((shape, si) => {
    it(`family test, ${shape.name}: rate at alpha and one-sided KS`, () => {
      const rng = new Rng(500 + si);
      const ps = new Float64Array(TESTS);
      const t0 = performance.now();
      for (let t = 0; t < TESTS; t++) {
        const fam = randomFamily(rng, shape.cohorts, shape.epochs);
        const det = createDetector({ key: fam, vocabSize: V, ...(shape.epochs === undefined ? {} : { epochs: shape.epochs }) });
        for (const d of cleanDocs(rng)) det.add(d);
        ps[t] = 10 ** det.result().log10PValue!;
      }
      const seconds = (performance.now() - t0) / 1000;
      const ks = oneSidedKs(ps);
      const rows = ALPHAS.map((alpha) => {
        let k = 0;
        for (const p of ps) if (p <= alpha) k++;
        return { alpha, rejections: k, rate: k / TESTS, cp99: clopperPearson(k, TESTS, 0.99) };
      });
      figures[`family test, ${shape.name}`] = { seconds, ksTooSmall: ks, rows };
      console.log(`[family null] ${shape.name}: ${TESTS} corpora in ${seconds.toFixed(1)} s; one-sided KS D+ = ${ks.d.toExponential(3)} (p <= ${ks.pValue.toPrecision(3)})`);
      for (const r of rows) console.log(`  alpha ${r.alpha}: ${r.rejections} rejections, rate ${r.rate.toExponential(3)}, 99% CP [${r.cp99[0].toExponential(3)}, ${r.cp99[1].toExponential(3)}]`);
      expect(ks.pValue).toBeGreaterThan(1e-3);
      for (const r of rows) expect(r.cp99[0]).toBeLessThanOrEqual(r.alpha);
    });

    it(`attribution, ${shape.name}: no other cohort or epoch flagged beyond alpha`, () => {
      const rng = new Rng(600 + si);
      const alpha = 0.01;
      let fired = 0;
      let falseCohort = 0;
      let falseEpoch = 0;
      let trueFound = 0;
      const t0 = performance.now();
      for (let t = 0; t < TESTS; t++) {
        const fam = randomFamily(rng, shape.cohorts, shape.epochs);
        const carrier = fam.key(0, shape.epochs === undefined ? undefined : 1);
        const gl = createGreenList({ key: carrier, gamma: 0.25, contextWidth: 2, vocabSize: V });
        const det = createDetector({ key: fam, vocabSize: V, alpha, ...(shape.epochs === undefined ? {} : { epochs: shape.epochs }) });
        for (const d of [watermarked(gl, 150, 2, rng), watermarked(gl, 150, 2, rng), ...cleanDocs(rng)]) det.add(d);
        const a = det.result().family!.attribution;
        if (a === null) continue;
        fired++;
        if (a.cohorts.some((c) => c.flagged && c.index !== 0)) falseCohort++;
        if (a.epochs !== null && a.epochs.some((e) => e.flagged && e.index !== 1)) falseEpoch++;
        if (a.cohorts[0]!.flagged) trueFound++;
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpC = clopperPearson(falseCohort, TESTS, 0.99);
      const cpE = clopperPearson(falseEpoch, TESTS, 0.99);
      figures[`attribution, ${shape.name}`] = { seconds, alpha, fired, trueCohortFound: trueFound, falseCohort: { count: falseCohort, cp99: cpC }, falseEpoch: { count: falseEpoch, cp99: cpE } };
      console.log(`[family attribution] ${shape.name}: ${TESTS} corpora in ${seconds.toFixed(1)} s; fired ${fired}, true cohort found ${trueFound}; another cohort flagged ${falseCohort} (99% CP [${cpC[0].toExponential(3)}, ${cpC[1].toExponential(3)}]), another epoch flagged ${falseEpoch}`);
      expect(fired).toBeGreaterThan(TESTS * 0.9);
      expect(cpC[0]).toBeLessThanOrEqual(alpha);
      expect(cpE[0]).toBeLessThanOrEqual(alpha);
    });
  });
});
