/**
 * Entry-point validation shared by `bias`, `sample` and sessions. Every check runs once per call on
 * scalars or on the few ids a call actually reads; none allocates on the success path.
 */

/** @internal Throws unless `logits` is a Float32Array of exactly `expected` entries. */
export function checkLogits(api: string, logits: unknown, expected: number): asserts logits is Float32Array {
  if (!(logits instanceof Float32Array)) {
    throw new TypeError(`${api}: "logits" must be a Float32Array, got ${describe(logits)}`);
  }
  if (logits.length !== expected) {
    throw new RangeError(
      `${api}: logits length ${logits.length} does not match vocabSize ${expected} (create the watermark with the logits width your model produces; the green list does not depend on it)`,
    );
  }
}

/** @internal Throws a RangeError naming the first NaN entry of `values[from .. to)`, if any. */
export function checkNoNaN(api: string, values: Float32Array, from: number, to: number, rowWidth = 0): void {
  for (let i = from; i < to; i++) {
    // eslint-disable-next-line no-self-compare
    if (values[i] !== values[i]) throw nanError(api, i, rowWidth);
  }
}

/** @internal The error for a NaN logit at flat index `i` (with its row when `rowWidth > 0`). */
export function nanError(api: string, i: number, rowWidth = 0): RangeError {
  const where = rowWidth > 0 ? `logits[${Math.floor(i / rowWidth)}][${i % rowWidth}] (flat index ${i})` : `logits[${i}]`;
  return new RangeError(`${api}: ${where} is NaN; NaN logits have no defined distribution`);
}

/** @internal Throws unless `context` is array-like. */
export function checkArrayLike(api: string, name: string, value: unknown): asserts value is ArrayLike<number> {
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw new TypeError(`${api}: "${name}" must be an array of token ids, got ${describe(value)}`);
  }
}

/**
 * @internal Validates the ids `ids[from .. to)`: integers in `[0, vocabSize)`. The message names the
 * API, the field and position, the value and the range.
 */
export function checkIds(api: string, name: string, ids: ArrayLike<number>, from: number, to: number, vocabSize: number): void {
  for (let i = from; i < to; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`${api}: ${name}[${i}] must be an integer token id in [0, ${vocabSize}), got ${describeId(id)}`);
    }
  }
}

/** @internal The first index in `ids[from .. to)` that is not an integer in `[0, vocabSize)`, or -1. */
export function firstBadId(ids: ArrayLike<number>, from: number, to: number, vocabSize: number): number {
  for (let i = from; i < to; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) return i;
  }
  return -1;
}

/** @internal Validates one token id. */
export function checkToken(api: string, name: string, id: unknown, vocabSize: number): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new RangeError(`${api}: "${name}" must be an integer token id in [0, ${vocabSize}), got ${describeId(id)}`);
  }
}

function describeId(id: unknown): string {
  return typeof id === 'bigint' ? `${id}n (a bigint; convert with Number())` : typeof id === 'string' ? JSON.stringify(id) : String(id);
}

/** @internal A short description of a value for messages (never its content when large). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name ?? 'object';
    const len = (value as { length?: unknown }).length;
    return typeof len === 'number' ? `${name}(${len})` : name;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
