import { stat } from 'node:fs/promises';
import { typeError } from '../assert.js';
import { RadiomarkRangeError } from '../errors.js';
import { ENCODING_NAMES, loadEncoding, type EncodingName } from './encodings.js';
import { loadHf } from './huggingface.js';
import type { Tokenizer } from './types.js';

// tiktoken's own names are accepted too; the tokenizer's `name` is always the short one.
const BY_NAME = new Map<string, EncodingName>(ENCODING_NAMES.flatMap((n) => [[n, n] as const, [`${n}_base`, n] as const]));

function looksLikePath(spec: string): boolean {
  return /[/\\]/.test(spec) || spec.startsWith('.') || /\.json$/i.test(spec);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads the tokenizer named by `spec`: one of the bundled OpenAI encodings (`'o200k'`,
 * `'cl100k'`, `'r50k'`, `'p50k'`; tiktoken's names such as `'o200k_base'` are accepted as well),
 * or a Hugging Face tokenizer from the path of its `tokenizer.json` or of the directory holding it.
 * A spec that contains a path separator, starts with `.` or ends in `.json`, or that names an
 * existing file or directory, is a path; anything else must be an encoding name.
 *
 * Only the requested encoding's data is imported (o200k alone is several MB).
 *
 * @param spec - an encoding name or a path
 * @returns the tokenizer
 * @throws TypeError when `spec` is not a string; RangeError naming `spec` and the valid names when
 *   it is neither an encoding name nor a path; RadiomarkError `INPUT` naming the path when the file
 *   is missing, unreadable or not a loadable tokenizer.json
 * @example
 * ```ts
 * const tok = await loadTokenizer('o200k');
 * const ids = tok.encode(normalizeText(suspectText));
 * const llama = await loadTokenizer('./models/Llama-3.1-8B/tokenizer.json'); // name 'hf:Llama-3.1-8B'
 * ```
 */
export async function loadTokenizer(spec: string): Promise<Tokenizer> {
  if (typeof spec !== 'string') throw typeError('loadTokenizer', 'spec', 'a string', spec);
  const name = BY_NAME.get(spec);
  if (name !== undefined) return loadEncoding(name);
  if (looksLikePath(spec) || (spec.length > 0 && (await exists(spec)))) return loadHf('loadTokenizer', spec);
  throw new RadiomarkRangeError(
    `loadTokenizer: unknown tokenizer ${JSON.stringify(spec)}; expected one of ${ENCODING_NAMES.join(', ')}, ` +
      'or the path of a Hugging Face tokenizer.json (or of its directory)',
    { api: 'loadTokenizer', field: 'spec' },
  );
}
