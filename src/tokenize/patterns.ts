/**
 * tiktoken's pre-tokenizer patterns, written for JavaScript's regular expressions so that they
 * split text exactly as tiktoken's Rust `regex`/`fancy-regex` patterns do.
 *
 * Two differences between the engines are written out by hand:
 * - `\s`: Rust's is Unicode White_Space, which includes U+0085 (NEL) and excludes U+FEFF; the
 *   JavaScript `\s` is the reverse on both. {@link WS} is Rust's set.
 * - `(?i:'s|...)`: JavaScript (Node 20) has no inline flags; Unicode simple case folding makes
 *   `s` match `S` and `ſ` (U+017F) as well, and the other contraction letters only their ASCII
 *   capitals.
 *
 * Possessive quantifiers in tiktoken's cl100k pattern (`?+`, `++`) are written as greedy ones: in
 * each place the next item cannot match what a backtrack would give back, so the matches agree.
 *
 * @internal
 * @module
 */

/** Rust's `\s` (Unicode White_Space), as the body of a character class. */
const WS = String.raw`\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;
const S = `[${WS}]`;
const NOT_S = `[^${WS}]`;

/** `(?i:'s|'t|'re|'ve|'m|'ll|'d)` without inline flags. */
const CONTRACTION = String.raw`'(?:[sSſ]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`;

const UPPERISH = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWERISH = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;

/** o200k_base (tiktoken_ext/openai_public.py). */
const O200K = [
  String.raw`[^\r\n\p{L}\p{N}]?${UPPERISH}*${LOWERISH}+(?:${CONTRACTION})?`,
  String.raw`[^\r\n\p{L}\p{N}]?${UPPERISH}+${LOWERISH}*(?:${CONTRACTION})?`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^${WS}\p{L}\p{N}]+[\r\n/]*`,
  String.raw`${S}*[\r\n]+`,
  String.raw`${S}+(?!${NOT_S})`,
  String.raw`${S}+`,
].join('|');

/** cl100k_base. */
const CL100K = [
  CONTRACTION,
  String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`,
  String.raw`\p{N}{1,3}`,
  String.raw` ?[^${WS}\p{L}\p{N}]+[\r\n]*`,
  String.raw`${S}+$`,
  String.raw`${S}*[\r\n]`,
  String.raw`${S}+(?!${NOT_S})`,
  S,
].join('|');

/** r50k_base and p50k_base (case-sensitive contractions). */
const R50K = [
  String.raw`'(?:[sdmt]|ll|ve|re)`,
  String.raw` ?\p{L}+`,
  String.raw` ?\p{N}+`,
  String.raw` ?[^${WS}\p{L}\p{N}]+`,
  String.raw`${S}+(?!${NOT_S})`,
  String.raw`${S}+`,
].join('|');

/** The pre-tokenizer pattern of each bundled encoding (source text; compile with flags `uy`). */
export const SPLIT_PATTERNS = { o200k: O200K, cl100k: CL100K, r50k: R50K, p50k: R50K } as const;
