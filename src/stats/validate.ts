/**
 * Argument checks shared by the statistics functions. Internal: not re-exported.
 *
 * Every check throws `TypeError` when the value is not a number and `RangeError` when it is a
 * number outside the accepted set, with a message of the form
 * `api: "name" must be ..., got value`.
 *
 * @internal
 * @module
 */

/** Formats a value for an error message without ever throwing (symbols, bigints, objects). */
export function show(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** Throws `TypeError` unless `value` is of type `number`. */
export function assertNumber(api: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${api}: "${name}" must be a number, got ${show(value)} (${typeof value})`);
  }
}

/** Throws unless `value` is a safe integer (TypeError for non-numbers, RangeError otherwise). */
export function assertInteger(api: string, name: string, value: unknown): asserts value is number {
  assertNumber(api, name, value);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${api}: "${name}" must be a safe integer, got ${show(value)}`);
  }
}

/** Throws unless `value` is a safe integer `>= min`. */
export function assertIntegerAtLeast(api: string, name: string, value: unknown, min: number): asserts value is number {
  assertInteger(api, name, value);
  if (value < min) throw new RangeError(`${api}: "${name}" must be an integer >= ${min}, got ${show(value)}`);
}

/** Throws unless `value` is a number in the open interval (0, 1). */
export function assertOpenUnit(api: string, name: string, value: unknown): asserts value is number {
  assertNumber(api, name, value);
  if (!(value > 0 && value < 1)) throw new RangeError(`${api}: "${name}" must be in (0, 1), got ${show(value)}`);
}

/** Throws unless `value` is not NaN (infinities allowed). */
export function assertNotNaN(api: string, name: string, value: unknown): asserts value is number {
  assertNumber(api, name, value);
  if (Number.isNaN(value)) throw new RangeError(`${api}: "${name}" must not be NaN, got NaN`);
}

/** Throws `TypeError` unless `value` is an array-like object (has a numeric `length`; strings are refused). */
export function assertArrayLike(api: string, name: string, value: unknown): asserts value is ArrayLike<unknown> {
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw new TypeError(`${api}: "${name}" must be an array-like of numbers, got ${show(value)}`);
  }
}
