/**
 * A text <-> token-id mapping identical to the one the generating model used. The detector
 * re-tokenizes suspect text with it, so it must reproduce the model's ids exactly.
 *
 * Contract shared by every implementation:
 * - `encode` never throws on text that spells a special token (`<|endoftext|>`, `<|im_start|>`,
 *   `<s>`...): such text is encoded as ordinary text, so `encode` never emits an id of
 *   `specialTokenIds` for it. It adds no BOS/EOS or other template tokens.
 * - `decode` applies no clean-up of tokenization spaces: `decode(encode(t)) === t` for every
 *   well-formed string `t` under a lossless (byte-level) tokenizer with no normalizer.
 *
 * @example
 * ```ts
 * const tok = await loadTokenizer('cl100k');
 * tok.encode('hello world'); // Uint32Array [15339, 1917]
 * ```
 */
export interface Tokenizer {
  /**
   * Stable name, the value a key file's `tokenizer` parameter holds: `'o200k'`, `'cl100k'`,
   * `'r50k'`, `'p50k'`, or `'hf:<name>'` for a Hugging Face `tokenizer.json`.
   */
  readonly name: string;
  /**
   * One more than the largest id this tokenizer can emit or decode, special tokens included: every
   * id is in `[0, vocabSize)`. The range may contain unused ids (holes), which `decode` rejects.
   * For the bundled encodings this is tiktoken's `n_vocab`; for a Hugging Face tokenizer it is
   * `1 + max(id)` over the model vocabulary and `added_tokens`. A model's logits may be wider
   * (padded embeddings); ids past `vocabSize` never come out of `encode`.
   */
  readonly vocabSize: number;
  /**
   * Encodes text as the model's tokenizer does, without special tokens (see the interface notes).
   *
   * @param text - the text (well-formed UTF-16; lone surrogates are encoded as U+FFFD)
   * @returns the token ids
   */
  encode(text: string): Uint32Array;
  /**
   * Decodes ids to text, special tokens written as their text, no clean-up of spaces.
   *
   * @param ids - token ids, each an integer in `[0, vocabSize)` that the tokenizer defines
   * @returns the text
   * @throws RangeError naming the first id that is not an integer id of this tokenizer
   */
  decode(ids: ArrayLike<number>): string;
  /** Ids of the special (control) tokens, which the detector skips. */
  readonly specialTokenIds: ReadonlySet<number>;
  /** The end-of-text / end-of-sequence id, when the tokenizer has one. */
  readonly endOfTextId?: number;
}
