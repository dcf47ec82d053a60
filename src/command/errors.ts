/**
 * Errors of the command line and how they are printed. A command throws {@link CliError} for
 * anything the user can fix; radiomark's own errors are recognised by their data
 * ({@link radiomarkErrorData}), never by their text; anything else is a bug, printed as an internal
 * error with exit status 70.
 *
 * @module
 */
import { describe } from '../assert.js';
import { radiomarkErrorData } from '../errors.js';
import { EXIT_INTERNAL, EXIT_USAGE } from './command.js';

/**
 * An error the user can fix: a bad flag, a missing file, a malformed input line. Printed as one
 * line (no stack trace) naming the file, line, field and value. Messages never contain key material.
 */
export class CliError extends Error {
  /** The process exit status for this error. */
  readonly exitCode: number;

  /**
   * @param message - what went wrong, naming the source (`file:line`, flag, field) and the value
   * @param exitCode - process exit status (default {@link EXIT_USAGE})
   * @param options - the underlying error, if any (printed only with `--debug`)
   */
  constructor(message: string, exitCode: number = EXIT_USAGE, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A command-line usage error (unknown flag, bad value); exit status 2. */
export class UsageError extends CliError {
  /** @param message - names the flag and the value, and ends with a help hint where useful */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The message of a radiomark error without its leading `api: ` (read from the error's data), for
 * a CLI message that names the flag or file instead of the API.
 *
 * @param e - any thrown value
 * @returns the message, with the API prefix removed when the error names its API
 */
export function reason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const api = radiomarkErrorData(e)?.api;
  return api && message.startsWith(`${api}: `) ? message.slice(api.length + 2) : message;
}

/**
 * Whether a thrown value is a validation error of a value the caller passed in: a radiomark error
 * (by its data), or a `TypeError`/`RangeError` thrown by a validating API. Only for call sites whose
 * every argument comes from the user (a flag's value), where such an error is the user's to fix.
 */
export function isValidation(e: unknown): boolean {
  return radiomarkErrorData(e) !== undefined || e instanceof TypeError || e instanceof RangeError;
}

/**
 * Runs a library call whose arguments all come from the user (`source`, e.g. `--tokenizer o200k`)
 * and turns its validation errors into a {@link CliError} that names `source`. Other errors pass.
 *
 * @param source - the flag and value (or file) the arguments came from
 * @param fn - the call
 * @returns what `fn` returns
 * @throws CliError `source: reason` for a validation error
 */
export async function fromUser<T>(source: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isValidation(e)) throw new CliError(`${source}: ${reason(e)}`, EXIT_USAGE, { cause: e });
    throw e;
  }
}

/**
 * Formats an error for stderr: a {@link CliError} or a radiomark error as one line (exit 2 unless
 * the CliError says otherwise); anything else as an internal error (exit 70) whose stack is printed
 * only with `debug`.
 *
 * @param command - e.g. `radiomark detect`
 * @param e - the thrown value
 * @param debug - print stack traces
 * @returns the text to write (ends with a newline) and the exit status
 */
export function formatError(command: string, e: unknown, debug: boolean): { text: string; exitCode: number } {
  const stack = debug && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  if (e instanceof CliError) return { text: `${command}: ${e.message}${stack}\n`, exitCode: e.exitCode };
  // A radiomark error's message names the API, the field and the value (never a secret).
  if (radiomarkErrorData(e)) return { text: `${command}: ${(e as Error).message}${stack}\n`, exitCode: EXIT_USAGE };
  const message = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
  return {
    text: `${command}: internal error: ${message}${stack || '\n(this is a bug in radiomark; rerun with --debug for a stack trace)'}\n`,
    exitCode: EXIT_INTERNAL,
  };
}

/** The JSON type of a value, for messages: `a string`, `a number`, `null`, `an array`, ... */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

/**
 * A JSON value for a message: its type, and for a string, number or boolean the value itself
 * (described by {@link describe}: strings quoted and cut at 40 characters), e.g. `a number 42`.
 *
 * @param value - a parsed JSON value
 */
export function jsonValue(value: unknown): string {
  const t = typeName(value);
  return value !== null && typeof value !== 'object' && value !== undefined ? `${t} ${describe(value)}` : t;
}

/** A plain-words reason for a file-system error, by its code (the message for unknown codes). */
export function fsReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EEXIST':
      return 'already exists';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
