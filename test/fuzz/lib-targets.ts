/**
 * The public library calls the fuzz suite drives, each as a valid call (a template of arguments
 * built fresh per case) that a case then damages: one argument replaced, one option replaced or
 * deleted, an argument dropped or added. A template called as is must succeed.
 *
 * Only public API (the package's exports); the CLI's own parsers are fuzzed through the CLI.
 *
 * Small vocabularies (97 ids) keep a call cheap; the key is the fuzz key (test/fuzz/secret.ts), so
 * an error message that quotes key material is caught.
 *
 * @module
 */
import { createWatermark, type Watermark } from '../../src/sampler/index.js';
import {
  createKeyFamily,
  deriveKey,
  generateKey,
  generateKeyFamily,
  keyFromBytes,
  parseKey,
  parseKeyFamily,
  parseKeyFile,
  serializeKey,
  serializeKeyFamily,
} from '../../src/key/index.js';
import { createGreenList } from '../../src/scheme/index.js';
import { checkKey, createDetector, createMultiKeyDetector, detectWindows, randomizedPValue } from '../../src/detect/index.js';
import * as stats from '../../src/stats/index.js';
import { hfTokenizerFromJson, loadTokenizer, normalizeText, type Tokenizer } from '../../src/tokenize/index.js';
import { chiSquareSurvival, chiSquareTest } from '../../src/testing/sampler.js';
import { FUZZ_SECRET_BYTES } from './secret.js';

/** One fuzzed API. */
export interface LibTarget {
  /** The API's name, as its errors should begin (`createDetector`, `wm.sample`, ...). */
  api: string;
  /** Fresh valid arguments. */
  valid(): unknown[];
  /** Calls the API (awaited when it returns a promise). */
  call(args: unknown[]): unknown;
}

const V = 97;
const key = keyFromBytes(FUZZ_SECRET_BYTES, { vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });
const keyText = serializeKey(key);
const family = createKeyFamily(key, { cohorts: 4 });
const familyText = serializeKeyFamily(family);
const logits = (): Float32Array => Float32Array.from({ length: V }, (_, i) => Math.sin(i * 1.7) * 3);
const doc = (): Uint32Array => Uint32Array.from({ length: 60 }, (_, i) => (i * 37 + 5) % V);
let wm: Watermark | undefined;
const watermark = (): Watermark => (wm ??= createWatermark({ key }));

/** Targets that need loaded data (a tokenizer, a result document): made once by {@link libTargets}. */
export interface LibData {
  /** The r50k tokenizer. */
  tokenizer: Tokenizer;
  /** test/fixtures/tokenizer/tiny-bpe/tokenizer.json, parsed. */
  tokenizerJson: unknown;
}

/** Every fuzzed API. */
export function libTargets(data: LibData): LibTarget[] {
  const sampleOptions = () => ({ temperature: 0.8, topK: 10, topP: 0.9, minP: 0, random: () => 0.37 });
  const detectorOptions = () => ({ key, decoys: 3, dedup: true, promptExclusion: true, budget: 1000, curve: true });
  const t: LibTarget[] = [
    { api: 'keyFromBytes', valid: () => [new Uint8Array(FUZZ_SECRET_BYTES), { vocabSize: V, gamma: 0.3, delta: 1, contextWidth: 2, tokenizer: 'r50k' }], call: (a) => keyFromBytes(a[0] as never, a[1] as never) },
    { api: 'generateKey', valid: () => [{ gamma: 0.25, delta: 3, contextWidth: 2, tokenizer: 'o200k', vocabSize: 200_019 }], call: (a) => generateKey(a[0] as never) },
    { api: 'deriveKey', valid: () => [key, 'decoy/1'], call: (a) => deriveKey(a[0] as never, a[1] as never) },
    { api: 'serializeKey', valid: () => [key, { vocabSize: V }], call: (a) => serializeKey(a[0] as never, a[1] as never) },
    { api: 'parseKey', valid: () => [keyText, 'key.json'], call: (a) => parseKey(a[0] as never, a[1] as never) },
    { api: 'parseKeyFile', valid: () => [familyText, 'family.json'], call: (a) => parseKeyFile(a[0] as never, a[1] as never) },
    { api: 'parseKeyFamily', valid: () => [familyText, 'family.json'], call: (a) => parseKeyFamily(a[0] as never, a[1] as never) },
    { api: 'createKeyFamily', valid: () => [key, { cohorts: 8, epochDays: 30, epochOrigin: '2025-01-01' }], call: (a) => createKeyFamily(a[0] as never, a[1] as never) },
    { api: 'generateKeyFamily', valid: () => [{ cohorts: 3, vocabSize: V }], call: (a) => generateKeyFamily(a[0] as never) },
    { api: 'family.key', valid: () => [1, undefined], call: (a) => family.key(a[0] as never, a[1] as never) },
    { api: 'family.epochOf', valid: () => [Date.UTC(2025, 5, 1)], call: (a) => createKeyFamily(key, { cohorts: 2, epochDays: 7, epochOrigin: '2025-01-01' }).epochOf(a[0] as never) },
    { api: 'family.cohortOf', valid: () => ['account-17'], call: (a) => family.cohortOf(a[0] as never) },
    { api: 'createGreenList', valid: () => [{ key, gamma: 0.25, contextWidth: 2, vocabSize: V }], call: (a) => createGreenList(a[0] as never) },
    { api: 'createWatermark', valid: () => [{ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 }], call: (a) => createWatermark(a[0] as never) },
    { api: 'wm.bias', valid: () => [logits(), [1, 2]], call: (a) => watermark().bias(a[0] as never, a[1] as never) },
    { api: 'wm.biasBatch', valid: () => [new Float32Array(2 * V), [[1, 2], [3, 4]]], call: (a) => watermark().biasBatch(a[0] as never, a[1] as never) },
    { api: 'wm.sample', valid: () => [logits(), [1, 2], sampleOptions()], call: (a) => watermark().sample(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'wm.isGreen', valid: () => [[1, 2], 3], call: (a) => watermark().isGreen(a[0] as never, a[1] as never) },
    { api: 'wm.session', valid: () => [{ prompt: [1, 2], masking: true }], call: (a) => watermark().session(a[0] as never) },
    {
      api: 'session.sample',
      valid: () => [{ prompt: [1, 2] }, logits(), sampleOptions(), 5],
      call: (a) => {
        const s = watermark().session(a[0] as never);
        s.sample(a[1] as never, a[2] as never);
        s.accept(a[3] as never);
        return s.bias(a[1] as never);
      },
    },
    {
      api: 'createDetector',
      valid: () => [detectorOptions(), doc(), { promptTokens: [1, 2, 3] }],
      call: (a) => {
        const det = createDetector(a[0] as never);
        det.add(a[1] as never, a[2] as never);
        return det.result();
      },
    },
    {
      api: 'detector.merge',
      valid: () => {
        const other = createDetector({ key, shard: { index: 1, count: 2 } });
        other.add(doc());
        return [other.state()];
      },
      call: (a) => {
        const det = createDetector({ key, shard: { index: 0, count: 2 } });
        det.merge(a[0] as never);
        return det.result();
      },
    },
    { api: 'checkKey', valid: () => [{ key, corpus: [doc(), doc().reverse()], alpha: 0.01, seed: 1 }], call: (a) => checkKey(a[0] as never) },
    { api: 'detectWindows', valid: () => [{ key, windowSize: 10, step: 5 }, doc()], call: (a) => detectWindows(a[0] as never, a[1] as never) },
    {
      api: 'createMultiKeyDetector',
      valid: () => [{ keys: [key, deriveKey(key, 'other')] }, doc()],
      call: (a) => {
        const m = createMultiKeyDetector(a[0] as never);
        m.add(a[1] as never);
        return m.result();
      },
    },
    { api: 'randomizedPValue', valid: () => [30, 100, 0.25, 0.5], call: (a) => randomizedPValue(a[0] as never, a[1] as never, a[2] as never, a[3] as never) },
    { api: 'binomialTail', valid: () => [30, 100, 0.25], call: (a) => stats.binomialTail(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'binomialLowerTail', valid: () => [30, 100, 0.25], call: (a) => stats.binomialLowerTail(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'binomialPmfLog', valid: () => [30, 100, 0.25], call: (a) => stats.binomialPmfLog(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'zScore', valid: () => [30, 100, 0.25], call: (a) => stats.zScore(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'binomialTwoSided', valid: () => [30, 100, 0.25], call: (a) => stats.binomialTwoSided(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'combineStrata', valid: () => [[{ trials: 50, successes: 20 }, { trials: 30, successes: 5 }], 0.25, { method: 'fisher' }], call: (a) => stats.combineStrata(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'weightedBinomialTail', valid: () => [[{ trials: 50, successes: 20, weight: 2 }, { trials: 30, successes: 5, weight: 1 }], 0.25], call: (a) => stats.weightedBinomialTail(a[0] as never, a[1] as never) },
    { api: 'weightedBinomialBound', valid: () => [[{ trials: 50, successes: 20, weight: 0.5 }], 0.25], call: (a) => stats.weightedBinomialBound(a[0] as never, a[1] as never) },
    { api: 'familyTest', valid: () => [[{ trials: 50, successes: 20 }, { trials: 50, successes: 12 }], 0.25], call: (a) => stats.familyTest(a[0] as never, a[1] as never) },
    { api: 'binomialInterval', valid: () => [30, 100, 0.95], call: (a) => stats.binomialInterval(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'normalTail', valid: () => [2.5], call: (a) => stats.normalTail(a[0] as never) },
    { api: 'ksUniform', valid: () => [[0.1, 0.5, 0.9, 0.3]], call: (a) => stats.ksUniform(a[0] as never) },
    { api: 'ksPValue', valid: () => [0.3, 20], call: (a) => stats.ksPValue(a[0] as never, a[1] as never) },
    { api: 'holm', valid: () => [[0.01, 0.2, 0.03]], call: (a) => stats.holm(a[0] as never) },
    { api: 'holmLog10', valid: () => [[-2, -0.7, -1.5]], call: (a) => stats.holmLog10(a[0] as never) },
    { api: 'sidak', valid: () => [0.01, 5], call: (a) => stats.sidak(a[0] as never, a[1] as never) },
    { api: 'sidakLog10', valid: () => [-2, 5], call: (a) => stats.sidakLog10(a[0] as never, a[1] as never) },
    { api: 'logGamma', valid: () => [4.5], call: (a) => stats.logGamma(a[0] as never) },
    { api: 'logBinomialCoefficient', valid: () => [100, 30], call: (a) => stats.logBinomialCoefficient(a[0] as never, a[1] as never) },
    { api: 'normalizeText', valid: () => ['Café\u200b', { form: 'NFC', stripZeroWidth: true }], call: (a) => normalizeText(a[0] as never, a[1] as never) },
    { api: 'loadTokenizer', valid: () => ['r50k'], call: (a) => loadTokenizer(a[0] as never) },
    { api: 'tokenizer.encode', valid: () => ['the river ran on'], call: (a) => data.tokenizer.encode(a[0] as never) },
    { api: 'tokenizer.decode', valid: () => [[464, 7850]], call: (a) => data.tokenizer.decode(a[0] as never) },
    { api: 'hfTokenizerFromJson', valid: () => [structuredClone(data.tokenizerJson), {}, 'hf:fuzz'], call: (a) => hfTokenizerFromJson(a[0], a[1], a[2] as never) },
    { api: 'chiSquareTest', valid: () => [[10, 20, 30], [0.2, 0.3, 0.5], 5], call: (a) => chiSquareTest(a[0] as never, a[1] as never, a[2] as never) },
    { api: 'chiSquareSurvival', valid: () => [3.2, 4], call: (a) => chiSquareSurvival(a[0] as never, a[1] as never) },
  ];
  return t;
}
