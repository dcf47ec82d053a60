import { checkArrayLike, checkId, rangeError, typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import { BpeEncoder } from './bpe-encoder.js';
import { SPLIT_PATTERNS } from './patterns.js';
import { RankTable } from './rank-table.js';
import type { Tokenizer } from './types.js';
import { utf8Into } from './utf8.js';

/** Names of the OpenAI (tiktoken) encodings, whose rank data comes from `gpt-tokenizer`. */
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

/** gpt-tokenizer's rank data: token `r` as its text (when valid UTF-8) or as its bytes. */
type RankEntries = readonly (string | readonly number[])[];

// One literal import per encoding, so that only the one asked for is loaded (o200k's ranks alone
// are several MB) and bundlers can still see every path. Only gpt-tokenizer's rank data is used:
// its encoder is neither exact (U+FEFF, U+0085) nor linear on long pieces (test/tokenize.ref.test.ts
// holds those cases against the reference tokenizer).
async function importRanks(name: EncodingName): Promise<RankEntries> {
  switch (name) {
    case 'o200k':
      return (await import('gpt-tokenizer/bpeRanks/o200k_base')).default;
    case 'cl100k':
      return (await import('gpt-tokenizer/bpeRanks/cl100k_base')).default;
    case 'r50k':
      return (await import('gpt-tokenizer/bpeRanks/r50k_base')).default;
    case 'p50k':
      return (await import('gpt-tokenizer/bpeRanks/p50k_base')).default;
  }
}

/** Packs the rank entries into one byte pool (see {@link RankTable}). */
function rankTable(entries: RankEntries): RankTable {
  let capacity = 0;
  for (const e of entries) capacity += typeof e === 'string' ? 3 * e.length : (e?.length ?? 0);
  const pool = new Uint8Array(capacity);
  const start = new Int32Array(entries.length + 1);
  let at = 0;
  for (let r = 0; r < entries.length; r++) {
    start[r] = at;
    const e = entries[r];
    if (typeof e === 'string') at = utf8Into(e, 0, e.length, pool, at);
    else if (e !== undefined) for (const b of e) pool[at++] = b;
  }
  start[entries.length] = at;
  return new RankTable(pool.slice(0, at), start);
}

class EncodingTokenizer implements Tokenizer {
  readonly name: EncodingName;
  readonly vocabSize: number;
  readonly specialTokenIds: ReadonlySet<number>;
  readonly endOfTextId: number;
  readonly #bpe: BpeEncoder;
  readonly #ordinaryEnd: number;
  readonly #specialBytes: ReadonlyMap<number, Uint8Array>;

  constructor(name: EncodingName, bpe: BpeEncoder, table: EncodingTable) {
    this.name = name;
    this.vocabSize = table.nVocab;
    this.#bpe = bpe;
    this.#ordinaryEnd = table.ordinaryEnd;
    const utf8 = new TextEncoder();
    this.#specialBytes = new Map(Object.entries(table.specials).map(([text, id]) => [id, utf8.encode(text)]));
    this.specialTokenIds = new Set(this.#specialBytes.keys());
    this.endOfTextId = table.specials[EOT]!;
  }

  encode(text: string): Uint32Array {
    if (typeof text !== 'string') throw typeError(`${this.name}.encode`, 'text', 'a string', text);
    return this.#bpe.encode(text);
  }

  decode(ids: ArrayLike<number>): string {
    const api = `${this.name}.decode`;
    checkArrayLike(api, 'ids', ids);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      checkId(api, 'ids', i, id, this.vocabSize);
      if (!this.#specialBytes.has(id) && !(id < this.#ordinaryEnd && this.#bpe.table.length(id) > 0)) {
        throw rangeError(api, `ids[${i}]`, `a token id of ${this.name} (${id} is unused)`, id);
      }
    }
    return this.#bpe.decode(ids, this.#specialBytes);
  }
}

// One encoder per encoding and process: the rank table is built once (o200k: 200k tokens), and the
// encoder keeps no state between calls (its scratch buffers are overwritten by each call).
const cache = new Map<EncodingName, BpeEncoder>();

/**
 * Loads one of the OpenAI encodings (r50k_base, p50k_base, cl100k_base, o200k_base): radiomark's
 * own byte-level BPE encoder over the encoding's ranks (the data of `gpt-tokenizer`; only the one
 * asked for is imported). Ids are identical to tiktoken's `encode_ordinary`
 * (test/tokenize.ref.test.ts checks them against tiktoken's WebAssembly build), and the work is
 * O(n log n) in the longest pre-tokenizer piece, so a 10 MB "word" costs seconds, not hours
 * (docs/speed.md).
 *
 * @param name - `'o200k'`, `'cl100k'`, `'r50k'` or `'p50k'`
 * @returns the tokenizer: `vocabSize` and `specialTokenIds` as tiktoken defines them
 * @throws RangeError (`OUT_OF_RANGE`, field `name`) for another name; RadiomarkError
 *   `CONFIG_MISMATCH` when the installed gpt-tokenizer's rank data has another size than
 *   tiktoken's (an incompatible version)
 * @example
 * ```ts
 * const tok = await loadEncoding('o200k');
 * tok.vocabSize; // 200019
 * ```
 */
export async function loadEncoding(name: EncodingName): Promise<Tokenizer> {
  const table = Object.hasOwn(TABLES, name) ? TABLES[name] : undefined;
  if (table === undefined) throw rangeError('loadEncoding', 'name', `one of ${ENCODING_NAMES.join(', ')}`, name);
  return new EncodingTokenizer(name, await loadBpe(name), table);
}

/**
 * The encoder behind {@link loadEncoding}'s tokenizer (one per encoding and process), for tests
 * that read its work counters.
 *
 * @internal
 */
export async function loadBpe(name: EncodingName): Promise<BpeEncoder> {
  const table = TABLES[name];
  let bpe = cache.get(name);
  if (bpe === undefined) {
    const entries = await importRanks(name);
    if (entries.length !== table.ordinaryEnd) {
      throw new RadiomarkError('CONFIG_MISMATCH', `loadEncoding: gpt-tokenizer's ${name} ranks hold ${entries.length} tokens, tiktoken's ${table.ordinaryEnd}: incompatible gpt-tokenizer version`, { api: 'loadEncoding', field: 'name' });
    }
    bpe = new BpeEncoder(rankTable(entries), SPLIT_PATTERNS[name]);
    cache.set(name, bpe);
  }
  return bpe;
}
