import { binomialLowerTail, binomialTail, ksUniform } from '../stats/index.js';
import { checkInteger, checkOpenUnit, typeError } from '../assert.js';
import { checkSecretKey } from '../key/family.js';
import { DetectorImpl } from './detector.js';
import { randomizedPValue, uniformFrom } from './result.js';
import type { DetectorOptions } from './types.js';

/** Default significance level of each of the three checks of {@link checkKey}. */
export const CHECK_KEY_ALPHA = 0.01;

/** Options of {@link checkKey}. */
export interface CheckKeyOptions extends Pick<DetectorOptions, 'key' | 'gamma' | 'contextWidth' | 'vocabSize' | 'tokenizer' | 'specialTokens' | 'endOfText'> {
  /** Clean text of the deployment's tokenizer family (never watermarked under this key), one array of ids per document. */
  readonly corpus: Iterable<ArrayLike<number>>;
  /** Level of each check (default {@link CHECK_KEY_ALPHA}). */
  readonly alpha?: number;
  /** Seed of the randomization of per-document p-values (default 0); the check is deterministic given it. */
  readonly seed?: number;
}

/** The result of {@link checkKey}. */
export interface KeyCheckResult {
  /** Key fingerprint. */
  fingerprint: string;
  /** Exact null probability of green. */
  greenProbability: number;
  /** Documents read. */
  documents: number;
  /** Distinct (window, token) pairs scored. */
  scored: number;
  /** Of which green. */
  green: number;
  /** green / scored (`null` when nothing was scored). */
  greenRate: number | null;
  /** log10 P(X >= green): a small value means the key's green lists line up with natural text (false positives). */
  upperLog10PValue: number | null;
  /** log10 P(X <= green): a small value means the key avoids natural text (lost power, or a pipeline bug). */
  lowerLog10PValue: number | null;
  /** KS test of the documents' randomized p-values against Uniform(0, 1) (documents with a scored position). */
  ks: { statistic: number; pValue: number; n: number };
  /** Level of each check. */
  alpha: number;
  /** True when all three checks pass (and something was scored). */
  accepted: boolean;
  /** Why the key was rejected, in plain words (empty when accepted). */
  reasons: string[];
}

/**
 * Key acceptance check (N1 of docs/detection.md, "Key acceptance"): scores a clean corpus under the
 * key and tests that the key behaves like the null it promises: green rate consistent with
 * `greenProbability` in both directions (exact binomial tails on the deduplicated corpus) and
 * per-document p-values uniform (KS). Run it before deploying a key; generate another key when it
 * is rejected. Each check runs at `alpha`, so a good key is rejected with probability at most about
 * `3 alpha`.
 *
 * Per-document p-values are randomized (`P(X > k) + U P(X = k)`, U from a seeded hash): exact
 * binomial p-values of short documents are discrete and stochastically larger than uniform, so a KS
 * test on them would reject a correct key on short texts; randomized ones are exactly uniform under
 * the null.
 *
 * @param options - key, parameters, R0 rules and the clean corpus
 * @returns a {@link KeyCheckResult}
 * @throws TypeError / RangeError / RadiomarkError as {@link createDetector} and {@link Detector.add}
 * @example
 * ```ts
 * const check = checkKey({ key, vocabSize: 200019, corpus: cleanDocs });
 * if (!check.accepted) console.error(check.reasons);
 * ```
 */
export function checkKey(options: CheckKeyOptions): KeyCheckResult {
  const api = 'checkKey';
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { corpus, alpha = CHECK_KEY_ALPHA, seed = 0, key, gamma, contextWidth, vocabSize, tokenizer, specialTokens, endOfText } = options;
  checkSecretKey(api, 'key', key);
  checkOpenUnit(api, 'alpha', alpha);
  checkInteger(api, 'seed', seed);
  if (corpus === null || typeof corpus !== 'object' || typeof (corpus as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw typeError(api, 'corpus', 'an iterable of token-id arrays', corpus);
  }
  const det = new DetectorImpl({ key, gamma, contextWidth, vocabSize, tokenizer, specialTokens, endOfText }, api, false);
  for (const doc of corpus) det.add(doc);
  const r = det.result();
  const p = r.greenProbability;
  const randomized: number[] = [];
  for (const d of r.perDocument) {
    if (d.scored > 0) randomized.push(randomizedPValue(d.green, d.scored, p, uniformFrom(seed, d.index)));
  }
  const ks = randomized.length > 0 ? ksUniform(randomized) : { statistic: 0, pValue: 1, n: 0 };
  let upper: number | null = null;
  let lower: number | null = null;
  if (r.scored > 0) {
    upper = binomialTail(r.green, r.scored, p).log10PValue;
    lower = binomialLowerTail(r.green, r.scored, p).log10PValue;
  }
  const la = Math.log10(alpha);
  const reasons: string[] = [];
  if (r.scored === 0) reasons.push('nothing was scored: the corpus has no position with a full window');
  if (upper !== null && upper <= la) {
    reasons.push(`green rate ${(r.green / r.scored).toFixed(5)} is above ${p} (log10 p = ${upper.toFixed(2)}): this key would accuse clean text`);
  }
  if (lower !== null && lower <= la) {
    reasons.push(`green rate ${(r.green / r.scored).toFixed(5)} is below ${p} (log10 p = ${lower.toFixed(2)}): this key avoids natural text, or the pipeline is wrong`);
  }
  if (ks.n > 0 && ks.pValue <= alpha) {
    reasons.push(`per-document p-values are not uniform (KS D = ${ks.statistic.toFixed(4)}, p = ${ks.pValue.toPrecision(3)} over ${ks.n} documents)`);
  }
  return {
    fingerprint: r.fingerprint,
    greenProbability: p,
    documents: r.documents,
    scored: r.scored,
    green: r.green,
    greenRate: r.greenFraction,
    upperLog10PValue: upper,
    lowerLog10PValue: lower,
    ks: { statistic: ks.statistic, pValue: ks.pValue, n: ks.n },
    alpha,
    accepted: reasons.length === 0,
    reasons,
  };
}
