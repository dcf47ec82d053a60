/**
 * The worker thread of ./lib-pool.ts: regenerates the seeded cases, runs those it is given, and
 * reports each before (so a hang is attributed) and after running it.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { loadTokenizer } from '../../src/tokenize/index.js';
import { libCaseArb, runLibCase } from './lib-run.js';
import { libTargets } from './lib-targets.js';

/** What the pool sends: the seed, the number of cases, where to start. */
export interface WorkerInput {
  seed: number;
  cases: number;
  from: number;
}

const input = workerData as WorkerInput;
const tokenizer = await loadTokenizer('r50k');
const tokenizerJson = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'fixtures', 'tokenizer', 'tiny-bpe', 'tokenizer.json'), 'utf8')) as unknown;
const targets = libTargets({ tokenizer, tokenizerJson });
const cases = fc.sample(libCaseArb(targets.length), { seed: input.seed, numRuns: input.cases });
for (let i = input.from; i < cases.length; i++) {
  parentPort!.postMessage({ type: 'begin', i, api: targets[cases[i]!.target]!.api });
  const v = await runLibCase(targets, cases[i]!);
  parentPort!.postMessage({ type: 'done', i, v });
}
parentPort!.postMessage({ type: 'end', targets: targets.map((t) => t.api) });
