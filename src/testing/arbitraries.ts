import fc from 'fast-check';
import { keyFromBytes, type KeyParams, type SecretKey } from '../key/secret-key.js';
import { KEY_BYTES, MAX_CONTEXT_WIDTH } from '../key/index.js';

/**
 * A fast-check arbitrary of {@link SecretKey}s built from 32 arbitrary bytes (shrinks towards the
 * all-zero key). Deterministic under fast-check's seed, unlike `generateKey`.
 *
 * @param params - parameters to bind to every generated key
 * @example
 * ```ts
 * fc.assert(fc.property(keyArbitrary(), (key) => key.fingerprint.length === 16));
 * ```
 */
export function keyArbitrary(params: KeyParams = {}): fc.Arbitrary<SecretKey> {
  return fc
    .uint8Array({ minLength: KEY_BYTES, maxLength: KEY_BYTES })
    .map((bytes) => keyFromBytes(bytes, params), (k) => {
      throw new Error(`keyArbitrary cannot unmap ${String(k)}`);
    });
}

/** A generated scheme configuration. */
export interface SchemeConfigSample {
  gamma: number;
  delta: number;
  contextWidth: number;
  vocabSize: number;
}

/**
 * Arbitrary scheme configurations: gamma in [0.05, 0.95], delta in [0, 8], contextWidth 0..8
 * (or the given range), vocabSize within the given range (default 2..70,000).
 *
 * @param opts - ranges to restrict
 * @example
 * ```ts
 * fc.assert(fc.property(configArbitrary({ maxVocabSize: 1000 }), (c) => c.vocabSize <= 1000));
 * ```
 */
export function configArbitrary(opts: {
  minVocabSize?: number;
  maxVocabSize?: number;
  minContextWidth?: number;
  maxContextWidth?: number;
} = {}): fc.Arbitrary<SchemeConfigSample> {
  return fc.record({
    gamma: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
    delta: fc.double({ min: 0, max: 8, noNaN: true }),
    contextWidth: fc.integer({ min: opts.minContextWidth ?? 0, max: opts.maxContextWidth ?? MAX_CONTEXT_WIDTH }),
    vocabSize: fc.integer({ min: opts.minVocabSize ?? 2, max: opts.maxVocabSize ?? 70_000 }),
  });
}

/**
 * Arbitrary token-id sequences for a vocabulary: integers in `[0, vocabSize)`.
 *
 * @param vocabSize - number of ids
 * @param minLength - minimum length (default 0)
 * @param maxLength - maximum length (default 64)
 * @example
 * ```ts
 * fc.assert(fc.property(contextArbitrary(50257, 2), (ctx) => ctx.length >= 2));
 * ```
 */
export function contextArbitrary(vocabSize: number, minLength = 0, maxLength = 64): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 0, max: vocabSize - 1 }), { minLength, maxLength: Math.max(minLength, maxLength) });
}

/**
 * Arbitrary logits shaped like a language model's: a few dominant entries over a long tail
 * (standard-normal-like tail scaled by `spread`, plus 1-4 peaks), optionally with `-Infinity`
 * entries (masked tokens). Returned as a `Float32Array` of length `vocabSize`.
 *
 * @param vocabSize - length of the logits
 * @param opts - `spread` of the tail (default 2), `allowNegInf` (default false)
 * @example
 * ```ts
 * fc.assert(fc.property(logitsArbitrary(100), (l) => l.length === 100));
 * ```
 */
export function logitsArbitrary(vocabSize: number, opts: { spread?: number; allowNegInf?: boolean } = {}): fc.Arbitrary<Float32Array> {
  const spread = opts.spread ?? 2;
  return fc
    .record({
      tail: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: vocabSize, maxLength: vocabSize }),
      peaks: fc.array(fc.record({ at: fc.integer({ min: 0, max: vocabSize - 1 }), height: fc.double({ min: 2, max: 12, noNaN: true }) }), { minLength: 1, maxLength: 4 }),
      masked: opts.allowNegInf ? fc.array(fc.integer({ min: 0, max: vocabSize - 1 }), { maxLength: Math.floor(vocabSize / 4) }) : fc.constant([] as number[]),
    })
    .map(({ tail, peaks, masked }) => {
      const l = new Float32Array(vocabSize);
      for (let i = 0; i < vocabSize; i++) l[i] = tail[i]! * spread;
      for (const p of peaks) l[p.at] = l[p.at]! + p.height;
      const keep = peaks[0]!.at; // at least one finite logit
      for (const m of masked) if (m !== keep) l[m] = -Infinity;
      return l;
    });
}
