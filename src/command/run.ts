/**
 * Running one command with its errors printed: what the dispatcher does for every command, and
 * what a test or an embedding program calls to get the same output and exit status.
 *
 * @module
 */
import type { Command, Io } from './command.js';
import { formatError } from './errors.js';

/**
 * Runs `command` and prints any error it throws as `radiomark NAME: message` on `io.err`.
 *
 * @param command - the command
 * @param argv - the arguments after its name
 * @param io - where to read and write
 * @returns the exit status (the command's, or the error's)
 */
export async function runCommand(command: Command, argv: readonly string[], io: Io): Promise<number> {
  try {
    return await command.run(argv, io);
  } catch (e) {
    const { text, exitCode } = formatError(`radiomark ${command.name}`, e, argv.includes('--debug'));
    io.err(text);
    return exitCode;
  }
}
