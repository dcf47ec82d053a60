/**
 * The serving side: in-place logits bias, the exact fused sampler and per-request sessions, for a
 * single key or a key family. Builds on `radiomark/scheme` and `radiomark/key` only; never loads
 * detection or CLI code.
 *
 * @module radiomark/sampler
 */
export { createWatermark, type Watermark, type WatermarkOptions } from './watermark.js';
export { type FamilyWatermark, type FamilyWatermarkOptions } from './family.js';
export { type SampleOptions, negligibleCut, NEGLIGIBLE_BITS } from './fused.js';
export { type WatermarkSession, type SessionOptions } from './session.js';
export { createUniform } from './random.js';
