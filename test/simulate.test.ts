import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimulateArgs, runSimulateCommand, SIMULATE_HELP } from '../src/simulate/cli.js';
import { formatSimulation, simulationJson } from '../src/simulate/format.js';
import { clearServerCache, resolveSimulateOptions, runSimulation, type SimulateOptions, type SimulationResult } from '../src/simulate/pipeline.js';

/**
 * The fast configuration: a teacher trained on 10,000 WordNet glosses, a student trained on 20,000
 * tokens of which 15% are watermarked, 10,000 scored positions per suspect. The default
 * configuration (`npm run demo`) is the same code at about 15 times the size.
 */
const FAST: SimulateOptions = {
  seed: 'fast',
  corpusGlosses: 10_000,
  trainTokens: 20_000,
  rho: 0.15,
  budget: 10_000,
  decoys: 5,
  controlPrompts: 30,
};

/** Per-test timeout of the runs: seconds on an idle machine, generous for a loaded one. */
const SLOW = 600_000;

/** Every figure of a run except timings. */
function figures(r: SimulationResult): unknown {
  return JSON.parse(
    JSON.stringify(simulationJson(r), (k, v) => (['seconds', 'ms', 'tokensPerSecond', 'bytesPerSecond'].includes(k) ? undefined : v)),
  );
}

describe('radiomark simulate, fast configuration', () => {
  let first: SimulationResult;

  it('detects the watermarked student; both controls come out non-significant', async () => {
    first = await runSimulation(FAST);
    const s = first.suspect.detection;
    expect(first.training.rho).toBeCloseTo(0.15, 2);
    expect(first.suspect.budgetReached).toBe(true);
    expect(s.scored).toBe(FAST.budget);
    expect(s.verdict).toBe('detected');
    expect(s.log10PValue!).toBeLessThan(-6);
    expect(s.greenFraction!).toBeGreaterThan(0.26);
    expect(first.teacher.direct.greenFraction!).toBeGreaterThan(0.6); // the teacher's own text
    expect(first.teacher.watermarked.perplexity).toBeGreaterThan(first.teacher.clean.perplexity);
    expect(first.controls.map((c) => c.name)).toEqual(['control: rho = 0', 'control: watermarked prompts']);
    for (const c of first.controls) {
      expect(c.detection.verdict).toBe('not-detected');
      expect(c.detection.log10PValue!).toBeGreaterThan(-3);
      expect(c.detection.scored).toBe(FAST.budget);
      expect(c.detection.decoys!.uniform).toBe(true);
    }
    // The prompt-copying control really copied: rule R1 dropped windows of its prompts.
    expect(first.controls[1]!.detection.skipped.promptWindow).toBeGreaterThan(first.controls[0]!.detection.skipped.promptWindow);
    expect(first.nullHeld).toBe(true);
    expect(first.teacher.entropy.contexts).toBeGreaterThan(100);
    expect(first.teacher.entropy.mean).toBeGreaterThan(0.5);
    expect(first.warnings).toEqual([]);
    const text = formatSimulation(first);
    expect(text).toContain('VERDICT: DETECTED');
    expect(text).not.toContain('NULL FAILED');
  }, SLOW);

  it('gives the same numbers for the same seed, and others for another seed', async () => {
    clearServerCache(); // regenerate the teacher's answers from scratch
    const again = await runSimulation(FAST);
    expect(figures(again)).toEqual(figures(first));
    const other = await runSimulation({ ...FAST, seed: 'fast-2', controls: false });
    expect(other.keyFingerprint).not.toBe(first.keyFingerprint);
    expect(other.suspect.detection.green).not.toBe(first.suspect.detection.green);
    expect(other.suspect.detection.verdict).toBe('detected');
  }, SLOW);
});

describe('radiomark simulate, options and command line', () => {
  it('parses flags, percentages included', () => {
    const p = parseSimulateArgs(['--rho', '5%', '--budget', '1_000_000', '--teacher', 'synthetic', '--no-masking', '--json', '--seed', 's']);
    expect(p.options.rho).toBeCloseTo(0.05, 12);
    expect(p.options.budget).toBe(1_000_000);
    expect(p.options.teacher).toBe('synthetic');
    expect(p.options.masking).toBe(false);
    expect(p.json).toBe(true);
    expect(resolveSimulateOptions(p.options).clean).toBe('teacher'); // no human corpus for the synthetic teacher
    expect(resolveSimulateOptions({ contextWidth: 4 }).studentOrder).toBe(5);
  });

  it('runs end to end from the command line: --json has every figure, --report writes the CLI\'s HTML report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'radiomark-simulate-'));
    try {
      const report = join(dir, 'report.html');
      let out = '';
      const code = await runSimulateCommand(
        ['--seed', 'fast', '--glosses', '10000', '--train-tokens', '20000', '--rho', '15%', '--budget', '10000', '--decoys', '5', '--control-prompts', '30', '--json', '--report', report],
        { out: (s) => void (out += s), err: () => {}, progress: false },
      );
      expect(code).toBe(0);
      const json = JSON.parse(out);
      expect(json.format).toBe('radiomark-simulate');
      expect(json.suspect.detection.verdict).toBe('detected');
      expect(json.controls).toHaveLength(2);
      expect(json.nullHeld).toBe(true);
      const html = readFileSync(report, 'utf8');
      expect(html).toContain('Watermark evidence report');
      expect(html).toContain(json.keyFingerprint);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);

  it('refuses bad options with a message naming the option', () => {
    expect(() => resolveSimulateOptions({ rho: 1.5 })).toThrow(/"rho"/);
    expect(() => resolveSimulateOptions({ gamma: 0 })).toThrow(/"gamma"/);
    expect(() => resolveSimulateOptions({ teacher: 'gpt' as 'ngram' })).toThrow(/"teacher"/);
    expect(() => resolveSimulateOptions({ studentTokenizer: 'r50k' as 'o200k' })).toThrow(/"studentTokenizer"/);
    expect(() => resolveSimulateOptions({ budget: 0 })).toThrow(/"budget"/);
    expect(() => resolveSimulateOptions({ contextWidth: 1.5 })).toThrow(/"contextWidth"/);
    expect(() => resolveSimulateOptions({ seed: '' })).toThrow(/"seed"/);
    expect(() => resolveSimulateOptions({ clean: 'web' as 'corpus' })).toThrow(/"clean"/);
    expect(() => resolveSimulateOptions({ teacherOrder: 9 })).toThrow(/"teacherOrder"/);
    expect(() => resolveSimulateOptions({ copy: 1 })).toThrow(/"copy"/);
    expect(() => resolveSimulateOptions({ topP: 0 })).toThrow(/"topP"/);
    expect(() => resolveSimulateOptions({ topK: 0.5 })).toThrow(/"topK"/);
    expect(() => resolveSimulateOptions({ decoys: -1 })).toThrow(/"decoys"/);
    expect(() => resolveSimulateOptions({ trainTokens: 10 })).toThrow(/"trainTokens"/);
    expect(() => resolveSimulateOptions({ studentOrder: 0 })).toThrow(/"studentOrder"/);
    expect(() => resolveSimulateOptions({ temperature: NaN })).toThrow(TypeError);
  });

  it('exits 2 on usage errors and 0 with --help', async () => {
    const io = () => {
      const o = { out: '', err: '' };
      return { o, io: { out: (s: string) => void (o.out += s), err: (s: string) => void (o.err += s), progress: false } };
    };
    let t = io();
    expect(await runSimulateCommand(['--rho', 'lots'], t.io)).toBe(2);
    expect(t.o.err).toMatch(/--rho must be a number/);
    t = io();
    expect(await runSimulateCommand(['--bogus'], t.io)).toBe(2);
    expect(t.o.err).toMatch(/bogus/);
    t = io();
    expect(await runSimulateCommand(['--delta=-1'], t.io)).toBe(2);
    expect(t.o.err).toMatch(/"delta"/);
    t = io();
    expect(await runSimulateCommand(['--help'], t.io)).toBe(0);
    expect(t.o.out).toBe(SIMULATE_HELP);
  });
});
