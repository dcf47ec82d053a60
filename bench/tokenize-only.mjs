#!/usr/bin/env node
/**
 * The CLI section's baseline: the same JSONL file read and tokenized with gpt-tokenizer's o200k
 * encoder alone, on one thread (read, split lines, JSON.parse, encode the "text" field; no
 * normalization, no scoring). Prints {"documents", "tokens", "seconds"} as JSON. The caller times
 * the whole process, so start-up and loading the encoder count here as they do for the CLI.
 *
 *   node bench/tokenize-only.mjs FILE.jsonl
 */
import { readFileSync } from 'node:fs';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';

const t0 = performance.now();
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
process.stdout.write(JSON.stringify({ documents, tokens, seconds: (performance.now() - t0) / 1000 }) + '\n');
