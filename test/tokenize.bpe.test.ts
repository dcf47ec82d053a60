/**
 * The BPE merge of src/tokenize (issue 13, finding 2: one long "word" took quadratic time, 16 s at
 * 160k characters and over 300 s for a 10 MB line of one character).
 *
 * Work is counted, never timed: the rank table counts lookups and the merge counts scan and heap
 * steps, and the bound below is the one merge.ts proves for the heap merge.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRandom } from '../src/random/index.js';
import type { BpeEncoder } from '../src/tokenize/bpe-encoder.js';
import { loadBpe, loadEncoding } from '../src/tokenize/encodings.js';
import { IdList, MergeScratch, SHORT_PIECE_BYTES, mergeLong, mergeShort } from '../src/tokenize/merge.js';

const NAMES = ['o200k', 'cl100k', 'r50k'] as const;
const bpes = new Map<string, BpeEncoder>();
beforeAll(async () => {
  for (const n of NAMES) bpes.set(n, await loadBpe(n));
});

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Lookups + scan steps + heap steps spent encoding `text`. */
function work(bpe: BpeEncoder, text: string): { work: number; ids: Uint32Array } {
  const l0 = bpe.table.lookups;
  const s0 = bpe.scratch.steps;
  const ids = bpe.encode(text);
  return { work: bpe.table.lookups - l0 + (bpe.scratch.steps - s0), ids };
}

const random = createRandom('tokenize.bpe');
const letters = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[random.int(alphabet.length)]).join('');

// Text of one pre-tokenizer piece (or a few) of about n characters, in the shapes that made the old
// encoder quadratic: one repeated letter, random letters, repeated emoji, spaces, punctuation, CJK.
const SHAPES: Record<string, (n: number) => string> = {
  'one letter': (n) => 'a'.repeat(n),
  'random letters': (n) => letters('abcdefghij', n),
  'two letters': (n) => letters('ab', n),
  emoji: (n) => '😀👍🏽'.repeat(Math.ceil(n / 6)),
  spaces: (n) => 'x' + ' '.repeat(n),
  punctuation: (n) => '=-'.repeat(n >> 1),
  CJK: (n) => '日本語の文'.repeat(Math.ceil(n / 5)),
};

describe('long pieces cost O(n log n) work', () => {
  it.each(NAMES)('%s: lookups + scan + heap steps <= n (18 + 6 log2 n) for every shape and size', (name) => {
    const bpe = bpes.get(name)!;
    for (const [shape, make] of Object.entries(SHAPES)) {
      for (const chars of [1 << 10, 1 << 13, 1 << 16]) {
        const text = make(chars);
        const n = utf8Length(text);
        const { work: w, ids } = work(bpe, text);
        // merge.ts: at most 4n lookups (n - 1 pairs, 2 per merge, one per output id, the whole
        // piece) and 2n + 6n (log2 n + 2) heap steps. The old scan did ~n^2/2 steps: at n = 2^16
        // that is 2^31, against this bound's 2^23.
        const bound = n * (18 + 6 * Math.log2(n));
        expect({ shape, chars, ok: w <= bound }).toEqual({ shape, chars, ok: true });
        expect(ids.length).toBeGreaterThan(0);
      }
    }
  });

  it('short pieces go through the scan, long ones through the heap (the scan never sees more than SHORT_PIECE_BYTES)', () => {
    const bpe = bpes.get('o200k')!;
    // A text of many short words: work per byte stays below the scan's per-piece bound.
    const words = Array.from({ length: 5000 }, () => letters('qxzjkv', 2 + random.int(20))).join(' ');
    const { work: w } = work(bpe, words);
    expect(w).toBeLessThanOrEqual((SHORT_PIECE_BYTES + 6) * utf8Length(words));
  });

  it.each(['o200k', 'cl100k'] as const)('%s: a 1,000,000-character word encodes, round-trips and never emits a special id', async (name) => {
    // Regression (issue 13): the old encoder took 16 s at 160k characters, growing as n^2 (about
    // 10 minutes here). The test timeout is a hang guard (60 s; this takes about a second on an
    // idle machine), not a speed assertion: the work bound above is the real check.
    const tok = await loadEncoding(name);
    for (const text of ['a'.repeat(1_000_000), letters('abc', 100_000), '😀'.repeat(25_000)]) {
      const ids = tok.encode(text);
      expect(tok.decode(ids)).toBe(text);
      for (const id of ids) if (tok.specialTokenIds.has(id) || id >= tok.vocabSize) throw new Error(`bad id ${id}`);
    }
  });
});

describe('the heap merge makes the same merges as the scan', () => {
  const o200k = (): BpeEncoder => bpes.get('o200k')!;
  const run = (merge: typeof mergeShort, bytes: Uint8Array): number[] => {
    const out = new IdList(8);
    merge(o200k().table, bytes, bytes.length, out, new MergeScratch());
    return Array.from(out.ids.subarray(0, out.length));
  };

  it('on random byte strings over small alphabets (many ties and nested merges)', () => {
    const alphabets = ['ab', 'abc', 'a b', 'the ', '\xE4\xB8\x80\xE4', '=-_', '0123'];
    fc.assert(
      fc.property(fc.constantFrom(...alphabets), fc.array(fc.nat(), { minLength: 2, maxLength: 400 }), (alphabet, picks) => {
        const bytes = Uint8Array.from(picks, (p) => alphabet.charCodeAt(p % alphabet.length));
        expect(run(mergeLong, bytes)).toEqual(run(mergeShort, bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('on long pieces of real text (code, CJK, emoji) up to 4 KB', () => {
    const enc = new TextEncoder();
    const samples = [
      letters('etaoinshrdlu', 4000),
      '日本語のテキスト中文文本'.repeat(100),
      '👨‍👩‍👧🧑🏿‍💻'.repeat(150),
      'x'.repeat(3000) + 'y'.repeat(1000),
      '\u00e9\u0301'.repeat(1000),
    ];
    for (const s of samples) {
      const bytes = enc.encode(s);
      expect(run(mergeLong, bytes)).toEqual(run(mergeShort, bytes));
    }
  });
});
