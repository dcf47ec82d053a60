/**
 * `npm run experiments:neural`: the neural student of docs/RESULTS.md ("A distiller who fights
 * back"). The domain-split world's teacher serves its answers through the real sampler; a small
 * causal transformer (scripts/neural/student.py, PyTorch on CPU) is trained on the distiller's clean
 * text plus rho of harvested answers, for rho in {0, 1%, 5%, 100%} and a control trained on clean
 * answers to the same prompts; the rho = 5% student then answers held-out prompts plainly and under
 * inference-time neutralization (delta' swept), and every answer set is tested by createDetector
 * here, unfiltered and filtered by the owner's served log. Results: docs/results/neural.json (read
 * by `npm run experiments:attacks` for docs/RESULTS.md).
 *
 *   npm run experiments:neural                  # the full run (about 40 min on a busy 2-core machine)
 *   npm run experiments:neural -- --quick       # a tiny run to check the set-up (a few minutes)
 *   npm run experiments:neural -- --resume      # reuse the served data and finished students of an interrupted run
 *   npm run experiments:neural -- --large       # rho 0 and 5% only, trained on 1M tokens, 200k generated per suspect
 *
 * Needs /usr/bin/python3 with PyTorch and NumPy (Debian: apt-get install -y python3-torch
 * python3-numpy libopenblas0-pthread); exits 1 with that advice when they are missing. It never
 * falls back to an n-gram student.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createWatermark } from '../../src/sampler/index.js';
import { simulationKey } from '../../src/simulate/pipeline.js';
import { createRandom } from '../../src/random/index.js';
import { estimateGreen, DEFAULT_ESTIMATOR, type EstimatorOptions, type HarvestedAnswer } from '../../src/simulate/steal.js';
import { trainNGram } from '../../src/simulate/student.js';
import { TeacherServer, type Completion } from '../../src/simulate/teacher.js';
import { buildWorld, cycle } from '../../src/simulate/world.js';
import { LL_FLOOR } from '../../src/simulate/gain.js';
import { scoreAnswers, type Scored } from './score.js';
import { createLog } from '../experiments/run-log.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, large: { type: 'boolean' }, python: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' } },
  strict: true,
});

/** Sizes of a run. */
interface NeuralScale {
  name: 'full' | 'quick' | 'large';
  glosses: number;
  /** Training tokens of the mixed students (clean + harvest). */
  train: number;
  /** Harvest tokens of the rho = 100% student. */
  pure: number;
  /** Generated answer tokens per suspect. */
  generate: number;
  evalTokens: number;
  model: { d: number; layers: number; heads: number; block: number; batch: number; epochs: number; lr: number };
  vocab: number;
  /** Other watermarked answers in the owner's log, as a multiple of the distillation harvest. */
  filterExtra: number;
}

const FULL: NeuralScale = {
  name: 'full',
  glosses: 0,
  train: 150_000,
  pure: 50_000,
  generate: 100_000,
  evalTokens: 5_000,
  model: { d: 128, layers: 2, heads: 4, block: 80, batch: 32, epochs: 2, lr: 2e-3 },
  vocab: 4096,
  filterExtra: 4,
};

/**
 * The larger run: the same model and world, 6.7 times the training tokens and twice the generated
 * tokens per suspect, for the rho = 0 and 5% students only (what 2 shared cores allow in about an
 * hour). The harvest (50k tokens: 5% of 1M) and the owner's other logged answers (30k tokens) are
 * the full run's own, served by the same seeded servers, so that run's files can be reused.
 */
const LARGE: NeuralScale = { ...FULL, name: 'large', train: 1_000_000, pure: 50_000, generate: 200_000, filterExtra: 0.6 };

const QUICK: NeuralScale = {
  name: 'quick',
  glosses: 15_000,
  train: 20_000,
  pure: 5_000,
  generate: 5_000,
  evalTokens: 1_000,
  model: { d: 32, layers: 1, heads: 2, block: 80, batch: 16, epochs: 1, lr: 3e-3 },
  vocab: 2048,
  filterExtra: 1,
};

/**
 * The neutralize sweep of the neural student: (estimator, delta'). The larger run takes the region
 * where the n-gram sweep (docs/RESULTS.md section 9) found the pooled test defeated with the gain
 * kept, fixed before that run: 1.5 (near the crossing of gamma) and 3 (over-correction).
 */
const NEUTRALIZE_FULL: readonly (readonly [string, number])[] = [
  ['aggressive', 4],
  ['aggressive', 8],
];
const NEUTRALIZE_LARGE: readonly (readonly [string, number])[] = [
  ['aggressive', 1.5],
  ['aggressive', 3],
];
const ESTIMATORS: Record<string, EstimatorOptions> = { default: DEFAULT_ESTIMATOR, aggressive: { minWindow: 1, minPair: 1, ratio: 1.5 } };
const SEED = 'experiments';

const python = values.python ?? '/usr/bin/python3';
if (values.quick && values.large) {
  process.stderr.write('experiments:neural: --quick and --large exclude each other\n');
  process.exit(2);
}
const scale = values.quick ? QUICK : values.large ? LARGE : FULL;
const dir = values.out ?? join('test-output', `neural${scale.name === 'full' ? '' : `-${scale.name}`}`);
/** Where the results go, and the command that makes them. */
const TARGET = values.quick ? join('test-output', 'neural-quick.json') : join('docs', 'results', values.large ? 'neural-large.json' : 'neural.json');
const COMMAND = `npm run experiments:neural${values.quick ? ' -- --quick' : values.large ? ' -- --large' : ''}`;
const t0 = performance.now();
const log = createLog();

function checkPython(): void {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(
      `experiments:neural: ${python} cannot import PyTorch and NumPy (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}).\n` +
        'The neural student needs them. On Debian/Ubuntu:\n' +
        '  apt-get install -y python3-torch python3-numpy libopenblas0-pthread\n' +
        'then run npm run experiments:neural again (or pass --python PATH to another interpreter).\n' +
        'This experiment never falls back to an n-gram student.\n',
    );
    process.exit(1);
  }
  log(`python: ${python}, torch ${r.stdout.trim()}`);
}

/** Writes documents (prompt, completion) in teacher ids (see student.py). */
function writeDocs(path: string, docs: readonly { prompt: ArrayLike<number>; completion: ArrayLike<number> }[]): void {
  let n = 1;
  for (const d of docs) n += 2 + d.prompt.length + d.completion.length;
  const a = new Uint32Array(n);
  a[0] = docs.length;
  let p = 1;
  for (const d of docs) {
    a[p++] = d.prompt.length;
    a[p++] = d.prompt.length + d.completion.length;
    a.set(d.prompt, p);
    p += d.prompt.length;
    a.set(d.completion, p);
    p += d.completion.length;
  }
  writeFileSync(path, a);
}

function readDocs(path: string): HarvestedAnswer[] {
  const b = readFileSync(path);
  const a = new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const out: HarvestedAnswer[] = [];
  let p = 1;
  for (let i = 0; i < a[0]!; i++) {
    const pl = a[p]!;
    const len = a[p + 1]!;
    const ids = a.slice(p + 2, p + 2 + len);
    out.push({ prompt: ids.subarray(0, pl), completion: ids.subarray(pl) });
    p += 2 + len;
  }
  return out;
}

function runPython(job: Record<string, unknown>): Record<string, unknown> {
  const path = join(dir, `${job.name as string}.job.json`);
  const text = JSON.stringify(job, null, 1);
  // --resume: a student whose identical job already finished is not trained again.
  if (values.resume && existsSync(path) && existsSync(job.result as string) && readFileSync(path, 'utf8') === text) {
    log(`reuse ${job.name as string} (same job, finished earlier)`);
    return JSON.parse(readFileSync(job.result as string, 'utf8')) as Record<string, unknown>;
  }
  writeFileSync(path, text);
  log(`train ${job.name as string}`);
  const r = spawnSync(python, ['scripts/neural/student.py', path], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`experiments:neural: student.py failed on ${path} (exit ${r.status})`);
  return JSON.parse(readFileSync(job.result as string, 'utf8')) as Record<string, unknown>;
}

/** The answers a server's `take({ tokens })` returns: a prefix, stopping once `tokens` completion tokens were reached. */
function takeTokens(answers: readonly HarvestedAnswer[], tokens: number): HarvestedAnswer[] {
  const out: HarvestedAnswer[] = [];
  let n = 0;
  for (const a of answers) {
    if (n >= tokens) break;
    out.push(a);
    n += a.completion.length;
  }
  return out;
}

/** Takes answers until `tokens` completion tokens (a prefix of the list). */
function prefix(answers: readonly HarvestedAnswer[], tokens: number): HarvestedAnswer[] {
  const out: HarvestedAnswer[] = [];
  let n = 0;
  for (const a of answers) {
    if (n >= tokens) break;
    out.push(a);
    n += a.completion.length + 1;
  }
  return out;
}

async function main(): Promise<void> {
  checkPython();
  mkdirSync(dir, { recursive: true });
  const world = await buildWorld({ teacher: 'ngram', split: 'domain', ...(scale.glosses > 0 ? { glosses: scale.glosses } : {}) });
  const tok = world.tokenizer;
  const V = tok.vocabSize;
  const eot = tok.endOfTextId!;
  log(`world: ${world.teacher.description}`);
  const key = simulationKey(SEED, { gamma: 0.25, contextWidth: 2, vocabSize: V });
  const wm = createWatermark({ key, delta: 3 });
  const plain = createWatermark({ key, delta: 0 });
  const root = createRandom(`neural/${SEED}`);
  const serve = (role: string, marked: boolean, prompts: readonly Uint32Array[], offset: number) =>
    new TeacherServer(world.teacher, marked ? wm : plain, cycle(prompts, offset), root.fork(`teacher/${role}`), { masking: true, maxNewTokens: 64 });
  // Served data are deterministic (seeded); a rerun in the same directory reads them back (--resume).
  const file = (name: string): string => join(dir, name);
  const cached = (name: string, make: () => readonly HarvestedAnswer[]): HarvestedAnswer[] => {
    if (values.resume && existsSync(file(name))) return readDocs(file(name));
    const docs = [...make()];
    writeDocs(file(name), docs);
    return docs;
  };
  const harvestServer = serve('wm', true, world.distillPrompts, 0);
  const harvestAll = cached('harvest.bin', () => harvestServer.take({ tokens: Math.max(scale.pure, Math.round(0.05 * scale.train)) }).completions);
  const harvestFive = takeTokens(harvestAll, Math.round(0.05 * scale.train));
  log(`teacher: ${harvestAll.length} watermarked answers`);
  // The clean-answers control student is not part of the larger run (its answers are not served).
  const cleanSame = scale.name === 'large' ? [] : cached('clean-same.bin', () => serve('same', false, world.distillPrompts, 0).take({ completions: harvestFive.length }).completions);
  const logs = cached('logs.bin', () => serve('logs', true, world.distillPrompts, 7919).take({ tokens: Math.round(scale.filterExtra * 0.05 * scale.train) }).completions);
  const evalAnswers = cached('eval-answers.bin', () => serve('eval', false, world.heldOutPrompts, 4099).take({ tokens: scale.evalTokens }).completions);
  log(`teacher: ${cleanSame.length} clean answers (control), ${logs.length} other logged answers, ${evalAnswers.length} held-out clean answers`);

  // The distiller's clean text: general glosses (end-of-text stripped; student.py appends its own).
  const bulk: { prompt: Uint32Array; completion: Uint32Array }[] = [];
  let bulkTokens = 0;
  for (const d of world.cleanDocs) {
    if (bulkTokens >= scale.train) break;
    bulk.push({ prompt: new Uint32Array(0), completion: d.subarray(0, d.length - 1) });
    bulkTokens += d.length;
  }
  // The compact vocabulary: the most frequent ids of the distiller's clean text. Never of the
  // harvest: counts from watermarked text favour ids that are green in frequent windows, so a
  // vocabulary chosen from them carries the key into every student, the rho = 0 one included (a
  // first larger run that counted the harvest gave its clean student a filtered p of 0.0017).
  const counts = new Map<number, number>();
  const countIds = (ids: ArrayLike<number>): void => {
    for (let i = 0; i < ids.length; i++) counts.set(ids[i]!, (counts.get(ids[i]!) ?? 0) + 1);
  };
  for (const d of bulk) {
    countIds(d.prompt);
    countIds(d.completion);
  }
  counts.set(eot, Infinity);
  const vocabIds = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, scale.vocab - 1).map(([id]) => id);
  const inVocab = new Set(vocabIds);
  const covered = vocabIds.reduce((n, id) => n + (Number.isFinite(counts.get(id)!) ? counts.get(id)! : 0), 0);
  const total = [...counts.values()].filter(Number.isFinite).reduce((a, b) => a + b, 0);
  writeFileSync(join(dir, 'vocab.bin'), Uint32Array.from([0, ...vocabIds]));
  const harvestCovered = harvestFive.reduce((n, d) => n + d.completion.filter((id) => inVocab.has(id)).length, 0);
  const harvestTotal = harvestFive.reduce((n, d) => n + d.completion.length, 0);
  log(`vocabulary: ${vocabIds.length + 1} compact ids cover ${((100 * covered) / total).toFixed(2)}% of the clean training tokens and ${((100 * harvestCovered) / Math.max(1, harvestTotal)).toFixed(2)}% of the 5% harvest's`);

  writeDocs(file('bulk.bin'), bulk);
  writeDocs(file('eval.bin'), evalAnswers.map((c) => ({ prompt: c.prompt, completion: Uint32Array.from([...c.completion, eot]) })));
  writeDocs(file('held.bin'), world.heldOutPrompts.map((p) => ({ prompt: p, completion: new Uint32Array(0) })));

  // The distiller's estimate (frequency analysis of the 5% harvest against its clean n-gram model).
  const reference = trainNGram(
    bulk.map((d) => ({ tokens: Uint32Array.from([...d.completion, eot]), from: 0 })),
    3,
    V,
  );
  const labelFiles: Record<string, { file: string; labelled: number; precision: number }> = {};
  for (const [name, opts] of Object.entries(ESTIMATORS)) {
    const e = estimateGreen(harvestFive, reference, 2, opts);
    const triples: number[] = [];
    let green = 0;
    e.labels.forEach((w, x) => {
      triples.push(w[0]!, w[1]!, x);
      if (wm.isGreen(w, x)) green++;
    });
    writeFileSync(file(`labels-${name}.bin`), Uint32Array.from(triples));
    labelFiles[name] = { file: file(`labels-${name}.bin`), labelled: e.labels.size, precision: e.labels.size ? green / e.labels.size : 0 };
    log(`estimate ${name}: ${e.labels.size} pairs labelled, ${((100 * green) / Math.max(1, e.labels.size)).toFixed(1)}% truly green`);
  }

  // One thread: on a shared machine OpenMP's spinning threads lose to the other load (a d = 128
  // student trained at 490 tokens/s with one thread and 220 with two, at load average 18).
  const common = { teacherVocab: V, endOfText: eot, vocab: file('vocab.bin'), heldOut: file('held.bin'), model: scale.model, threads: 1 };
  const harvestCount = (tokens: number): number => prefix(harvestAll, tokens).length;
  const cleanTrain = (rho: number): number => (rho >= 1 ? 0 : Math.round(scale.train * (1 - rho)));
  // The most important first (the gain's baseline, the 5% student and its sweep, then the cheap 100%
  // student, the control, 1%); the results file is rewritten after every student.
  const students = [
    ...[0, 0.05, 1, 0.01].map((rho) => ({ name: `rho-${rho}`, rho, harvest: 'harvest.bin', harvestDocs: rho === 0 ? 0 : harvestCount(rho >= 1 ? scale.pure : rho * scale.train) })),
    { name: 'control-clean-answers', rho: 0.05, harvest: 'clean-same.bin', harvestDocs: harvestFive.length },
  ];
  students.splice(3, 0, students.pop()!);
  if (scale.name === 'large') students.splice(2);
  const results: Record<string, unknown>[] = [];
  const suspects: { student: string; job: string; delta: number; estimator: string | null; scored: Scored; ll: number | null }[] = [];
  for (const s of students) {
    const bulkDocs = prefixDocs(bulk, cleanTrain(s.rho));
    const jobs: Record<string, unknown>[] = [{ name: 'll', kind: 'loglik', docs: file('eval.bin'), floor: LL_FLOOR }];
    const gens: { job: string; delta: number; estimator: string | null }[] = [{ job: 'gen', delta: 0, estimator: null }];
    if (s.name === 'rho-0.05') {
      for (const [est, d] of scale.name === 'large' ? NEUTRALIZE_LARGE : NEUTRALIZE_FULL) {
        jobs.push({ name: `ll-${est}-${d}`, kind: 'loglik', docs: file('eval.bin'), floor: LL_FLOOR, labels: labelFiles[est]!.file, delta: d });
        gens.push({ job: `gen-${est}-${d}`, delta: d, estimator: est });
      }
    }
    for (const g of gens) {
      jobs.push({
        name: g.job,
        kind: 'generate',
        out: file(`${s.name}-${g.job}.bin`),
        tokens: scale.generate,
        maxNewTokens: 64,
        seed: 7,
        offset: 0,
        batch: 256,
        ...(g.estimator ? { labels: labelFiles[g.estimator]!.file, delta: g.delta } : {}),
      });
    }
    const train = [
      ...(bulkDocs > 0 ? [{ file: file('bulk.bin'), limit: bulkDocs }] : []),
      ...(s.harvestDocs > 0 ? [{ file: file(s.harvest), limit: s.harvestDocs }] : []),
    ];
    const r = runPython({ ...common, name: s.name, seed: 1, train, jobs, result: file(`${s.name}.result.json`) });
    results.push({ ...r, rho: s.rho, harvestDocs: s.harvestDocs, bulkDocs });
    const lls = new Map((r.jobs as { name: string; ll?: number }[]).map((j) => [j.name, j.ll ?? null]));
    for (const g of gens) {
      const answers = readDocs(file(`${s.name}-${g.job}.bin`));
      const scored = scoreAnswers(answers, { key, tokenizer: tok, filter: [...harvestFive, ...logs].map((c) => c.completion), teacher: world.teacher });
      suspects.push({ student: s.name, job: g.job, delta: g.delta, estimator: g.estimator, scored, ll: g.estimator ? lls.get(`ll-${g.estimator}-${g.delta}`)! : lls.get('ll')! });
      log(`${s.name} ${g.job}: unfiltered log10 p ${scored.unfiltered.pooled?.toFixed(2)} over ${scored.unfiltered.scored}; filtered ${scored.filtered.pooled?.toFixed(2)} over ${scored.filtered.scored}`);
    }
    save(students.length - results.length);
  }
  /** Writes the results so far (a partial file until every student is done). */
  function save(left: number): void {
    const out = {
      scale,
      command: COMMAND,
      seconds: (performance.now() - t0) / 1000,
      date: new Date().toISOString().slice(0, 10),
      world: world.facts,
      /** The compact vocabulary's source: the distiller's clean text only (earlier runs also counted the harvest). */
      vocabFrom: 'clean',
      estimators: Object.fromEntries(Object.entries(labelFiles).map(([k, v]) => [k, { ...ESTIMATORS[k], labelled: v.labelled, precision: v.precision }])),
      students: results,
      suspects,
      /** Students not trained yet (a partial file, written after every student). */
      studentsLeft: left,
    };
    mkdirSync(join(TARGET, '..'), { recursive: true });
    writeFileSync(TARGET, JSON.stringify(out, null, 1));
    log(`wrote ${TARGET} (${((performance.now() - t0) / 60000).toFixed(1)} min${left > 0 ? `; ${left} students still to train` : ''})`);
  }
}

/** Number of leading documents with at least `tokens` tokens in all. */
function prefixDocs(docs: readonly { completion: ArrayLike<number> }[], tokens: number): number {
  let n = 0;
  let k = 0;
  while (k < docs.length && n < tokens) n += docs[k++]!.completion.length + 1;
  return k;
}

await main();
