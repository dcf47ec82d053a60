import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import { checkId, describe, rangeError, typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import { MAX_VOCAB_SIZE } from '../limits.js';
import type { Tokenizer } from './types.js';
import { firstInvalidUtf8 } from './utf8.js';

type Json = Record<string, unknown>;

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
}

const EOT = '<|endoftext|>';
// Keys @huggingface/tokenizers requires to be present (null allowed), as the Rust crate writes them.
const PIPELINE_KEYS = ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const;
// Model types @huggingface/tokenizers 0.2 implements (WordLevel is not among them).
const MODEL_TYPES: readonly string[] = ['BPE', 'WordPiece', 'Unigram'];

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An `INPUT` error naming the file (or source) and what is wrong with it. A library's own message
 * never goes into the text (it may quote file content and names nothing the user can find); it is
 * kept as `cause` for debugging.
 */
function bad(api: string, source: string, what: string, field?: string, cause?: unknown): RadiomarkError {
  return new RadiomarkError('INPUT', `${api}: ${source}: ${what}`, { api, ...(field === undefined ? {} : { field }), ...(cause === undefined ? {} : { cause }) });
}

/** Where JSON.parse stopped, from its message (the message itself may quote the file). */
function jsonPosition(e: unknown): string {
  const m = e instanceof Error ? /position (\d+)/.exec(e.message) : null;
  return m === null ? '' : ` at character ${m[1]}`;
}

/** Throws unless every id of the model's vocabulary is an integer in [0, MAX_VOCAB_SIZE). */
function checkVocabIds(api: string, source: string, vocab: object): void {
  if (Array.isArray(vocab)) return; // Unigram: ids are positions
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= MAX_VOCAB_SIZE) {
      const shown = token.length > 20 ? `${JSON.stringify(token.slice(0, 20))}...` : JSON.stringify(token);
      throw bad(api, source, `"model"."vocab" maps ${shown} to ${describe(id)}; ids must be integers in [0, ${MAX_VOCAB_SIZE})`, 'model.vocab');
    }
  }
}

/** Checks the parts of a tokenizer.json this module relies on; returns its added tokens. */
function checkTokenizerJson(api: string, source: string, json: unknown): AddedTokenJson[] {
  if (!isObject(json)) throw bad(api, source, 'not a tokenizer.json (expected a JSON object)');
  if (!isObject(json.model) || typeof json.model.vocab !== 'object' || json.model.vocab === null) {
    throw bad(api, source, 'not a tokenizer.json (no "model" object with a "vocab")', 'model');
  }
  const type = json.model.type;
  if (type !== undefined && !(typeof type === 'string' && MODEL_TYPES.includes(type))) {
    throw bad(api, source, `model type ${JSON.stringify(type)} is not supported (${MODEL_TYPES.join(', ')})`, 'model.type');
  }
  checkVocabIds(api, source, json.model.vocab);
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw bad(api, source, '"added_tokens" must be an array', 'added_tokens');
  added.forEach((t: unknown, i) => {
    if (!isObject(t) || typeof t.content !== 'string' || !Number.isInteger(t.id) || (t.id as number) < 0 || (t.id as number) >= MAX_VOCAB_SIZE) {
      throw bad(api, source, `"added_tokens"[${i}] must have a string "content" and an integer "id" in [0, ${MAX_VOCAB_SIZE})`, `added_tokens[${i}]`);
    }
  });
  return added as AddedTokenJson[];
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  return undefined;
}

class HfTokenizer implements Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly specialTokenIds: ReadonlySet<number>;
  readonly endOfTextId?: number;
  /** Built without the special added tokens, so their text is never matched as a token. */
  readonly #encoder: HfLibTokenizer;
  /** The full tokenizer, built on the first decode of a special id. */
  #full: HfLibTokenizer | undefined;
  readonly #makeFull: () => HfLibTokenizer;

  constructor(name: string, encoder: HfLibTokenizer, makeFull: () => HfLibTokenizer, added: AddedTokenJson[], config: Json) {
    this.name = name;
    this.#encoder = encoder;
    this.#makeFull = makeFull;
    const byText = new Map<string, number>();
    for (const t of added) byText.set(t.content, t.id);
    const idOf = (text: string | undefined): number | undefined =>
      text === undefined ? undefined : (byText.get(text) ?? encoder.token_to_id(text));

    let maxId = (encoder.model?.vocab.length ?? 0) - 1;
    for (const t of added) maxId = Math.max(maxId, t.id);
    this.vocabSize = maxId + 1;

    const special = new Set<number>();
    for (const t of added) if (t.special === true) special.add(t.id);
    if (Array.isArray(config.additional_special_tokens)) {
      for (const s of config.additional_special_tokens) {
        const id = idOf(tokenText(s));
        if (id !== undefined) special.add(id);
      }
    }
    this.specialTokenIds = special;
    const eot = idOf(tokenText(config.eos_token)) ?? idOf(EOT);
    if (eot !== undefined) this.endOfTextId = eot;
  }

  encode(text: string): Uint32Array {
    const api = `${this.name}.encode`;
    if (typeof text !== 'string') throw typeError(api, 'text', 'a string', text);
    let ids: readonly unknown[];
    try {
      ids = this.#encoder.encode(text, { add_special_tokens: false }).ids;
    } catch (e) {
      throw new RadiomarkError('INPUT', `${api}: @huggingface/tokenizers failed to encode the text with ${this.name}`, { api, field: 'text', cause: e });
    }
    const out = new Uint32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      // Only a tokenizer without byte fallback and without an unk token leaves a piece unmapped.
      // The message must not quote the (suspect) text.
      if (typeof id !== 'number') {
        throw new RadiomarkError('INPUT', `${api}: token ${i} of the text has no id (the vocabulary lacks it and there is no unk_token)`, { api, field: 'text' });
      }
      out[i] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const api = `${this.name}.decode`;
    const list = new Array<number>(ids.length);
    let hasSpecial = false;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(api, 'ids', i, id, this.vocabSize);
      if (this.specialTokenIds.has(id)) hasSpecial = true;
      else if (this.#encoder.id_to_token(id) === undefined) throw rangeError(api, `ids[${i}]`, `a token id of ${this.name} (${id} is unused)`, id);
      list[i] = id;
    }
    if (list.length === 0) return '';
    const lib = hasSpecial ? (this.#full ??= this.#makeFull()) : this.#encoder;
    return lib.decode(list, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}

/**
 * Builds a {@link Tokenizer} from the parsed contents of a Hugging Face `tokenizer.json` (and
 * optionally `tokenizer_config.json`) with `@huggingface/tokenizers`. No file access: usable in a
 * browser. Text spelling a special added token is encoded as ordinary text (the Rust crate's
 * `encode_special_tokens`); non-special added tokens are matched as usual. No BOS/EOS is added.
 *
 * `specialTokenIds` holds the added tokens marked `special` and the config's
 * `additional_special_tokens`; `endOfTextId` is the config's `eos_token`, else `<|endoftext|>`.
 *
 * @param tokenizerJson - the parsed `tokenizer.json`
 * @param config - the parsed `tokenizer_config.json` (default `{}`)
 * @param name - the tokenizer's name (default `'hf:custom'`)
 * @returns the tokenizer
 * @throws RadiomarkError `INPUT` when the JSON is not a tokenizer the library can load
 * @example
 * ```ts
 * const tok = await hfTokenizerFromJson(await (await fetch(url)).json(), {}, 'hf:my-model');
 * ```
 */
export async function hfTokenizerFromJson(tokenizerJson: unknown, config: unknown = {}, name = 'hf:custom'): Promise<Tokenizer> {
  return build('hfTokenizerFromJson', name, tokenizerJson, config, name);
}

async function build(api: string, source: string, tokenizerJson: unknown, config: unknown, name: string): Promise<Tokenizer> {
  const added = checkTokenizerJson(api, source, tokenizerJson);
  if (!isObject(config)) throw bad(api, source, 'tokenizer_config must be a JSON object', 'config');
  const full: Json = { ...(tokenizerJson as Json), added_tokens: added };
  for (const k of PIPELINE_KEYS) full[k] ??= null;
  const forEncoding: Json = { ...full, added_tokens: added.filter((t) => t.special !== true) };
  const { Tokenizer: Lib } = await import('@huggingface/tokenizers');
  let encoder: HfLibTokenizer;
  try {
    encoder = new Lib(forEncoding, config);
  } catch (e) {
    throw bad(api, source, 'not a tokenizer @huggingface/tokenizers can load (a malformed or unsupported model, normalizer, pre-tokenizer or decoder)', undefined, e);
  }
  return new HfTokenizer(name, encoder, () => new Lib(full, config), added, config);
}

async function readJson(api: string, path: string): Promise<unknown> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(api, JSON.stringify(path), code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'unknown error'})`, 'path', e);
  }
  let text: string;
  try {
    // Strict: a replacement character would silently give another vocabulary than the model's.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    const at = firstInvalidUtf8(bytes);
    throw bad(api, JSON.stringify(path), `not valid UTF-8 (byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at byte ${at + 1})`, 'path', e);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(api, JSON.stringify(path), `not valid JSON${jsonPosition(e)}`, 'path', e);
  }
}

/**
 * Loads a Hugging Face tokenizer from a `tokenizer.json` file, or from a directory holding one.
 * A `tokenizer_config.json` beside it is read when present. The name is `hf:` followed by the
 * directory's name when the file is called `tokenizer.json` (`models/Llama-3-8B/tokenizer.json`
 * -> `hf:Llama-3-8B`), else by the file's name without `.json`.
 *
 * @param path - path of the `tokenizer.json` or of its directory
 * @returns the tokenizer (see {@link hfTokenizerFromJson})
 * @throws RadiomarkError `INPUT` naming the path when it does not exist, cannot be read, is not
 *   JSON, or is not a tokenizer the library can load
 * @example
 * ```ts
 * const tok = await loadHfTokenizer('models/Llama-3-8B/tokenizer.json');
 * ```
 */
export function loadHfTokenizer(path: string): Promise<Tokenizer> {
  return loadHf('loadHfTokenizer', path);
}

/**
 * {@link loadHfTokenizer} with the calling API's name for error messages.
 *
 * @internal
 */
export async function loadHf(api: string, path: string): Promise<Tokenizer> {
  if (typeof path !== 'string') throw typeError(api, 'path', 'a string', path);
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'tokenizer.json');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(api, JSON.stringify(path), code === 'ENOENT' ? 'no such file or directory' : `cannot be read (${code ?? 'unknown error'})`, 'path', e);
  }
  const json = await readJson(api, file);
  const configPath = join(dirname(file), 'tokenizer_config.json');
  let config: unknown = {};
  try {
    await stat(configPath);
    config = await readJson(api, configPath);
  } catch (e) {
    if (e instanceof RadiomarkError) throw e;
    // No tokenizer_config.json: optional.
  }
  if (!isObject(config)) throw bad(api, JSON.stringify(configPath), 'not a tokenizer_config.json (expected a JSON object)', 'path');
  const base = basename(file) === 'tokenizer.json' ? basename(dirname(resolve(file))) : basename(file).replace(/\.json$/i, '');
  return build(api, JSON.stringify(file), json, config, `hf:${base}`);
}
