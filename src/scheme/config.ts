import { RadiomarkError, RadiomarkRangeError } from '../errors.js';
import { checkParam } from '../key/params.js';
import type { KeyParams, SecretKey } from '../key/secret-key.js';

/**
 * Package defaults for the scheme parameters a caller and key file may leave out, chosen from the
 * simulator's tables (docs/RESULTS.md). See README
 * ("Choosing the parameters") for the measurements behind them.
 */
export const DEFAULTS = Object.freeze({ gamma: 0.25, delta: 3, contextWidth: 2 });

/** The fully resolved parameters of one watermark configuration. */
export interface ResolvedParams {
  readonly gamma: number;
  readonly delta: number;
  readonly contextWidth: number;
  readonly vocabSize: number;
  readonly tokenizer: string | undefined;
}

/**
 * Merges explicit options with the key file's bound parameters and the defaults. A parameter given
 * both explicitly and by the key file must agree, or the call is refused: the generator and the
 * detector must never be configured apart (Hugging Face text-generation-inference, GitHub issue
 * 2474, shipped gamma 0.5 on one side and 0.25 on the other).
 *
 * @param api - calling API name, for messages
 * @param key - the key or key family (its `params` bind)
 * @param options - explicit options
 * @returns the resolved parameters
 * @throws TypeError / RangeError for an invalid value; RadiomarkError `CONFIG_MISMATCH` when an
 *   explicit value differs from the key file's; RangeError when `vocabSize` is given nowhere
 */
export function resolveParams(api: string, key: Pick<SecretKey, 'params' | 'fingerprint'>, options: KeyParams): ResolvedParams {
  const bound = key.params;
  const pick = <K extends keyof KeyParams>(name: K): KeyParams[K] => {
    const explicit = options[name];
    checkParam(api, name, explicit);
    const fromKey = bound[name];
    if (explicit !== undefined && fromKey !== undefined && explicit !== fromKey) {
      throw new RadiomarkError(
        'CONFIG_MISMATCH',
        `${api}: "${name}" is ${JSON.stringify(explicit)} but the key file (fingerprint ${key.fingerprint}) binds ${JSON.stringify(fromKey)}`,
        { api, field: name },
      );
    }
    return explicit ?? fromKey;
  };
  const vocabSize = pick('vocabSize');
  if (vocabSize === undefined) {
    throw new RadiomarkRangeError(`${api}: "vocabSize" is required (neither the options nor the key file give it)`, { api, field: 'vocabSize' });
  }
  return Object.freeze({
    gamma: pick('gamma') ?? DEFAULTS.gamma,
    delta: pick('delta') ?? DEFAULTS.delta,
    contextWidth: pick('contextWidth') ?? DEFAULTS.contextWidth,
    vocabSize,
    tokenizer: pick('tokenizer'),
  });
}

/** Bits of the per-(window, token) score compared with the threshold. */
export const SCORE_BITS = 31;

/**
 * The integer green threshold for `gamma`: `floor(gamma * 2^31)`. A token is green when its 31-bit
 * score is below it, so the exact null probability is `threshold / 2^31`.
 *
 * @param gamma - nominal green fraction in (0, 1)
 */
export function thresholdFor(gamma: number): number {
  return Math.floor(gamma * 2 ** SCORE_BITS);
}
