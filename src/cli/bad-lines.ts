/**
 * Malformed input lines: counted by reason under `--skip-bad-lines`, or the first one stops the run.
 *
 * @module
 */
import { CliError } from '../command/errors.js';

/** Why a line (or file) was skipped under `--skip-bad-lines`. Stable keys of the JSON output. */
export type BadLineReason =
  | 'invalidJson'
  | 'notAnObject'
  | 'missingField'
  | 'wrongType'
  | 'invalidToken'
  | 'invalidUtf8'
  | 'emptyFile'
  | 'tooLarge';

/** Where bad lines are reported: {@link BadLines} or one input's view of it. */
export interface BadSink {
  /**
   * Records one bad line (or file).
   * @throws CliError when not skipping
   */
  add(where: string, reason: BadLineReason, message: string): void;
}

/**
 * Counts malformed input under `--skip-bad-lines`, or throws on the first one without it. Nothing
 * is dropped silently: the totals by reason and the first few locations go into the output.
 */
export class BadLines implements BadSink {
  /** Total lines (or files) skipped. */
  total = 0;
  /** Counts by reason. */
  readonly byReason: Partial<Record<BadLineReason, number>> = {};
  /** The first {@link BadLines.MAX_EXAMPLES} locations and messages. */
  readonly examples: { where: string; reason: BadLineReason; message: string }[] = [];
  static readonly MAX_EXAMPLES = 10;

  /** Counts per input index, for the inputs recorded through {@link BadLines.forSource}. */
  readonly bySource: number[] = [];

  /** @param skip - count and continue (`--skip-bad-lines`) instead of failing */
  constructor(readonly skip: boolean) {}

  /** A sink that also counts the bad lines of input number `index`. */
  forSource(index: number): BadSink {
    return {
      add: (where, reason, message) => {
        this.add(where, reason, message);
        this.bySource[index] = (this.bySource[index] ?? 0) + 1;
      },
    };
  }

  /**
   * Records one bad line.
   *
   * @param where - `file:line` (or `file` for a whole-file problem)
   * @param reason - the reason key
   * @param message - what is wrong, naming the field and the value
   * @throws CliError when not skipping
   */
  add(where: string, reason: BadLineReason, message: string): void {
    if (!this.skip) {
      throw new CliError(`${where}: ${message}${reason === 'emptyFile' ? '' : ' (pass --skip-bad-lines to count such lines and continue)'}`);
    }
    this.total++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    if (this.examples.length < BadLines.MAX_EXAMPLES) this.examples.push({ where, reason, message });
  }
}

