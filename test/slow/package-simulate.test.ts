import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPacked, type InstalledPackage } from '../package-helpers.js';

/**
 * The README's demo from the installed package: `radiomark simulate` with its defaults (the n-gram
 * teacher on the packed WordNet glosses), in an empty project with production dependencies only,
 * gives exactly the figures the repository's build gives (same seed, same numbers), timings aside.
 * About 2 x 90 s on an idle 2-core machine.
 */
const root = resolve(import.meta.dirname, '..', '..');
let inst: InstalledPackage;
beforeAll(() => {
  inst = installPacked();
}, 600_000);
afterAll(() => inst?.cleanup());

/** A simulate --json result without the fields that measure time. */
function figures(json: string): unknown {
  return JSON.parse(json, (k, v: unknown) => (/(^ms$|Ms$|seconds|PerSecond|elapsed|^time)/i.test(k) ? undefined : v));
}

describe('radiomark simulate from the installed package', () => {
  it('runs the default demo and gives the repository build\'s figures', () => {
    const installed = spawnSync(inst.bin, ['simulate', '--json', '--quiet'], { cwd: inst.app, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(installed.status, installed.stderr).toBe(0);
    const repo = spawnSync(process.execPath, ['dist/bin/radiomark.js', 'simulate', '--json', '--quiet'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(repo.status, repo.stderr).toBe(0);
    expect(figures(installed.stdout)).toEqual(figures(repo.stdout));
    expect(installed.stdout).toMatch(/"verdict":\s*"detected"/);
  });
});
