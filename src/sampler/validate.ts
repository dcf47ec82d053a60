/**
 * Entry-point validation of the serving side that src/assert.ts does not already cover: the logits
 * buffer and its NaN entries. Every check runs once per call; none allocates on the success path.
 *
 * @internal
 * @module
 */
import { typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';

/** @internal Throws unless `logits` is a Float32Array of exactly `expected` entries. */
export function checkLogits(api: string, logits: unknown, expected: number): asserts logits is Float32Array {
  if (!(logits instanceof Float32Array)) throw typeError(api, 'logits', 'a Float32Array', logits);
  if (logits.length !== expected) {
    throw new RadiomarkRangeError(
      `${api}: logits length ${logits.length} does not match vocabSize ${expected} (create the watermark with the logits width your model produces; the green list does not depend on it)`,
      { api, field: 'logits' },
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
export function nanError(api: string, i: number, rowWidth = 0): RadiomarkRangeError {
  const where = rowWidth > 0 ? `logits[${Math.floor(i / rowWidth)}][${i % rowWidth}]` : `logits[${i}]`;
  const flat = rowWidth > 0 ? ` (flat index ${i})` : '';
  return new RadiomarkRangeError(`${api}: ${where}${flat} is NaN; NaN logits have no defined distribution`, { api, field: where });
}

/** @internal The first index in `ids[from .. to)` that is not an integer in `[0, vocabSize)`, or -1. */
export function firstBadId(ids: ArrayLike<number>, from: number, to: number, vocabSize: number): number {
  for (let i = from; i < to; i++) {
    const id = ids[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) return i;
  }
  return -1;
}
