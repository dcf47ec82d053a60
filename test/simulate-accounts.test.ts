import { describe, expect, it } from 'vitest';
import { familyDetection, resolveAccountsOptions, runAccountsScenario } from '../src/simulate/accounts.js';
import { runSimulateCommand } from '../src/simulate/cli.js';
import { createDetector } from '../src/detect/index.js';
import { createKeyFamily, generateKey } from '../src/key/index.js';

describe('the many-accounts scenario (key families), fast configuration', () => {
  it('detects the family, attributes the harvest to the distiller\'s two cohorts and to no other; the clean control does not fire', async () => {
    const r = await runAccountsScenario({ seed: 'fast', accounts: 2000, cohorts: 16, corpusGlosses: 15_000, trainTokens: 25_000, rho: 0.2, budget: 10_000 });
    const truth = Object.keys(r.truth.cohorts).map(Number);
    expect(truth).toHaveLength(2);
    expect(r.suspect.fired).toBe(true);
    const flagged = r.suspect.cohorts!.filter((c) => c.flagged).map((c) => c.cohort);
    expect(flagged.every((c) => truth.includes(c))).toBe(true);
    expect(flagged.length).toBeGreaterThan(0);
    expect(r.control!.fired).toBe(false);
    expect(r.control!.cohorts).toBeNull(); // no attribution without a verdict
  }, 600_000); // a few seconds on an idle machine; generous for a loaded one

  it('attributes nothing unless the family test fires, and then flags cohorts and epochs at the attribution level from the detector\'s Holm p-values', () => {
    const family = createKeyFamily(generateKey({ vocabSize: 1000, gamma: 0.25 }), { cohorts: 2, epochDays: 30, epochOrigin: '2026-01-01' });
    const answers = (n: number, seed: number): Uint32Array[] => {
      let x = seed;
      return Array.from({ length: n }, () => Uint32Array.from({ length: 40 }, () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 8) % 1000));
    };
    const run = (docs: Uint32Array[]) => {
      const det = createDetector({ key: family, epochs: 2, vocabSize: 1000 });
      for (const d of docs) det.add(d);
      return det.result();
    };
    const quiet = familyDetection(run(answers(50, 7)), 1e-6, 1e-3);
    expect(quiet.fired).toBe(false);
    expect(quiet.cohorts).toBeNull();
    expect(quiet.epochs).toBeNull();
    // A fabricated detector result whose verdict fired: flags follow the Holm p-values at 1e-3, not at the verdict's alpha.
    const r = run(answers(50, 7));
    const fam = r.family!;
    const line = (index: number, holm: number) => ({ index, trials: 2 * r.scored, green: 0, log10PValue: holm, holmLog10PValue: holm, flagged: false });
    const loud = familyDetection({ ...r, log10PValue: -9, family: { ...fam, attribution: { alpha: 1e-6, cohorts: [line(0, -1), line(1, -4)], epochs: [line(0, -2.9), line(1, -3.1)] } } }, 1e-6, 1e-3);
    expect(loud.fired).toBe(true);
    expect(loud.cohorts!.map((c) => c.flagged)).toEqual([false, true]);
    expect(loud.epochs!.map((e) => e.flagged)).toEqual([false, true]);
    expect(loud.green).toEqual(fam.perMember.map((m) => m.green));
    expect(loud.minPLog10P).toBe(fam.layers.find((l) => l.name === 'member min-p')!.log10PValue);
  });

  it('refuses bad options naming the flag and the value', async () => {
    expect(() => resolveAccountsOptions({ cohorts: 0 })).toThrow(/"cohorts" .*got 0/);
    expect(() => resolveAccountsOptions({ epochs: 2, fraudEpochs: [2] })).toThrow(/"fraudEpochs" .*got 2/);
    for (const [argv, message] of [
      [['--accounts', '100', '--fraud-accounts', '200'], /--fraud-accounts: .*got 200/],
      [['--cohorts', '4', '--fraud-cohorts', '5'], /--fraud-cohorts: .*got 5/],
      [['--accounts', '100', '--fraud-epochs', 'x'], /--fraud-epochs must be a comma-separated list/],
    ] as [string[], RegExp][]) {
      let err = '';
      const code = await runSimulateCommand(argv, { out: () => {}, err: (s) => void (err += s), progress: false });
      expect(code).toBe(2);
      expect(err).toMatch(message);
    }
  });
});
