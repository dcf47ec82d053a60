/**
 * Detection with a key family (issue 11; docs/detection.md, "Key families"): every member key in
 * one pass, the layered family test as the verdict, attribution to cohorts and epochs only once
 * it fires, and the refusals that keep a family from being tested as its master key alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyFamily, keyFromBytes, type KeyFamily } from '../src/key/index.js';
import { createGreenList } from '../src/scheme/index.js';
import { checkKey, createDetector, createMultiKeyDetector, createWindowDetector, detectWindows } from '../src/detect/index.js';
import { binomialTail } from '../src/stats/index.js';
import { clopperPearson, Rng, testKey, watermarked } from './detect-helpers.js';

const V = 3000;
const family = (byte: number, cohorts: number, epochDays?: number): KeyFamily =>
  createKeyFamily(testKey(byte), epochDays === undefined ? { cohorts } : { cohorts, epochDays, epochOrigin: '2026-01-01' });

/** Documents watermarked under one member of the family (delta 1.2: a faint, student-like excess). */
function docsUnder(fam: KeyFamily, cohort: number, epoch: number | undefined, rng: Rng, count: number, delta = 1.2): number[][] {
  const gl = createGreenList({ key: fam.key(cohort, epoch), gamma: 0.25, contextWidth: 2, vocabSize: V });
  return Array.from({ length: count }, () => watermarked(gl, 120, delta, rng));
}

describe('a key family', () => {
  it('of one cohort without epochs is its master key, byte for byte', () => {
    const fam = family(1, 1);
    const rng = new Rng(1);
    const docs = docsUnder(fam, 0, undefined, rng, 5);
    const a = createDetector({ key: fam, vocabSize: V, curve: true, decoys: 3 });
    const b = createDetector({ key: fam.key(0), vocabSize: V, curve: true, decoys: 3 });
    for (const d of docs) {
      a.add(d);
      b.add(d);
    }
    expect(a.result()).toEqual(b.result());
    expect(a.result().test).toBe('pooled');
  });

  it('colours every member in one pass: each member\'s count equals a detector of that member alone', () => {
    const fam = family(2, 3, 7);
    const rng = new Rng(2);
    const docs = [...docsUnder(fam, 1, 0, rng, 4), ...Array.from({ length: 4 }, () => rng.tokens(100, V))];
    const det = createDetector({ key: fam, epochs: 2, vocabSize: V });
    for (const d of docs) det.add(d);
    const r = det.result();
    expect(r.test).toBe('family');
    expect(r.family!.members).toBe(6);
    expect(r.trials).toBe(6 * r.scored);
    let total = 0;
    for (const m of r.family!.perMember) {
      const single = createDetector({ key: fam.key(m.cohort, m.epoch!), vocabSize: V });
      for (const d of docs) single.add(d);
      const s = single.result();
      expect(s.scored).toBe(r.scored);
      expect(m.green).toBe(s.green);
      expect(m.log10PValue).toBe(s.log10PValue);
      expect(m.fingerprint).toBe(fam.key(m.cohort, m.epoch!).fingerprint);
      total += s.green;
    }
    expect(r.green).toBe(total);
    expect(r.fingerprint).toBe(fam.fingerprint);
    expect(r.family!.perMember.map((m) => [m.cohort, m.epoch])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
  });

  it('detects a harvest from two of sixteen cohorts and attributes it to exactly those (Holm)', () => {
    const fam = family(3, 16);
    const rng = new Rng(3);
    const docs = [...docsUnder(fam, 5, undefined, rng, 25), ...docsUnder(fam, 11, undefined, rng, 25), ...Array.from({ length: 100 }, () => rng.tokens(120, V))];
    const det = createDetector({ key: fam, vocabSize: V });
    for (const d of docs) det.add(d);
    const r = det.result();
    expect(r.verdict).toBe('detected');
    expect(r.family!.layers.map((l) => l.name)).toEqual(['pooled', 'member min-p']);
    const minLayer = Math.min(...r.family!.layers.map((l) => l.log10PValue));
    expect(r.log10PValue).toBeCloseTo(Math.log10(2) + minLayer, 9);
    const flagged = r.family!.attribution!.cohorts.filter((c) => c.flagged).map((c) => c.index);
    expect(flagged).toEqual([5, 11]);
    expect(r.family!.attribution!.epochs).toBeNull();
    // A cohort's pooled test over its (single) epoch is its member's test.
    expect(r.family!.attribution!.cohorts[5]!.log10PValue).toBe(r.family!.perMember[5]!.log10PValue);
  });

  it('with epochs: four layers, and attribution to cohorts and to epochs', () => {
    const fam = family(4, 4, 30);
    const rng = new Rng(4);
    // Cohorts 0 and 3, both in epoch 2 only.
    const docs = [...docsUnder(fam, 0, 2, rng, 25), ...docsUnder(fam, 3, 2, rng, 25), ...Array.from({ length: 60 }, () => rng.tokens(120, V))];
    const det = createDetector({ key: fam, epochs: 3, vocabSize: V });
    for (const d of docs) det.add(d);
    const r = det.result();
    expect(r.family!.layers.map((l) => l.name)).toEqual(['pooled', 'member min-p', 'cohort min-p', 'epoch min-p']);
    expect(r.verdict).toBe('detected');
    const a = r.family!.attribution!;
    expect(a.cohorts.filter((c) => c.flagged).map((c) => c.index)).toEqual([0, 3]);
    expect(a.epochs!.filter((e) => e.flagged).map((e) => e.index)).toEqual([2]);
    // Cohort 0 pools its three epochs: trials 3N.
    expect(a.cohorts[0]!.trials).toBe(3 * r.scored);
    expect(a.cohorts[0]!.log10PValue).toBe(binomialTail(a.cohorts[0]!.green, 3 * r.scored, r.greenProbability).log10PValue);
    expect(a.epochs![2]!.trials).toBe(4 * r.scored);
  });

  it('attribution is withheld until the family test fires', () => {
    const fam = family(5, 8);
    const rng = new Rng(5);
    const det = createDetector({ key: fam, vocabSize: V });
    for (let d = 0; d < 30; d++) det.add(rng.tokens(100, V));
    const r = det.result();
    expect(r.verdict).toBe('not-detected');
    expect(r.family!.attribution).toBeNull();
    expect(r.family!.perMember).toHaveLength(8);
  });

  it('shards split by pair fingerprint merge to the single pass', () => {
    const fam = family(6, 3, 10);
    const rng = new Rng(6);
    const docs = [...docsUnder(fam, 2, 1, rng, 6), ...Array.from({ length: 6 }, () => rng.tokens(80, V))];
    const single = createDetector({ key: fam, epochs: 2, vocabSize: V });
    for (const d of docs) single.add(d);
    const agg = createDetector({ key: fam, epochs: 2, vocabSize: V, shard: { index: 0, count: 3 } });
    for (let index = 0; index < 3; index++) {
      const s = createDetector({ key: fam, epochs: 2, vocabSize: V, shard: { index, count: 3 } });
      for (const d of docs) s.add(d);
      agg.merge(structuredClone(s.state()));
    }
    expect({ ...agg.result(), shards: null }).toEqual({ ...single.result(), shards: null });
    // A state of another epoch count is another configuration.
    const other = createDetector({ key: fam, epochs: 3, vocabSize: V, shard: { index: 1, count: 3 } });
    expect(() => createDetector({ key: fam, epochs: 2, vocabSize: V, shard: { index: 0, count: 3 } }).merge(other.state())).toThrow(
      expect.objectContaining({ code: 'CONFIG_MISMATCH' }),
    );
  });
});

describe('a key family: refusals name the value and the family fingerprint', () => {
  const fam = family(7, 4, 30);
  const flat = family(8, 4);
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      const x = e as { code: string; field: string; message: string };
      return { code: x.code, field: x.field, message: x.message };
    }
    throw new Error('did not throw');
  };
  it('epochs: required with epochs, refused without, bounded', () => {
    const a = err(() => createDetector({ key: fam, vocabSize: V }));
    expect(a).toMatchObject({ code: 'KEY_MISMATCH', field: 'epochs' });
    expect(a.message).toContain(fam.fingerprint);
    const b = err(() => createDetector({ key: flat, epochs: 2, vocabSize: V }));
    expect(b).toMatchObject({ code: 'OUT_OF_RANGE', field: 'epochs' });
    expect(b.message).toContain(flat.fingerprint);
    expect(err(() => createDetector({ key: testKey(9), epochs: 2, vocabSize: V }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'epochs' });
    expect(err(() => createDetector({ key: fam, epochs: 0, vocabSize: V }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'epochs' });
    expect(err(() => createDetector({ key: fam, epochs: 1.5, vocabSize: V }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'epochs' });
  });

  it('APIs that take one key refuse a family instead of testing its master key', () => {
    for (const f of [
      () => detectWindows({ key: flat as never, vocabSize: V, windowSize: 10 }, [1, 2, 3]),
      () => createWindowDetector({ key: flat as never, vocabSize: V, windowSize: 10 }),
      () => checkKey({ key: flat as never, vocabSize: V, corpus: [] }),
      () => createMultiKeyDetector({ keys: [testKey(9), flat as never], vocabSize: V }),
    ]) {
      const e = err(f);
      expect(e.code).toBe('KEY_MISMATCH');
      expect(e.message).toContain(flat.fingerprint);
    }
  });

  it('decoys, variants and a curve beyond 255 members are refused with a family', () => {
    expect(err(() => createDetector({ key: flat, vocabSize: V, decoys: 5 }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'decoys' });
    expect(err(() => createDetector({ key: flat, vocabSize: V, alternative: 'two-sided' })).field).toBe('alternative');
    expect(err(() => createDetector({ key: flat, vocabSize: V, strata: { count: 2 } })).field).toBe('strata');
    expect(err(() => createDetector({ key: flat, vocabSize: V, weights: {} })).field).toBe('weights');
    const big = family(10, 16, 30);
    expect(err(() => createDetector({ key: big, epochs: 16, vocabSize: V, curve: true }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'curve' });
    expect(err(() => createDetector({ key: big, epochs: 300, vocabSize: V }))).toMatchObject({ code: 'OUT_OF_RANGE', field: 'epochs' });
    createDetector({ key: big, epochs: 16, vocabSize: V });
  });
});

/** One-sided KS: the excess of small p-values, and its bound exp(-2 n D+^2). */
function ksTooSmall(ps: number[]): number {
  const s = [...ps].sort((a, b) => a - b);
  let d = 0;
  s.forEach((p, i) => (d = Math.max(d, (i + 1) / s.length - p)));
  return Math.exp(-2 * s.length * d * d);
}

describe('a key family: the null over many seeds', () => {
  it('the family test is never anti-conservative on clean corpora (one-sided KS, rate at 0.05)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom<[number, number | undefined]>([4, undefined], [3, 3], [1, 5]), (seed, [K, E]) => {
        const rng = new Rng(seed);
        const ps: number[] = [];
        for (let c = 0; c < 100; c++) {
          const master = keyFromBytes(Uint8Array.from({ length: 32 }, () => rng.int(256)));
          const fam = createKeyFamily(master, E === undefined ? { cohorts: K } : { cohorts: K, epochDays: 30, epochOrigin: '2026-01-01' });
          const det = createDetector({ key: fam, vocabSize: V, ...(E === undefined ? {} : { epochs: E }) });
          const d0 = rng.tokens(100, V);
          for (const d of [d0, rng.tokens(100, V), d0, rng.tokens(100, V)]) det.add(d);
          ps.push(10 ** det.result().log10PValue!);
        }
        expect(ksTooSmall(ps)).toBeGreaterThan(1e-3);
        expect(clopperPearson(ps.filter((p) => p <= 0.05).length, ps.length, 0.999)[0]).toBeLessThanOrEqual(0.05);
      }),
      { numRuns: 3 },
    );
  });
});
