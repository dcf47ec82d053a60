/**
 * Shows (and reruns) one library fuzz case by its index and seed, as scripts/fuzz/run.ts and the
 * findings report them:
 *
 *   npx tsx scripts/fuzz/replay.ts --seed 13 --cases 36000 --case 1503 [--run]
 *
 * `--cases` must be the run's case count (fast-check draws the sequence for that length).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { loadTokenizer } from '../../src/tokenize/index.js';
import { libCaseArb, mutate, runLibCase } from '../../test/fuzz/lib-run.js';
import { libTargets } from '../../test/fuzz/lib-targets.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, cases: { type: 'string' }, case: { type: 'string' }, run: { type: 'boolean' } } });
const tokenizer = await loadTokenizer('r50k');
const tokenizerJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../test/fixtures/tokenizer/tiny-bpe/tokenizer.json'), 'utf8')) as unknown;
const targets = libTargets({ tokenizer, tokenizerJson });
const cases = fc.sample(libCaseArb(targets.length), { seed: Number(values.seed), numRuns: Number(values.cases) });
const c = cases[Number(values.case)]!;
const t = targets[c.target]!;
const args = t.valid();
console.log(`${t.api}: ${mutate(args, c.mutation)}`);
if (values.run) console.log(await runLibCase(targets, c));
