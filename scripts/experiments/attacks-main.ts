/**
 * `npm run experiments:attacks`: the figures of docs/RESULTS.md "A distiller who fights back" (the
 * attack sweeps, every detector variant on them, and every variant's null), saved to
 * docs/results/attacks.json; then docs/RESULTS.md's section is rewritten from that file and, when
 * present, docs/results/neural.json (`npm run experiments:neural`).
 *
 *   npm run experiments:attacks                  # the full run (about an hour on 2 cores)
 *   npm run experiments:attacks -- --quick       # small sizes, writes test-output/attacks-quick.json only
 *   npm run experiments:attacks -- --render      # re-render the section from the saved JSON files
 *   npm run experiments:attacks -- --resume      # keep every finished point, reuse those of an interrupted run
 */
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ATTACK_FULL, ATTACK_QUICK, attackSweeps, useCheckpoints, variantNull, type AttackResults } from './attacks.js';
import { attackSection, spliceSection, type NeuralResults, type SavedAttacks } from './attack-results.js';
import { createLog, git } from './run-log.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, render: { type: 'boolean' }, resume: { type: 'boolean' } }, strict: true });
// Every finished point is kept under test-output/attacks-checkpoints/; --resume reuses them.
useCheckpoints(`test-output/attacks-checkpoints${values.quick ? '-quick' : ''}`, values.resume === true);
const t0 = performance.now();
const log = createLog();


const ATTACKS_JSON = 'docs/results/attacks.json';
const NEURAL_JSON = 'docs/results/neural.json';
const NEURAL_LARGE_JSON = 'docs/results/neural-large.json';

async function run(): Promise<SavedAttacks> {
  const scale = values.quick ? ATTACK_QUICK : ATTACK_FULL;
  const sweeps = await attackSweeps(scale, log);
  const nul = await variantNull(scale, log);
  const results: AttackResults = { ...sweeps, null: nul };
  return {
    meta: {
      command: values.quick ? 'npm run experiments:attacks -- --quick' : 'npm run experiments:attacks',
      commit: git(['rev-parse', '--short', 'HEAD']),
      dirty: git(['status', '--porcelain', '--untracked-files=no']).length > 0,
      date: new Date().toISOString().slice(0, 10),
      node: process.versions.node,
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      cores: cpus().length,
      seconds: (performance.now() - t0) / 1000,
    },
    results,
  };
}

mkdirSync('docs/results', { recursive: true });
mkdirSync('test-output', { recursive: true });
let saved: SavedAttacks;
if (values.render) saved = JSON.parse(readFileSync(ATTACKS_JSON, 'utf8')) as SavedAttacks;
else {
  saved = await run();
  writeFileSync(values.quick ? 'test-output/attacks-quick.json' : ATTACKS_JSON, JSON.stringify(saved, null, 1));
}
const neural = existsSync(NEURAL_JSON) ? (JSON.parse(readFileSync(NEURAL_JSON, 'utf8')) as NeuralResults) : null;
const neuralLarge = existsSync(NEURAL_LARGE_JSON) ? (JSON.parse(readFileSync(NEURAL_LARGE_JSON, 'utf8')) as NeuralResults) : null;
const section = attackSection(saved, neural, neuralLarge);
if (values.quick) {
  writeFileSync('test-output/attacks-quick.md', section);
  log('wrote test-output/attacks-quick.json and attacks-quick.md');
} else {
  writeFileSync('docs/RESULTS.md', spliceSection(readFileSync('docs/RESULTS.md', 'utf8'), section));
  log(`wrote ${ATTACKS_JSON} and the section of docs/RESULTS.md (${(saved.meta.seconds / 60).toFixed(1)} min)`);
}
