/**
 * The bundled encodings against the reference: tiktoken's WebAssembly build (OpenAI's Rust code,
 * devDependency `tiktoken`), `encode_ordinary`. Ids must be identical on a mixed corpus, on the
 * characters where JavaScript's and Rust's regular expressions disagree, on long pieces, and on a
 * sample of every Unicode code point (the full sweep, 1.1M code points per encoding, agreed too
 * when the encoder was written; the sample keeps this under a minute).
 */
import { get_encoding, type Tiktoken } from 'tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../src/random/index.js';
import { loadEncoding, type EncodingName } from '../src/tokenize/encodings.js';
import type { Tokenizer } from '../src/tokenize/index.js';
import { mixedCorpus } from './tokenize-corpus.js';

const NAMES: EncodingName[] = ['o200k', 'cl100k', 'r50k', 'p50k'];
const ours = new Map<string, Tokenizer>();
const refs = new Map<string, Tiktoken>();
beforeAll(async () => {
  for (const n of NAMES) {
    ours.set(n, await loadEncoding(n));
    refs.set(n, get_encoding(`${n}_base`));
  }
});
afterAll(() => {
  for (const r of refs.values()) r.free();
});

/** Index of the first text whose ids differ, with both id lists there; undefined when all agree. */
function firstMismatch(name: string, texts: readonly string[]): { index: number; text: string; ours: number[]; ref: number[] } | undefined {
  const t = ours.get(name)!;
  const r = refs.get(name)!;
  for (let i = 0; i < texts.length; i++) {
    const a = t.encode(texts[i]!);
    const b = r.encode_ordinary(texts[i]!);
    if (a.length !== b.length || a.some((x, j) => x !== b[j])) return { index: i, text: texts[i]!.slice(0, 200), ours: Array.from(a), ref: Array.from(b) };
  }
  return undefined;
}

const EDGE = [
  '',
  'x \n ',
  ' \n \n ',
  'x\t\t\n',
  '  \r\n  x',
  'a\u0085b',
  'a \u0085\u0085 b',
  '\ufeff',
  '!\ufeff?',
  'x\ufeff y',
  "it'ſ IT'S we'Re they'LL",
  "don't DON'T",
  'a\ud800b',
  '\udc00\ud800',
  '<|endoftext|><|im_start|><|endofprompt|>',
  '    def f(x):\n        return x\n',
  '1234567 3.14159 1,000,000',
  'x'.repeat(3000),
  'abc'.repeat(1000) + ' ' + '日本'.repeat(800),
];

describe.each(NAMES)('%s is identical to tiktoken', (name) => {
  it('on edge cases (U+FEFF, U+0085, the long s, trailing whitespace, lone surrogates, long pieces)', () => {
    expect(firstMismatch(name, EDGE)).toBeUndefined();
  });

  it('on a mixed corpus (code, prose, CJK, Korean, emoji, other scripts)', () => {
    expect(firstMismatch(name, mixedCorpus('tokenize.ref', 120, 60))).toBeUndefined();
  });

  it('on a sample of all code points, each in several contexts', () => {
    const random = createRandom(`tokenize.ref.codepoints.${name}`);
    const texts: string[] = [];
    for (let cp = random.int(101); cp <= 0x10ffff; cp += 1 + random.int(200)) {
      if (cp >= 0xd800 && cp < 0xe000) continue;
      const c = String.fromCodePoint(cp);
      texts.push(`a${c}b ${c}${c}x'${c} 1${c}\n${c} `);
    }
    expect(firstMismatch(name, texts)).toBeUndefined();
  });
});
