/**
 * Loading the tokenizer a flag names, with errors that name the flag.
 *
 * @module
 */
import { fromUser } from '../command/errors.js';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';

/**
 * Loads the tokenizer named by `--tokenizer` (an encoding name or a tokenizer.json path).
 *
 * @param spec - the flag's value
 * @returns the tokenizer
 * @throws CliError `--tokenizer SPEC: reason` for an unknown name or an unloadable file
 */
export function openTokenizer(spec: string): Promise<Tokenizer> {
  return fromUser(`--tokenizer ${spec}`, () => loadTokenizer(spec));
}
