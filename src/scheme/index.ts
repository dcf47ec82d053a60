/**
 * The keyed green-list function (scheme v1, docs/SPEC.md) and its configuration: the one piece of
 * code the serving side and the investigation side share.
 *
 * @module radiomark/scheme
 */
export { createGreenList, type GreenList, type GreenListOptions, type KernelChoice } from './green-list.js';
export { thresholdFor, DEFAULTS, SCORE_BITS, type ResolvedParams } from './config.js';
