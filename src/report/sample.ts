/**
 * The one coloured sample: a suspect document's tokens, each marked green or red under a key, as
 * the report shows them.
 *
 * @module
 */
import type { SecretKey } from '../key/index.js';
import { createWatermark } from '../sampler/index.js';
import type { Tokenizer } from '../tokenize/index.js';
import type { SampleDocument, SampleToken } from './model.js';

/** Tokens of a sample shown at most (the rest are counted as omitted). */
export const SAMPLE_MAX_TOKENS = 400;

/** A document to colour. */
export interface SampleSource {
  /** Where the document came from (`file:line`, `completion 3`). */
  readonly where: string;
  /** Its token ids (only the first {@link SAMPLE_MAX_TOKENS} are shown). */
  readonly ids: Uint32Array;
  /** The document's full length in tokens, when `ids` is already cut [default `ids.length`]. */
  readonly total?: number;
}

/**
 * Colours a document's tokens under `key` with the scheme's green-list function: green or red for
 * a token with a full window of preceding completion tokens, none for the first tokens and for
 * special tokens. A token that decodes to a partial UTF-8 character is merged with the next ones
 * (up to 4 tokens) so that multi-byte characters show whole; a token that cannot be decoded shows
 * as `⟨id⟩`.
 *
 * @param doc - the document
 * @param tokenizer - decodes the ids and names the special tokens
 * @param key - the key whose green lists colour the tokens
 * @param vocabSize - the vocabulary size [default: the key's]
 * @returns the sample for the report
 */
export function colourSample(doc: SampleSource, tokenizer: Pick<Tokenizer, 'decode' | 'specialTokenIds'>, key: SecretKey, vocabSize?: number): SampleDocument {
  const wm = createWatermark({ key, ...(vocabSize !== undefined ? { vocabSize } : {}) });
  const h = wm.config.contextWidth;
  const ids = doc.ids.subarray(0, SAMPLE_MAX_TOKENS);
  const n = ids.length;
  const status = (i: number): SampleToken['status'] =>
    i < h || tokenizer.specialTokenIds.has(ids[i]!) ? 'none' : wm.isGreen(ids.subarray(i - h, i), ids[i]!) ? 'green' : 'red';
  const out: SampleToken[] = [];
  for (let i = 0; i < n; ) {
    const { text, end } = decodeWhole(tokenizer, ids, i);
    out.push({ text, status: status(i), ids: Array.from(ids.subarray(i, end)) });
    i = end;
  }
  return { where: doc.where, tokens: out, omitted: (doc.total ?? doc.ids.length) - n };
}

/** Decodes the token at `i`, merged with up to 3 following ones when it is part of a character. */
function decodeWhole(tokenizer: Pick<Tokenizer, 'decode'>, ids: Uint32Array, i: number): { text: string; end: number } {
  const dec = (a: number, b: number): string => {
    try {
      return tokenizer.decode(ids.subarray(a, b));
    } catch {
      return Array.from(ids.subarray(a, b), (id) => `⟨${id}⟩`).join('');
    }
  };
  const one = dec(i, i + 1);
  if (!one.includes('\uFFFD')) return { text: one, end: i + 1 };
  for (let k = i + 2; k <= Math.min(ids.length, i + 4); k++) {
    const t = dec(i, k);
    if (!t.includes('\uFFFD')) return { text: t, end: k };
  }
  return { text: one, end: i + 1 };
}
