import { RadiomarkError } from '../index.js';

/** Exit status of a run that completed (the verdict is in the output). */
export const EXIT_OK = 0;
/** Exit status of `detect --fail-on detect` when the verdict is positive. */
export const EXIT_DETECTED = 1;
/** Exit status of a usage or input error (and of `probe` when prompts were left unanswered). */
export const EXIT_USAGE = 2;
/** Exit status after Ctrl-C (128 + SIGINT), the shell convention. */
export const EXIT_INTERRUPTED = 130;

/**
 * An error the user can fix: a bad flag, a missing file, a malformed input line. The CLI prints
 * its message (which names the file, line, field and value) without a stack trace and exits 2.
 * Messages never contain key material.
 */
export class CliError extends Error {
  /** The process exit status for this error. */
  readonly exitCode: number;

  /**
   * @param message - what went wrong, naming the source (`file:line`, flag, field) and the value
   * @param exitCode - process exit status (default 2)
   */
  constructor(message: string, exitCode: number = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A command-line usage error (unknown flag, bad value); the message ends with a help hint. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Formats an error for stderr. Expected errors (CliError, RadiomarkError, RangeError/TypeError
 * raised by the library's validation) print as one line; anything else is an internal error whose
 * stack is printed only with `--debug`.
 *
 * @param command - e.g. `radiomark detect`
 * @param e - the thrown value
 * @param debug - print stack traces
 * @returns the text to write (ends with a newline) and the exit status
 */
export function formatError(command: string, e: unknown, debug: boolean): { text: string; exitCode: number } {
  const stack = debug && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  if (e instanceof CliError) {
    return { text: `${command}: ${e.message}${stack}\n`, exitCode: e.exitCode };
  }
  // Library validation errors name their API first ("createDetector: ..."); a TypeError without
  // that prefix ("Cannot read properties of undefined") is a bug, reported as internal below.
  const validation = (e instanceof RangeError || e instanceof TypeError) && /^[A-Za-z][\w.]*: /.test(e.message);
  if (e instanceof RadiomarkError || validation) {
    // The message names the API, the field and the value (never a secret).
    return { text: `${command}: ${(e as Error).message}${stack}\n`, exitCode: EXIT_USAGE };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    text: `${command}: internal error: ${message}${stack || '\n(rerun with --debug for a stack trace)'}\n`,
    exitCode: EXIT_USAGE,
  };
}

/** Shortens a value for an error message: at most `max` characters, JSON-quoted when a string. */
export function show(value: unknown, max = 60): string {
  let s: string;
  if (typeof value === 'string') s = JSON.stringify(value);
  else if (value === undefined) s = 'nothing';
  else if (typeof value === 'bigint') s = `${value}n`;
  else {
    try {
      s = JSON.stringify(value) ?? String(value);
    } catch {
      s = String(value);
    }
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The JSON type of a value, for messages: `a string`, `a number`, `null`, `an array`, ... */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}
