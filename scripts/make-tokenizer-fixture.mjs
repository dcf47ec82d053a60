#!/usr/bin/env node
// Generates test/fixtures/tokenizer/tiny-bpe/: a small but real GPT-2-style byte-level BPE
// tokenizer in the Hugging Face `tokenizer.json` format, learned by this script from text it
// generates itself (plus its own source), so no third-party vocabulary is copied into the repo.
//
//   node scripts/make-tokenizer-fixture.mjs           write the fixture files
//   node scripts/make-tokenizer-fixture.mjs --check   exit 1 if the committed files differ
//
// This file's own text is part of the training corpus: after editing it, re-run it (the test
// suite runs --check).
//
// Output (all deterministic: same script, same bytes):
//   tokenizer.json         256 byte tokens (ids 0..255 = byte values), MERGES learned merges,
//                          then `<|endoftext|>` as an added special token (the last id)
//   tokenizer_config.json  eos/bos/unk = `<|endoftext|>`, clean_up_tokenization_spaces: true
//                          (so a test can see that the loader turns the clean-up off)
//   expected-ids.json      encodings of sample strings by the naive reference BPE below: an
//                          independent check of whichever library loads tokenizer.json
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MERGES = 400;
const SPECIAL = '<|endoftext|>';
const OUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'tokenizer', 'tiny-bpe');

// GPT-2's pre-tokenization pattern (the Hugging Face ByteLevel pre-tokenizer with use_regex: true).
const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's reversible byte -> printable character table (bytes_to_unicode). */
function byteToChar() {
  const printable = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array(256);
  for (const b of printable) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  return table;
}
const B2C = byteToChar();
const utf8 = new TextEncoder();

/** Splits text into pre-tokens, each an array of byte-level symbols. */
function pretokenize(text) {
  return (text.match(SPLIT) ?? []).map((piece) => Array.from(utf8.encode(piece), (b) => B2C[b]));
}

/** mulberry32: a tiny seeded PRNG, so the generated corpus is the same on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generated prose: common English words, some accented Latin, Greek, Cyrillic, CJK, digits, emoji. */
function generateCorpus() {
  const words = (
    'the of and to in a is that for it as was with be by on not he this are or his from at which ' +
    'but have an they you were their one all we can her has there been if more when will would who ' +
    'so no model token text water mark green list detector sample language signal random key secret ' +
    'value number window context score test corpus every other people time year work first after ' +
    "don't it's we're they've I'm you'll she'd"
  ).split(' ');
  const foreign = 'café naïve über straße déjà año niño façade smörgåsbord λόγος μέτρο слово текст 日本語 文字 東京 한국어 😀 🚀'.split(' ');
  const punct = [',', ',', '.', '.', '.', ';', ':', '!', '?', ' -', ' (', ')'];
  const rand = prng(0x5eed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const out = [];
  for (let s = 0; s < 1500; s++) {
    const n = 4 + Math.floor(rand() * 12);
    const sentence = [];
    for (let i = 0; i < n; i++) {
      const r = rand();
      let w = r < 0.9 ? pick(words) : r < 0.96 ? pick(foreign) : String(Math.floor(rand() * 2000));
      if (i === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
      sentence.push(w);
      if (i < n - 1 && rand() < 0.08) sentence.push(pick(punct));
    }
    out.push(sentence.join(' ').replace(/ ([,.;:!?)])/g, '$1') + pick(['.', '.', '.', '?', '!']));
    out.push(rand() < 0.1 ? '\n\n' : ' ');
  }
  return out.join('');
}

/** Learns `count` merges: the most frequent adjacent pair each round, ties by code-unit order. */
function train(text, count) {
  const freq = new Map();
  for (const word of pretokenize(text)) {
    const k = word.join('\u0000');
    freq.set(k, (freq.get(k) ?? 0) + 1);
  }
  const words = [...freq].map(([k, n]) => ({ syms: k.split('\u0000'), n }));
  const merges = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map();
    for (const { syms, n } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] + '\u0000' + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + n);
      }
    }
    let best = null;
    let bestN = 0;
    for (const [k, n] of pairs) if (n > bestN || (n === bestN && k < best)) [best, bestN] = [k, n];
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    for (const w of words) w.syms = mergeAll(w.syms, a, b);
  }
  return merges;
}

function mergeAll(syms, a, b) {
  const out = [];
  for (let i = 0; i < syms.length; i++) {
    if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
      out.push(a + b);
      i++;
    } else out.push(syms[i]);
  }
  return out;
}

/** The naive reference encoder: per pre-token, merge the lowest-ranked adjacent pair until none. */
function referenceEncode(text, ranks, vocab) {
  const ids = [];
  for (let syms of pretokenize(text)) {
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < syms.length; i++) {
        const r = ranks.get(syms[i] + '\u0000' + syms[i + 1]);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      syms = mergeAll(syms, syms[best], syms[best + 1]);
    }
    for (const s of syms) ids.push(vocab[s]);
  }
  return ids;
}

function build() {
  const corpus = generateCorpus() + '\n' + readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const merges = train(corpus, MERGES);
  const vocab = {};
  B2C.forEach((c, b) => (vocab[c] = b));
  let next = 256;
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = next++;
  const specialId = next;
  vocab[SPECIAL] = specialId; // GPT-2 keeps its special token in the model vocabulary too
  const byteLevel = { add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: specialId, content: SPECIAL, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', ...byteLevel },
    post_processor: { type: 'ByteLevel', ...byteLevel, trim_offsets: false },
    decoder: { type: 'ByteLevel', ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const config = {
    add_bos_token: false,
    add_prefix_space: false,
    bos_token: SPECIAL,
    eos_token: SPECIAL,
    unk_token: SPECIAL,
    clean_up_tokenization_spaces: true,
    model_max_length: 1024,
    tokenizer_class: 'GPT2Tokenizer',
  };
  const ranks = new Map(merges.map(([a, b], i) => [a + '\u0000' + b, i]));
  const samples = [
    'hello world',
    'The model and the detector share a secret key.',
    "Don't stop: it's 2024, we're here!",
    'café naïve über straße — λόγος слово 日本語 😀',
    'tabs\tand\n\nnewlines   with   spaces ',
    'text with <|endoftext|> inside',
    "spaces before punctuation , which clean-up would eat . It 's kept !",
  ];
  const expected = {
    note: 'Encodings by the naive reference BPE in scripts/make-tokenizer-fixture.mjs (no special-token matching).',
    vocabSize: specialId + 1,
    endOfTextId: specialId,
    cases: samples.map((text) => ({ text, ids: referenceEncode(text, ranks, vocab) })),
  };
  // Compact JSON with one merge / vocab entry per line keeps the file small and diffable.
  const json = (o) => JSON.stringify(o, null, 1).replace(/\[\n\s*("[^"\n]*"),\n\s*("[^"\n]*")\n\s*\]/g, '[$1, $2]') + '\n';
  return {
    'tokenizer.json': json(tokenizer),
    'tokenizer_config.json': JSON.stringify(config, null, 2) + '\n',
    'expected-ids.json': JSON.stringify(expected, null, 2).replace(/\[\n\s+([\d,\s]+?)\n\s+\]/g, (_, xs) => `[${xs.replace(/\s+/g, ' ')}]`) + '\n',
  };
}

const files = build();
if (process.argv.includes('--check')) {
  let stale = 0;
  for (const [name, text] of Object.entries(files)) {
    let old = null;
    try {
      old = readFileSync(join(OUT_DIR, name), 'utf8');
    } catch {
      /* missing */
    }
    if (old !== text) {
      console.error(`stale: ${join(OUT_DIR, name)} (run node scripts/make-tokenizer-fixture.mjs)`);
      stale++;
    }
  }
  process.exit(stale === 0 ? 0 : 1);
} else {
  mkdirSync(OUT_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(OUT_DIR, name), text);
    console.log(`wrote ${join(OUT_DIR, name)} (${text.length} chars)`);
  }
}
