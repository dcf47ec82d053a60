/**
 * How suspect text becomes token ids, the same on the main thread and in tokenizer threads.
 *
 * @module
 */
import { normalizeText, type Tokenizer } from '../tokenize/index.js';
import type { BadLineReason, BadSink } from './bad-lines.js';
import { extractDocument, type FieldSpec } from './documents.js';
import { parseJsonLine } from './lines.js';

/** How suspect text becomes token ids: the same on the main thread and in tokenizer threads. */
export interface PrepareConfig {
  /** Field names and mode (text or pre-tokenized). */
  readonly spec: FieldSpec;
  /** Unicode normalization applied before encoding. */
  readonly normalize: 'NFC' | 'NFKC' | 'none';
  /** Remove zero-width characters before encoding. */
  readonly stripZeroWidth: boolean;
}

/** One document ready for the detector, or the reason its line was bad. */
export type Prepared =
  | { readonly where: string; readonly tokens: Uint32Array; readonly promptTokens: Uint32Array | undefined; readonly bad?: undefined }
  | { readonly where: string; readonly bad: { readonly reason: BadLineReason; readonly message: string } };

/** Records the first bad line reported, without throwing (the caller replays it in order). */
class Recorder implements BadSink {
  first: { reason: BadLineReason; message: string } | undefined;
  add(_where: string, reason: BadLineReason, message: string): void {
    this.first ??= { reason, message };
  }
}

/**
 * Normalizes (unless `none`) and encodes text.
 *
 * @param cfg - normalization settings
 * @param tok - the tokenizer
 * @param text - the text
 */
export function encodeText(cfg: PrepareConfig, tok: Tokenizer, text: string): Uint32Array {
  const t = cfg.normalize === 'none' ? text : normalizeText(text, { form: cfg.normalize, stripZeroWidth: cfg.stripZeroWidth });
  return tok.encode(t);
}

/**
 * Turns one non-blank JSONL line into token ids: parse, pick the fields, normalize, encode. A bad
 * line (invalid JSON, missing field, wrong type, id out of range) comes back as `bad`, never thrown,
 * so that threads can hand it to the main thread, which reports it in input order.
 *
 * @param cfg - fields and normalization
 * @param tok - the tokenizer (unused for pre-tokenized input, may then be undefined)
 * @param line - the line's text
 * @param where - `file:line`
 */
export function prepareLine(cfg: PrepareConfig, tok: Tokenizer | undefined, line: string, where: string): Prepared {
  const rec = new Recorder();
  const parsed = parseJsonLine(line, where, rec);
  if (!parsed) return { where, bad: rec.first! };
  const doc = extractDocument(parsed.value, where, cfg.spec, rec);
  if (!doc) return { where, bad: rec.first! };
  if (doc.tokens) return { where, tokens: doc.tokens, promptTokens: doc.promptTokens };
  const tokens = encodeText(cfg, tok!, doc.text!);
  const promptTokens = doc.prompt !== undefined && cfg.spec.promptField !== undefined ? encodeText(cfg, tok!, doc.prompt) : undefined;
  return { where, tokens, promptTokens };
}

/**
 * Turns a whole text file (one document) into token ids.
 *
 * @param cfg - normalization
 * @param tok - the tokenizer
 * @param text - the file's text
 * @param where - the file name
 */
export function prepareText(cfg: PrepareConfig, tok: Tokenizer, text: string, where: string): Prepared {
  return { where, tokens: encodeText(cfg, tok, text), promptTokens: undefined };
}
