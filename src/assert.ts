/**
 * Argument checks shared by every room: one value describer, one token-id validator, one of each
 * scalar check. Each throws a {@link RadiomarkTypeError} (wrong type) or a
 * {@link RadiomarkRangeError} (out of range) whose message reads
 * `api: "field" must be ..., got <value>` and which carries `api` and `field` as data.
 *
 * Internal: not re-exported from the package root. None allocates on the success path, so entry
 * points of per-token APIs may call them.
 *
 * @internal
 * @module
 */
import { RadiomarkRangeError, RadiomarkTypeError } from './errors.js';

/** A run of 8 or more hex digits: possibly key material, never quoted from an untrusted file. */
export const HEX_RUN = /[0-9a-f]{8,}/i;

/**
 * Describes a value read from a file the user handed us (a key file, a result file) without ever
 * quoting what could be key material: a string is quoted only when it is at most 40 characters and
 * holds no run of 8 hex digits, else described by its length; anything else as {@link describe}.
 *
 * @param value - a parsed JSON value
 * @returns a short description that never carries 8 consecutive hex digits of a string
 */
export function describeUntrusted(value: unknown): string {
  if (typeof value === 'string' && (value.length > 40 || HEX_RUN.test(value))) return `a string of ${value.length} characters (not shown)`;
  return describe(value);
}

/**
 * Describes a value for an error message without ever throwing and without quoting large content:
 * numbers as written (`-0` kept), strings JSON-quoted and cut at 40 characters, bigints with `n`,
 * arrays and typed arrays by kind and length, other objects by kind.
 *
 * @param value - anything
 * @returns a short description
 */
export function describe(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'boolean':
      return String(value);
    default: {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `an array(${value.length})`;
      if (ArrayBuffer.isView(value)) {
        const len = (value as unknown as { length?: unknown }).length;
        return typeof len === 'number' ? `${value.constructor.name}(${len})` : value.constructor.name;
      }
      return 'an object';
    }
  }
}

/** `"field"` when `field` is a plain name, `field` as is when it already says where (`ids[3]`). */
function quote(field: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(field) ? `"${field}"` : field;
}

/**
 * Builds the `TypeError` for a value of the wrong type.
 *
 * @param api - the API, e.g. `createDetector`
 * @param field - the argument or field
 * @param expected - what it must be, e.g. `a boolean`
 * @param value - what it was
 * @returns the error (throw it)
 */
export function typeError(api: string, field: string, expected: string, value: unknown): RadiomarkTypeError {
  return new RadiomarkTypeError(`${api}: ${quote(field)} must be ${expected}, got ${describe(value)}`, { api, field });
}

/**
 * Builds the `RangeError` for a value outside its range.
 *
 * @param api - the API
 * @param field - the argument or field
 * @param expected - what it must be, e.g. `in (0, 1)`
 * @param value - what it was
 * @returns the error (throw it)
 */
export function rangeError(api: string, field: string, expected: string, value: unknown): RadiomarkRangeError {
  return new RadiomarkRangeError(`${api}: ${quote(field)} must be ${expected}, got ${describe(value)}`, { api, field });
}

/** Throws unless `value` is a number (`TypeError`). */
export function checkNumber(api: string, field: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw typeError(api, field, 'a number', value);
}

/** Throws unless `value` is a finite number. */
export function checkFinite(api: string, field: string, value: unknown): asserts value is number {
  checkNumber(api, field, value);
  if (!Number.isFinite(value)) throw rangeError(api, field, 'a finite number', value);
}

/** Throws unless `value` is a safe integer in `[min, max]`. */
export function checkInteger(api: string, field: string, value: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  checkNumber(api, field, value);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = min === Number.MIN_SAFE_INTEGER ? (max === Number.MAX_SAFE_INTEGER ? 'a safe integer' : `an integer <= ${max}`) : max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw rangeError(api, field, range, value);
  }
}

/** Throws unless `value` is a number in the open interval (0, 1). */
export function checkOpenUnit(api: string, field: string, value: unknown): asserts value is number {
  checkNumber(api, field, value);
  if (!(value > 0 && value < 1)) throw rangeError(api, field, 'in (0, 1)', value);
}

/** Throws unless `value` is a boolean or `undefined`; returns it. */
export function checkOptionalBoolean(api: string, field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw typeError(api, field, 'a boolean', value);
  return value as boolean | undefined;
}

/** The largest length an array can have (2^32 - 1). */
const MAX_ARRAY_LENGTH = 0xffffffff;

/**
 * Throws unless `value` is array-like: an object whose `length` is a number (`TypeError`; strings
 * refused) that is an integer in [0, 2^32 - 1] (`RangeError` naming `field.length`: a forged
 * length would otherwise reach an engine error such as "Invalid array length").
 */
export function checkArrayLike(api: string, field: string, value: unknown): asserts value is ArrayLike<number> {
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw typeError(api, field, 'an array of numbers', value);
  }
  const length = (value as { length: number }).length;
  if (!(Number.isInteger(length) && length >= 0 && length <= MAX_ARRAY_LENGTH)) {
    throw rangeError(api, `${field}.length`, `an integer in [0, ${MAX_ARRAY_LENGTH}]`, length);
  }
}

/**
 * The one token-id validator: throws unless `id` is an integer in `[0, vocabSize)`. The message
 * names `field[index]` (or `field` when `index < 0`), the value and the range.
 *
 * @param api - the API
 * @param field - the sequence or argument, e.g. `completion`
 * @param index - the position in the sequence, or -1 for a single id
 * @param id - the value
 * @param vocabSize - the vocabulary size
 */
export function checkId(api: string, field: string, index: number, id: unknown, vocabSize: number): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    const where = index >= 0 ? `${field}[${index}]` : field;
    const hint = typeof id === 'bigint' ? ' (a bigint; convert with Number())' : '';
    throw new RadiomarkRangeError(`${api}: ${quote(where)} must be an integer token id in [0, ${vocabSize}), got ${describe(id)}${hint}`, { api, field: where });
  }
}

/** Validates `ids[from .. to)` with {@link checkId}. */
export function checkIds(api: string, field: string, ids: ArrayLike<number>, from: number, to: number, vocabSize: number): void {
  for (let i = from; i < to; i++) checkId(api, field, i, ids[i], vocabSize);
}
