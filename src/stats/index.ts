/**
 * Statistics for watermark detection: exact binomial tails in log space, the Clopper-Pearson
 * interval, the normal tail (display only), the one-sample Kolmogorov-Smirnov test of uniformity,
 * and multiple-testing corrections (Holm, Sidak).
 *
 * @module radiomark/stats
 */
export type { TailProbability } from './types.js';
export { binomialTail, binomialLowerTail, binomialPmfLog, zScore } from './binomial.js';
export { binomialInterval, type BinomialInterval } from './interval.js';
export { normalTail } from './normal.js';
export { ksUniform, ksPValue, KS_EXACT_MAX_N, type KsResult } from './ks.js';
export { holm, holmLog10, sidak, sidakLog10 } from './multiple.js';
export { logGamma, logBinomialCoefficient } from './special.js';
