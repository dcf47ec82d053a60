import { SecretKey, type KeyParams } from '../key/secret-key.js';
import { createGreenList, type GreenList } from '../scheme/green-list.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';

/** Options of {@link createWatermark}. Parameters bound by the key file may be omitted. */
export interface WatermarkOptions extends KeyParams {
  /** The master key (from `generateKey` or `parseKey`). */
  readonly key: SecretKey;
}

/**
 * The serving side's watermark: the green-list function plus the bias `delta` it applies.
 */
export interface Watermark {
  /** The resolved configuration (gamma, delta, contextWidth, vocabSize, tokenizer). */
  readonly config: ResolvedParams;
  /** Exact probability that a token is green under the null: the threshold over 2^31. */
  readonly greenProbability: number;
  /** The key's non-secret fingerprint. */
  readonly fingerprint: string;
  /** The underlying green-list function. */
  readonly greenList: GreenList;
  /**
   * Whether `token` is green after `context` (its last `contextWidth` ids form the window).
   * @throws RangeError for a context shorter than `contextWidth` or ids outside `[0, vocabSize)`
   */
  isGreen(context: ArrayLike<number>, token: number): boolean;
}

/**
 * Creates a watermark for a model server.
 *
 * @param options - the key and scheme parameters; parameters bound by the key file are used when
 *   omitted, and an explicit value that differs from the key file's is refused
 * @returns a {@link Watermark}
 * @throws TypeError / RangeError for invalid parameters (`gamma` outside (0, 1), negative or
 *   non-finite `delta`, `contextWidth` outside 0..8, non-integer `vocabSize`);
 *   RadiomarkError `CONFIG_MISMATCH` when an option contradicts the key file
 * @example
 * ```ts
 * const wm = createWatermark({ key, vocabSize: 200019, gamma: 0.25, delta: 2, contextWidth: 2 });
 * wm.isGreen([1, 2], 3);
 * ```
 */
export function createWatermark(options: WatermarkOptions): Watermark {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`createWatermark: options must be an object, got ${String(options)}`);
  }
  const { key } = options;
  if (!(key instanceof SecretKey)) {
    throw new TypeError(`createWatermark: "key" must be a SecretKey (from generateKey or parseKey), got ${key === null ? 'null' : typeof key}`);
  }
  const config = resolveParams('createWatermark', key, options);
  const greenList = createGreenList({ key, gamma: config.gamma, contextWidth: config.contextWidth, vocabSize: config.vocabSize });
  return Object.freeze({
    config,
    greenProbability: greenList.greenProbability,
    fingerprint: key.fingerprint,
    greenList,
    isGreen: greenList.isGreen,
  });
}
