/**
 * The detector variants (docs/detection.md, "Detector variants"): two-sided, strata (labels and
 * window counts), weights and the rare-window scope. Each is checked against the statistics it
 * claims (src/stats computed on independently counted positions), on a signal it exists to catch,
 * and on its bad input. Their nulls are checked in test/detect-variants.prop.test.ts (fast) and
 * test/slow/variants-null.test.ts (10^4 corpora).
 */
import { describe, expect, it } from 'vitest';
import { createGreenList } from '../src/scheme/index.js';
import { createDetector } from '../src/detect/index.js';
import { binomialTail, binomialTwoSided, combineStrata, weightedBinomialTail } from '../src/stats/index.js';
import { Rng, testKey, watermarked } from './detect-helpers.js';

const V = 5000;
const KEY = testKey(61);
const gl = createGreenList({ key: KEY, gamma: 0.25, contextWidth: 2, vocabSize: V });

/** `n` tokens whose windows are mostly new; green with the probability a logit bias `delta` gives. */
const biased = (rng: Rng, n: number, delta: number): number[] => watermarked(gl, n, delta, rng);

/** Every (window, token) pair of `docs` once, in order: [window key, token, text position, doc]. */
function distinctPairs(docs: number[][]): { w: string; t: number; i: number; d: number; green: number }[] {
  const seen = new Set<string>();
  const out: { w: string; t: number; i: number; d: number; green: number }[] = [];
  docs.forEach((doc, d) => {
    for (let i = 2; i < doc.length; i++) {
      const w = `${doc[i - 2]},${doc[i - 1]}`;
      const k = `${w}|${doc[i]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ w, t: doc[i]!, i, d, green: gl.isGreen([doc[i - 2]!, doc[i - 1]!], doc[i]!) ? 1 : 0 });
    }
  });
  return out;
}

/** Occurrence counts of every window of the reference. */
function windowCounts(reference: number[][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const seq of reference) for (let i = 2; i <= seq.length; i++) m.set(`${seq[i - 2]},${seq[i - 1]}`, (m.get(`${seq[i - 2]},${seq[i - 1]}`) ?? 0) + 1);
  return m;
}

describe('two-sided', () => {
  it('is the exact two-sided binomial test of the pooled count, and flags a green deficit', () => {
    const rng = new Rng(1);
    const docs = Array.from({ length: 20 }, () => biased(rng, 150, -1.5));
    const one = createDetector({ key: KEY, vocabSize: V });
    const two = createDetector({ key: KEY, vocabSize: V, alternative: 'two-sided' });
    for (const d of docs) {
      one.add(d);
      two.add(d);
    }
    const r1 = one.result();
    const r2 = two.result();
    expect(r2.test).toBe('two-sided');
    expect(r1.test).toBe('pooled');
    expect([r2.scored, r2.green]).toEqual([r1.scored, r1.green]);
    const t = binomialTwoSided(r2.green, r2.scored, r2.greenProbability);
    expect(r2.log10PValue).toBe(t.log10PValue);
    expect(r2.twoSided).toEqual({ upperLog10PValue: t.upper.log10PValue, lowerLog10PValue: t.lower.log10PValue, direction: 'deficit' });
    // The over-corrected text: invisible one-sided, detected two-sided.
    expect(r1.verdict).toBe('not-detected');
    expect(r2.verdict).toBe('detected');
    expect(r2.log10PValue!).toBeLessThan(-6);
    // Per-document and curve values follow the alternative.
    expect(r2.perDocument[0]!.log10PValue).toBe(binomialTwoSided(r2.perDocument[0]!.green, r2.perDocument[0]!.scored, r2.greenProbability).log10PValue);
  });

  it('an excess costs at most log10 2 against the one-sided test', () => {
    const rng = new Rng(2);
    const docs = Array.from({ length: 10 }, () => biased(rng, 100, 1));
    const a = createDetector({ key: KEY, vocabSize: V });
    const b = createDetector({ key: KEY, vocabSize: V, alternative: 'two-sided' });
    for (const d of docs) {
      a.add(d);
      b.add(d);
    }
    const ra = a.result();
    const rb = b.result();
    expect(rb.twoSided!.direction).toBe('excess');
    expect(rb.log10PValue!).toBeCloseTo(Math.min(0, ra.log10PValue! + Math.log10(2)), 9);
  });
});

describe('strata', () => {
  it('labels from add(): per-stratum counts, each stratum two-sided, combined by Fisher or min-p', () => {
    const rng = new Rng(3);
    // Stratum 0 over-corrected, stratum 1 under-corrected, stratum 2 clean: the pooled rate is near gamma.
    const docs: number[][] = [];
    const labels: number[][] = [];
    for (let d = 0; d < 30; d++) {
      const s = d % 3;
      docs.push(biased(rng, 120, s === 0 ? -1.2 : s === 1 ? 0.9 : 0));
      labels.push(new Array(120).fill(s));
    }
    for (const method of ['fisher', 'min-p'] as const) {
      const det = createDetector({ key: KEY, vocabSize: V, strata: { count: 3, method } });
      docs.forEach((d, i) => det.add(d, { strata: labels[i] }));
      const r = det.result();
      expect(r.test).toBe('strata');
      const pairs = distinctPairs(docs);
      const counts = [0, 1, 2].map((s) => {
        const mine = pairs.filter((p) => p.d % 3 === s);
        return { trials: mine.length, successes: mine.reduce((a, p) => a + p.green, 0) };
      });
      expect(r.strata!.strata.map((s) => ({ trials: s.scored, successes: s.green }))).toEqual(counts);
      const expected = combineStrata(counts, r.greenProbability, { method });
      expect(r.log10PValue).toBe(expected.log10PValue);
      expect(r.strata!.log10PValue).toBe(expected.log10PValue);
      expect(r.strata!.strata.map((s) => s.direction)).toEqual(['deficit', 'excess', expected.strata[2]!.direction]);
      expect(r.strata!.strata[0]!.label).toBe('label 0');
      expect(r.verdict).toBe('detected');
    }
  });

  it('built in: by the window count in the reference, never by whether the pair occurs there', () => {
    const rng = new Rng(4);
    const suspect = Array.from({ length: 12 }, () => rng.tokens(200, 300));
    // The reference shares windows with the suspect (some of them several times) and has its own.
    const reference = [...suspect.slice(0, 4), ...suspect.slice(0, 2), ...Array.from({ length: 6 }, () => rng.tokens(200, 300))];
    const det = createDetector({ key: KEY, vocabSize: V, strata: { reference, bounds: [1, 2, 4] } });
    for (const d of suspect) det.add(d);
    const r = det.result();
    const counts = windowCounts(reference);
    const stratumOf = (c: number) => (c < 1 ? 0 : c < 2 ? 1 : c < 4 ? 2 : 3);
    const pairs = distinctPairs(suspect);
    const expected = [0, 1, 2, 3].map((s) => {
      const mine = pairs.filter((p) => stratumOf(counts.get(p.w) ?? 0) === s);
      return [mine.length, mine.reduce((a, p) => a + p.green, 0)];
    });
    expect(r.strata!.strata.map((s) => [s.scored, s.green])).toEqual(expected);
    expect(expected.every(([n]) => n! > 0)).toBe(true);
    expect(r.strata!.strata.map((s) => s.label)).toEqual(['window count 0', 'window count 1', 'window count 2-3', 'window count >= 4']);
    expect(r.scored).toBe(pairs.length);
  });
});

describe('weights', () => {
  it('quantizes weights to levels and tests the weighted green count exactly', () => {
    const rng = new Rng(5);
    const docs = Array.from({ length: 20 }, () => biased(rng, 100, 0.5));
    // Colour-blind weights: a function of the position's ids only.
    const weightsOf = (doc: number[]) => doc.map((t, i) => ((t * 7 + i * 13) % 101) / 100);
    const det = createDetector({ key: KEY, vocabSize: V, weights: { levels: 8 } });
    for (const d of docs) det.add(d, { weights: weightsOf(d) });
    const r = det.result();
    expect(r.test).toBe('weighted');
    const perLevel = Array.from({ length: 9 }, () => ({ trials: 0, successes: 0 }));
    const pairs = distinctPairs(docs);
    for (const p of pairs) {
      const l = Math.round(weightsOf(docs[p.d]!)[p.i]! * 8);
      perLevel[l]!.trials++;
      perLevel[l]!.successes += p.green;
    }
    expect(r.weighted!.scoredPerLevel).toEqual(perLevel.map((x) => x.trials));
    expect(r.weighted!.greenPerLevel).toEqual(perLevel.map((x) => x.successes));
    const w = weightedBinomialTail(perLevel.map((x, l) => ({ weight: l, ...x })), r.greenProbability);
    expect(r.weighted!.method).toBe('exact');
    expect(r.log10PValue).toBe(w.log10PValue);
    expect(r.weighted!.statistic).toBe(w.statistic);
    expect(r.verdict).toBe('detected');
  });

  it('weights that follow the watermark\'s lift beat the unweighted test on the same positions', () => {
    // A faint signal present only where the weight is high (as where the teacher's entropy was high).
    const rng = new Rng(6);
    const docs: number[][] = [];
    const weights: number[][] = [];
    for (let d = 0; d < 60; d++) {
      const strong = d % 4 === 0;
      docs.push(biased(rng, 100, strong ? 0.6 : 0));
      weights.push(new Array(100).fill(strong ? 1 : 0.1));
    }
    const plain = createDetector({ key: KEY, vocabSize: V });
    const weighted = createDetector({ key: KEY, vocabSize: V, weights: {} });
    docs.forEach((d, i) => {
      plain.add(d);
      weighted.add(d, { weights: weights[i] });
    });
    expect(weighted.result().log10PValue!).toBeLessThan(plain.result().log10PValue! - 1);
  });
});

describe('rare-window scope', () => {
  it('scores only windows whose reference count is in [min, max]; the rest are skipped as filtered', () => {
    const rng = new Rng(7);
    const suspect = Array.from({ length: 10 }, () => rng.tokens(150, 200));
    const reference = [...suspect.slice(0, 3), suspect[0]!, ...Array.from({ length: 5 }, () => rng.tokens(150, 200))];
    const counts = windowCounts(reference);
    for (const [min, max] of [[0, 0], [1, 1], [0, 1], [2, 10]] as const) {
      const det = createDetector({ key: KEY, vocabSize: V, scope: { reference, min, max } });
      for (const d of suspect) det.add(d);
      const r = det.result();
      const inScope = (w: string) => (counts.get(w) ?? 0) >= min && (counts.get(w) ?? 0) <= max;
      // Out-of-scope positions never enter the deduplication set.
      const kept = suspect.map((d) => d.map((t, i) => (i >= 2 && inScope(`${d[i - 2]},${d[i - 1]}`) ? t : -1)));
      const seen = new Set<string>();
      let scored = 0, green = 0, filtered = 0;
      suspect.forEach((d, di) => {
        for (let i = 2; i < d.length; i++) {
          if (kept[di]![i] === -1) { filtered++; continue; }
          const k = `${d[i - 2]},${d[i - 1]}|${d[i]}`;
          if (seen.has(k)) continue;
          seen.add(k);
          scored++;
          green += gl.isGreen([d[i - 2]!, d[i - 1]!], d[i]!) ? 1 : 0;
        }
      });
      expect([r.scored, r.green, r.skipped.filtered]).toEqual([scored, green, filtered]);
      expect(r.log10PValue).toBe(scored > 0 ? binomialTail(green, scored, r.greenProbability).log10PValue : null);
    }
  });

  it('combines with strata on the same reference', () => {
    const rng = new Rng(8);
    const suspect = Array.from({ length: 6 }, () => rng.tokens(100, 150));
    const reference = suspect.slice(0, 3);
    const det = createDetector({ key: KEY, vocabSize: V, scope: { reference, max: 3 }, strata: { reference, bounds: [2] } });
    for (const d of suspect) det.add(d);
    const r = det.result();
    expect(r.strata!.strata.reduce((a, s) => a + s.scored, 0)).toBe(r.scored);
  });
});

describe('variants: bad input', () => {
  const ok = { key: KEY, vocabSize: 100 };
  it('refuses variants that do not combine, and malformed options, naming the field', () => {
    const ref = [[1, 2, 3]];
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return 'no error';
    };
    expect(field(() => createDetector({ ...ok, alternative: 'less' as never }))).toBe('alternative');
    expect(field(() => createDetector({ ...ok, alternative: 'two-sided', strata: { count: 2 } }))).toBe('strata');
    expect(field(() => createDetector({ ...ok, strata: { count: 2 }, weights: {} }))).toBe('weights');
    expect(field(() => createDetector({ ...ok, strata: { count: 1 } }))).toBe('strata.count');
    expect(field(() => createDetector({ ...ok, strata: { count: 2, method: 'median' as never } }))).toBe('strata.method');
    expect(field(() => createDetector({ ...ok, strata: { reference: ref, bounds: [] } }))).toBe('strata.bounds');
    expect(field(() => createDetector({ ...ok, strata: { reference: ref, bounds: [2, 2] } }))).toBe('strata.bounds[1]');
    expect(field(() => createDetector({ ...ok, strata: { reference: ref, bounds: [0] } }))).toBe('strata.bounds[0]');
    expect(field(() => createDetector({ ...ok, strata: { reference: 5 as never, bounds: [1] } }))).toBe('strata.reference');
    expect(field(() => createDetector({ ...ok, strata: { reference: [[1, 500]], bounds: [1] } }))).toBe('strata.reference[0][1]');
    expect(field(() => createDetector({ ...ok, weights: { max: 0 } }))).toBe('weights.max');
    expect(field(() => createDetector({ ...ok, weights: { levels: 256 } }))).toBe('weights.levels');
    expect(field(() => createDetector({ ...ok, scope: { reference: ref, min: 3, max: 2 } }))).toBe('scope.max');
    expect(field(() => createDetector({ ...ok, scope: { reference: ref } as never }))).toBe('scope.max');
    expect(field(() => createDetector({ ...ok, scope: { reference: ref, max: 1 }, strata: { reference: [[1, 2]], bounds: [1] } }))).toBe('strata.reference');
  });

  it('add() needs labels and weights exactly when the detector asks for them, one per position, in range', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return 'no error';
    };
    const s = createDetector({ ...ok, strata: { count: 3 } });
    expect(field(() => s.add([1, 2, 3]))).toBe('strata');
    expect(field(() => s.add([1, 2, 3], { strata: [0, 1] }))).toBe('document 0, strata');
    expect(field(() => s.add([1, 2, 3], { strata: [0, 1, 3] }))).toBe('document 0, strata[2]');
    expect(field(() => s.add([1, 2, 3], { strata: [0, 1, 2], weights: [1, 1, 1] }))).toBe('weights');
    const w = createDetector({ ...ok, weights: { max: 2 } });
    expect(field(() => w.add([1, 2, 3]))).toBe('weights');
    expect(field(() => w.add([1, 2, 3], { weights: [0, 1, 2.5] }))).toBe('document 0, weights[2]');
    expect(field(() => w.add([1, 2, 3], { weights: [0, NaN, 1] }))).toBe('document 0, weights[1]');
    expect(field(() => w.add([1, 2, 3], { weights: [0, '1' as never, 1] }))).toBe('document 0, weights[1]');
    expect(field(() => createDetector(ok).add([1, 2], { strata: [0, 0] }))).toBe('strata');
    // A refused document changes nothing.
    expect(w.result().documents).toBe(0);
    w.add([1, 2, 3], { weights: [0, 1, 2] });
    expect(w.result()).toMatchObject({ documents: 1, scored: 1 });
  });
});
