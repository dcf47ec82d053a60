import { rangeError, typeError } from '../assert.js';

/** Options of {@link normalizeText}. */
export interface NormalizeOptions {
  /** Unicode normalization form: `'NFC'` (default) or `'NFKC'` (also folds compatibility forms). */
  form?: 'NFC' | 'NFKC';
  /**
   * Remove the zero-width characters U+200B..U+200D (zero-width space, non-joiner, joiner), U+2060
   * (word joiner) and U+FEFF (zero-width no-break space / BOM) before normalizing. Default `false`.
   * Removing U+200D also splits emoji ZWJ sequences into their parts.
   */
  stripZeroWidth?: boolean;
}

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;

/**
 * Normalizes suspect text before it is tokenized: undoes edits that change the token ids but not
 * what a reader sees (decomposed accents, invisible characters inserted to break the watermark).
 * Zero-width characters are removed first, so that one placed between a letter and its combining
 * mark does not block composition.
 *
 * Normalize only when the generated text was itself normal: a model that emitted NFD text is
 * detected best on the text as it is.
 *
 * @param text - the text
 * @param opts - `form` (default `'NFC'`) and `stripZeroWidth` (default `false`)
 * @returns the normalized text
 * @throws TypeError when `text` is not a string; RangeError for an unknown `form`
 * @example
 * ```ts
 * normalizeText('cafe\u0301');                                  // 'café' (one code point é)
 * normalizeText('ﬁ\u200Bne', { form: 'NFKC', stripZeroWidth: true }); // 'fine'
 * ```
 */
export function normalizeText(text: string, opts: NormalizeOptions = {}): string {
  if (typeof text !== 'string') throw typeError('normalizeText', 'text', 'a string', text);
  const form = opts.form ?? 'NFC';
  if (form !== 'NFC' && form !== 'NFKC') throw rangeError('normalizeText', 'form', "'NFC' or 'NFKC'", form);
  const stripped = opts.stripZeroWidth === true ? text.replace(ZERO_WIDTH, '') : text;
  return stripped.normalize(form);
}
