/**
 * Properties of the detector variants:
 * - their counts agree with a plain reference implementation of the rules, the scope, the strata
 *   and the weight levels, and merged shards equal one pass;
 * - their nulls: over many seeds, clean random corpora (random keys, documents that repeat each
 *   other so deduplication is exercised) give p-values that are never anti-conservative: a
 *   one-sided KS test of "too many small p-values" against Uniform(0, 1), and the rejection rate
 *   at 0.05 (99.9% Clopper-Pearson lower bound at most 0.05). The 10^4-corpus version is
 *   test/slow/variants-null.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFromBytes } from '../src/key/index.js';
import { createGreenList } from '../src/scheme/index.js';
import { createDetector, type DetectorOptions } from '../src/detect/index.js';
import { mix32 } from '../src/random/index.js';
import { clopperPearson, Rng, testKey } from './detect-helpers.js';

interface Scenario {
  vocabSize: number;
  docs: number[][];
  reference: number[][];
  labels: number[][];
  weights: number[][];
  scope: [number, number];
  bounds: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 3, max: 30 }).chain((V) => {
  const id = fc.integer({ min: 0, max: V - 1 });
  const seq = fc.array(id, { maxLength: 30 });
  return fc.array(seq, { maxLength: 10 }).chain((docs) =>
    fc.record({
      vocabSize: fc.constant(V),
      docs: fc.constant(docs),
      reference: fc.array(seq, { maxLength: 4 }),
      labels: fc.constant(docs.map((d) => d.map((t, i) => (t + i) % 3))),
      weights: fc.constant(docs.map((d) => d.map((t, i) => ((t * 31 + i) % 11) / 10))),
      scope: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })).map(([a, b]): [number, number] => [a, a + b]),
      bounds: fc.uniqueArray(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }).map((b) => b.sort((x, y) => x - y)),
    }),
  );
});

/** Plain reference: strings in Maps and Sets, the validating isGreen. */
function reference(s: Scenario, mode: 'labels' | 'window-count' | 'weights') {
  const h = 2;
  const gl = createGreenList({ key: testKey(9), gamma: 0.25, contextWidth: h, vocabSize: s.vocabSize });
  const counts = new Map<string, number>();
  for (const r of s.reference) for (let i = h; i <= r.length; i++) counts.set(r.slice(i - h, i).join(), (counts.get(r.slice(i - h, i).join()) ?? 0) + 1);
  const seen = new Set<string>();
  const size = mode === 'labels' ? 3 : mode === 'window-count' ? s.bounds.length + 1 : 11;
  const scored = new Array<number>(size).fill(0);
  const green = new Array<number>(size).fill(0);
  let filtered = 0;
  s.docs.forEach((d, di) => {
    for (let i = h; i < d.length; i++) {
      const w = d.slice(i - h, i).join();
      const c = counts.get(w) ?? 0;
      if (c < s.scope[0] || c > s.scope[1]) { filtered++; continue; }
      const k = `${w}|${d[i]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const j = mode === 'labels' ? s.labels[di]![i]! : mode === 'window-count' ? s.bounds.filter((b) => b <= c).length : Math.round(s.weights[di]![i]! * 10);
      scored[j]++;
      green[j] += gl.isGreen(d.slice(i - h, i), d[i]!) ? 1 : 0;
    }
  });
  return { scored, green, filtered };
}

function optionsFor(s: Scenario, mode: 'labels' | 'window-count' | 'weights', extra: Partial<DetectorOptions> = {}): DetectorOptions {
  const scope = { reference: s.reference, min: s.scope[0], max: s.scope[1] };
  const variant: Partial<DetectorOptions> =
    mode === 'labels' ? { strata: { count: 3 } } : mode === 'window-count' ? { strata: { reference: s.reference, bounds: s.bounds } } : { weights: { levels: 10 } };
  return { key: testKey(9), vocabSize: s.vocabSize, contextWidth: 2, scope, ...variant, ...extra };
}

function addAll(det: ReturnType<typeof createDetector>, s: Scenario, mode: 'labels' | 'window-count' | 'weights'): void {
  s.docs.forEach((d, i) => det.add(d, mode === 'labels' ? { strata: s.labels[i] } : mode === 'weights' ? { weights: s.weights[i] } : undefined));
}

describe('variant counts', () => {
  for (const mode of ['labels', 'window-count', 'weights'] as const) {
    it(`${mode}: per-stratum / per-level counts and the scope agree with a plain reference`, () => {
      fc.assert(
        fc.property(scenario, (s) => {
          const det = createDetector(optionsFor(s, mode));
          addAll(det, s, mode);
          const r = det.result();
          const ref = reference(s, mode);
          const got = mode === 'weights' ? [r.weighted!.scoredPerLevel, r.weighted!.greenPerLevel] : [r.strata!.strata.map((x) => x.scored), r.strata!.strata.map((x) => x.green)];
          expect(got).toEqual([ref.scored, ref.green]);
          expect(r.skipped.filtered).toBe(ref.filtered);
        }),
        { numRuns: 60 },
      );
    });

    it(`${mode}: merged shards equal one pass`, () => {
      fc.assert(
        fc.property(scenario, fc.integer({ min: 2, max: 4 }), (s, count) => {
          const single = createDetector(optionsFor(s, mode));
          addAll(single, s, mode);
          const agg = createDetector(optionsFor(s, mode, { shard: { index: 0, count } }));
          for (let index = 0; index < count; index++) {
            const shard = createDetector(optionsFor(s, mode, { shard: { index, count } }));
            addAll(shard, s, mode);
            agg.merge(structuredClone(shard.state()));
          }
          expect({ ...agg.result(), shards: null }).toEqual({ ...single.result(), shards: null });
        }),
        { numRuns: 30 },
      );
    });
  }
});

/** The null check of one variant: p-values of `corpora` clean corpora for one seed. */
type Variant = { name: string; options: (reference: number[][]) => Partial<DetectorOptions>; per?: 'labels' | 'weights' };

const V = 2048;
const VARIANTS: Variant[] = [
  { name: 'two-sided', options: () => ({ alternative: 'two-sided' }) },
  { name: 'strata by label (Fisher)', options: () => ({ strata: { count: 3 } }), per: 'labels' },
  { name: 'strata by window count (min-p)', options: (reference) => ({ strata: { reference, bounds: [1, 2], method: 'min-p' } }) },
  { name: 'strata by window count (Fisher) within a rare-window scope', options: (reference) => ({ strata: { reference, bounds: [1] }, scope: { reference, max: 1 } }) },
  { name: 'weighted', options: () => ({ weights: { levels: 16 } }), per: 'weights' },
];

/**
 * One clean corpus: six documents over V = 2048, the third repeating the first and the fourth
 * starting with a stretch of the second (so deduplication acts), and a reference that shares
 * windows with them (so every stratum is populated). Labels and weights are functions of the ids
 * only: colour-blind, as the API requires.
 */
function cleanCorpus(rng: Rng): { docs: number[][]; reference: number[][] } {
  const d0 = rng.tokens(120, V), d1 = rng.tokens(120, V);
  const docs = [d0, d1, d0, [...d1.slice(10, 60), ...rng.tokens(80, V)], rng.tokens(120, V), rng.tokens(120, V)];
  return { docs, reference: [d0, d1.slice(0, 60), d1.slice(30, 90), rng.tokens(200, V)] };
}

function nullPValues(v: Variant, seed: number, corpora: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let c = 0; c < corpora; c++) {
    const key = keyFromBytes(Uint8Array.from({ length: 32 }, () => rng.int(256)));
    const { docs, reference } = cleanCorpus(rng);
    const det = createDetector({ key, vocabSize: V, ...v.options(reference) });
    for (const d of docs) {
      if (v.per === 'labels') det.add(d, { strata: d.map((t) => t % 3) });
      else if (v.per === 'weights') det.add(d, { weights: d.map((t, i) => (mix32(t * 7919 + i) % 1000) / 999) });
      else det.add(d);
    }
    out.push(10 ** det.result().log10PValue!);
  }
  return out;
}

/** One-sided KS: D+ = max_i (i / n - p_(i)), the excess of small p-values, and its bound exp(-2 n D+^2). */
function ksTooSmall(ps: number[]): { d: number; pValue: number } {
  const s = [...ps].sort((a, b) => a - b);
  let d = 0;
  s.forEach((p, i) => (d = Math.max(d, (i + 1) / s.length - p)));
  return { d, pValue: Math.exp(-2 * s.length * d * d) };
}

describe('variant nulls: clean corpora over many seeds', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: never anti-conservative (one-sided KS, rate at 0.05)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (seed) => {
          const ps = nullPValues(v, seed, 150);
          const ks = ksTooSmall(ps);
          expect(ks.pValue, `D+ = ${ks.d}`).toBeGreaterThan(1e-3);
          const rejections = ps.filter((p) => p <= 0.05).length;
          expect(clopperPearson(rejections, ps.length, 0.999)[0]).toBeLessThanOrEqual(0.05);
        }),
        { numRuns: 4 },
      );
    });
  }

  it('the check has teeth: a detector scored with a key the text was watermarked under fails it', () => {
    const key = testKey(70);
    const gl = createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: V });
    const rng = new Rng(71);
    const ps: number[] = [];
    for (let c = 0; c < 150; c++) {
      const det = createDetector({ key, vocabSize: V, alternative: 'two-sided' });
      // A faint excess: 1 position in 20 is forced green.
      const doc = rng.tokens(400, V);
      const seed = new Uint32Array(3);
      for (let i = 2; i < doc.length; i += 20) {
        gl.seedWindow(doc, i, seed, 0);
        while (!gl.isGreenSeeded(seed, 0, doc[i]!)) doc[i] = rng.int(V);
      }
      det.add(doc);
      ps.push(10 ** det.result().log10PValue!);
    }
    expect(ksTooSmall(ps).pValue).toBeLessThan(1e-3);
  });
});
