import { rangeError } from '../assert.js';

/** 2^-53: the spacing of the doubles {@link createUniform} returns. */
const TWO_POW_M53 = 1 / 9007199254740992;

/**
 * Creates a uniform random source backed by the platform CSPRNG (`crypto.getRandomValues`). Each
 * call returns a double `k / 2^53` for a uniform 53-bit integer `k`, so every value lies in
 * `[0, 1)` and all 2^53 values are equally likely. Random words are drawn in blocks into a
 * buffer preallocated here, so a call allocates nothing.
 *
 * `sample`'s default source is this construction, inlined over a buffer the watermark owns (a
 * function's double result would be boxed: a heap number per draw in V8). Use this function where
 * you need the same kind of source yourself, e.g. for your own sampler after `session.bias`.
 *
 * @param bufferWords - 32-bit words fetched per `getRandomValues` call (even, 2..16384; default 512,
 *   i.e. 256 draws per refill)
 * @returns a function `() => number` with values in `[0, 1)`
 * @throws RangeError when `bufferWords` is not an even integer in 2..16384 (the Web Crypto limit
 *   is 65,536 bytes per call)
 * @example
 * ```ts
 * const random = createUniform();
 * const u = random(); // 0 <= u < 1
 * ```
 */
export function createUniform(bufferWords = 512): () => number {
  if (!Number.isInteger(bufferWords) || bufferWords < 2 || bufferWords > 16384 || bufferWords % 2 !== 0) {
    throw rangeError('createUniform', 'bufferWords', 'an even integer in 2..16384', bufferWords);
  }
  const buf = new Uint32Array(bufferWords);
  let pos = bufferWords;
  return () => {
    if (pos === bufferWords) {
      globalThis.crypto.getRandomValues(buf);
      pos = 0;
    }
    const hi = buf[pos]! >>> 5; // 27 bits
    const lo = buf[pos + 1]! >>> 6; // 26 bits
    pos += 2;
    return (hi * 67108864 + lo) * TWO_POW_M53;
  };
}
