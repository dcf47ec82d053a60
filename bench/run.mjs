#!/usr/bin/env node
/**
 * radiomark's hot-path benchmark (issue 7). `npm run bench` builds, then runs this file: it prints
 * a table and writes bench/results.json (machine, Node, date, every figure). Every figure is a
 * ratio to a baseline measured in the same run on the same data (bench/lib/harness.mjs: paired,
 * alternating rounds with the `benchmark` package), plus absolute times.
 *
 *   node bench/run.mjs [--quick] [--no-cli] [--cli-mb N] [--markdown] [--out FILE]
 *
 * --quick: fewer rounds and a 5 MB CLI corpus (for iterating; not for the README).
 * --markdown: also print the table as Markdown (docs/speed.md).
 *
 * The library is loaded from dist/ (what users run); a subpath that is not built yet (e.g. the
 * detector before it has a dist entry) is loaded from src/ through tsx, and results.json says which.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fmtTime, median, measure, paired } from './lib/harness.mjs';
import { tokenizerFigures } from './tokenizers.mjs';
import { LOGITS_GENERATOR, TEXT_GENERATOR, contexts, generateCorpus, llmLogits, prng, wordNetGlosses } from './lib/data.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const QUICK = flag('--quick');
const CHILD = opt('--child', null);
const CLI_MB = Number(opt('--cli-mb', QUICK ? 2 : 50));
const OUT = opt('--out', join(root, 'bench', 'results.json'));
const ROUNDS = QUICK ? 1 : 5;
const MAX_TIME = QUICK ? 0.04 : 0.3;
const VOCABS = [32000, 128256, 262144];

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const log = (s) => process.stderr.write(s + '\n');

// ---------------------------------------------------------------------------------------------
// The library

async function load(dist, src) {
  const d = join(root, dist);
  if (existsSync(d)) return { mod: await import(d), from: dist };
  const s = join(root, src);
  if (!existsSync(s)) return { mod: null, from: null };
  const { tsImport } = await import('tsx/esm/api');
  return { mod: await tsImport(s, import.meta.url), from: `${src} (tsx: no dist entry yet)` };
}

const core = await load('dist/index.js', 'src/index.ts');
if (core.mod === null) throw new Error('bench: dist/index.js is missing; run `npm run build` first');
const { createWatermark, createGreenList, keyFromBytes } = core.mod;
const KEY_BYTES = Uint8Array.from({ length: 32 }, (_, i) => (i * 73 + 19) & 255);
const key = keyFromBytes(KEY_BYTES);

/** The plain max pass every bias figure is compared with. */
function maxPass(a) {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v > m) m = v;
  }
  return m;
}

let sink = 0;
const rows = [];
const add = (row) => {
  // Every figure carries the 1-minute load average when it was recorded (the machine is shared).
  row.loadAverage ??= Number(os.loadavg()[0].toFixed(2));
  rows.push(row);
  const r = row.ratio === undefined ? '' : ` ratio ${row.ratio.toPrecision(3)}`;
  log(`  ${row.section} | ${row.figure}: ${row.value ?? fmtTime(row.time)}${r}`);
};
const vLabel = (V) => `V = ${V.toLocaleString('en-US')}`;

// ---------------------------------------------------------------------------------------------
// Bias and sampling, per vocabulary size

function biasFigures(V, { kernelsNote = '', kernels = 'auto' } = {}) {
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2, kernels });
  const gl0 = wm.greenList;
  const logits = llmLogits(V, V);
  const ctxs = contexts(64, 8, V, V + 1);
  let i = 0;
  const base = () => {
    sink += maxPass(logits);
  };
  const r = paired(() => {
    wm.bias(logits, ctxs[i++ & 63]);
  }, base, { rounds: ROUNDS, maxTime: MAX_TIME });
  add({
    section: vLabel(V),
    figure: `bias, full vocabulary${kernelsNote}`,
    baseline: 'plain max pass over the same logits',
    time: r.target,
    baselineTime: r.baseline,
    ratio: r.ratio,
    ratios: r.ratios,
    // Issue 15, target 3: on the one-pass kernels, <= 0.5 of a max pass at V >= 128k (WASM SIMD).
    target: V >= 128000 && gl0.backend === 'wasm-simd' ? '<= 0.5' : '<= 2',
    met: r.ratio <= (V >= 128000 && gl0.backend === 'wasm-simd' ? 0.5 : 2),
    backend: wm.greenList.backend,
  });
  const gl = wm.greenList;
  const seed = new Uint32Array(3);
  gl.seedWindow(ctxs[0], 8, seed, 0);
  const k = paired(() => {
    gl.addGreen(seed, 0, logits, 0, 0);
  }, base, { rounds: ROUNDS, maxTime: MAX_TIME });
  add({
    section: vLabel(V),
    figure: `  of which the addGreen kernel${kernelsNote}`,
    baseline: 'plain max pass over the same logits',
    time: k.target,
    baselineTime: k.baseline,
    ratio: k.ratio,
    ratios: k.ratios,
    backend: gl.backend,
  });
  if (typeof gl.addGreenChecked === 'function') {
    let j = 0;
    const c = paired(() => {
      const ctx = ctxs[j++ & 63];
      gl.seedWindow(ctx, ctx.length, seed, 0);
      if (gl.addGreenChecked(seed, 0, logits, 0, 2) >= 0) throw new Error('NaN');
    }, base, { rounds: ROUNDS, maxTime: MAX_TIME });
    add({
      section: vLabel(V),
      figure: `  one-pass bias: seedWindow + addGreenChecked (NaN check included)${kernelsNote}`,
      baseline: 'plain max pass over the same logits',
      time: c.target,
      baselineTime: c.baseline,
      ratio: c.ratio,
      ratios: c.ratios,
      backend: gl.backend,
      note: 'the kernel wm.bias calls (wm.bias adds only its argument checks)',
    });
  }
  return wm;
}

function sampleFigures(V, wm) {
  const logits = llmLogits(V, V);
  const ctxs = contexts(64, 8, V, V + 2);
  const noWindow = [];
  // One options shape for both (the sampler's documented advice), watermarked or not.
  for (const [label, options, target, limit] of [
    ['sample, temperature 0.7, top-k 50, top-p 0.95', { temperature: 0.7, topK: 50, topP: 0.95 }, '<= 1.10', 1.1],
    ['sample, temperature 1, no truncation', { temperature: 1, topK: undefined, topP: 1 }, '<= 1.5', 1.5],
  ]) {
    let i = 0;
    const r = paired(
      () => {
        sink += wm.sample(logits, ctxs[i++ & 63], options);
      },
      () => {
        sink += wm.sample(logits, noWindow, options);
      },
      { rounds: ROUNDS, maxTime: MAX_TIME },
    );
    add({
      section: vLabel(V),
      figure: label,
      baseline: 'the same sampler, no watermark (context shorter than contextWidth)',
      time: r.target,
      baselineTime: r.baseline,
      ratio: r.ratio,
      ratios: r.ratios,
      target,
      met: r.ratio <= limit,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Batched bias and sessions (V = 128,256)

function batchFigure() {
  const V = 128256;
  const B = 32;
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });
  const buf = new Float32Array(B * V);
  for (let b = 0; b < B; b++) buf.set(llmLogits(V, 1000 + b), b * V);
  const rowsOf = Array.from({ length: B }, (_, b) => buf.subarray(b * V, (b + 1) * V));
  const ctxs = contexts(B, 8, V, 77);
  const r = paired(
    () => {
      wm.biasBatch(buf, ctxs);
    },
    () => {
      for (let b = 0; b < B; b++) wm.bias(rowsOf[b], ctxs[b]);
    },
    { rounds: ROUNDS, maxTime: QUICK ? 0.1 : Math.max(MAX_TIME, 0.5) },
  );
  add({
    section: vLabel(V),
    figure: 'biasBatch on [32 x 128,256]',
    baseline: '32 single bias calls on the same rows',
    time: r.target,
    baselineTime: r.baseline,
    ratio: r.ratio,
    ratios: r.ratios,
    target: '<= 1.1',
    met: r.ratio <= 1.1,
  });
  const perRow = paired(
    () => {
      wm.biasBatch(buf, ctxs);
    },
    () => {
      for (let b = 0; b < B; b++) sink += maxPass(rowsOf[b]);
    },
    { rounds: ROUNDS, maxTime: QUICK ? 0.1 : Math.max(MAX_TIME, 0.5) },
  );
  add({
    section: vLabel(V),
    figure: 'biasBatch on [32 x 128,256], per row',
    baseline: '32 plain max passes over the same rows',
    time: perRow.target / B,
    baselineTime: perRow.baseline / B,
    ratio: perRow.ratio,
    ratios: perRow.ratios,
    target: wm.greenList.backend === 'wasm-simd' ? '<= 0.5' : undefined,
    met: wm.greenList.backend === 'wasm-simd' ? perRow.ratio <= 0.5 : undefined,
  });
  const gl = wm.greenList;
  if (typeof gl.addGreenRows === 'function') {
    const seeds = new Uint32Array(3 * B);
    const active = new Uint8Array(B).fill(1);
    const r2 = paired(
      () => {
        for (let b = 0; b < B; b++) gl.seedWindow(ctxs[b], 8, seeds, 3 * b);
        if (gl.addGreenRows(seeds, active, buf, B, 2) >= 0) throw new Error('NaN');
      },
      () => {
        for (let b = 0; b < B; b++) {
          gl.seedWindow(ctxs[b], 8, seeds, 0);
          if (gl.addGreenChecked(seeds, 0, rowsOf[b], 0, 2) >= 0) throw new Error('NaN');
        }
      },
      { rounds: ROUNDS, maxTime: QUICK ? 0.1 : Math.max(MAX_TIME, 0.5) },
    );
    add({
      section: vLabel(V),
      figure: '  addGreenRows on [32 x 128,256] (all or nothing)',
      baseline: '32 x (seedWindow + addGreenChecked) on the same rows',
      time: r2.target,
      baselineTime: r2.baseline,
      ratio: r2.ratio,
      ratios: r2.ratios,
      note: 'the one-pass kernels biasBatch and bias can adopt; all-or-nothing keeps each row original in scratch',
    });
  }
}

function sessionFigure() {
  const V = 128256;
  const T = 1000;
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });
  const rnd = prng(5);
  const toks = Int32Array.from({ length: T }, () => Math.floor(rnd() * V));
  const s = wm.session({ prompt: [1, 2] });
  const prompt = { prompt: [1, 2] };
  const out = new Uint32Array(3);
  const logits = llmLogits(V, V);
  const r = paired(
    () => {
      s.reset(prompt);
      for (let j = 0; j < T; j++) {
        if (s.stepSeed(out, 0)) sink += out[0];
        s.accept(toks[j]);
      }
    },
    () => {
      for (let j = 0; j < T; j++) sink += j;
      sink += maxPass(logits);
    },
    { rounds: ROUNDS, maxTime: MAX_TIME },
  );
  add({
    section: vLabel(V),
    figure: 'session bookkeeping per token (stepSeed + accept, masking on)',
    baseline: 'one plain max pass over 128,256 logits (per token)',
    time: r.target / T,
    baselineTime: r.baseline,
    ratio: r.target / T / r.baseline,
    ratios: r.ratios.map((x) => x / T),
    note: 'window slide, BLAKE3 seed, used-window lookup and insert; 1,000-token generations',
  });
  // Issue 15, target 3: session.bias on the one-pass kernel, per step.
  let j = 0;
  const b = paired(
    () => {
      if (j % T === 0) s.reset(prompt);
      s.bias(logits);
      s.accept(toks[j++ % T]);
    },
    () => {
      sink += maxPass(logits);
    },
    { rounds: ROUNDS, maxTime: MAX_TIME },
  );
  const simd = wm.greenList.backend === 'wasm-simd';
  add({
    section: vLabel(V),
    figure: 'session.bias + accept, per step',
    baseline: 'one plain max pass over the same logits',
    time: b.target,
    baselineTime: b.baseline,
    ratio: b.ratio,
    ratios: b.ratios,
    target: simd ? '<= 0.5' : undefined,
    met: simd ? b.ratio <= 0.5 : undefined,
  });
}

async function transformersFigure() {
  const adapter = await load('dist/adapters/transformers.js', 'src/adapters/transformers.ts');
  if (adapter.mod === null) {
    add({ section: vLabel(128256), figure: 'radiomark/transformers processor per step', value: 'skipped: the adapter has not landed', skipped: true });
    return;
  }
  const tf = await import('@huggingface/transformers');
  const V = 128256;
  const Processor = adapter.mod.WatermarkLogitsProcessor;
  if (Processor === undefined) {
    add({ section: vLabel(V), figure: 'radiomark/transformers processor per step', value: `skipped: no known export in ${adapter.from}`, skipped: true });
    return;
  }
  const wm = createWatermark({ key, vocabSize: V, gamma: 0.25, delta: 2, contextWidth: 2 });
  const proc = new Processor(wm);
  const data = llmLogits(V, V);
  const tensor = new tf.Tensor('float32', data, [1, V]);
  // A generation as generate() drives it: input_ids grows by one token per step (a new array,
  // i.e. a new generate() call, every 1,000 steps).
  const prompt = contexts(1, 16, V, 9)[0].map((x) => BigInt(x));
  const rnd = prng(11);
  let ids = [prompt.slice()];
  // transformers.js 4.3's TopKLogitsWarper has no _call (its sampler runs `topk` itself), so the
  // baseline is that per-step top-k on the same tensor, as generate() runs it.
  const r = await pairedAsync(
    async () => {
      if (ids[0].length >= prompt.length + 1000) ids = [prompt.slice()];
      proc._call(ids, tensor);
      ids[0].push(BigInt(Math.floor(rnd() * V)));
    },
    async () => {
      await tf.topk(tensor, 50);
    },
  );
  add({
    section: vLabel(V),
    figure: 'radiomark/transformers processor per step',
    baseline: "transformers.js's per-step top-k (topk(logits, 50), what its sampler runs)",
    time: r.target,
    baselineTime: r.baseline,
    ratio: r.ratio,
    ratios: r.ratios,
    from: adapter.from,
  });
  // Issue 15, target 3: the processor on the one-pass kernels, against a max pass over the same logits.
  const m = await pairedAsync(
    async () => {
      if (ids[0].length >= prompt.length + 1000) ids = [prompt.slice()];
      proc._call(ids, tensor);
      ids[0].push(BigInt(Math.floor(rnd() * V)));
    },
    async () => {
      sink += maxPass(data);
    },
  );
  const simd = wm.greenList.backend === 'wasm-simd';
  add({
    section: vLabel(V),
    figure: 'radiomark/transformers processor per step, against a max pass',
    baseline: 'one plain max pass over the same logits',
    time: m.target,
    baselineTime: m.baseline,
    ratio: m.ratio,
    ratios: m.ratios,
    target: simd ? '<= 0.5' : undefined,
    met: simd ? m.ratio <= 0.5 : undefined,
  });
}

async function pairedAsync(target, baseline) {
  const t = [];
  const b = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const [into, fn] of r % 2 === 0 ? [[b, baseline], [t, target]] : [[t, target], [b, baseline]]) {
      for (let w = 0; w < 5; w++) await fn();
      const times = [];
      const end = performance.now() + MAX_TIME * 1000;
      while (performance.now() < end || times.length < 5) {
        const t0 = performance.now();
        await fn();
        times.push((performance.now() - t0) / 1000);
      }
      into.push(median(times));
    }
  }
  const ratios = t.map((x, i) => x / b[i]);
  return { target: median(t), baseline: median(b), ratio: median(ratios), ratios };
}

// ---------------------------------------------------------------------------------------------
// Detection on pre-tokenized input

/** The WordNet glosses tokenized with radiomark's o200k, 8 glosses per document. */
async function glossDocuments() {
  const { loadEncoding } = await import(join(root, 'dist', 'tokenize', 'index.js'));
  const tok = await loadEncoding('o200k');
  log('  tokenizing the WordNet glosses with o200k (pre-tokenized detection corpus) ...');
  const glosses = wordNetGlosses();
  const docs = [];
  for (let i = 0; i < glosses.length; i += QUICK ? 32 : 8) docs.push(tok.encode(glosses.slice(i, i + 8).join('\n')));
  return docs;
}

/**
 * Issue 15's detection workload: `positions` uniform random ids at V in documents of 500, half of
 * them a second copy of the first half (so 50% of the (window, token) pairs repeat), seeded.
 */
function repeatedCorpus(positions, V) {
  const rnd = prng(15);
  const half = [];
  for (let n = 0; n < positions / 2; n += 500) half.push(Uint32Array.from({ length: 500 }, () => Math.floor(rnd() * V)));
  return half.concat(half.map((d) => d.slice()));
}

/** One detector.add figure: all of `docs` through a fresh detector, against greenAt alone. */
function detectorRow(section, figure, docs, makeDetector, gl, h, target, note) {
  const positions = docs.reduce((a, d) => a + d.length, 0);
  let maxLen = 0;
  for (const d of docs) maxLen = Math.max(maxLen, d.length);
  const ends = Int32Array.from({ length: maxLen }, (_, i) => i + h);
  const flags = new Uint8Array(maxLen);
  const floor = () => {
    for (const d of docs) if (d.length > h) gl.greenAt(d, d, ends, d.length - h, flags);
  };
  const pass = () => {
    const det = makeDetector();
    for (const d of docs) det.add(d);
    sink += det.result().scored;
  };
  const r = paired(pass, floor, { rounds: QUICK ? 1 : 2, maxTime: QUICK ? 0.2 : 2, minSamples: QUICK ? 1 : 2 });
  // CPU time of one more pass: on a shared machine it is the fairer per-core figure.
  const c0 = process.cpuUsage();
  pass();
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  add({
    section,
    figure,
    value: `${(positions / r.target / 1e6).toFixed(2)} M/s (${(positions / cpu / 1e6).toFixed(2)} M/s of CPU time)`,
    baseline: 'greenAt over every position (the scheme alone: no rules, no dedup)',
    time: r.target / positions,
    baselineTime: r.baseline / positions,
    ratio: r.ratio,
    ratios: r.ratios,
    rate: positions / r.target,
    cpuRate: positions / cpu,
    target: target ? '>= 10 M/s per core' : undefined,
    met: target ? positions / r.target >= 1e7 : undefined,
    corpus: `${note}: ${docs.length.toLocaleString('en-US')} documents, ${positions.toLocaleString('en-US')} positions`,
  });
  return r.target / positions;
}

/** Target 4: scoring a 16-cohort key family against one key, per position, same corpus. */
function familyRow(section, docs, createDetector, V, h) {
  const family = typeof core.mod.createKeyFamily === 'function' ? core.mod.createKeyFamily(key, { cohorts: 16 }) : undefined;
  let probe;
  try {
    probe = family && createDetector({ key: family, vocabSize: V, gamma: 0.25, contextWidth: h });
  } catch (e) {
    probe = undefined;
    log(`  key families: createDetector refused a family (${e.message.slice(0, 120)})`);
  }
  if (!probe) {
    add({ section, figure: 'key family, 16 cohorts: detector.add per position', value: 'skipped: family scoring has not landed in createDetector', skipped: true });
    return;
  }
  const pass = (k) => () => {
    const det = createDetector({ key: k, vocabSize: V, gamma: 0.25, contextWidth: h });
    for (const d of docs) det.add(d);
    sink += det.result().scored;
  };
  const r = paired(pass(family), pass(key), { rounds: QUICK ? 1 : 2, maxTime: QUICK ? 0.2 : 2, minSamples: QUICK ? 1 : 2 });
  add({
    section,
    figure: 'key family, 16 cohorts: detector.add per position',
    value: `${fmtTime(r.target / docs.reduce((a, d) => a + d.length, 0))} per position`,
    baseline: 'the same detector with one key (dedup on)',
    time: r.target,
    baselineTime: r.baseline,
    ratio: r.ratio,
    ratios: r.ratios,
    target: '<= 4',
    met: r.ratio <= 4,
  });
}

/** Dedup memory: growth of ArrayBuffer memory while `docs` are added, per unique pair. */
function memoryRow(section, docs, createDetector, V, h) {
  gc();
  const det = createDetector({ key, vocabSize: V, gamma: 0.25, contextWidth: h });
  gc();
  // `external`, not `arrayBuffers`: the deduplication table lives in a WebAssembly.Memory (it grows
  // in place), which Node counts in `external` only (`arrayBuffers` is part of `external`).
  const a0 = process.memoryUsage().external;
  for (const d of docs) det.add(d);
  gc();
  const a1 = process.memoryUsage().external;
  const unique = det.result().scored;
  const perPair = (a1 - a0) / unique;
  add({
    section,
    figure: 'dedup set: bytes per unique pair',
    value: `${perPair.toFixed(1)} B (${unique.toLocaleString('en-US')} pairs, ${((a1 - a0) / 2 ** 20).toFixed(1)} MiB)`,
    bytesPerPair: perPair,
    uniquePairs: unique,
    target: '<= 16',
    met: perPair <= 16,
    note: 'growth of process.memoryUsage().external while the corpus is added (the set in its WebAssembly memory, per-document counters and scratch)',
  });
}

async function detectionFigures() {
  const detect = await load('dist/detect/index.js', 'bench/lib/src-detect.ts');
  if (detect.mod === null || !detect.from.startsWith('dist')) {
    add({ section: 'detection', figure: 'detector', value: 'skipped: dist/detect is missing', skipped: true });
    return;
  }
  const { createDetector } = detect.mod;
  const V = 200019;
  const h = 2;
  const gl = createGreenList({ key, gamma: 0.25, contextWidth: h, vocabSize: V });
  const make = (dedup) => () => createDetector({ key, vocabSize: V, gamma: 0.25, contextWidth: h, dedup });
  const synthetic = repeatedCorpus(QUICK ? 1e6 : 1e7, V);
  const section = 'detection (V = 200,019, contextWidth 2)';
  const note = 'uniform random ids, 50% of the positions a second copy of the first half';
  detectorRow(section, `detector.add, dedup on, ${QUICK ? '10^6' : '10^7'} positions (50% repeats)`, synthetic, make(true), gl, h, true, note);
  memoryRow(section, synthetic, createDetector, V, h);
  const docs = await glossDocuments();
  const real = 'WordNet 3.1 glosses tokenized with radiomark o200k, 8 per document';
  detectorRow(section, 'detector.add, dedup on, real English (WordNet glosses)', docs, make(true), gl, h, false, real);
  detectorRow(section, 'detector.add, dedup off, real English (WordNet glosses)', docs, make(false), gl, h, false, real);
  familyRow(section, docs, createDetector, V, h);
}

// ---------------------------------------------------------------------------------------------
// CLI end to end

/** Spawns one timed child process (CPU time and peak RSS from bench/lib/cpu-report.mjs). */
function timedRun(args, cpuFile) {
  const preload = pathToFileURL(join(root, 'bench', 'lib', 'cpu-report.mjs')).href;
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['--import', preload, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, RADIOMARK_BENCH_CPU: cpuFile },
  });
  const seconds = (performance.now() - t0) / 1000;
  if (p.status !== 0) throw new Error(`bench: ${args.join(' ')} exited ${p.status}: ${p.stderr.slice(0, 2000)}`);
  const { cpuSeconds, maxRssMiB } = JSON.parse(readFileSync(cpuFile, 'utf8'));
  return { seconds, cpuSeconds, maxRssMiB, load, stdout: p.stdout };
}

/** Runs every variant `reps` times in alternating order; returns per-variant runs and medians. */
function runVariants(variants, cpuFile, reps) {
  const runs = Object.fromEntries(variants.map(([k]) => [k, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const [k, args] of rep % 2 === 0 ? variants : [...variants].reverse()) {
      log(`  ${k} (${rep + 1}/${reps}, load ${os.loadavg()[0].toFixed(2)}) ...`);
      runs[k].push(timedRun(args, cpuFile));
    }
  }
  const med = (k, f) => median(runs[k].map(f));
  const t = Object.fromEntries(variants.map(([k]) => [k, med(k, (r) => r.seconds)]));
  const c = Object.fromEntries(variants.map(([k]) => [k, med(k, (r) => r.cpuSeconds)]));
  return { runs, t, c };
}

/**
 * The 1-minute load average above which `--threads` scaling is not measured: with another job on
 * the second core, two threads cannot beat one by 1.7x. The bench's own process counts about 1.
 */
const BUSY_LOAD = os.cpus().length - 0.5;

function cliFigures(fastestExact) {
  const main = join(root, 'dist', 'bin', 'radiomark.js');
  if (!existsSync(main)) {
    add({ section: 'CLI', figure: 'radiomark detect', value: 'skipped: dist/bin/radiomark.js is missing', skipped: true });
    return;
  }
  const help = spawnSync(process.execPath, [main, 'detect', '--help'], { encoding: 'utf8' });
  if (help.status !== 0 || !/--tokenizer/.test(help.stdout)) {
    add({ section: 'CLI', figure: 'radiomark detect', value: 'skipped: the detect command has not landed', skipped: true });
    return;
  }
  const threads = /--threads/.test(help.stdout);
  const dir = mkdtempSync(join(os.tmpdir(), 'radiomark-bench-'));
  try {
    log(`  generating ${CLI_MB} MB of text (${TEXT_GENERATOR}) ...`);
    const { jsonl, documents, textBytes } = generateCorpus(wordNetGlosses(), CLI_MB * 1e6, 2026);
    const file = join(dir, 'corpus.jsonl');
    writeFileSync(file, jsonl);
    const keyFile = join(dir, 'key.json');
    const kg = spawnSync(process.execPath, [main, 'keygen', '--out', keyFile, '--tokenizer', 'o200k'], { encoding: 'utf8' });
    if (kg.status !== 0) throw new Error(`bench: keygen failed: ${kg.stderr}`);
    const only = join(root, 'bench', 'tokenize-only.mjs');
    const variants = [['tokenize', [only, file, 'radiomark']], ['tokenize-gpt', [only, file, 'gpt-tokenizer']]];
    const detectArgs = (n) => [main, 'detect', '--key', keyFile, '--tokenizer', 'o200k', '--json', '--no-progress', ...(threads ? ['--threads', String(n)] : []), file];
    variants.push(['detect-0', detectArgs(0)]);
    if (threads) variants.push(['detect-1', detectArgs(1)], ['detect-2', detectArgs(2)]);
    const measured = runVariants(variants, join(dir, 'cpu.json'), QUICK ? 1 : 2);
    const tokens = JSON.parse(measured.runs.tokenize[0].stdout).tokens;
    const j = JSON.parse(measured.runs['detect-0'][0].stdout);
    const scored = j.keys?.[0]?.scored ?? 0;
    const mb = textBytes / 1e6;
    const corpus = `${mb.toFixed(1)} MB of text, ${documents.toLocaleString('en-US')} JSONL documents, ${tokens.toLocaleString('en-US')} o200k tokens, ${scored.toLocaleString('en-US')} scored pairs`;
    // The detect outputs were read above; results.json keeps the timings, not the documents.
    for (const v of Object.values(measured.runs)) for (const r of v) delete r.stdout;
    cliRows({ ...measured, mb, corpus, threads, fastestExact });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cliRows({ runs, t, c, mb, corpus, threads, fastestExact }) {
  const section = `CLI (o200k, ${CLI_MB} MB JSONL)`;
  const loads = (k) => runs[k].map((r) => Number(r.load.toFixed(2)));
  add({
    section,
    figure: 'o200k tokenizer alone: gpt-tokenizer 4 (the earlier baseline)',
    value: `${fmtTime(t['tokenize-gpt'])} wall, ${fmtTime(c['tokenize-gpt'])} CPU (${(mb / t['tokenize-gpt']).toFixed(2)} MB/s)`,
    baseline: 'radiomark o200k encode alone, one thread (read + JSON.parse + encode)',
    time: t['tokenize-gpt'],
    baselineTime: t.tokenize,
    ratio: t['tokenize-gpt'] / t.tokenize,
    loadAverage: loads('tokenize-gpt'),
  });
  add({
    section,
    figure: `radiomark detect, one thread${threads ? ' (--threads 0)' : ''}`,
    value: `${fmtTime(t['detect-0'])} wall, ${fmtTime(c['detect-0'])} CPU (${(mb / t['detect-0']).toFixed(2)} MB/s); throughput ${(t.tokenize / t['detect-0']).toFixed(2)}x the tokenizer's; CPU ratio ${(c['detect-0'] / c.tokenize).toFixed(2)}`,
    baseline: `radiomark o200k encode alone, one thread (read + JSON.parse + encode; the fastest exact tokenizer of this run: ${fastestExact ?? 'not compared'})`,
    time: t['detect-0'],
    baselineTime: t.tokenize,
    ratio: t['detect-0'] / t.tokenize,
    cpuSeconds: c['detect-0'],
    baselineCpuSeconds: c.tokenize,
    cpuRatio: c['detect-0'] / c.tokenize,
    throughputRatio: t.tokenize / t['detect-0'],
    target: '<= 1.11 (throughput >= 0.9x)',
    met: t.tokenize / t['detect-0'] >= 0.9,
    runs,
    maxRssMiB: Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, Math.max(...v.map((r) => r.maxRssMiB))])),
    loadAverage: loads('detect-0'),
    corpus,
  });
  if (!threads) return;
  for (const n of [1, 2]) {
    const k = `detect-${n}`;
    const load = Math.max(...loads(k));
    const busy = load > BUSY_LOAD;
    const speedup = t['detect-0'] / t[k];
    add({
      section,
      figure: `radiomark detect --threads ${n}`,
      value: `${fmtTime(t[k])} wall, ${fmtTime(c[k])} CPU (${(mb / t[k]).toFixed(2)} MB/s, ${speedup.toFixed(2)}x one thread); load average ${loads(k).join(', ')}${n === 2 && busy ? ` (machine too busy to measure scaling: load > ${BUSY_LOAD})` : ''}`,
      baseline: 'radiomark detect, one thread',
      time: t[k],
      baselineTime: t['detect-0'],
      ratio: t[k] / t['detect-0'],
      speedup,
      loadAverage: loads(k),
      target: n === 2 ? '<= 0.59 (>= 1.7x one thread, idle machine)' : undefined,
      met: n === 2 && !busy ? speedup >= 1.7 : undefined,
      busy: n === 2 ? busy : undefined,
    });
  }
}

// ---------------------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

function fmtRatio(x) {
  if (x === undefined) return '';
  return x >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
}

function table(results) {
  const head = ['section', 'figure', 'time', 'baseline time', 'ratio', 'target', 'met', 'load'];
  const body = results.rows.map((r) => [
    r.section,
    r.figure,
    r.value ?? fmtTime(r.time),
    r.baselineTime === undefined ? '' : fmtTime(r.baselineTime),
    fmtRatio(r.ratio),
    r.target ?? '',
    r.busy ? 'busy' : r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    Array.isArray(r.loadAverage) ? r.loadAverage.join('/') : String(r.loadAverage),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(w[i])).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

function markdown(results) {
  const out = ['| section | figure | time | baseline | baseline time | ratio | target | met | load |', '|---|---|---|---|---|---|---|---|---|'];
  for (const r of results.rows) {
    out.push(
      `| ${r.section} | ${r.figure.trim()} | ${r.value ?? fmtTime(r.time)} | ${r.baseline ?? ''} | ${r.baselineTime === undefined ? '' : fmtTime(r.baselineTime)} | ${
        fmtRatio(r.ratio)
      } | ${r.target ?? ''} | ${r.busy ? 'busy' : r.met === undefined ? '' : r.met ? 'yes' : '**no**'} | ${Array.isArray(r.loadAverage) ? r.loadAverage.join(', ') : r.loadAverage} |`,
    );
  }
  return out.join('\n');
}

if (CHILD === 'fallback') {
  // Child mode: the bias figures on the JavaScript kernels (createWatermark's kernels: 'js'), as
  // JSON rows; a process of its own, so that no JIT state is shared with the WebAssembly rows.
  for (const V of VOCABS) biasFigures(V, { kernelsNote: ' (JS fallback kernels)', kernels: 'js' });
  process.stdout.write(JSON.stringify(rows));
  process.exit(0);
}

const results = {
  issue: 7,
  machine: machine(),
  settings: { quick: QUICK, rounds: ROUNDS, maxTimePerSide: MAX_TIME, cliMegabytes: CLI_MB },
  inputs: {
    logits: LOGITS_GENERATOR,
    contexts: '64 seeded contexts of 8 ids per V, rotated call by call (contextWidth 2 reads the last 2)',
    detection: 'WordNet 3.1 glosses (real English) tokenized with gpt-tokenizer o200k, 8 glosses per document',
    cli: TEXT_GENERATOR,
    scheme: 'gamma 0.25, delta 2, contextWidth 2',
  },
  method:
    'Each figure and its baseline run in alternating rounds (benchmark package, median of each run\'s samples); ratio = median of the per-round ratios. CLI: whole processes timed by wall clock, median of the runs.',
  loaded: { core: core.from },
  kernels: createGreenList({ key, gamma: 0.25, contextWidth: 2, vocabSize: 16 }).backend,
  rows,
};

log(`radiomark bench: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${process.version}, load ${results.machine.loadAverageAtStart.join(' ')}, kernels ${results.kernels}`);
for (const V of VOCABS) {
  log(`${vLabel(V)} ...`);
  const wm = biasFigures(V);
  sampleFigures(V, wm);
}
log("JavaScript fallback kernels (child process, kernels: 'js') ...");
{
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', 'fallback', ...(QUICK ? ['--quick'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`bench: fallback child failed: ${child.stderr}`);
  for (const r of JSON.parse(child.stdout)) {
    if (r.backend !== 'js') throw new Error('bench: the fallback child did not run the JavaScript kernels');
    add({ ...r, target: undefined, met: undefined });
  }
}
log('batched bias, sessions ...');
batchFigure();
sessionFigure();
await transformersFigure();
log('detection ...');
await detectionFigures();
log('tokenizers ...');
const tokenizers = await tokenizerFigures({ quick: QUICK, log });
for (const r of tokenizers.rows) add(r);
if (!flag('--no-cli')) {
  log('CLI ...');
  cliFigures(tokenizers.fastestExact);
}
results.machine.loadAverageAtEnd = os.loadavg().map((x) => Number(x.toFixed(2)));
writeFileSync(OUT, JSON.stringify(results, null, 2) + '\n');
process.stdout.write('\n' + table(results) + '\n');
process.stdout.write(
  `\n${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memoryGiB} GiB, Node ${process.version}, ${results.machine.date}; load average ${results.machine.loadAverageAtStart.join(' ')} -> ${results.machine.loadAverageAtEnd.join(' ')}; kernels: ${results.kernels}\n`,
);
if (flag('--markdown')) process.stdout.write('\n' + markdown(results) + '\n');
log(`wrote ${OUT}`);
if (sink === 0.5) log('');
