/**
 * Tokenizers for re-tokenizing suspect text exactly as the generating model did: the OpenAI
 * encodings (radiomark's own tiktoken-exact BPE over gpt-tokenizer's rank data) and Hugging Face
 * `tokenizer.json` files (via
 * @huggingface/tokenizers), plus the text normalization applied before encoding.
 *
 * @module radiomark/tokenize
 */
export type { Tokenizer } from './types.js';
export { loadTokenizer } from './load.js';
export { loadEncoding, ENCODING_NAMES, type EncodingName } from './encodings.js';
export { loadHfTokenizer, hfTokenizerFromJson } from './huggingface.js';
export { normalizeText, type NormalizeOptions } from './normalize.js';
