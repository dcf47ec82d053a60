/**
 * The shape every `radiomark` command has, the streams it writes to, and the exit statuses, which
 * mean the same in every command.
 *
 * @module
 */

/** The command ran to the end; its result (a verdict, a file) is in the output. */
export const EXIT_OK = 0;
/** A finding the user asked to fail on: `detect --fail-on detect` and the watermark was detected. */
export const EXIT_DETECTED = 1;
/** A usage or input error: the message names the flag, file, line, field or value to fix. */
export const EXIT_USAGE = 2;
/**
 * The run's own null check failed (`simulate`: a control came out significant), so its figures
 * must not be trusted.
 */
export const EXIT_CHECK_FAILED = 3;
/** The run stopped with work left that a rerun of the same command resumes (`probe`: prompts unanswered). */
export const EXIT_INCOMPLETE = 4;
/** A bug in radiomark (an error it did not expect); `--debug` prints the stack trace. */
export const EXIT_INTERNAL = 70;
/** Interrupted by Ctrl-C (128 + SIGINT, the shell convention). */
export const EXIT_INTERRUPTED = 130;

/** The exit-status table every command's help ends with. */
export const EXIT_STATUS_HELP = `Exit status: 0 ran (the result is in the output), 1 "detect --fail-on detect" and the
watermark was detected, 2 usage or input error, 3 the run's own null check failed (simulate),
4 work left that a rerun resumes (probe), 70 internal error (a bug: rerun with --debug),
130 interrupted. Each code means the same in every command.`;

/** A text stream that may be a terminal (process.stderr): progress lines are drawn on it. */
export interface TermStream {
  write(s: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where a command reads and writes. The dispatcher passes the process's; tests pass their own. */
export interface Io {
  /** Writes to standard output (results: the summary, `--json`). */
  out(s: string): void;
  /** Writes to standard error (warnings, notes, errors). */
  err(s: string): void;
  /** The stream progress lines are drawn on, when it is a terminal (default: none). */
  readonly stderr?: TermStream;
  /**
   * Forces progress output on or off when the command has no flag saying so (tests pass false).
   * Default: on when {@link Io.stderr} is a terminal.
   */
  readonly progress?: boolean;
  /** Standard input, for `-` arguments (default: none, so `-` reads nothing). */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** The program's entry module, which worker threads run (the dispatcher passes its own URL). */
  readonly entry?: URL;
  /** Environment variables (`probe --api-key-env`); default: none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * One `radiomark` command. `run` returns an exit status from this module (never calls
 * `process.exit`) and throws a {@link CliError} (or a radiomark error) for bad input; the
 * dispatcher prints that as one line.
 */
export interface Command {
  /** The word after `radiomark`. */
  readonly name: string;
  /** The full `radiomark NAME --help` text. */
  readonly help: string;
  /**
   * Runs the command.
   *
   * @param argv - the arguments after the command's name
   * @param io - where to read and write
   * @returns the exit status
   */
  run(argv: readonly string[], io: Io): Promise<number>;
}
