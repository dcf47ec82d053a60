import type { KeyParams } from './secret-key.js';

/** Largest supported context width (number of preceding ids in a window). */
export const MAX_CONTEXT_WIDTH = 8;

/** Largest supported vocabulary size (the per-token table holds 4 bytes per id: 64 MiB at this size). */
export const MAX_VOCAB_SIZE = 2 ** 24;

/**
 * Checks one scheme parameter and throws a `TypeError` / `RangeError` naming `api` and the value.
 *
 * @param api - the calling API, for the message (e.g. `createWatermark`)
 * @param name - the parameter
 * @param value - the value to check (`undefined` passes: absent)
 * @throws TypeError for a wrong type, RangeError for an out-of-range value
 */
export function checkParam(api: string, name: keyof KeyParams, value: unknown): void {
  if (value === undefined) return;
  const got = typeof value === 'string' ? JSON.stringify(value) : String(value);
  switch (name) {
    case 'gamma':
      if (typeof value !== 'number') throw new TypeError(`${api}: "gamma" must be a number, got ${got}`);
      if (!(value > 0 && value < 1)) throw new RangeError(`${api}: "gamma" must be in (0, 1), got ${got}`);
      if (Math.floor(value * 2 ** 31) === 0) {
        throw new RangeError(`${api}: "gamma" is too small to represent (threshold 0), got ${got}`);
      }
      return;
    case 'delta':
      if (typeof value !== 'number') throw new TypeError(`${api}: "delta" must be a number, got ${got}`);
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`${api}: "delta" must be finite and >= 0, got ${got}`);
      }
      return;
    case 'contextWidth':
      if (typeof value !== 'number') throw new TypeError(`${api}: "contextWidth" must be a number, got ${got}`);
      if (!Number.isInteger(value) || value < 0 || value > MAX_CONTEXT_WIDTH) {
        throw new RangeError(`${api}: "contextWidth" must be an integer in 0..${MAX_CONTEXT_WIDTH}, got ${got}`);
      }
      return;
    case 'vocabSize':
      if (typeof value !== 'number') throw new TypeError(`${api}: "vocabSize" must be a number, got ${got}`);
      if (!Number.isInteger(value) || value < 1 || value > MAX_VOCAB_SIZE) {
        throw new RangeError(`${api}: "vocabSize" must be an integer in 1..${MAX_VOCAB_SIZE}, got ${got}`);
      }
      return;
    case 'tokenizer':
      if (typeof value !== 'string' || value.length === 0) {
        throw new TypeError(`${api}: "tokenizer" must be a non-empty string, got ${got}`);
      }
      return;
    default:
      throw new TypeError(`${api}: unknown parameter ${JSON.stringify(name)}`);
  }
}

/** Names of the parameters a key file may carry, in file order. */
export const PARAM_NAMES: readonly (keyof KeyParams)[] = ['gamma', 'delta', 'contextWidth', 'tokenizer', 'vocabSize'];
