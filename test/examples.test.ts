import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './examples-helpers.js';

/**
 * Every example runs, as its header says (`npx tsx examples/<name>.ts`), against the built package:
 * the examples import `radiomark/...`, which Node resolves to this package's own exports (dist/,
 * built by `npm test` first), so an example that drifts from the published API fails here (and in
 * `tsc`, which checks them against dist/*.d.ts). examples/model-server.ts runs in
 * test/model-server.test.ts and test/probe-server.test.ts; examples/detect-corpus.ts (half a minute
 * of CPU, several minutes on a busy machine) in test/slow/examples.test.ts.
 */
const root = resolve(import.meta.dirname, '..');

const ratio = (m: RegExpMatchArray | null): number => (m ? Number(m[1]) / Number(m[2]) : NaN);

describe('examples/', () => {
  it('import the package by name (radiomark/...), never ../src', () => {
    for (const f of readdirSync(join(root, 'examples')).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(root, 'examples', f), 'utf8');
      expect(text, f).not.toMatch(/from ['"]\.\.\/src\//);
      expect(text, f).toMatch(/from 'radiomark(\/[a-z-]+)?'/);
    }
  });

  it('serving-quickstart.ts: the ten lines serve watermarked text', () => {
    const r = run('serving-quickstart.ts');
    expect(r.status, r.err).toBe(0);
    expect(ratio(r.out.match(/(\d+)\/(\d+) scored tokens green/))).toBeGreaterThan(0.6);
  });

  it('family-server.ts: answers are marked per cohort; the family test fires and flags exactly the harvesting accounts\' cohorts', () => {
    const r = run('family-server.ts');
    expect(r.status, r.err).toBe(0);
    const cohorts = [...r.out.matchAll(/acct-\d+ \(cohort (\d+)\)/g)].map((m) => Number(m[1]));
    expect(cohorts).toHaveLength(2);
    expect(r.out).toMatch(/family test over 16 member keys, \d+ scored pairs: p = 10\^-\d+\.\d, detected/);
    const flagged = [...r.out.matchAll(/^cohort (\d+): flagged/gm)].map((m) => Number(m[1]));
    expect(flagged.sort((a, b) => a - b)).toEqual([...new Set(cohorts)].sort((a, b) => a - b));
  });

  it('transformers.ts: the offline path runs transformers.js generate() with the processor', () => {
    const r = run('transformers.ts');
    expect(r.status, r.err).toBe(0);
    expect(ratio(r.out.match(/(\d+) of (\d+) watermarked positions are green/))).toBeGreaterThan(0.5);
  });

  it('web-llm.ts: loads under Node and exports its generator (running it needs a WebGPU browser)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const m = await import('./examples/web-llm.ts'); console.log(typeof m.watermarkedGenerate)`], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('function');
  });

  it('node-llama-cpp.ts: without a model file, exits 2 with its usage (running it needs a GGUF model)', () => {
    const r = run('node-llama-cpp.ts');
    expect(r.status).toBe(2);
    expect(r.err + r.out).toMatch(/usage: npx tsx examples\/node-llama-cpp\.ts --model/);
  });
});
