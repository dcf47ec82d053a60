/**
 * Statistics for watermark detection: exact binomial tails in log space (one- and two-sided), the
 * Clopper-Pearson interval, the normal tail (display only), the one-sample Kolmogorov-Smirnov test
 * of uniformity, multiple-testing corrections (Holm, Sidak), and the detector variants' tests:
 * strata combined into one test, the exact tail (and a Chernoff bound) of a weighted count, and the
 * family test of a key family.
 *
 * @module radiomark/stats
 */
export type { TailProbability } from './types.js';
export { binomialTail, binomialLowerTail, binomialPmfLog, zScore } from './binomial.js';
export { binomialTwoSided, type TwoSidedTest } from './two-sided.js';
export type { BinomialCount } from './counts.js';
export { combineStrata, type StrataMethod, type CombineStrataOptions, type StrataTest, type StratumResult } from './strata.js';
export { weightedBinomialTail, weightedBinomialBound, type WeightedCount, type WeightedTest } from './weighted.js';
export { familyTest, type FamilyTest } from './family.js';
export { binomialInterval, type BinomialInterval } from './interval.js';
export { normalTail } from './normal.js';
export { ksUniform, ksPValue, KS_EXACT_MAX_N, type KsResult } from './ks.js';
export { holm, holmLog10, sidak, sidakLog10 } from './multiple.js';
export { logGamma, logBinomialCoefficient } from './special.js';
