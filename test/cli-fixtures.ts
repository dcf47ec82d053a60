import type { Watermark } from '../src/index.js';
import type { Tokenizer } from '../src/tokenize/index.js';

/**
 * Test corpora for the detect command, generated at run time (nothing secret is committed): a
 * "writer" composes text word by word from a fixed word list. A watermarked writer picks, among a
 * few random candidate words, the one that makes the most green tokens after the text so far;
 * a clean writer picks at random. Words are whole pre-tokens (a leading space and letters), so
 * re-tokenizing the text reproduces the writer's ids exactly (checked by the tests).
 */

export const WORDS = (
  'the of and to in is was for on that with as by at from his her they this which are be had not but ' +
  'one all were an their there been has when who will more no if out so said what up its about into ' +
  'than them can only other new some time could these two may then do first any my now such like our ' +
  'over man me even most made after also did many before must through back years where much your way ' +
  'well down should because each just those people how too little state good very make world still own ' +
  'see men work long get here between both life being under never day same another know while last might ' +
  'us great old year off come since against go came right used take three house water light river stone ' +
  'garden winter summer morning evening window letter music story mountain forest city road market school ' +
  'table paper bread apple silver golden quiet bright simple gentle careful sudden narrow distant ancient'
).split(' ');

/** A small deterministic PRNG (LCG) so fixtures are reproducible. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** One generated document: its text and the ids the tokenizer gives it. */
export interface Doc {
  prompt: string;
  text: string;
  ids: number[];
  promptIds: number[];
}

/**
 * Writes `docs` documents of `words` words each.
 *
 * @param tok - the tokenizer (its ids define the windows)
 * @param wm - the watermark (green lists); only used when `marked`
 * @param opts - counts, seed, and whether to favour green words
 */
export function writeCorpus(
  tok: Tokenizer,
  wm: Watermark,
  opts: { docs: number; words: number; marked: boolean; seed: number; candidates?: number },
): Doc[] {
  const rand = rng(opts.seed);
  const h = wm.config.contextWidth;
  const pieces = new Map<string, number[]>();
  const idsOf = (w: string): number[] => {
    let v = pieces.get(w);
    if (!v) pieces.set(w, (v = Array.from(tok.encode(` ${w}`))));
    return v;
  };
  const out: Doc[] = [];
  for (let d = 0; d < opts.docs; d++) {
    const promptWords = Array.from({ length: 6 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
    const ids: number[] = [];
    const words: string[] = [];
    for (let i = 0; i < opts.words; i++) {
      const cands = Array.from({ length: opts.candidates ?? 6 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
      let pick = cands[0]!;
      if (opts.marked) {
        let best = -1;
        for (const c of cands) {
          const ctx = ids.slice();
          let g = 0;
          for (const t of idsOf(c)) {
            if (ctx.length >= h && wm.isGreen(ctx, t)) g++;
            ctx.push(t);
          }
          if (g > best) {
            best = g;
            pick = c;
          }
        }
      }
      words.push(pick);
      ids.push(...idsOf(pick));
    }
    const prompt = promptWords.join(' ');
    out.push({ prompt, text: words.map((w) => ` ${w}`).join(''), ids, promptIds: Array.from(tok.encode(prompt)) });
  }
  return out;
}

/** JSONL text of documents (`prompt`, `text`). */
export function toJsonl(docs: Doc[], field = 'text'): string {
  return docs.map((d) => JSON.stringify({ prompt: d.prompt, [field]: d.text })).join('\n') + '\n';
}

/** Pre-tokenized JSONL (`tokens`, `prompt_tokens`). */
export function toTokensJsonl(docs: Doc[]): string {
  return docs.map((d) => JSON.stringify({ prompt_tokens: d.promptIds, tokens: d.ids })).join('\n') + '\n';
}
