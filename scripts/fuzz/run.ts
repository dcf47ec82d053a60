/**
 * The full fuzz run of issue 13: CLI cases against the built binary and library calls, seeded, with
 * the oracles of test/fuzz/ (crash, hang at 30 s, leak of the key's secret, HTML injection, unclear
 * message, unsafe file replacement). `npm test` runs a slice of the same cases (test/fuzz/).
 *
 *   npm run build && npx tsx scripts/fuzz/run.ts [--cli 2000] [--lib 36000] [--seed 13]
 *       [--concurrency 2] [--out test-output/fuzz]
 *
 * `--lib` counts generated cases; the ones whose damage does not apply to their target make no
 * call, so about 60% become calls (36,000 cases give over 20,000 calls). Prints the counts and
 * writes <out>/summary.json (counts) and <out>/findings.json (every failing case: command, exit
 * status, problems, first lines of output). Exit status 1 when any oracle failed.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCases, sampleCases } from '../../test/fuzz/cli-runner.js';
import { fuzzSetup } from '../../test/fuzz/cli-setup.js';
import { runLibFuzz } from '../../test/fuzz/lib-pool.js';

const { values } = parseArgs({
  options: {
    cli: { type: 'string', default: '2000' },
    lib: { type: 'string', default: '36000' },
    seed: { type: 'string', default: '13' },
    concurrency: { type: 'string', default: '2' },
    out: { type: 'string', default: 'test-output/fuzz' },
  },
});
const seed = Number(values.seed);
const out = values.out!;
mkdirSync(out, { recursive: true });
const t0 = performance.now();
const log = (s: string): void => void process.stderr.write(`[${Math.round((performance.now() - t0) / 1000)} s] ${s}\n`);

const { ctx, root, close } = await fuzzSetup();
let cli;
try {
  const cases = sampleCases(ctx, Number(values.cli), seed);
  log(`${cases.length} CLI cases (every file-system shape, then ${values.cli} sampled), concurrency ${values.concurrency}`);
  cli = await runCases(root, cases, Number(values.concurrency), (c, o, n) => {
    if (o.problems.length > 0) log(`case ${n} ${c.family}: ${c.label.slice(0, 100)}: ${o.problems.map((p) => `${p.kind} (${p.detail})`).join('; ')}`);
    else if (n % 100 === 0) log(`${n} CLI cases`);
  });
} finally {
  await close();
}
log(`library: ${values.lib} cases`);
const lib = await runLibFuzz(seed, Number(values.lib), (n) => log(`${n} library calls`));

const summary = {
  command: `npx tsx scripts/fuzz/run.ts --cli ${values.cli} --lib ${values.lib} --seed ${seed} --concurrency ${values.concurrency}`,
  node: process.version,
  seconds: Math.round((performance.now() - t0) / 1000),
  cli: { cases: cli.cases, byFamily: cli.byFamily, byStatus: cli.byStatus, problems: cli.problems, slowestMs: Math.round(cli.slowestMs) },
  lib: { calls: lib.calls, generated: lib.generated, apis: Object.keys(lib.byApi).length, problems: lib.problems, untyped: lib.untyped, slowestMs: Math.round(lib.slowestMs) },
};
writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));
writeFileSync(join(out, 'findings.json'), JSON.stringify({ cli: cli.findings, lib: lib.findings }, null, 2));
console.log(JSON.stringify(summary, null, 2));
const failed = Object.values(cli.problems).some((n) => n > 0) || Object.values(lib.problems).some((n) => n > 0);
console.log(failed ? `FINDINGS: see ${join(out, 'findings.json')}` : 'no findings');
process.exitCode = failed ? 1 : 0;
