/**
 * The (trials, successes) pairs that strata, keys and weight levels are given as, and their one
 * reader.
 *
 * @module
 */
import { checkInteger, rangeError, typeError } from '../assert.js';

/** A (trials, successes) pair: one stratum, one key, or one weight level. */
export interface BinomialCount {
  /** Number of trials (scored positions), a safe integer >= 0. */
  readonly trials: number;
  /** Number of successes (green positions), an integer in [0, trials]. */
  readonly successes: number;
}

/** Throws unless `value` is an object (not null); names `field`. */
function checkObject(api: string, field: string, value: unknown): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw typeError(api, field, 'an object { trials, successes }', value);
}

/**
 * Reads an array of {@link BinomialCount}, checking each entry; errors name `field[i].trials` or
 * `field[i].successes`. The input is copied, so later changes to it do not matter. @internal
 */
export function readCounts(api: string, field: string, value: unknown): BinomialCount[] {
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw typeError(api, field, 'an array of { trials, successes }', value);
  }
  const arr = value as ArrayLike<unknown>;
  const out: BinomialCount[] = [];
  for (let i = 0; i < arr.length; i++) {
    const c = arr[i];
    checkObject(api, `${field}[${i}]`, c);
    const { trials, successes } = c;
    checkInteger(api, `${field}[${i}].trials`, trials, 0);
    checkInteger(api, `${field}[${i}].successes`, successes, 0);
    if (successes > trials) {
      throw rangeError(api, `${field}[${i}].successes`, `an integer in [0, trials] = [0, ${trials}]`, successes);
    }
    out.push({ trials, successes });
  }
  return out;
}
