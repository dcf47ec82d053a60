import { rangeError, typeError } from '../assert.js';
import { MAX_VOCAB_SIZE } from '../limits.js';

// The key room's public API names the bound (radiomark/key); it lives in src/limits.ts so that the
// tokenizer room can apply it without importing keys.
export { MAX_VOCAB_SIZE } from '../limits.js';
import type { KeyParams } from './secret-key.js';

/** Largest supported context width (number of preceding ids in a window). */
export const MAX_CONTEXT_WIDTH = 8;

/**
 * @internal What is wrong with one field: what it must be, and whether the type (rather than the
 * range) is wrong. The checkers below return one, so an API throws it as a TypeError/RangeError
 * and the key-file parser as a `KEY_FORMAT` error, from the same rule.
 */
export interface Problem {
  readonly expected: string;
  readonly type: boolean;
}

/** @internal Throws `problem` (when there is one) as a RadiomarkTypeError or RadiomarkRangeError. */
export function throwProblem(api: string, field: string, problem: Problem | undefined, value: unknown): void {
  if (problem !== undefined) throw problem.type ? typeError(api, field, problem.expected, value) : rangeError(api, field, problem.expected, value);
}

const wrongType = (expected: string): Problem => ({ expected, type: true });
const outOfRange = (expected: string): Problem => ({ expected, type: false });

/**
 * @internal What is wrong with one scheme parameter, or `undefined` when it is valid or absent.
 *
 * @param name - the parameter
 * @param value - its value
 */
export function paramProblem(name: keyof KeyParams, value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (name === 'tokenizer') return typeof value === 'string' && value.length > 0 ? undefined : wrongType('a non-empty string');
  if (!(PARAM_NAMES as readonly string[]).includes(name)) return wrongType('a scheme parameter name');
  if (typeof value !== 'number') return wrongType('a number');
  switch (name) {
    case 'gamma':
      if (!(value > 0 && value < 1)) return outOfRange('in (0, 1)');
      return Math.floor(value * 2 ** 31) === 0 ? outOfRange('at least 2^-31 (a smaller gamma is too small to represent: threshold floor(gamma * 2^31) = 0)') : undefined;
    case 'delta':
      return Number.isFinite(value) && value >= 0 ? undefined : outOfRange('finite and >= 0');
    case 'contextWidth':
      return Number.isInteger(value) && value >= 0 && value <= MAX_CONTEXT_WIDTH ? undefined : outOfRange(`an integer in 0..${MAX_CONTEXT_WIDTH}`);
    default:
      return Number.isInteger(value) && value >= 1 && value <= MAX_VOCAB_SIZE ? undefined : outOfRange(`an integer in 1..${MAX_VOCAB_SIZE}`);
  }
}

/**
 * @internal Checks one scheme parameter; the error carries `api` and the parameter as `field`.
 *
 * @param api - the calling API, for the message (e.g. `createWatermark`)
 * @param name - the parameter
 * @param value - the value to check (`undefined` passes: absent)
 * @throws RadiomarkTypeError for a wrong type, RadiomarkRangeError for an out-of-range value
 */
export function checkParam(api: string, name: keyof KeyParams, value: unknown): void {
  throwProblem(api, name, paramProblem(name, value), value);
}

/** @internal Names of the parameters a key file may carry, in file order. */
export const PARAM_NAMES: readonly (keyof KeyParams)[] = ['gamma', 'delta', 'contextWidth', 'tokenizer', 'vocabSize'];

/**
 * @internal Validates every field of `params` and copies the present ones in file order.
 *
 * @param api - the calling API
 * @param params - the parameters
 * @returns a new object with only the present parameters
 */
export function checkParams(api: string, params: KeyParams): KeyParams {
  if (params === null || typeof params !== 'object') throw typeError(api, 'params', 'an object of scheme parameters', params);
  const out: Record<string, unknown> = {};
  for (const name of PARAM_NAMES) {
    const v = params[name];
    checkParam(api, name, v);
    if (v !== undefined) out[name] = v;
  }
  return out as KeyParams;
}
