/**
 * radiomark: sampling-time watermarks for language-model outputs, and an exact corpus-level
 * detector for models distilled from them.
 *
 * Subpaths load less: `radiomark/key`, `radiomark/scheme`, `radiomark/testing`.
 *
 * @module radiomark
 */
export { RadiomarkError, type RadiomarkErrorCode } from './errors.js';
export * from './key/index.js';
export * from './scheme/index.js';
export * from './stats/index.js';
export * from './detect/index.js';
export { createWatermark, type Watermark, type WatermarkOptions } from './sampler/watermark.js';
