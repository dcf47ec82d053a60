/**
 * Error codes carried by {@link RadiomarkError}. Stable strings, safe to match on.
 */
export type RadiomarkErrorCode =
  | 'KEY_FORMAT'
  | 'KEY_VERSION'
  | 'KEY_MISMATCH'
  | 'CONFIG_MISMATCH'
  | 'INPUT'
  | 'STATE'
  | 'NETWORK';

/**
 * A domain failure of radiomark (malformed key file, configuration mismatch between generator and
 * detector, bad input data). Wrong argument types throw `TypeError` and out-of-range values throw
 * `RangeError` instead.
 *
 * Messages never contain secret key material.
 *
 * @example
 * ```ts
 * try { parseKey(text); } catch (e) { if (e instanceof RadiomarkError && e.code === 'KEY_FORMAT') ... }
 * ```
 */
export class RadiomarkError extends Error {
  /** A stable machine-readable code. */
  readonly code: RadiomarkErrorCode;

  /**
   * @param code - the stable error code
   * @param message - a message naming the API and the offending value (never a secret)
   * @param options - standard `ErrorOptions` (`cause`)
   */
  constructor(code: RadiomarkErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RadiomarkError';
    this.code = code;
  }
}
