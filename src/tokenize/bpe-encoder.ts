/**
 * A byte-level BPE encoder with tiktoken's semantics: split the text with the encoding's
 * pre-tokenizer pattern, write each piece's UTF-8 bytes into a scratch buffer, look the whole
 * piece up, and merge it when it is not a token. Special tokens are never matched: their text is
 * ordinary text (tiktoken's `encode_ordinary`).
 *
 * Work is linear in the text (up to a log factor in one piece's length): long pieces go to the
 * heap merge (see merge.ts), so one 10 MB "word" costs what 10 MB of words cost, not hours.
 *
 * @internal
 * @module
 */
import { IdList, MergeScratch, mergePiece } from './merge.js';
import type { RankTable } from './rank-table.js';
import { utf8Into } from './utf8.js';

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
// With the u flag a surrogate pair is one code point, so \p{Cs} matches only lone surrogates.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** tiktoken-exact BPE over one rank table and one split pattern. */
export class BpeEncoder {
  readonly table: RankTable;
  readonly #split: RegExp;
  /** The merges' working arrays and work counter (read by tests). */
  readonly scratch = new MergeScratch();
  #bytes = new Uint8Array(1024);

  /**
   * @param table - the mergeable ranks
   * @param pattern - the pre-tokenizer pattern's source (see patterns.ts)
   */
  constructor(table: RankTable, pattern: string) {
    this.table = table;
    // Sticky: every piece starts where the last one ended, and a gap (impossible for these
    // patterns, which match any code point) would stop the loop instead of being skipped.
    this.#split = new RegExp(pattern, 'uy');
  }

  /**
   * The ids of `text` (lone surrogates are encoded as U+FFFD, as a UTF-8 encoder writes them).
   *
   * @param text - any string
   * @returns the ids
   */
  encode(text: string): Uint32Array {
    const t = LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text;
    const out = new IdList((t.length >> 2) + 16);
    const re = this.#split;
    re.lastIndex = 0;
    let start = 0;
    while (start < t.length) {
      if (!re.test(t)) throw new Error('tokenize: the pre-tokenizer pattern matched nothing (internal error)');
      const end = re.lastIndex;
      if (this.#bytes.length < 3 * (end - start)) this.#bytes = new Uint8Array(Math.max(3 * (end - start), 2 * this.#bytes.length));
      const n = utf8Into(t, start, end, this.#bytes, 0);
      mergePiece(this.table, this.#bytes, n, out, this.scratch);
      start = end;
    }
    return out.ids.slice(0, out.length);
  }

  /**
   * The text of `ids`, decoded as UTF-8 (invalid sequences as U+FFFD, a leading BOM kept): ids in
   * `specials` as their text, the others as their token's bytes. The caller has checked every id.
   *
   * @param ids - token ids
   * @param specials - special ids and their UTF-8 text
   * @returns the text
   */
  decode(ids: ArrayLike<number>, specials: ReadonlyMap<number, Uint8Array>): string {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += specials.get(ids[i]!)?.length ?? this.table.length(ids[i]!);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = specials.get(ids[i]!) ?? this.table.bytes(ids[i]!);
      bytes.set(b, at);
      at += b.length;
    }
    return decoder.decode(bytes);
  }
}
