/**
 * radiomark: sampling-time watermarks for language-model outputs, and an exact corpus-level
 * detector for models distilled from them.
 *
 * Subpaths load less: `radiomark/key`, `radiomark/scheme`, `radiomark/stats`, `radiomark/detect`,
 * `radiomark/sampler`, `radiomark/tokenize`, `radiomark/testing`; the runtime adapters are only
 * subpaths (`radiomark/transformers`, `radiomark/web-llm`, `radiomark/node-llama-cpp`), so the root
 * never loads a runtime.
 *
 * @module radiomark
 */
export { RadiomarkError, RadiomarkRangeError, RadiomarkTypeError, radiomarkErrorData, type ErrorContext, type RadiomarkErrorCode, type RadiomarkErrorData } from './errors.js';
export * from './key/index.js';
export * from './scheme/index.js';
export * from './stats/index.js';
export * from './detect/index.js';
export * from './sampler/index.js';
