import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@noble/hashes/utils.js';
import { RadiomarkError } from '../src/errors.js';
import { secretBytes } from '../src/key/secret-key.js';
import { createGreenList } from '../src/scheme/index.js';
import {
  checkKey,
  createDetector,
  createMultiKeyDetector,
  createWindowDetector,
  detectWindows,
  type DetectionResult,
  type DetectorState,
} from '../src/detect/index.js';
import { binomialTail, ksUniform } from '../src/stats/index.js';
import { randomizedPValue } from '../src/detect/index.js';
import { Fingerprinter, FingerprintSet, idBits } from '../src/detect/fingerprint.js';
import { clopperPearson, exactTail, Rng, testKey, watermarked } from './detect-helpers.js';

const V = 50_257;
const KEY_A = testKey(1);
const KEY_B = testKey(2);
const glA = createGreenList({ key: KEY_A, gamma: 0.25, contextWidth: 2, vocabSize: V });

const sumSkipped = (r: DetectionResult): number => Object.values(r.skipped).reduce((a, b) => a + b, 0);

describe('the pooled test', () => {
  it('detects text watermarked under the key, with exact figures', () => {
    const rng = new Rng(1);
    const det = createDetector({ key: KEY_A, vocabSize: V });
    for (let d = 0; d < 5; d++) det.add(watermarked(glA, 200, 2, rng));
    const r = det.result();
    expect(r.documents).toBe(5);
    expect(r.scored).toBe(5 * 198);
    expect(r.skipped.noWindow).toBe(10);
    expect(r.greenProbability).toBe(0.25);
    expect(r.greenFraction).toBeGreaterThan(0.6);
    const t = binomialTail(r.green, r.scored, 0.25);
    expect(r.log10PValue).toBe(t.log10PValue);
    expect(r.pValue).toBe(t.pValue);
    expect(r.log10PValue!).toBeLessThan(-100);
    expect(r.verdict).toBe('detected');
    expect(r.z!).toBeGreaterThan(10);
    expect(r.warnings).toEqual([]);
    expect(r.perDocument).toHaveLength(5);
    expect(r.perDocument.reduce((a, d) => a + d.scored, 0)).toBe(r.scored);
    expect(r.perDocument.reduce((a, d) => a + d.green, 0)).toBe(r.green);
  });

  it('uses the exact green probability, not the nominal gamma', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V, gamma: 0.1 });
    expect(det.greenProbability).toBe(214748364 / 2 ** 31);
    det.add(new Rng(3).tokens(300, V));
    const r = det.result();
    expect(r.gamma).toBe(0.1);
    expect(r.greenProbability).toBe(214748364 / 2 ** 31);
    expect(r.log10PValue).toBe(binomialTail(r.green, r.scored, 214748364 / 2 ** 31).log10PValue);
  });

  it('matches an independent exact tail on a small corpus', () => {
    const det = createDetector({ key: KEY_B, vocabSize: 1000, contextWidth: 1 });
    det.add(new Rng(4).tokens(120, 1000));
    const r = det.result();
    expect(r.pValue!).toBeCloseTo(exactTail(r.green, r.scored, 0.25), 12);
  });

  it('an empty corpus says nothing was scored instead of p = 1', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V });
    const r = det.result();
    expect(r).toMatchObject({ scored: 0, green: 0, documents: 0, pValue: null, log10PValue: null, z: null, greenFraction: null, verdict: 'insufficient' });
    expect(r.warnings[0]).toMatch(/nothing was scored/);
  });

  it('documents shorter than the window are counted as skipped', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V, contextWidth: 2 });
    det.add([]);
    det.add([5]);
    det.add([5, 6]);
    det.add([5, 6, 7]);
    const r = det.result();
    expect(r.documents).toBe(4);
    expect(r.scored).toBe(1);
    expect(r.skipped.noWindow).toBe(5);
    expect(r.verdict).toBe('insufficient');
    expect(r.perDocument.map((d) => d.log10PValue === null)).toEqual([true, true, true, false]);
  });

  it('is insufficient when even all-green could not reach alpha', () => {
    // 0.25^9 = 3.8e-6 > 1e-6: nine positions can never be evidence at the default alpha.
    const det = createDetector({ key: KEY_A, vocabSize: V });
    det.add(new Rng(5).tokens(11, V));
    expect(det.result().verdict).toBe('insufficient');
    const det2 = createDetector({ key: KEY_A, vocabSize: V });
    det2.add(new Rng(5).tokens(12, V));
    expect(det2.result().verdict).toBe('not-detected');
  });

  it('never puts the key in the result or the state', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V, decoys: 3, curve: true });
    det.add(watermarked(glA, 100, 2, new Rng(6)));
    const secret = bytesToHex(secretBytes(KEY_A));
    const text = JSON.stringify(det.result()) + JSON.stringify(det.state(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint32Array) : v));
    expect(text).not.toContain(secret);
    expect(text).toContain(KEY_A.fingerprint);
  });
});

describe('position rules', () => {
  it('R0: special tokens and everything from end-of-text on are skipped and counted', () => {
    const det = createDetector({ key: KEY_A, vocabSize: 100, specialTokens: [7, 8], endOfText: 99 });
    det.add([1, 2, 7, 3, 8, 4, 99, 5, 6, 7]);
    const r = det.result();
    expect(r.skipped).toMatchObject({ noWindow: 2, special: 2, afterEndOfText: 4 });
    expect(r.scored).toBe(2);
    expect(r.scored + sumSkipped(r)).toBe(10);
  });

  it('R0: several end-of-text ids', () => {
    const det = createDetector({ key: KEY_A, vocabSize: 100, endOfText: [98, 99] });
    det.add([1, 2, 3, 98, 5]);
    det.add([1, 2, 3, 4, 99]);
    expect(det.result().skipped.afterEndOfText).toBe(3);
  });

  it('R2-R4: one document repeated 1000 times scores exactly like the document alone', () => {
    const doc = watermarked(glA, 300, 1, new Rng(7));
    const one = createDetector({ key: KEY_A, vocabSize: V });
    one.add(doc);
    const many = createDetector({ key: KEY_A, vocabSize: V });
    for (let i = 0; i < 1000; i++) many.add(doc);
    const a = one.result();
    const b = many.result();
    expect(b.scored).toBe(a.scored);
    expect(b.green).toBe(a.green);
    expect(b.pValue).toBe(a.pValue);
    expect(b.log10PValue).toBe(a.log10PValue);
    expect(b.skipped.duplicate).toBe(999 * a.scored + a.skipped.duplicate * 1000);
    expect(b.perDocument[1]!.scored).toBe(0);
  });

  it('R3 deduplicates on (window, token): the same window with another token is scored', () => {
    const det = createDetector({ key: KEY_A, vocabSize: 100, contextWidth: 2 });
    det.add([1, 2, 3]);
    det.add([1, 2, 4]);
    det.add([1, 2, 3]);
    expect(det.result()).toMatchObject({ scored: 2, skipped: { duplicate: 1 } });
  });

  it('dedup: false counts repeats and flags the result', () => {
    const doc = new Rng(8).tokens(50, V);
    const det = createDetector({ key: KEY_A, vocabSize: V, dedup: false });
    det.add(doc);
    det.add(doc);
    const r = det.result();
    expect(r.scored).toBe(96);
    expect(r.dedup).toBe(false);
    expect(r.warnings.join(' ')).toMatch(/deduplication is off/);
  });

  it('R1: an untrained suspect that copies watermarked prompts verbatim is not flagged', () => {
    const rng = new Rng(9);
    const prompts: number[][] = [];
    const completions: number[][] = [];
    for (let d = 0; d < 40; d++) {
      const prompt = watermarked(glA, 150, 3, rng);
      prompts.push(prompt);
      // The suspect repeats a long stretch of its prompt, then writes unwatermarked text.
      completions.push([...prompt.slice(20, 140), ...rng.tokens(60, V)]);
    }
    const withR1 = createDetector({ key: KEY_A, vocabSize: V });
    const withoutR1 = createDetector({ key: KEY_A, vocabSize: V, promptExclusion: false });
    for (let d = 0; d < 40; d++) {
      withR1.add(completions[d]!, { promptTokens: prompts[d] });
      withoutR1.add(completions[d]!, { promptTokens: prompts[d] });
    }
    const good = withR1.result();
    const bad = withoutR1.result();
    expect(bad.verdict).toBe('detected'); // the trap R1 exists for
    expect(good.verdict).toBe('not-detected');
    expect(good.log10PValue!).toBeGreaterThan(-3);
    expect(good.skipped.promptWindow).toBeGreaterThanOrEqual(40 * 117);
    expect(good.scored + sumSkipped(good)).toBe(40 * 180);
  });

  it('filter: keeps only windows found in the reference sequences', () => {
    const reference = [[1, 2, 3, 4, 5]];
    const det = createDetector({ key: KEY_A, vocabSize: 100, filter: reference });
    det.add([1, 2, 9, 3, 4, 9, 7, 7, 7]);
    // windows: (1,2) yes, (2,9) no, (9,3) no, (3,4) yes, (4,9) no, (9,7) no, (7,7) no
    expect(det.result()).toMatchObject({ scored: 2, skipped: { filtered: 5, noWindow: 2 } });
  });

  it('budget: stops at exactly N scored positions and says so', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V, budget: 250 });
    const rng = new Rng(10);
    for (let d = 0; d < 5; d++) det.add(rng.tokens(100, V));
    const r = det.result();
    expect(r.scored).toBe(250);
    expect(r.budget).toEqual({ limit: 250, reached: true });
    expect(r.scored + sumSkipped(r)).toBe(500);
    expect(r.skipped.budget).toBe(500 - 250 - r.skipped.noWindow - r.skipped.duplicate);
    const det2 = createDetector({ key: KEY_A, vocabSize: V, budget: 10_000 });
    det2.add(rng.tokens(100, V));
    expect(det2.result().budget).toEqual({ limit: 10_000, reached: false });
  });

  it('curve: p after each 1% of scored positions, ending at the verdict value', () => {
    const det = createDetector({ key: KEY_A, vocabSize: V, curve: true });
    const rng = new Rng(11);
    for (let d = 0; d < 10; d++) det.add(watermarked(glA, 100, 0.5, rng));
    const r = det.result();
    expect(r.curve).toHaveLength(100);
    const last = r.curve![99]!;
    expect(last).toMatchObject({ fraction: 1, scored: r.scored, green: r.green, log10PValue: r.log10PValue });
    for (let k = 1; k < 100; k++) expect(r.curve![k]!.scored).toBeGreaterThan(r.curve![k - 1]!.scored);
    expect(r.curve![0]!.scored).toBe(Math.ceil(r.scored / 100));
  });
});

describe('reading mode', () => {
  it('scores isGreen(window of the text, predicted token)', () => {
    const rng = new Rng(12);
    const text = watermarked(glA, 400, 2, rng);
    // A suspect that learnt the watermark predicts a green continuation; an innocent one, random ids.
    const seed = new Uint32Array(3);
    const buf = Uint32Array.from(text);
    const learnt = text.map((_, i) => {
      if (i < 2) return 0;
      glA.seedWindow(buf, i, seed, 0);
      let t: number;
      do t = rng.int(V);
      while (!glA.isGreenSeeded(seed, 0, t) && rng.next() < 0.6);
      return t;
    });
    const a = createDetector({ key: KEY_A, vocabSize: V });
    a.addPredictions(text, learnt);
    expect(a.result().verdict).toBe('detected');
    const b = createDetector({ key: KEY_A, vocabSize: V });
    b.addPredictions(text, rng.tokens(400, V));
    expect(b.result().verdict).toBe('not-detected');
  });

  it('predicting the text itself is the same as scoring the text', () => {
    const text = watermarked(glA, 300, 1, new Rng(13));
    const a = createDetector({ key: KEY_A, vocabSize: V });
    a.add(text);
    const b = createDetector({ key: KEY_A, vocabSize: V });
    b.addPredictions(text, text);
    expect(b.result()).toEqual(a.result());
  });
});

describe('decoy keys (N3)', () => {
  it('watermarked text ranks first among decoys; decoys are uniform', () => {
    const rng = new Rng(14);
    const det = createDetector({ key: KEY_A, vocabSize: V, decoys: 49 });
    for (let d = 0; d < 20; d++) det.add(watermarked(glA, 100, 1, rng));
    const r = det.result();
    expect(r.decoys!.count).toBe(49);
    expect(r.decoys!.values).toHaveLength(49);
    expect(r.decoys!.rankPValue).toBe(1 / 50);
    expect(r.decoys!.uniform).toBe(true);
    expect(r.decoys!.warning).toBeUndefined();
    expect(Math.min(...r.decoys!.values)).toBeGreaterThan(r.log10PValue!);
  });

  it('decoys score the same positions under deriveKey(key, "decoy/i")', async () => {
    const { deriveKey } = await import('../src/key/index.js');
    const docs = [new Rng(15).tokens(300, V)];
    const det = createDetector({ key: KEY_A, vocabSize: V, decoys: 2 });
    const d2 = createDetector({ key: deriveKey(KEY_A, 'decoy/2'), vocabSize: V });
    for (const d of docs) {
      det.add(d);
      d2.add(d);
    }
    expect(det.result().decoys!.values[1]).toBe(d2.result().log10PValue);
  });

  it('a pipeline bug (deduplication off on a repeated corpus) makes the decoys non-uniform and warns', () => {
    const doc = new Rng(16).tokens(200, V);
    const det = createDetector({ key: KEY_A, vocabSize: V, decoys: 100, dedup: false });
    for (let i = 0; i < 50; i++) det.add(doc);
    const r = det.result();
    expect(r.decoys!.uniform).toBe(false);
    expect(r.decoys!.warning).toMatch(/pipeline bug/);
    expect(r.warnings.some((w) => /decoy/.test(w))).toBe(true);
  });
});

describe('merge of shards split by pair fingerprint', () => {
  const corpus = (() => {
    const rng = new Rng(17);
    const docs: { c: number[]; p: number[] }[] = [];
    for (let d = 0; d < 60; d++) {
      const p = watermarked(glA, 40, 2, rng);
      const c = d % 3 === 0 ? [...p.slice(5, 25), ...watermarked(glA, 60, 0.7, rng, p)] : watermarked(glA, 80, 0.7, rng, p);
      docs.push({ c, p });
      if (d % 7 === 0) docs.push({ c, p }); // repeated documents
    }
    return docs;
  })();
  // The reference data holds the windows of every other completion (and the prompts they copy).
  const filter = corpus.filter((_, i) => i % 2 === 0).map((d) => d.c);
  const opts = { key: KEY_A, vocabSize: V, decoys: 5, specialTokens: [3, 4, 5], endOfText: 0, filter };
  const strip = (r: DetectionResult): DetectionResult => ({ ...r, shards: null, warnings: r.warnings.filter((w) => !/shards/.test(w)) });

  for (const count of [2, 3, 7]) {
    it(`${count} shards merged equal one pass exactly`, () => {
      const single = createDetector(opts);
      for (const { c, p } of corpus) single.add(c, { promptTokens: p });
      const shards = Array.from({ length: count }, (_, index) => createDetector({ ...opts, shard: { index, count } }));
      for (const s of shards) for (const { c, p } of corpus) s.add(c, { promptTokens: p });
      const states = shards.map((s) => structuredClone(s.state()));
      const agg = createDetector({ ...opts, shard: { index: 0, count } });
      for (const st of states.reverse()) agg.merge(st);
      const merged = agg.result();
      expect(merged.shards).toEqual({ count, covered: Array.from({ length: count }, (_, i) => i) });
      expect(merged.warnings.some((w) => /shards/.test(w))).toBe(false);
      expect(strip(merged)).toEqual(strip(single.result()));
      expect(single.result().skipped.promptWindow).toBeGreaterThan(0);
      expect(single.result().skipped.filtered).toBeGreaterThan(0);
      expect(single.result().skipped.duplicate).toBeGreaterThan(0);
    });
  }

  it('a shard merging the others equals one pass too; partial coverage is flagged', () => {
    const count = 3;
    const shards = Array.from({ length: count }, (_, index) => createDetector({ ...opts, shard: { index, count } }));
    for (const s of shards) for (const { c, p } of corpus) s.add(c, { promptTokens: p });
    const single = createDetector(opts);
    for (const { c, p } of corpus) single.add(c, { promptTokens: p });
    shards[1]!.merge(shards[0]!.state());
    const partial = shards[1]!.result();
    expect(partial.warnings.join(' ')).toMatch(/only shards 0, 1 of 3/);
    shards[1]!.merge(shards[2]!.state());
    expect(strip(shards[1]!.result())).toEqual(strip(single.result()));
  });

  it('refuses overlapping shards, other keys, other rules and other corpora', () => {
    const a = createDetector({ key: KEY_A, vocabSize: V });
    const b = createDetector({ key: KEY_A, vocabSize: V });
    const doc = new Rng(19).tokens(50, V);
    a.add(doc);
    b.add(doc);
    expect(() => a.merge(b.state())).toThrow(expect.objectContaining({ code: 'STATE' }));
    // A refused merge leaves the detector unchanged.
    expect(a.result().scored).toBe(48);
    const fresh = createDetector({ key: KEY_A, vocabSize: V });
    fresh.merge(a.state());
    expect(fresh.result().scored).toBe(48);
    expect(() => fresh.add(doc)).toThrow(expect.objectContaining({ code: 'STATE' }));
    // Documents split (not pairs): disjoint coverage but a common pair.
    const s0 = createDetector({ key: KEY_A, vocabSize: V, shard: { index: 0, count: 2 } });
    const s1 = createDetector({ key: KEY_A, vocabSize: V, shard: { index: 1, count: 2 } });
    s0.add(doc);
    s1.add(doc);
    s1.add(doc);
    expect(() => s0.merge(s1.state())).toThrow(/documents/);
    expect(() => a.merge(createDetector({ key: KEY_B, vocabSize: V }).state())).toThrow(expect.objectContaining({ code: 'KEY_MISMATCH' }));
    expect(() => a.merge(createDetector({ key: KEY_A, vocabSize: V, decoys: 1 }).state())).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }));
    expect(() => a.merge(createDetector({ key: KEY_A, vocabSize: V, specialTokens: [1] }).state())).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }));
    expect(() => a.merge({} as DetectorState)).toThrow(TypeError);
    expect(() => a.merge(null as unknown as DetectorState)).toThrow(TypeError);
    expect(() => a.merge({ ...a.state(), pairs: [1, 2] } as unknown as DetectorState)).toThrow(TypeError);
    expect(() => a.merge({ ...a.state(), version: 1 } as unknown as DetectorState)).toThrow(TypeError);
    expect(() => a.merge({ ...a.state(), docScored: new Uint32Array(5) })).toThrow(TypeError);
    expect(() => a.merge({ ...a.state(), pairs: new Uint32Array(3) })).toThrow(/state.pairs must be a Uint32Array of even length/);
    expect(() => a.merge({ ...a.state(), skipped: { noWindow: 0 } } as unknown as DetectorState)).toThrow(/state.skipped must be an object with every skip count/);
    expect(() => a.merge({ ...a.state(), covered: ['0'] } as unknown as DetectorState)).toThrow(/state.covered must be a list of shard indexes/);
    expect(() => a.merge({ ...a.state(), trace: [1] } as unknown as DetectorState)).toThrow(/state.trace must be a Uint8Array or null/);
    expect(() => a.merge({ ...a.state(), scored: -1 })).toThrow(/state.scored must be a non-negative integer, got -1/);
    expect(() => a.merge({ ...a.state(), fingerprint: 5 } as unknown as DetectorState)).toThrow(/state.fingerprint must be a string, got 5/);
  });

  it('a pair scored in two states is refused even with disjoint shard indexes', () => {
    const doc = new Rng(20).tokens(50, V);
    const s0 = createDetector({ key: KEY_A, vocabSize: V, shard: { index: 0, count: 2 } });
    s0.add(doc);
    const forged = { ...s0.state(), covered: [1] };
    const other = createDetector({ key: KEY_A, vocabSize: V, shard: { index: 0, count: 2 } });
    other.add(doc);
    expect(() => other.merge(forged)).toThrow(/not split by pair fingerprint/);
  });
});

describe('null calibration (small; the 10^5 version is test/slow/null-calibration.test.ts)', () => {
  const docs = 3000;
  const n = 200;
  // The exact size of a level-0.01 test on n = 200 positions: P(X >= k*) for the smallest k* whose
  // tail is <= 0.01 (discrete, so below 0.01), from an independent summation.
  let kStar = 0;
  while (exactTail(kStar, n, 0.25) > 0.01) kStar++;
  const size = exactTail(kStar, n, 0.25);

  for (const [name, gen] of [
    ['random tokens', (rng: Rng) => rng.tokens(n + 2, V)],
    ['text watermarked under key A, scored under key B', (rng: Rng) => watermarked(glA, n + 2, 3, rng)],
  ] as const) {
    it(`${name}: p-values uniform (KS) and FPR at 0.01 inside its 99% Clopper-Pearson interval`, () => {
      const rng = new Rng(21);
      const det = createDetector({ key: KEY_B, vocabSize: V });
      for (let d = 0; d < docs; d++) det.add(gen(rng));
      const r = det.result();
      const full = r.perDocument.filter((d) => d.scored === n);
      expect(full.length).toBeGreaterThan(docs - 10);
      const randomized = full.map((d) => randomizedPValue(d.green, d.scored, r.greenProbability, rng.next()));
      const ks = ksUniform(randomized);
      expect(ks.n).toBe(full.length);
      expect(ks.pValue).toBeGreaterThan(0.001);
      const rejections = full.filter((d) => d.log10PValue! <= -2).length;
      const [lo, hi] = clopperPearson(rejections, full.length, 0.99);
      expect(size).toBeLessThanOrEqual(0.01);
      expect(size).toBeGreaterThanOrEqual(lo);
      expect(size).toBeLessThanOrEqual(hi);
      // The pooled corpus test under the null is not flagged either.
      expect(r.verdict).toBe('not-detected');
    });
  }
});

describe('key acceptance check (N1)', () => {
  it('accepts a key on clean text', () => {
    const rng = new Rng(22);
    const corpus = Array.from({ length: 500 }, () => rng.tokens(100, V));
    const c = checkKey({ key: KEY_A, vocabSize: V, corpus });
    expect(c).toMatchObject({ accepted: true, reasons: [], documents: 500, scored: 500 * 98 });
    expect(c.ks.n).toBe(500);
    expect(Math.abs(c.greenRate! - 0.25)).toBeLessThan(0.01);
  });

  it('rejects a key whose green lists line up with the "clean" corpus', () => {
    const rng = new Rng(23);
    const corpus = Array.from({ length: 200 }, () => watermarked(glA, 100, 0.3, rng));
    const c = checkKey({ key: KEY_A, vocabSize: V, corpus });
    expect(c.accepted).toBe(false);
    expect(c.reasons.join(' ')).toMatch(/would accuse clean text/);
  });

  it('rejects a key the corpus avoids (too few green)', () => {
    const rng = new Rng(24);
    const corpus = Array.from({ length: 200 }, () => watermarked(glA, 100, -2, rng));
    const c = checkKey({ key: KEY_A, vocabSize: V, corpus });
    expect(c.accepted).toBe(false);
    expect(c.reasons.join(' ')).toMatch(/below/);
  });

  it('rejects when per-document p-values are not uniform though the pooled rate is right', () => {
    // Half the documents strongly green, half strongly red: pooled rate near 0.25, documents extreme.
    const rng = new Rng(25);
    const corpus = Array.from({ length: 400 }, (_, i) => watermarked(glA, 60, i % 2 === 0 ? 1.2 : -3, rng));
    const c = checkKey({ key: KEY_A, vocabSize: V, corpus });
    expect(c.reasons.some((r) => /not uniform/.test(r))).toBe(true);
  });

  it('an empty corpus is rejected with a reason', () => {
    const c = checkKey({ key: KEY_A, vocabSize: V, corpus: [] });
    expect(c.accepted).toBe(false);
    expect(c.reasons[0]).toMatch(/nothing was scored/);
  });
});

describe('windowed detection', () => {
  const rng = new Rng(26);
  const before = rng.tokens(3000, V);
  const span = watermarked(glA, 400, 2.5, rng, before);
  const after = rng.tokens(3000, V);
  const text = [...before, ...span, ...after];

  it('locates a copied watermarked span and corrects for the number of windows (disjoint: Sidak)', () => {
    const w = detectWindows({ key: KEY_A, vocabSize: V, windowSize: 200 }, text);
    expect(w.correction).toBe('sidak');
    expect(w.count).toBe(Math.floor(w.whole.scored / 200));
    expect(w.min!.start).toBeGreaterThanOrEqual(2800);
    expect(w.min!.end).toBeLessThanOrEqual(3600);
    const K = w.count;
    // 1 - (1 - p)^K = K p (1 + O(K p)) for a p this small.
    expect(w.min!.log10PValue).toBeLessThan(-20);
    expect(w.correctedLog10PValue!).toBeCloseTo(Math.log10(K) + w.min!.log10PValue, 9);
    const moderate = detectWindows({ key: KEY_A, vocabSize: V, windowSize: 200 }, new Rng(31).tokens(4000, V));
    const p = 10 ** moderate.min!.log10PValue;
    expect(moderate.correctedLog10PValue!).toBeCloseTo(Math.log10(1 - (1 - p) ** moderate.count), 9);
    expect(w.verdict).toBe('detected');
  });

  it('overlapping windows use Bonferroni and cover the tail', () => {
    const w = detectWindows({ key: KEY_A, vocabSize: V, windowSize: 200, step: 50 }, text);
    expect(w.correction).toBe('bonferroni');
    expect(w.correctedLog10PValue).toBeCloseTo(Math.min(0, Math.log10(w.count) + w.min!.log10PValue), 12);
    expect(w.windows[w.windows.length - 1]!.end).toBe(text.length);
  });

  it('random text is not detected; a text shorter than a window is insufficient', () => {
    const w = detectWindows({ key: KEY_A, vocabSize: V, windowSize: 200 }, new Rng(27).tokens(5000, V));
    expect(w.verdict).toBe('not-detected');
    const s = detectWindows({ key: KEY_A, vocabSize: V, windowSize: 200 }, new Rng(27).tokens(100, V));
    expect(s).toMatchObject({ count: 0, min: null, correctedLog10PValue: null, verdict: 'insufficient' });
  });

  it('a reusable window detector gives each text exactly what a fresh detectWindows gives it', () => {
    const texts = [text, new Rng(40).tokens(900, V), [...text.slice(3000, 3300), ...text.slice(3000, 3300)], [], new Rng(41).tokens(30_000, V), new Rng(42).tokens(50, V)];
    const opts = { key: KEY_A, vocabSize: V, windowSize: 100, step: 60, filter: [text.slice(2500, 4000)] };
    const wd = createWindowDetector(opts);
    for (const t of texts) expect(wd.detect(t)).toEqual(detectWindows(opts, t));
    // The prompt applies per text (R1), and a text's pairs never carry over to the next text.
    expect(wd.detect(text, text.slice(3000, 3400))).toEqual(detectWindows({ ...opts, promptTokens: text.slice(3000, 3400) }, text));
    expect(wd.detect(text).whole.skipped.duplicate).toBe(detectWindows(opts, text).whole.skipped.duplicate);
  });
});

describe('several keys', () => {
  it('reports each key with Holm-adjusted p-values', () => {
    const keys = [testKey(30), KEY_A, testKey(31)];
    const multi = createMultiKeyDetector({ keys, vocabSize: V });
    const rng = new Rng(28);
    for (let d = 0; d < 10; d++) multi.add(watermarked(glA, 100, 1, rng));
    const r = multi.result();
    expect(r.correction).toBe('holm');
    expect(r.keys.map((k) => k.fingerprint)).toEqual(keys.map((k) => k.fingerprint));
    expect(r.keys[1]!.verdict).toBe('detected');
    expect(r.verdict).toBe('detected');
    // Holm: the smallest p is multiplied by K = 3.
    expect(r.keys[1]!.adjustedLog10PValue!).toBeCloseTo(Math.log10(3) + r.keys[1]!.log10PValue!, 9);
    for (const k of r.keys) expect(k.adjustedLog10PValue!).toBeGreaterThanOrEqual(k.log10PValue!);
    expect(r.keys[0]!.verdict).toBe('not-detected');
  });

  it('refuses keys that bind different vocabularies', () => {
    expect(() => createMultiKeyDetector({ keys: [testKey(1, { vocabSize: 100 }), testKey(2, { vocabSize: 200 })] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_MISMATCH' }),
    );
  });
});

describe('fingerprints and the deduplication set', () => {
  it('packs exactly when (h + 1) ids fit in 62 bits, hashes otherwise', () => {
    expect(idBits(50_257)).toBe(16);
    expect(idBits(2 ** 20)).toBe(20);
    expect(idBits(2 ** 20 + 1)).toBe(21);
    expect(new Fingerprinter(KEY_A, 3, 2 ** 20).exact).toBe(true);
    expect(new Fingerprinter(KEY_A, 3, 2 ** 20 + 1).exact).toBe(false);
    expect(new Fingerprinter(KEY_A, 4, 200_000).exact).toBe(false);
    expect(new Fingerprinter(KEY_A, 1, 2 ** 24).exact).toBe(true);
  });

  it('hashed mode: no collision among 3 x 10^5 random tuples (many sharing ids), and deduplication still exact', () => {
    const fp = new Fingerprinter(KEY_A, 4, 200_000);
    const set = new FingerprintSet();
    const rng = new Rng(29);
    const ids = new Uint32Array(4);
    const seen = new Set<string>();
    let wrong = 0;
    for (let i = 0; i < 300_000; i++) {
      // Small ids in the first three places: many tuples differ in one coordinate only.
      for (let j = 0; j < 3; j++) ids[j] = rng.int(8);
      ids[3] = rng.int(200_000);
      const tuple = ids.join(',');
      fp.compute(ids, 0, -1);
      if (set.add(fp.lo, fp.hi) === seen.has(tuple)) wrong++;
      seen.add(tuple);
    }
    expect(wrong).toBe(0);
    expect(set.size).toBe(seen.size);
    const doc = new Rng(30).tokens(500, 200_000);
    const det = createDetector({ key: KEY_A, vocabSize: 200_000, contextWidth: 3 });
    det.add(doc);
    det.add(doc);
    expect(det.result()).toMatchObject({ scored: 497, skipped: { duplicate: 497 } });
  });

  it('the set grows by doubling and stays at most 75% full', () => {
    const set = new FingerprintSet(16);
    const hi = (i: number): number => (0x80000000 | (i * 7)) >>> 0;
    for (let i = 0; i < 100_000; i++) set.add(i, hi(i));
    expect(set.size).toBe(100_000);
    expect(set.slots).toBe(2 ** 18);
    expect(set.bytes / set.size).toBeLessThan(21.4);
    let missing = 0;
    for (let i = 0; i < 100_000; i++) if (!set.has(i, hi(i)) || set.add(i, hi(i))) missing++;
    expect(missing).toBe(0);
    expect(set.has(5, 0x80000000)).toBe(false);
    expect(set.entries()).toHaveLength(200_000);
  });
});

describe('bad input throws, naming the API and the value', () => {
  const ok = { key: KEY_A, vocabSize: 100 };
  it('randomizedPValue checks its own arguments (fuzz finding 9: NaN for a non-number u; k used before it was checked)', () => {
    expect(() => randomizedPValue(30, 100, 0.25, [0.5] as never)).toThrow(/^randomizedPValue: "u" must be a number, got an array\(1\)/);
    expect(() => randomizedPValue(30, 100, 0.25, {} as never)).toThrow(TypeError);
    expect(() => randomizedPValue(30, 100, 0.25, 1.5)).toThrow(/^randomizedPValue: "u" must be in \[0, 1\], got 1\.5/);
    expect(() => randomizedPValue(30, 100, 0.25, NaN)).toThrow(RangeError);
    expect(() => randomizedPValue({ a: 1 } as never, 100, 0.25, 0.5)).toThrow(/^randomizedPValue: "k" must be a number, got an object/);
    expect(() => randomizedPValue(3, 0, 0.25, 0.5)).toThrow(/^randomizedPValue: "n" must be an integer >= 1, got 0/);
    expect(randomizedPValue(30, 100, 0.25, 0)).toBe(binomialTail(31, 100, 0.25).pValue);
    expect(randomizedPValue(30, 100, 0.25, 1)).toBeCloseTo(binomialTail(30, 100, 0.25).pValue, 15);
  });

  it('createDetector options', () => {
    expect(() => createDetector(null as never)).toThrow(TypeError);
    expect(() => createDetector({ key: 'k' } as never)).toThrow(/createDetector: "key" must be a SecretKey/);
    expect(() => createDetector({ key: KEY_A })).toThrow(/"vocabSize" is required/);
    expect(() => createDetector({ ...ok, gamma: 1.5 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, contextWidth: 9 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, specialTokens: 5 as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, specialTokens: [100] })).toThrow(/createDetector: specialTokens\[0\] must be an integer token id in \[0, 100\), got 100/);
    expect(() => createDetector({ ...ok, endOfText: -1 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, endOfText: 'x' as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, promptExclusion: 1 as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, dedup: 'no' as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, curve: 1 as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, budget: '5' as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, budget: 0 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, budget: 1.5 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, decoys: '5' as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, decoys: -1 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, decoys: 10_001 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, alpha: '0.1' as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, alpha: 0 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, alpha: 1 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, shard: 3 as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, shard: { index: 2, count: 2 } })).toThrow(/shard.index must be an integer in \[0, 1\], got 2/);
    expect(() => createDetector({ ...ok, shard: { index: 0, count: 0 } })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, shard: { index: 0, count: 2 }, budget: 5 })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, shard: { index: 0, count: 2 }, curve: true })).toThrow(RangeError);
    expect(() => createDetector({ ...ok, filter: 5 as never })).toThrow(TypeError);
    expect(() => createDetector({ ...ok, filter: [5] as never })).toThrow(/filter\[0\]/);
    expect(() => createDetector({ ...ok, filter: [[1, 2, 300]] })).toThrow(/createDetector: filter\[0\]\[2\] must be an integer token id in \[0, 100\), got 300/);
  });

  it('refuses parameters that differ from the key file', () => {
    const bound = testKey(40, { gamma: 0.25, contextWidth: 2, vocabSize: 100 });
    expect(() => createDetector({ key: bound, gamma: 0.5 })).toThrow(RadiomarkError);
    expect(() => createDetector({ key: bound, gamma: 0.5 })).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }));
    expect(() => createDetector({ key: bound, contextWidth: 3 })).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }));
    expect(() => createDetector({ key: bound, vocabSize: 101 })).toThrow(expect.objectContaining({ code: 'CONFIG_MISMATCH' }));
    expect(createDetector({ key: bound }).config).toMatchObject({ gamma: 0.25, contextWidth: 2, vocabSize: 100 });
  });

  it('add / addPredictions: ids out of range or not integers name the document and position', () => {
    const det = createDetector(ok);
    det.add([1, 2, 3]);
    expect(() => det.add([1, 2, 100])).toThrow(/detector.add: document 1, completion\[2\] must be an integer token id in \[0, 100\), got 100/);
    expect(() => det.add([1, 2.5])).toThrow(RangeError);
    expect(() => det.add([1, -1])).toThrow(RangeError);
    expect(() => det.add([1, NaN])).toThrow(RangeError);
    expect(() => det.add(['1'] as never)).toThrow(/got "1"/);
    expect(() => det.add([1, 2], { promptTokens: [7, 1e9] })).toThrow(/document 1, promptTokens\[1\]/);
    expect(() => det.add(5 as never)).toThrow(TypeError);
    expect(() => det.add(null as never)).toThrow(TypeError);
    expect(() => det.add([1], 5 as never)).toThrow(TypeError);
    expect(() => det.add([1], { promptTokens: 5 as never })).toThrow(TypeError);
    expect(() => det.addPredictions([1, 2], [1])).toThrow(RangeError);
    expect(() => det.addPredictions([1, 2], [1, 200])).toThrow(/detector.addPredictions: document 1, predicted\[1\]/);
    expect(() => det.addPredictions([1, 200], [1, 2])).toThrow(/text\[1\]/);
    expect(() => det.addPredictions(5 as never, [])).toThrow(TypeError);
    expect(() => det.addPredictions([], 5 as never)).toThrow(TypeError);
    // Failed calls changed nothing.
    expect(det.result()).toMatchObject({ documents: 1, scored: 1 });
  });

  it('detectWindows, checkKey and createMultiKeyDetector validate their own options', () => {
    expect(() => detectWindows(null as never, [])).toThrow(TypeError);
    expect(() => detectWindows({ ...ok, windowSize: 0 }, [])).toThrow(RangeError);
    expect(() => detectWindows({ ...ok, windowSize: '5' as never }, [])).toThrow(TypeError);
    expect(() => detectWindows({ ...ok, windowSize: 5, step: 0 }, [])).toThrow(RangeError);
    expect(() => detectWindows({ ...ok, windowSize: 5, decoys: 3 } as never, [])).toThrow(TypeError);
    expect(() => checkKey(null as never)).toThrow(TypeError);
    expect(() => checkKey({ ...ok, corpus: 5 as never })).toThrow(TypeError);
    expect(() => checkKey({ ...ok, corpus: [], alpha: 2 })).toThrow(RangeError);
    expect(() => checkKey({ ...ok, corpus: [], alpha: 'x' as never })).toThrow(TypeError);
    expect(() => checkKey({ ...ok, corpus: [], seed: 1.5 })).toThrow(RangeError);
    expect(() => checkKey({ ...ok, corpus: [[1, 2, 500]] })).toThrow(/checkKey: document 0, completion\[2\]/);
    expect(() => createMultiKeyDetector(null as never)).toThrow(TypeError);
    expect(() => createMultiKeyDetector({ keys: [], vocabSize: 100 })).toThrow(TypeError);
    expect(() => createMultiKeyDetector({ keys: [KEY_A], vocabSize: 100, shard: { index: 0, count: 2 } } as never)).toThrow(TypeError);
    expect(() => createMultiKeyDetector({ keys: [KEY_A, 'x' as never], vocabSize: 100 })).toThrow(/keys\[1\]/);
  });

  it('errors carry the API and the field as data', () => {
    const data = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        const { code, api, field } = e as { code: string; api: string; field: string };
        return { code, api, field };
      }
      throw new Error('did not throw');
    };
    expect(data(() => createDetector({ ...ok, decoys: -1 }))).toEqual({ code: 'OUT_OF_RANGE', api: 'createDetector', field: 'decoys' });
    expect(data(() => createDetector({ ...ok, alpha: 'x' as never }))).toEqual({ code: 'INVALID_TYPE', api: 'createDetector', field: 'alpha' });
    expect(data(() => createDetector({ ...ok, filter: [[1, 300]] }))).toEqual({ code: 'OUT_OF_RANGE', api: 'createDetector', field: 'filter[0][1]' });
    const det = createDetector(ok);
    expect(data(() => det.add([1, 200]))).toEqual({ code: 'OUT_OF_RANGE', api: 'detector.add', field: 'document 0, completion[1]' });
    expect(data(() => det.merge({ ...det.state(), green: -1 }))).toEqual({ code: 'INVALID_TYPE', api: 'detector.merge', field: 'state.green' });
    expect(data(() => det.merge(createDetector({ key: KEY_B, vocabSize: 100 }).state()))).toEqual({ code: 'KEY_MISMATCH', api: 'detector.merge', field: 'fingerprint' });
    expect(data(() => detectWindows({ ...ok, windowSize: 0 }, []))).toEqual({ code: 'OUT_OF_RANGE', api: 'detectWindows', field: 'windowSize' });
    expect(data(() => checkKey({ ...ok, corpus: 5 as never }))).toEqual({ code: 'INVALID_TYPE', api: 'checkKey', field: 'corpus' });
    expect(data(() => createMultiKeyDetector({ keys: [KEY_A, 'x' as never], vocabSize: 100 }))).toEqual({ code: 'INVALID_TYPE', api: 'createMultiKeyDetector', field: 'keys[1]' });
    // A key whose bound parameters contradict the shared options is named by its fingerprint.
    const bound = testKey(5, { vocabSize: 100, gamma: 0.5 });
    expect(() => createMultiKeyDetector({ keys: [KEY_A, bound], vocabSize: 100, gamma: 0.25 })).toThrow(new RegExp(bound.fingerprint));
  });
});
