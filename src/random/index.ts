/**
 * Seeded pseudo-random streams for the simulator: every draw of a run (corpus shuffle, key bytes,
 * teacher sampling, student sampling, corruption) comes from one of these, so the same seed gives
 * the same numbers. Not for secrets: the simulator's key is derived from the seed on purpose, so
 * that a run is reproducible.
 *
 * The generator is SFC32 (Chris Doty-Humphrey's small fast counting generator; passes PractRand to
 * 2^40+ bytes), seeded by SplitMix32 from a 32-bit FNV-1a hash of the seed label. Floats carry 53
 * random bits.
 */

/** A seeded uniform stream. */
export interface Random {
  /** A uniform float in [0, 1) with 53 random bits; pass `() => r.next()` as a sampler's `random`. */
  next(): number;
  /** A uniform unsigned 32-bit integer. */
  uint32(): number;
  /** A uniform integer in [0, n), for 1 <= n <= 2^32 (rejection sampling: no modulo bias). */
  int(n: number): number;
  /** A standard normal deviate (Box-Muller). */
  normal(): number;
  /** An independent stream derived from this stream's seed and `label` (not from its state). */
  fork(label: string): Random;
  /** The label path this stream was derived from (for messages). */
  readonly label: string;
}

/**
 * 32-bit FNV-1a of a string's UTF-16 code units, then a SplitMix-style avalanche.
 * @internal
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** A 32-bit avalanche (murmur3 fmix32). @internal */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Creates a seeded stream.
 *
 * @param seed - any string or number; the same seed gives the same stream
 * @returns a {@link Random}
 * @throws TypeError when `seed` is neither a string nor a finite number
 * @example
 * ```ts
 * const r = createRandom('demo');
 * r.next(); // same value on every run
 * ```
 */
export function createRandom(seed: string | number): Random {
  if (typeof seed === 'number' ? !Number.isFinite(seed) : typeof seed !== 'string') {
    throw new TypeError(`createRandom: "seed" must be a string or a finite number, got ${String(seed)}`);
  }
  return makeStream(String(seed));
}

function makeStream(label: string): Random {
  // SplitMix32 expands one hash into the four SFC32 state words.
  let sm = hashString(label);
  const split = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    return mix32(sm);
  };
  let a = split() | 0;
  let b = split() | 0;
  let c = split() | 0;
  let d = 1;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) uint32();
  const next = (): number => ((uint32() >>> 5) * 67108864 + (uint32() >>> 6)) / 9007199254740992;
  let spare = NaN;
  return {
    label,
    next,
    uint32,
    int(n: number): number {
      if (!(n >= 1 && n <= 2 ** 32) || !Number.isInteger(n)) throw new RangeError(`Random.int: "n" must be an integer in [1, 2^32], got ${n}`);
      // Largest multiple of n below 2^32: reject above it.
      const limit = 2 ** 32 - (2 ** 32 % n);
      for (;;) {
        const x = uint32();
        if (x < limit) return x % n;
      }
    },
    normal(): number {
      if (!Number.isNaN(spare)) {
        const s = spare;
        spare = NaN;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork(sub: string): Random {
      return makeStream(`${label}/${sub}`);
    },
  };
}

/**
 * Fisher-Yates shuffle in place with a seeded stream.
 *
 * @param items - the array to shuffle
 * @param random - the stream
 * @returns the same array
 */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}
