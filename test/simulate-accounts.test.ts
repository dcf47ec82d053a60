import { describe, expect, it } from 'vitest';
import { familyDetection, resolveAccountsOptions, runAccountsScenario } from '../src/simulate/accounts.js';
import { runSimulateCommand } from '../src/simulate/cli.js';

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

  it('attributes nothing unless the family test fires, and then only cohorts whose Holm p is below the level', () => {
    const quiet = familyDetection({ scored: 1000, green: [250, 255, 245, 260] }, 4, 1, 0.25, 1e-6, 1e-3);
    expect(quiet.fired).toBe(false);
    expect(quiet.cohorts).toBeNull();
    const loud = familyDetection({ scored: 100_000, green: [25_000, 27_000, 25_100, 24_900] }, 4, 1, 0.25, 1e-6, 1e-3);
    expect(loud.fired).toBe(true);
    expect(loud.cohorts!.map((c) => c.flagged)).toEqual([false, true, false, false]);
    // Epochs: cohort-major members; epoch 1 carries the signal in both cohorts.
    const ep = familyDetection({ scored: 100_000, green: [25_000, 26_000, 24_950, 26_000] }, 2, 2, 0.25, 1e-6, 1e-3);
    expect(ep.epochs!.map((e) => e.flagged)).toEqual([false, true]);
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
