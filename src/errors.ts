/**
 * The errors radiomark throws. Every one carries, as data, a stable `code`, the `api` that threw
 * and (when one argument or field is to blame) that `field`, so callers (the CLI among them)
 * branch on data, never on message text. Messages name the API and the value and never contain
 * secret key material.
 *
 * - {@link RadiomarkTypeError} (a `TypeError`, code `INVALID_TYPE`): an argument of the wrong type.
 * - {@link RadiomarkRangeError} (a `RangeError`, code `OUT_OF_RANGE`): a value outside its range.
 * - {@link RadiomarkError} (an `Error`, any domain code): malformed key file, configuration mismatch,
 *   bad input data, misuse of a stateful object.
 *
 * @module
 */

/**
 * Error codes carried by radiomark's errors. Stable strings, safe to match on.
 *
 * - `INVALID_TYPE`: an argument of the wrong type ({@link RadiomarkTypeError}).
 * - `OUT_OF_RANGE`: a value outside its accepted range ({@link RadiomarkRangeError}).
 * - `KEY_FORMAT`: a key file that is not a radiomark key file, or is malformed.
 * - `KEY_VERSION`: a key file of a version this release does not read.
 * - `KEY_MISMATCH`: a key (or key family) given where another kind is expected, or two keys that
 *   must agree do not.
 * - `CONFIG_MISMATCH`: generator and detector configured differently (gamma, context width,
 *   tokenizer, vocabulary size).
 * - `INPUT`: bad input data (a tokenizer file, a corpus, a result file).
 * - `STATE`: an object used in a state that does not allow the call.
 */
export type RadiomarkErrorCode =
  | 'INVALID_TYPE'
  | 'OUT_OF_RANGE'
  | 'KEY_FORMAT'
  | 'KEY_VERSION'
  | 'KEY_MISMATCH'
  | 'CONFIG_MISMATCH'
  | 'INPUT'
  | 'STATE';

/** Where an error came from, as data: the API that threw and, when one is to blame, the field. */
export interface ErrorContext {
  /** The API that threw, e.g. `createDetector` or `wm.sample`. */
  readonly api?: string;
  /** The argument or field to blame, e.g. `gamma` or `logits[3]`. */
  readonly field?: string;
  /** The underlying error, when one is wrapped (never one whose message quotes secret input). */
  readonly cause?: unknown;
}

/** The data every radiomark error carries. */
export interface RadiomarkErrorData {
  /** A stable machine-readable code. */
  readonly code: RadiomarkErrorCode;
  /** The API that threw (`''` when none was named). */
  readonly api: string;
  /** The argument or field to blame, when one is. */
  readonly field: string | undefined;
}

function options(ctx: ErrorContext | undefined): ErrorOptions | undefined {
  return ctx !== undefined && ctx.cause !== undefined ? { cause: ctx.cause } : undefined;
}

/**
 * A domain failure of radiomark (malformed key file, configuration mismatch between generator and
 * detector, bad input data, misuse of a stateful object). Wrong argument types throw
 * {@link RadiomarkTypeError} and out-of-range values {@link RadiomarkRangeError} instead.
 *
 * Messages never contain secret key material.
 *
 * @example
 * ```ts
 * try { parseKey(text); } catch (e) { if (e instanceof RadiomarkError && e.code === 'KEY_FORMAT') ... }
 * ```
 */
export class RadiomarkError extends Error implements RadiomarkErrorData {
  /** A stable machine-readable code. */
  readonly code: RadiomarkErrorCode;
  /** The API that threw (`''` when none was named). */
  readonly api: string;
  /** The argument or field to blame, when one is. */
  readonly field: string | undefined;

  /**
   * @param code - the stable error code
   * @param message - a message naming the API and the offending value (never a secret)
   * @param context - the API and field as data, and an optional `cause`
   */
  constructor(code: RadiomarkErrorCode, message: string, context?: ErrorContext) {
    super(message, options(context));
    this.name = 'RadiomarkError';
    this.code = code;
    this.api = context?.api ?? '';
    this.field = context?.field;
  }
}

/**
 * An argument of the wrong type (a `TypeError`, so `instanceof TypeError` keeps working), with
 * code `INVALID_TYPE` and the API and field as data.
 */
export class RadiomarkTypeError extends TypeError implements RadiomarkErrorData {
  /** Always `INVALID_TYPE`. */
  readonly code = 'INVALID_TYPE' as const;
  /** The API that threw. */
  readonly api: string;
  /** The argument or field to blame, when one is. */
  readonly field: string | undefined;

  /**
   * @param message - names the API, the field and the value
   * @param context - the API and field as data
   */
  constructor(message: string, context?: ErrorContext) {
    super(message, options(context));
    this.name = 'TypeError';
    this.api = context?.api ?? '';
    this.field = context?.field;
  }
}

/**
 * A value outside its accepted range (a `RangeError`, so `instanceof RangeError` keeps working),
 * with code `OUT_OF_RANGE` and the API and field as data.
 */
export class RadiomarkRangeError extends RangeError implements RadiomarkErrorData {
  /** Always `OUT_OF_RANGE`. */
  readonly code = 'OUT_OF_RANGE' as const;
  /** The API that threw. */
  readonly api: string;
  /** The argument or field to blame, when one is. */
  readonly field: string | undefined;

  /**
   * @param message - names the API, the field and the value
   * @param context - the API and field as data
   */
  constructor(message: string, context?: ErrorContext) {
    super(message, options(context));
    this.name = 'RangeError';
    this.api = context?.api ?? '';
    this.field = context?.field;
  }
}

/**
 * Reads the code, API and field off an error radiomark threw; `undefined` for anything else (a
 * bug, or an error from another library). The CLI uses this to tell a user's mistake from an
 * internal error without reading message text.
 *
 * @param e - any thrown value
 * @returns the error's data, or `undefined`
 * @example
 * ```ts
 * const data = radiomarkErrorData(e);
 * if (data?.code === 'OUT_OF_RANGE') console.error(`bad value for ${data.field}`);
 * ```
 */
export function radiomarkErrorData(e: unknown): RadiomarkErrorData | undefined {
  return e instanceof RadiomarkError || e instanceof RadiomarkTypeError || e instanceof RadiomarkRangeError ? e : undefined;
}
