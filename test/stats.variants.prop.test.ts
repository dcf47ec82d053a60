import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom, type Random } from '../src/random/index.js';
import {
  binomialPmfLog,
  binomialTail,
  binomialTwoSided,
  combineStrata,
  familyTest,
  ksUniform,
  sidakLog10,
  weightedBinomialBound,
  weightedBinomialTail,
} from '../src/stats/index.js';
import { fisherCombination } from '../src/stats/strata.js';
import { logWeightedTailAt } from '../src/stats/weighted.js';

// fast-check's seed is pinned for every suite by test/setup.ts (FC_SEED, default 42); the
// simulated null draws take their seeds from fast-check, so they are pinned too.

/**
 * The null of every detector variant (issue 10, "Every variant gets its own null check"), two ways:
 * - exact size: for small cases the whole null distribution is enumerated and
 *   P_null(p <= a) = sum of the null mass where the p-value is <= a is checked against a;
 * - simulation: many null draws; randomized p-values (exactly uniform under the null when the
 *   tails are right) pass a KS test of uniformity, and the p-values the API returns are
 *   super-uniform: #{p <= a} is not significantly above a R (exact binomial test at 1e-4).
 * The KS threshold is 1e-4 per simulated configuration (each property runs a handful).
 */

const LEVELS = [1e-3, 0.01, 0.05, 0.1, 0.25, 0.5];

/** X ~ Bin(n, p) by n Bernoulli draws. */
function drawBinomial(rng: Random, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) s++;
  return s;
}

/** Randomized upper p-value P(X > s) + V P(X = s), V uniform: exactly U(0, 1) under the null. */
function randomizedUpper(rng: Random, s: number, n: number, p: number): number {
  const v = rng.next();
  return v * binomialTail(s, n, p).pValue + (1 - v) * binomialTail(s + 1, n, p).pValue;
}

/** Randomized two-sided p-value from a randomized upper one: min(1, 2 min(U, 1 - U)). */
function randomizedTwoSided(rng: Random, s: number, n: number, p: number): number {
  const u = randomizedUpper(rng, s, n, p);
  return Math.min(1, 2 * Math.min(u, 1 - u));
}

/** Asserts #{p <= a} among `ps` is not significantly above a * R at any level of LEVELS. */
function expectSuperUniform(ps: number[], what: string): void {
  for (const a of LEVELS) {
    const count = ps.filter((v) => v <= a).length;
    const excess = binomialTail(count, ps.length, a).pValue;
    expect(excess, `${what}: ${count} of ${ps.length} at or below ${a}`).toBeGreaterThan(1e-4);
  }
}

/** Asserts a KS test does not reject uniformity of `us` at 1e-4. */
function expectUniform(us: number[], what: string): void {
  const r = ksUniform(us);
  expect(r.pValue, `${what}: KS D = ${r.statistic}`).toBeGreaterThan(1e-4);
}

const gamma = fc.oneof(fc.constantFrom(0.25, 0.5, 0.1), fc.double({ min: 0.02, max: 0.98, noNaN: true }));

describe('binomialTwoSided null', () => {
  it('exact size: P_null(p2 <= a) <= a, summing the pmf over every k (n <= 400)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), gamma, (n, p) => {
        const pmf = Array.from({ length: n + 1 }, (_, k) => Math.exp(binomialPmfLog(k, n, p)));
        const p2 = Array.from({ length: n + 1 }, (_, k) => binomialTwoSided(k, n, p).pValue);
        for (const a of LEVELS) {
          let size = 0;
          for (let k = 0; k <= n; k++) if (p2[k] <= a) size += pmf[k];
          expect(size, `n=${n} p=${p} a=${a}`).toBeLessThanOrEqual(a * (1 + 1e-12));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('simulated null: randomized two-sided p-values are uniform, returned ones super-uniform', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 2000 }), gamma, fc.integer(), (n, p, seed) => {
        const rng = createRandom(`two-sided/${seed}`);
        const us: number[] = [];
        const ps: number[] = [];
        for (let r = 0; r < 1500; r++) {
          const s = drawBinomial(rng, n, p);
          us.push(randomizedTwoSided(rng, s, n, p));
          ps.push(binomialTwoSided(s, n, p).pValue);
        }
        expectUniform(us, `n=${n} p=${p}`);
        expectSuperUniform(ps, `n=${n} p=${p}`);
      }),
      { numRuns: 4 },
    );
  });
});

/** k strata of random sizes (0 allowed), fixed per configuration. */
const strataSizes = fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 6 });

describe('combineStrata null', () => {
  it("Fisher's and min-p's combination of randomized (uniform) stratum p-values is uniform", () => {
    fc.assert(
      fc.property(strataSizes, gamma, fc.integer(), (sizes, p, seed) => {
        const rng = createRandom(`strata-randomized/${seed}`);
        const nonEmpty = sizes.filter((n) => n > 0);
        fc.pre(nonEmpty.length > 0);
        const fisher: number[] = [];
        const minP: number[] = [];
        for (let r = 0; r < 1500; r++) {
          const us = nonEmpty.map((n) => randomizedTwoSided(rng, drawBinomial(rng, n, p), n, p));
          fisher.push(Math.exp(fisherCombination(us.map(Math.log)).lnP));
          minP.push(10 ** sidakLog10(Math.log10(Math.min(...us)), us.length));
        }
        expectUniform(fisher, `fisher sizes=${sizes}`);
        expectUniform(minP, `min-p sizes=${sizes}`);
      }),
      { numRuns: 4 },
    );
  });

  it('simulated null: combineStrata p-values (both methods) are super-uniform', () => {
    fc.assert(
      fc.property(strataSizes, gamma, fc.integer(), (sizes, p, seed) => {
        const rng = createRandom(`strata/${seed}`);
        const fisher: number[] = [];
        const minP: number[] = [];
        for (let r = 0; r < 1500; r++) {
          const strata = sizes.map((n) => ({ trials: n, successes: drawBinomial(rng, n, p) }));
          fisher.push(combineStrata(strata, p).pValue);
          minP.push(combineStrata(strata, p, { method: 'min-p' }).pValue);
        }
        expectSuperUniform(fisher, `fisher sizes=${sizes} p=${p}`);
        expectSuperUniform(minP, `min-p sizes=${sizes} p=${p}`);
      }),
      { numRuns: 4 },
    );
  });
});

/** Two to four integer-weight levels, small enough to enumerate. */
const smallLevels = fc.array(fc.record({ weight: fc.integer({ min: 0, max: 6 }), trials: fc.integer({ min: 0, max: 40 }) }), {
  minLength: 2,
  maxLength: 4,
});

/** The exact null distribution of T = sum w_l S_l by enumeration in log space: Map value -> ln P. */
function enumerate(levels: { weight: number; trials: number }[], p: number): Map<number, number> {
  let dist = new Map<number, number>([[0, 0]]);
  for (const { weight, trials } of levels) {
    const next = new Map<number, number>();
    for (const [u, lu] of dist) {
      for (let j = 0; j <= trials; j++) {
        const v = u + weight * j;
        const add = lu + binomialPmfLog(j, trials, p);
        const old = next.get(v) ?? -Infinity;
        const m = Math.max(old, add);
        next.set(v, m === -Infinity ? m : m + Math.log(Math.exp(old - m) + Math.exp(add - m)));
      }
    }
    dist = next;
  }
  return dist;
}

/** ln P(T >= t) from an enumerated distribution, summed from the smallest term up. */
function enumeratedTail(dist: Map<number, number>, t: number): number {
  const terms = [...dist].filter(([u]) => u >= t).map(([, l]) => l);
  if (terms.length === 0) return -Infinity;
  const m = Math.max(...terms);
  return m + Math.log(terms.reduce((a, l) => a + Math.exp(l - m), 0));
}

describe('weightedBinomialTail and weightedBinomialBound', () => {
  it('agree with full enumeration: exact to 1e-9 relative, the bound never below it', () => {
    fc.assert(
      fc.property(smallLevels, gamma, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }), (shape, p, fr) => {
        const levels = shape.map((l, i) => ({ ...l, successes: Math.min(l.trials, Math.floor(fr[i] * (l.trials + 1))) }));
        const t = levels.reduce((a, l) => a + l.weight * l.successes, 0);
        const ref = Math.min(0, enumeratedTail(enumerate(levels, p), t) * Math.LOG10E);
        const got = weightedBinomialTail(levels, p).log10PValue;
        expect(Math.abs(got - ref), `${JSON.stringify(levels)} p=${p}: ${got} vs ${ref}`).toBeLessThan(Math.max(1e-9 * Math.abs(ref), 1e-12));
        expect(weightedBinomialBound(levels, p).log10PValue).toBeGreaterThanOrEqual(ref - 1e-12 * Math.abs(ref));
      }),
      { numRuns: 150 },
    );
  });

  it('exact size: P_null(p <= a) <= a over the enumerated distribution', () => {
    fc.assert(
      fc.property(smallLevels, gamma, (shape, p) => {
        const dist = enumerate(shape, p);
        const byValue = [...dist].map(([u, lu]) => ({ mass: Math.exp(lu), pValue: Math.exp(logWeightedTailAt(shape.map((l) => ({ ...l, successes: 0 })), p, u)) }));
        for (const a of LEVELS) {
          const size = byValue.filter((v) => v.pValue <= a).reduce((s, v) => s + v.mass, 0);
          expect(size, `${JSON.stringify(shape)} p=${p} a=${a}`).toBeLessThanOrEqual(a * (1 + 1e-9));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the Chernoff bound with real weights is never below the enumerated exact tail', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.double({ min: 0, max: 5, noNaN: true }), trials: fc.integer({ min: 0, max: 12 }), fr: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 3 }),
        gamma,
        (raw, p) => {
          const levels = raw.map(({ weight, trials, fr }) => ({ weight, trials, successes: Math.min(trials, Math.floor(fr * (trials + 1))) }));
          const t = levels.reduce((a, l) => a + l.weight * l.successes, 0);
          // Enumerate every (s_1, ..., s_L): real weights have no lattice.
          let lnTail = -Infinity;
          const visit = (i: number, acc: number, lp: number): void => {
            if (i === levels.length) {
              if (acc >= t) lnTail = lnTail === -Infinity ? lp : Math.max(lnTail, lp) + Math.log1p(Math.exp(-Math.abs(lnTail - lp)));
              return;
            }
            for (let j = 0; j <= levels[i].trials; j++) visit(i + 1, acc + levels[i].weight * j, lp + binomialPmfLog(j, levels[i].trials, p));
          };
          visit(0, 0, 0);
          const bound = weightedBinomialBound(levels, p).log10PValue;
          expect(bound).toBeGreaterThanOrEqual(lnTail * Math.LOG10E - 1e-9);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('simulated null: randomized weighted p-values are uniform, returned ones super-uniform', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 8 }), trials: fc.integer({ min: 1, max: 300 }) }), { minLength: 2, maxLength: 5 }),
        gamma,
        fc.integer(),
        (shape, p, seed) => {
          const rng = createRandom(`weighted/${seed}`);
          const us: number[] = [];
          const ps: number[] = [];
          const bounds: number[] = [];
          for (let r = 0; r < 600; r++) {
            const levels = shape.map((l) => ({ ...l, successes: drawBinomial(rng, l.trials, p) }));
            const t = levels.reduce((a, l) => a + l.weight * l.successes, 0);
            const v = rng.next();
            us.push(v * Math.exp(logWeightedTailAt(levels, p, t)) + (1 - v) * Math.exp(logWeightedTailAt(levels, p, t + 1)));
            ps.push(weightedBinomialTail(levels, p).pValue);
            bounds.push(weightedBinomialBound(levels, p).pValue);
          }
          expectUniform(us, `weighted ${JSON.stringify(shape)} p=${p}`);
          expectSuperUniform(ps, `weighted exact ${JSON.stringify(shape)} p=${p}`);
          expectSuperUniform(bounds, `weighted bound ${JSON.stringify(shape)} p=${p}`);
        },
      ),
      { numRuns: 3 },
    );
  });
});

describe('familyTest null', () => {
  it('simulated null: Sidak over randomized per-key p-values is uniform; pooled and min-p super-uniform', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 300 }), gamma, fc.integer(), (m, n, p, seed) => {
        const rng = createRandom(`family/${seed}`);
        const us: number[] = [];
        const pooled: number[] = [];
        const minP: number[] = [];
        for (let r = 0; r < 1000; r++) {
          const keys = Array.from({ length: m }, () => ({ trials: n, successes: drawBinomial(rng, n, p) }));
          const randomized = keys.map((k) => randomizedUpper(rng, k.successes, n, p));
          us.push(10 ** sidakLog10(Math.log10(Math.min(...randomized)), m));
          const f = familyTest(keys, p);
          pooled.push(f.pooled.pValue);
          minP.push(f.minP.pValue);
        }
        expectUniform(us, `family m=${m} n=${n} p=${p}`);
        expectSuperUniform(pooled, `pooled m=${m} n=${n} p=${p}`);
        expectSuperUniform(minP, `min-p m=${m} n=${n} p=${p}`);
      }),
      { numRuns: 4 },
    );
  });
});
