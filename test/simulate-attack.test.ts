import { describe, expect, it } from 'vitest';
import { resolveAttack, ATTACK_KNOBS, ATTACK_NAMES } from '../src/simulate/attack.js';
import { runSimulateCommand } from '../src/simulate/cli.js';
import { gainReport, logLikelihood, LL_FLOOR } from '../src/simulate/gain.js';
import { NGramBuilder } from '../src/simulate/ngram.js';
import { resolveSimulateOptions, runSimulation, type SimulateOptions, type SimulationResult } from '../src/simulate/pipeline.js';
import { createRandom } from '../src/random/index.js';
import { estimateGreen, GreenLabels } from '../src/simulate/steal.js';
import { Student } from '../src/simulate/student.js';

/**
 * The fast configuration of the attacks: the domain-split world on 15,000 WordNet glosses, a
 * student trained on 25,000 tokens of which 20% are harvested, 5,000 scored positions, an
 * aggressive estimate (every window, every pair: the attacker's strongest setting at this small
 * harvest). docs/RESULTS.md runs the same code at full size.
 */
const FAST: SimulateOptions = {
  seed: 'fast-attack',
  corpusGlosses: 15_000,
  trainTokens: 25_000,
  rho: 0.2,
  budget: 5_000,
  decoys: 0,
  controls: false,
  controlPrompts: 30,
  evalTokens: 1_500,
  estimator: { minWindow: 1, minPair: 1 },
};

const runs = new Map<string, Promise<SimulationResult>>();
function run(attack: string, strength?: number, extra: SimulateOptions = {}): Promise<SimulationResult> {
  const id = JSON.stringify([attack, strength, extra]);
  let r = runs.get(id);
  if (!r) {
    r = runSimulation({ ...FAST, attack, ...(strength !== undefined ? { attackStrength: strength } : {}), ...extra });
    runs.set(id, r);
  }
  return r;
}

/** Per-test timeout: seconds on an idle machine, generous for a loaded one. */
const SLOW = 600_000;

const z = (r: SimulationResult): number => r.suspect.detection.z!;

describe('a distiller who fights back, fast configuration', () => {
  it('the harvest buys a real gain: without it the student is measurably worse on held-out teacher answers', async () => {
    const r = await run('none');
    const g = r.attack!.gain;
    expect(g.gain).toBeGreaterThan(0.1); // nats per token
    expect(g.kept).toBe(1);
    expect(r.suspect.detection.log10PValue!).toBeLessThan(-6);
  }, SLOW);

  it('neutralize: the trace weakens and the gain kept falls as delta\' grows; its controls stay clean', async () => {
    const none = await run('none');
    const mild = await run('neutralize', 1);
    const strong = await run('neutralize', 6, { controls: true });
    expect(z(mild)).toBeLessThan(z(none));
    expect(z(strong)).toBeLessThan(z(mild));
    expect(strong.attack!.labelled!).toBeGreaterThan(100);
    expect(strong.attack!.labelPrecision!).toBeGreaterThan(0.5); // the estimate finds real green pairs
    expect(strong.attack!.gain.kept!).toBeLessThan(mild.attack!.gain.kept!);
    for (const c of strong.controls) expect(c.detection.log10PValue!).toBeGreaterThan(-3);
    expect(strong.nullHeld).toBe(true);
  }, SLOW);

  it.each([
    ['scrub', 1],
    ['paraphrase', 0.75],
    ['dilute', 4],
  ] as const)('%s: the trace weakens and the distiller loses part of its gain', async (attack, strength) => {
    const none = await run('none');
    const r = await run(attack, strength, attack === 'scrub' ? { controls: true } : {});
    expect(z(r)).toBeLessThan(z(none) - 3);
    expect(r.attack!.gain.kept!).toBeLessThan(0.95);
    for (const c of r.controls) expect(c.detection.log10PValue!).toBeGreaterThan(-3);
  }, SLOW);

  it('multi-teacher: another provider\'s key only dilutes ours (the trace weakens with our share; the gain stays)', async () => {
    const none = await run('none');
    const r = await run('multi-teacher', 0.9);
    expect(z(r)).toBeLessThan(z(none) - 3);
    expect(r.attack!.gain.kept!).toBeGreaterThan(0.5);
  }, SLOW);

  it('decoding: a colder student repeats its memorised (green-enriched) pairs more; the model, and its gain, are unchanged', async () => {
    const none = await run('none');
    const cold = await run('temperature', 0.5);
    const nucleus = await run('top-p', 0.5);
    expect(cold.suspect.detection.greenFraction!).toBeGreaterThan(none.suspect.detection.greenFraction!);
    expect(nucleus.suspect.detection.greenFraction!).toBeGreaterThan(none.suspect.detection.greenFraction!);
    expect(cold.attack!.gain.kept).toBe(1);
  }, SLOW);
});

describe('attack options and command line', () => {
  it('validates names, strengths and the settings an attack needs', () => {
    expect(ATTACK_NAMES).toContain('neutralize');
    expect(resolveAttack('neutralize', undefined).strength).toBe(ATTACK_KNOBS.neutralize!.default);
    expect(() => resolveAttack('erase', 1)).toThrow(/"attack" must be one of .*got "erase"/);
    expect(() => resolveAttack('neutralize', 21)).toThrow(/"attackStrength" .*got 21/);
    expect(() => resolveAttack('top-p', 0)).toThrow(/\(0, 1\], got 0/);
    expect(() => resolveAttack('none', 1)).toThrow(/does not apply/);
    expect(() => resolveAttack('scrub', 0.5, { minWindow: 0 })).toThrow(/"minWindow"/);
    expect(() => resolveSimulateOptions({ attack: 'neutralize', teacher: 'synthetic' })).toThrow(/needs the n-gram teacher/);
    expect(() => resolveSimulateOptions({ attack: 'neutralize', world: 'random' })).toThrow(/needs the domain-split world/);
    expect(() => resolveSimulateOptions({ attackStrength: 2 })).toThrow(/needs an "attack"/);
    expect(resolveSimulateOptions({ attack: 'none' }).world).toBe('domain');
    expect(resolveSimulateOptions({}).world).toBe('random');
  }, SLOW);

  it('exits 2 naming the flag and the value', async () => {
    const cases: [string[], RegExp][] = [
      [['--attack', 'erase'], /--attack: .*"erase"/],
      [['--attack', 'neutralize', '--attack-strength', '30'], /--attack-strength: .*got 30/],
      [['--attack', 'neutralize', '--attack-strength', 'lots'], /--attack-strength must be a number, got "lots"/],
      [['--attack', 'scrub', '--teacher', 'synthetic'], /--attack: .*needs the n-gram teacher.*synthetic/],
      [['--attack', 'neutralize', '--steal-min-pair', '0'], /--steal-min-pair: .*got 0/],
    ];
    for (const [argv, message] of cases) {
      let err = '';
      const code = await runSimulateCommand(argv, { out: () => {}, err: (s) => void (err += s), progress: false });
      expect(code).toBe(2);
      expect(err).toMatch(message);
    }
  }, SLOW);

  it('`--attack neutralize` prints the trace left and the share of the gain kept', async () => {
    let out = '';
    const code = await runSimulateCommand(
      ['--attack', 'neutralize', '--attack-strength', '2', '--seed', 'fast-attack', '--glosses', '15000', '--train-tokens', '25000', '--rho', '20%', '--budget', '5000', '--decoys', '0', '--no-controls', '--eval-tokens', '1500'],
      { out: (s) => void (out += s), err: () => {}, progress: false },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/4\. Attack {4}neutralize, delta'.* = 2 \(labelled [\d,]+ pairs green/);
    expect(out).toMatch(/the distiller keeps \d+(\.\d+)?% of its distillation gain/);
    expect(out).toMatch(/the trace left: p = /);
  }, SLOW);
});

describe('the attack pieces', () => {
  /** A tiny world: after window (1, 2) the reference says 3 or 4 equally; the harvest over-uses 3. */
  function tiny() {
    const b = new NGramBuilder({ order: 3, vocabSize: 10 });
    for (let i = 0; i < 20; i++) {
      b.add([1, 2, 3, 0]);
      b.add([1, 2, 4, 0]);
      b.add([5, 6, 7, 0]);
    }
    const reference = b.build();
    const harvest = Array.from({ length: 12 }, (_, i) => ({ prompt: Uint32Array.of(1, 2), completion: Uint32Array.of(i < 10 ? 3 : 4, 0) }));
    return { reference, harvest };
  }

  it('estimateGreen labels over-represented pairs of frequent windows only', () => {
    const { reference, harvest } = tiny();
    const e = estimateGreen(harvest, reference, 2, { minWindow: 3, minPair: 2, ratio: 1.5 });
    expect(e.labels.has([1, 2], 2, 3)).toBe(true); // 10 seen, 6 expected
    expect(e.labels.has([1, 2], 2, 4)).toBe(false); // 2 seen, 6 expected
    expect(e.labels.size).toBe(1);
    expect(estimateGreen(harvest, reference, 2, { minWindow: 13, minPair: 2, ratio: 1.5 }).labels.size).toBe(0); // the prefix cut
  }, SLOW);

  it('neutralized log-likelihood is a normalised distribution that lowers labelled tokens by e^-delta', () => {
    const { reference } = tiny();
    const labels = new GreenLabels(2);
    labels.add([1, 2], 2, 3);
    const ctx = [1, 2];
    let total = 0;
    for (let x = 0; x < 10; x++) {
      const ll = logLikelihood(reference, [{ tokens: [...ctx, x], from: 2 }], { labels, delta: 2 }).ll;
      total += (Math.exp(ll) - LL_FLOOR / 10) / (1 - LL_FLOOR);
    }
    expect(total).toBeCloseTo(1, 9);
    const p3 = Math.exp(logLikelihood(reference, [{ tokens: [1, 2, 3], from: 2 }], { labels, delta: 2 }).ll);
    const p4 = Math.exp(logLikelihood(reference, [{ tokens: [1, 2, 4], from: 2 }], { labels, delta: 2 }).ll);
    expect(p3 / p4).toBeCloseTo(Math.exp(-2) * (reference.prob(ctx, 3) / reference.prob(ctx, 4)), 3);
    expect(gainReport(-5, -4, -4.5, 10).kept).toBeCloseTo(0.5, 12);
    expect(gainReport(-5, -5, -4.5, 10).kept).toBeNull();
  }, SLOW);

  it('the student decodes exactly: greedy takes the mode, top-p the nucleus, temperature sharpens, accept reweights', () => {
    const b = new NGramBuilder({ order: 2, vocabSize: 6 });
    for (let i = 0; i < 60; i++) b.add([1, 2]);
    for (let i = 0; i < 30; i++) b.add([1, 3]);
    for (let i = 0; i < 10; i++) b.add([1, 4]);
    const m = b.build();
    const freq = (student: Student, n = 4000): number[] => {
      const r = createRandom('decode');
      const f = new Array(6).fill(0);
      for (let i = 0; i < n; i++) f[student.complete([1], r, 1)[0]!]++;
      return f.map((c) => c / n);
    };
    expect(freq(new Student(m, 0, undefined, { temperature: 0 }), 50)[2]).toBe(1);
    const nucleus = freq(new Student(m, 0, undefined, { topP: 0.5 }));
    expect(nucleus[2]).toBe(1); // P(2 | 1) is above 0.5 on its own
    const plain = freq(new Student(m, 0, undefined));
    const cold = freq(new Student(m, 0, undefined, { temperature: 0.5 }));
    // Exact tempered distribution: P^2 / sum P^2 over the support.
    const p = [0, 1, 2, 3, 4, 5].map((x) => m.prob([1], x));
    const z2 = p.reduce((a, q) => a + q * q, 0);
    expect(cold[2]).toBeCloseTo((p[2]! * p[2]!) / z2, 1);
    expect(cold[2]).toBeGreaterThan(plain[2]!);
    const neutral = freq(new Student(m, 0, undefined, { accept: (_s, x) => (x === 2 ? Math.exp(-2) : 1) }));
    const expected = (p[2]! * Math.exp(-2)) / (1 - p[2]! * (1 - Math.exp(-2)));
    expect(neutral[2]).toBeCloseTo(expected, 1);
  }, SLOW);
});
