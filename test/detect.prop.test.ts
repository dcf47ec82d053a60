import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGreenList } from '../src/scheme/index.js';
import { createDetector, type DetectionResult, type DetectorOptions, type SkipCounts } from '../src/detect/index.js';
import { Fingerprinter, FingerprintSet } from '../src/detect/fingerprint.js';
import { DedupTable, DEDUP_GROWTH, DEDUP_MAX_LOAD } from '../src/detect/dedup.js';
import { keyArbitrary } from '../src/testing/index.js';
import { testKey } from './detect-helpers.js';

interface Doc {
  completion: number[];
  prompt?: number[];
}

interface Scenario {
  config: { vocabSize: number; contextWidth: number; gamma: number };
  docs: Doc[];
  specialTokens: number[] | undefined;
  endOfText: number | undefined;
  filter: number[][] | undefined;
  promptExclusion: boolean | undefined;
  budget: number | undefined;
}

/** A small scenario: a tiny vocabulary so that duplicates, prompt windows and filter hits are common. */
const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    vocabSize: fc.integer({ min: 2, max: 40 }),
    contextWidth: fc.integer({ min: 0, max: 3 }),
    gamma: fc.constantFrom(0.1, 0.25, 0.5),
  })
  .chain((c) => {
    const id = fc.integer({ min: 0, max: c.vocabSize - 1 });
    const seq = (max: number) => fc.array(id, { maxLength: max });
    return fc.record({
      config: fc.constant(c),
      docs: fc.array(fc.record({ completion: seq(30), prompt: fc.option(seq(20), { nil: undefined }) }), { maxLength: 12 }),
      specialTokens: fc.option(fc.uniqueArray(id, { maxLength: 3 }), { nil: undefined }),
      endOfText: fc.option(id, { nil: undefined }),
      filter: fc.option(fc.array(seq(25), { maxLength: 3 }), { nil: undefined }),
      promptExclusion: fc.option(fc.boolean(), { nil: undefined }),
      budget: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
    });
  });

/**
 * A plain reference implementation of the position rules (strings in a Set, the validating
 * isGreen), written from the README's rule list independently of the detector's typed arrays.
 */
function reference(s: Scenario, key = testKey(9)) {
  const { vocabSize, contextWidth: h, gamma } = s.config;
  const gl = createGreenList({ key, gamma, contextWidth: h, vocabSize });
  const windowsOf = (seq: number[]): Set<string> => {
    const w = new Set<string>();
    for (let i = h; i <= seq.length; i++) w.add(seq.slice(i - h, i).join(','));
    return w;
  };
  const filter = s.filter ? new Set(s.filter.flatMap((f) => [...windowsOf(f)])) : null;
  const seen = new Set<string>();
  const skipped: SkipCounts = { noWindow: 0, duplicate: 0, promptWindow: 0, filtered: 0, special: 0, afterEndOfText: 0, budget: 0 };
  let scored = 0;
  let green = 0;
  const perDoc: [number, number][] = [];
  for (const d of s.docs) {
    const prompt = d.prompt !== undefined && s.promptExclusion !== false && d.prompt.length >= h ? windowsOf(d.prompt) : null;
    let ds = 0, dg = 0;
    let ended = false;
    for (let i = 0; i < d.completion.length; i++) {
      const t = d.completion[i]!;
      if (s.budget !== undefined && scored === s.budget) { skipped.budget++; continue; }
      if (ended || t === s.endOfText) { ended = true; skipped.afterEndOfText++; continue; }
      if (i < h) { skipped.noWindow++; continue; }
      if (s.specialTokens?.includes(t)) { skipped.special++; continue; }
      const w = d.completion.slice(i - h, i);
      const wk = w.join(',');
      if (prompt?.has(wk)) { skipped.promptWindow++; continue; }
      if (filter && !filter.has(wk)) { skipped.filtered++; continue; }
      const pk = `${wk}|${t}`;
      if (seen.has(pk)) { skipped.duplicate++; continue; }
      seen.add(pk);
      const g = gl.isGreen(w, t) ? 1 : 0;
      scored++; green += g; ds++; dg += g;
    }
    perDoc.push([ds, dg]);
  }
  return { scored, green, skipped, perDoc };
}

function run(s: Scenario, extra: Partial<DetectorOptions> = {}, docs: Doc[] = s.docs): DetectionResult {
  const det = createDetector({
    key: testKey(9),
    ...s.config,
    specialTokens: s.specialTokens,
    endOfText: s.endOfText,
    filter: s.filter,
    promptExclusion: s.promptExclusion,
    budget: s.budget,
    ...extra,
  });
  for (const d of docs) det.add(d.completion, d.prompt === undefined ? undefined : { promptTokens: d.prompt });
  return det.result();
}

describe('detector properties', () => {
  it('agrees with a plain reference implementation of R0-R4, the filter and the budget', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = run(s);
        const ref = reference(s);
        expect(r.scored).toBe(ref.scored);
        expect(r.green).toBe(ref.green);
        expect(r.skipped).toEqual(ref.skipped);
        expect(r.perDocument.map((d) => [d.scored, d.green])).toEqual(ref.perDoc);
      }),
    );
  });

  it('counts every position exactly once', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = run(s);
        const skipped = Object.values(r.skipped).reduce((a, b) => a + b, 0);
        expect(r.scored + skipped).toBe(s.docs.reduce((a, d) => a + d.completion.length, 0));
        expect(r.perDocument.reduce((a, d) => a + d.scored, 0)).toBe(r.scored);
        expect(r.perDocument.reduce((a, d) => a + d.green, 0)).toBe(r.green);
      }),
    );
  });

  it('pooled counts do not depend on document order, nor on repeating the corpus (no budget)', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, rot) => {
        const noBudget = { budget: undefined };
        const a = run(s, noBudget);
        const k = s.docs.length === 0 ? 0 : rot % s.docs.length;
        const rotated = [...s.docs.slice(k), ...s.docs.slice(0, k)].reverse();
        const b = run(s, noBudget, rotated);
        const c = run(s, noBudget, [...s.docs, ...s.docs]);
        for (const x of [b, c]) {
          expect(x.scored).toBe(a.scored);
          expect(x.green).toBe(a.green);
          expect(x.log10PValue).toBe(a.log10PValue);
        }
      }),
    );
  });

  it('merged shards (split by pair fingerprint) equal one pass exactly', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), (s, count, decoys) => {
        const opts = { budget: undefined, decoys };
        const single = run(s, opts);
        const states = Array.from({ length: count }, (_, index) => {
          const det = createDetector({
            key: testKey(9),
            ...s.config,
            specialTokens: s.specialTokens,
            endOfText: s.endOfText,
            filter: s.filter,
            promptExclusion: s.promptExclusion,
            decoys,
            shard: { index, count },
          });
          for (const d of s.docs) det.add(d.completion, d.prompt === undefined ? undefined : { promptTokens: d.prompt });
          return det.state();
        });
        const agg = createDetector({
          key: testKey(9),
          ...s.config,
          specialTokens: s.specialTokens,
          endOfText: s.endOfText,
          filter: s.filter,
          promptExclusion: s.promptExclusion,
          decoys,
          shard: { index: count - 1, count },
        });
        for (const st of states) agg.merge(structuredClone(st));
        const m = agg.result();
        expect({ ...m, shards: null }).toEqual({ ...single, shards: null });
      }),
    );
  });

  it('reading mode with the text as its own prediction equals scoring the text', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const a = createDetector({ key: testKey(9), ...s.config, endOfText: s.endOfText, specialTokens: s.specialTokens });
        const b = createDetector({ key: testKey(9), ...s.config, endOfText: s.endOfText, specialTokens: s.specialTokens });
        for (const d of s.docs) {
          a.add(d.completion);
          b.addPredictions(d.completion, d.completion);
        }
        expect(b.result()).toEqual(a.result());
      }),
    );
  });
});

describe('fingerprint properties', () => {
  const tuple = (arity: number, V: number) => fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: arity, maxLength: arity });

  it('exact packing is injective', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 2 ** 15 }), fc.context(), (arity, V, ctx) => {
        const fp = new Fingerprinter(testKey(1), arity, V);
        expect(fp.exact).toBe(true);
        return fc.assert(
          fc.property(tuple(arity, V), tuple(arity, V), (a, b) => {
            fp.compute(Uint32Array.from(a), 0, -1);
            const x = [fp.lo, fp.hi];
            fp.compute(Uint32Array.from(b), 0, -1);
            ctx.log(`${a} / ${b}`);
            expect(x[0] === fp.lo && x[1] === fp.hi).toBe(a.join() === b.join());
            expect(fp.hi >>> 31).toBe(1);
          }),
          { numRuns: 20 },
        );
      }),
      { numRuns: 20 },
    );
  });

  it('a (window, token) fingerprint equals the fingerprint of the concatenated tuple', () => {
    fc.assert(
      fc.property(keyArbitrary(), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 2, max: 2 ** 24 }), (key, h, V) => {
        const fp = new Fingerprinter(key, h + 1, V);
        const ids = Uint32Array.from({ length: h + 1 }, (_, i) => (i * 7919) % V);
        fp.compute(ids, 0, ids[h]!);
        const a = [fp.lo, fp.hi];
        fp.compute(ids, 0, -1);
        expect([fp.lo, fp.hi]).toEqual(a);
      }),
      { numRuns: 30 },
    );
  });

  it('hashed fingerprints separate tuples that differ in one coordinate', () => {
    fc.assert(
      fc.property(keyArbitrary(), tuple(5, 200_000), fc.nat(4), fc.integer({ min: 1, max: 199_999 }), (key, a, j, d) => {
        const fp = new Fingerprinter(key, 5, 200_000);
        expect(fp.exact).toBe(false);
        const b = [...a];
        b[j] = (b[j]! + d) % 200_000;
        fp.compute(Uint32Array.from(a), 0, -1);
        const x = [fp.lo, fp.hi];
        fp.compute(Uint32Array.from(b), 0, -1);
        expect(x[0] === fp.lo && x[1] === fp.hi).toBe(false);
      }),
    );
  });

  it('the set behaves like a Set of its fingerprints', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 500 }), (ops) => {
        const set = new FingerprintSet(1);
        const model = new Set<string>();
        for (const [lo, hiBits] of ops) {
          const hi = (0x80000000 | hiBits) >>> 0;
          const k = `${lo}:${hi}`;
          expect(set.add(lo, hi)).toBe(!model.has(k));
          model.add(k);
          expect(set.has(lo, hi)).toBe(true);
        }
        expect(set.size).toBe(model.size);
        expect(set.entries().length).toBe(2 * model.size);
        expect(set.bytes / Math.max(1, set.size)).toBeGreaterThanOrEqual(8 / 0.75);
      }),
    );
  });

  it('the deduplication table: a block add gives the answers of one add at a time, in order', () => {
    const pair = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(fc.array(fc.array(pair, { maxLength: 300 }), { maxLength: 8 }), fc.integer(), (blocks, salt) => {
        const table = new DedupTable(1, salt);
        const model = new Set<string>();
        for (const block of blocks) {
          const lo = Uint32Array.from(block, ([l]) => l);
          const hi = Uint32Array.from(block, ([, h]) => (0x80000000 | h) >>> 0);
          const isNew = new Uint8Array(block.length);
          const added = table.addBlock(lo, hi, block.length, isNew);
          let expected = 0;
          block.forEach(([l, h], k) => {
            const key = `${l}:${h}`;
            expect(isNew[k]).toBe(model.has(key) ? 0 : 1);
            if (!model.has(key)) expected++;
            model.add(key);
          });
          expect(added).toBe(expected);
        }
        expect(table.size).toBe(model.size);
        for (const key of model) {
          const [l, h] = key.split(':').map(Number) as [number, number];
          expect(table.has(l, (0x80000000 | h) >>> 0)).toBe(true);
        }
        expect(table.has(41, 0x80000000)).toBe(false);
        expect(table.entries().length).toBe(2 * model.size);
      }),
    );
  });

  it('the deduplication table stays between its largest load and that / 1.4 once past its first size', () => {
    const table = new DedupTable(1024, 7);
    const isNew = new Uint8Array(4096);
    const lo = new Uint32Array(4096);
    const hi = new Uint32Array(4096);
    let next = 0;
    for (let b = 0; b < 200; b++) {
      for (let k = 0; k < 4096; k++) {
        lo[k] = next++;
        hi[k] = 0x80000000 | (k & 3);
      }
      table.addBlock(lo, hi, 4096, isNew);
      const load = table.size / table.slots;
      expect(load).toBeLessThanOrEqual(DEDUP_MAX_LOAD);
      expect(load).toBeGreaterThanOrEqual(DEDUP_MAX_LOAD / DEDUP_GROWTH - 4096 / table.slots);
    }
    expect(table.bytes / table.size).toBeLessThanOrEqual(16);
  });
});

