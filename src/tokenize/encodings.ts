import type { Tokenizer } from './types.js';

/** Names of the OpenAI (tiktoken) encodings bundled through `gpt-tokenizer`. */
export const ENCODING_NAMES = ['o200k', 'cl100k', 'r50k', 'p50k'] as const;

/** One of {@link ENCODING_NAMES}. */
export type EncodingName = (typeof ENCODING_NAMES)[number];

interface EncodingTable {
  /** tiktoken's `n_vocab`: 1 + the largest id. */
  readonly nVocab: number;
  /** Ordinary (BPE) ids are below this bound, except those listed in `specials`. */
  readonly ordinaryEnd: number;
  /** Special tokens by text. */
  readonly specials: Readonly<Record<string, number>>;
}

const EOT = '<|endoftext|>';

// Special tokens as tiktoken defines them (tiktoken_ext/openai_public.py). gpt-tokenizer 4 gives
// o200k_base extra ones (FIM/ChatML at 200000..200006) that tiktoken does not have; those ids are
// not used here: `decode` rejects them as tiktoken does. cl100k also lists the ChatML tokens
// (100264..100266) that OpenAI's chat models use and gpt-tokenizer knows.
const TABLES: Readonly<Record<EncodingName, EncodingTable>> = {
  r50k: { nVocab: 50_257, ordinaryEnd: 50_256, specials: { [EOT]: 50_256 } },
  p50k: { nVocab: 50_281, ordinaryEnd: 50_281, specials: { [EOT]: 50_256 } },
  cl100k: {
    nVocab: 100_277,
    ordinaryEnd: 100_256,
    specials: {
      [EOT]: 100_257,
      '<|fim_prefix|>': 100_258,
      '<|fim_middle|>': 100_259,
      '<|fim_suffix|>': 100_260,
      '<|im_start|>': 100_264,
      '<|im_end|>': 100_265,
      '<|im_sep|>': 100_266,
      '<|endofprompt|>': 100_276,
    },
  },
  o200k: { nVocab: 200_019, ordinaryEnd: 199_998, specials: { [EOT]: 199_999, '<|endofprompt|>': 200_018 } },
};

/** The part of a gpt-tokenizer encoding module used here. */
interface EncodingModule {
  encode(text: string, options?: { allowedSpecial?: Set<string> | 'all'; disallowedSpecial?: Set<string> | 'all' }): number[];
  decode(ids: Iterable<number>): string;
}

// One literal import per encoding, so that only the one asked for is loaded (o200k's ranks alone
// are several MB) and bundlers can still see every path.
function importEncoding(name: EncodingName): Promise<EncodingModule> {
  switch (name) {
    case 'o200k':
      return import('gpt-tokenizer/encoding/o200k_base');
    case 'cl100k':
      return import('gpt-tokenizer/encoding/cl100k_base');
    case 'r50k':
      return import('gpt-tokenizer/encoding/r50k_base');
    case 'p50k':
      return import('gpt-tokenizer/encoding/p50k_base');
  }
}

class EncodingTokenizer implements Tokenizer {
  readonly name: EncodingName;
  readonly vocabSize: number;
  readonly specialTokenIds: ReadonlySet<number>;
  readonly endOfTextId: number;
  readonly #lib: EncodingModule;
  readonly #ordinaryEnd: number;
  readonly #specialText: ReadonlyMap<number, string>;

  constructor(name: EncodingName, lib: EncodingModule, table: EncodingTable) {
    this.name = name;
    this.vocabSize = table.nVocab;
    this.#lib = lib;
    this.#ordinaryEnd = table.ordinaryEnd;
    this.#specialText = new Map(Object.entries(table.specials).map(([text, id]) => [id, text]));
    this.specialTokenIds = new Set(this.#specialText.keys());
    this.endOfTextId = table.specials[EOT]!;
  }

  encode(text: string): Uint32Array {
    if (typeof text !== 'string') throw new TypeError(`${this.name}.encode: "text" must be a string, got ${typeof text}`);
    // An empty disallowed set and no allowed set: special-token text is ordinary text, never an error.
    return new Uint32Array(this.#lib.encode(text, { disallowedSpecial: new Set() }));
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    let run: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const special = this.#specialText.get(id);
      if (special !== undefined) {
        if (run.length > 0) out += this.#lib.decode(run);
        run = [];
        out += special;
      } else if (Number.isInteger(id) && id >= 0 && id < this.#ordinaryEnd) {
        run.push(id);
      } else {
        throw new RangeError(`${this.name}.decode: ids[${i}] = ${String(id)} is not a token id of ${this.name}`);
      }
    }
    return run.length > 0 ? out + this.#lib.decode(run) : out;
  }
}

/**
 * Loads one of the bundled OpenAI encodings (r50k_base, p50k_base, cl100k_base, o200k_base) from
 * `gpt-tokenizer`, importing only that encoding's data.
 *
 * @param name - `'o200k'`, `'cl100k'`, `'r50k'` or `'p50k'`
 * @returns the tokenizer: `vocabSize` and `specialTokenIds` as tiktoken defines them
 * @throws RangeError for another name; Error if the installed gpt-tokenizer disagrees with
 *   tiktoken on the `<|endoftext|>` id (an incompatible version)
 * @example
 * ```ts
 * const tok = await loadEncoding('o200k');
 * tok.vocabSize; // 200019
 * ```
 */
export async function loadEncoding(name: EncodingName): Promise<Tokenizer> {
  const table = Object.hasOwn(TABLES, name) ? TABLES[name] : undefined;
  if (table === undefined) {
    throw new RangeError(`loadEncoding: unknown encoding ${JSON.stringify(name)}; expected one of ${ENCODING_NAMES.join(', ')}`);
  }
  const lib = await importEncoding(name);
  const eot = lib.encode(EOT, { allowedSpecial: new Set([EOT]) });
  if (eot.length !== 1 || eot[0] !== table.specials[EOT]) {
    throw new Error(`loadEncoding: gpt-tokenizer's ${name} maps ${EOT} to [${eot.join(', ')}], tiktoken to ${table.specials[EOT]}: incompatible gpt-tokenizer version`);
  }
  return new EncodingTokenizer(name, lib, table);
}
