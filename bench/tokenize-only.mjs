#!/usr/bin/env node
/**
 * The CLI section's baseline: the same JSONL file read and tokenized by one o200k tokenizer alone,
 * on one thread (read, split lines, JSON.parse, encode the "text" field; no normalization, no
 * scoring). Prints {"documents", "tokens", "seconds"} as JSON. The caller times the whole process,
 * so start-up and loading the tokenizer count here as they do for the CLI.
 *
 *   node bench/tokenize-only.mjs FILE.jsonl [radiomark | gpt-tokenizer | tiktoken]
 *
 * radiomark (the default) is the fastest exact candidate of bench/tokenizers.mjs; the others are
 * there to compare with earlier runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const t0 = performance.now();
const which = process.argv[3] ?? 'radiomark';
let encode;
if (which === 'radiomark') {
  const { loadEncoding } = await import(join(fileURLToPath(new URL('..', import.meta.url)), 'dist', 'tokenize', 'index.js'));
  const tok = await loadEncoding('o200k');
  encode = (s) => tok.encode(s);
} else if (which === 'gpt-tokenizer') {
  const lib = await import('gpt-tokenizer/encoding/o200k_base');
  encode = (s) => lib.encode(s, { disallowedSpecial: new Set() });
} else if (which === 'tiktoken') {
  const e = (await import('tiktoken')).get_encoding('o200k_base');
  encode = (s) => e.encode_ordinary(s);
} else {
  throw new Error(`tokenize-only: unknown tokenizer ${JSON.stringify(which)}`);
}
const text = readFileSync(process.argv[2], 'utf8');
let documents = 0;
let tokens = 0;
let start = 0;
while (start < text.length) {
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start) {
    const doc = JSON.parse(text.slice(start, end));
    tokens += encode(doc.text).length;
    documents++;
  }
  start = end + 1;
}
process.stdout.write(JSON.stringify({ tokenizer: which, documents, tokens, seconds: (performance.now() - t0) / 1000 }) + '\n');
