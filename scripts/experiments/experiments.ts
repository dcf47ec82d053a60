/**
 * The experiments behind docs/RESULTS.md: radioactivity against rho and against the number of
 * scored suspect tokens, the scheme's knobs, the quality cost, direct detection, robustness,
 * stealing, and the null. Every figure comes from the simulator's public pieces (teachers served
 * through `wm.session().sample`, `createDetector` / `detectWindows` for every test) with seeded
 * streams, so one `npm run experiments` reproduces the file.
 */

import { createDetector, detectWindows } from '../../src/detect/index.js';
import { createWatermark, type Watermark } from '../../src/sampler/index.js';
import { binomialTail, ksUniform } from '../../src/stats/index.js';
import type { NGramModel } from '../../src/simulate/ngram.js';
import { clearServerCache, runSimulation, simulationKey, type SimulateOptions, type SimulationResult, type SuspectReport } from '../../src/simulate/pipeline.js';
import { createRandom, type Random } from '../../src/random/index.js';
import { trainNGram } from '../../src/simulate/student.js';
import { entropyProfile, TeacherServer, type Completion, type EntropyProfile } from '../../src/simulate/teacher.js';
import { buildWorld, cycle, type TeacherKind, type World } from '../../src/simulate/world.js';

/** Progress lines. */
export type Log = (line: string) => void;

/** Sizes of an experiments run; `full` is what docs/RESULTS.md reports. */
export interface Scale {
  readonly name: 'full' | 'quick';
  /** Student training tokens of the n-gram radioactivity runs. */
  readonly ngramTrain: number;
  /** Student training tokens of the synthetic radioactivity runs (clean part: teacher answers). */
  readonly syntheticTrain: number;
  /** Training tokens of the rho = 100% rows. */
  readonly pureTrain: number;
  /** Scored positions per suspect (unfiltered). */
  readonly budget: number;
  /** Generation cap per suspect (the filtered detector stops there). */
  readonly suspectTokens: number;
  /** Documents per direct-detection sample. */
  readonly directDocs: number;
  /** Watermarked tokens available to the stealing attacker, per context width. */
  readonly stealTokens: readonly [number, number, number];
  /** Seeds of the null experiment. */
  readonly nullSeeds: number;
  /** Teacher tokens per quality-cost sample. */
  readonly qualityTokens: number;
  /** Decoy keys per detection. */
  readonly decoys: number;
}

/** The configuration docs/RESULTS.md reports. */
export const FULL: Scale = {
  name: 'full',
  ngramTrain: 1_000_000,
  syntheticTrain: 300_000,
  pureTrain: 100_000,
  budget: 1_000_000,
  suspectTokens: 6_000_000,
  directDocs: 100,
  stealTokens: [30_000, 100_000, 200_000],
  nullSeeds: 24,
  qualityTokens: 10_000,
  decoys: 20,
};

/** A small configuration to check the script (minutes, not an hour). */
export const QUICK: Scale = {
  name: 'quick',
  ngramTrain: 200_000,
  syntheticTrain: 60_000,
  pureTrain: 20_000,
  budget: 100_000,
  suspectTokens: 800_000,
  directDocs: 30,
  stealTokens: [20_000, 40_000, 40_000],
  nullSeeds: 20,
  qualityTokens: 3_000,
  decoys: 10,
};

/** The scheme setting of every experiment unless a row says otherwise (the published one). */
export const SCHEME = Object.freeze({ gamma: 0.25, delta: 3, contextWidth: 2, masking: true });

/** The seed of every experiment except the null's. */
export const EXPERIMENT_SEED = 'experiments';

/** Rho values of the radioactivity table (1 is run with `pureTrain` tokens). */
export const RHOS = [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 1] as const;

/** Grid of scored-position counts for the p-versus-tokens table. */
export const TOKEN_GRID = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000] as const;

/** Summary of one detection. */
export interface Det {
  scored: number;
  green: number;
  greenFraction: number | null;
  log10PValue: number | null;
  decoyRank: number | null;
  decoysUniform: boolean | null;
}

function det(r: SuspectReport['detection'] | undefined): Det | null {
  if (!r) return null;
  return {
    scored: r.scored,
    green: r.green,
    greenFraction: r.greenFraction,
    log10PValue: r.log10PValue,
    decoyRank: r.decoys?.rankPValue ?? null,
    decoysUniform: r.decoys?.uniform ?? null,
  };
}

/** log10 p of the first `n` scored positions of a trace (null past its end). */
export function log10PAt(trace: Uint8Array | undefined, n: number, p: number): number | null {
  if (!trace || trace.length < n || n <= 0) return null;
  let g = 0;
  for (let i = 0; i < n; i++) g += trace[i]!;
  return binomialTail(g, n, p).log10PValue;
}

/** One row of the radioactivity table. */
export interface RhoRow {
  teacher: TeacherKind;
  rho: number;
  rhoActual: number;
  trainTokens: number;
  watermarkedTokens: number;
  unfiltered: Det;
  filtered: Det | null;
  /** log10 p at each {@link TOKEN_GRID} count: unfiltered, then filtered. */
  byTokens: { unfiltered: (number | null)[]; filtered: (number | null)[] };
  studentGenerated: number;
  seconds: number;
}

const memo = new Map<string, Promise<SimulationResult>>();

/** Runs the simulator (memoized by options), logging its phases. */
export function simulate(options: SimulateOptions, log: Log): Promise<SimulationResult> {
  const id = JSON.stringify(options);
  let r = memo.get(id);
  if (!r) {
    log(`run ${id}`);
    r = runSimulation(options, (line) => log(`  ${line}`));
    memo.set(id, r);
  }
  return r;
}

/** Forgets memoized runs. */
export function clearRunMemo(): void {
  memo.clear();
}

function radioactivityOptions(teacher: TeacherKind, rho: number, scale: Scale, extra: SimulateOptions = {}): SimulateOptions {
  const train = rho === 1 ? scale.pureTrain : teacher === 'ngram' ? scale.ngramTrain : scale.syntheticTrain;
  return {
    seed: EXPERIMENT_SEED,
    teacher,
    ...SCHEME,
    rho,
    trainTokens: train,
    budget: scale.budget,
    decoys: scale.decoys,
    alsoFiltered: true,
    keepTraces: true,
    maxSuspectTokens: scale.suspectTokens,
    controls: false,
    ...extra,
  };
}

/** A radioactivity row from a run. */
export function rhoRow(teacher: TeacherKind, rho: number, r: SimulationResult): RhoRow {
  const gp = r.suspect.detection.greenProbability;
  const traces = r.suspect.traces ?? [];
  return {
    teacher,
    rho,
    rhoActual: r.training.rho,
    trainTokens: r.training.watermarkedTokens + r.training.cleanTokens,
    watermarkedTokens: r.training.watermarkedTokens,
    unfiltered: det(r.suspect.detection)!,
    filtered: det(r.suspect.filtered),
    byTokens: {
      unfiltered: TOKEN_GRID.map((n) => log10PAt(traces[0], n, gp)),
      filtered: TOKEN_GRID.map((n) => log10PAt(traces[1], n, gp)),
    },
    studentGenerated: r.suspect.generatedTokens,
    seconds: r.ms / 1000,
  };
}

/**
 * Radioactivity against rho (and, through the traces, against the number of scored tokens).
 *
 * @param teacher - which teacher
 * @param scale - sizes
 * @param log - progress
 * @returns one row per rho in {@link RHOS}
 */
export async function radioactivity(teacher: TeacherKind, scale: Scale, log: Log): Promise<RhoRow[]> {
  const rows: RhoRow[] = [];
  // Largest watermarked pool first, so that the smaller rhos take prefixes of it.
  for (const rho of [...RHOS].sort((a, b) => b - a)) {
    const r = await simulate(radioactivityOptions(teacher, rho, scale), log);
    rows.push(rhoRow(teacher, rho, r));
  }
  return rows.sort((a, b) => a.rho - b.rho);
}

/** One row of the knobs table. */
export interface KnobRow {
  label: string;
  contextWidth: number;
  delta: number;
  gamma: number;
  masking: boolean;
  studentOrder: number;
  teacherGreen: number | null;
  teacherPerplexity: number;
  teacherTokensPerSecond: number;
  unfiltered: Det;
  filtered: Det | null;
  seconds: number;
}

/** The knob settings, the base (h = 2, delta 3, gamma 0.25, masking on) first. */
export const KNOBS: readonly { label: string; contextWidth: number; delta: number; gamma: number; masking: boolean }[] = [
  { label: 'base: h 2, delta 3, gamma 0.25, masking', contextWidth: 2, delta: 3, gamma: 0.25, masking: true },
  { label: 'h 0 (R1 off: the empty window is in every prompt)', contextWidth: 0, delta: 3, gamma: 0.25, masking: true },
  { label: 'h 1', contextWidth: 1, delta: 3, gamma: 0.25, masking: true },
  { label: 'h 3', contextWidth: 3, delta: 3, gamma: 0.25, masking: true },
  { label: 'h 4', contextWidth: 4, delta: 3, gamma: 0.25, masking: true },
  { label: 'delta 1', contextWidth: 2, delta: 1, gamma: 0.25, masking: true },
  { label: 'delta 2', contextWidth: 2, delta: 2, gamma: 0.25, masking: true },
  { label: 'gamma 0.5', contextWidth: 2, delta: 3, gamma: 0.5, masking: true },
  { label: 'no masking', contextWidth: 2, delta: 3, gamma: 0.25, masking: false },
];

/** Rho of the knobs table. */
export const KNOB_RHO = 0.01;

/**
 * The scheme's knobs at rho = {@link KNOB_RHO} with the n-gram teacher.
 *
 * @param scale - sizes
 * @param log - progress
 * @returns one row per {@link KNOBS} entry
 */
export async function knobs(scale: Scale, log: Log): Promise<KnobRow[]> {
  const rows: KnobRow[] = [];
  for (const k of KNOBS) {
    // With h = 0 every prompt contains the (empty) window, so rule R1 would drop every position.
    const r = await simulate(
      radioactivityOptions('ngram', KNOB_RHO, scale, {
        contextWidth: k.contextWidth,
        delta: k.delta,
        gamma: k.gamma,
        masking: k.masking,
        ...(k.contextWidth === 0 ? { promptExclusion: false } : {}),
      }),
      log,
    );
    rows.push({
      ...k,
      studentOrder: r.training.studentOrder,
      teacherGreen: r.teacher.direct.greenFraction,
      teacherPerplexity: r.teacher.watermarked.perplexity,
      teacherTokensPerSecond: r.teacher.watermarked.tokensPerSecond,
      unfiltered: det(r.suspect.detection)!,
      filtered: det(r.suspect.filtered),
      seconds: r.ms / 1000,
    });
  }
  return rows;
}

/** One row of the quality-cost table. */
export interface QualityRow {
  teacher: TeacherKind;
  gamma: number;
  delta: number;
  /** The unbiased teacher's perplexity on plain and on watermarked samples. */
  plainPerplexity: number;
  watermarkedPerplexity: number;
  /** Mean per-step KL(biased || original) in nats, over contexts of plain samples (no masking). */
  kl: number;
  /** Mean green probability mass before and after the bias at those contexts. */
  greenMassBefore: number;
  greenMassAfter: number;
  tokens: number;
}

const serverMemo = new Map<string, { wm: Watermark; server: TeacherServer }>();

/** A memoized teacher server of the experiments (its own streams, prompts from `promptPool`). */
function servers(world: World, seed: string, gamma: number, delta: number, h: number, maxNewTokens: number, ignoreEot: boolean, promptPool: readonly Uint32Array[], role: string) {
  const id = JSON.stringify([world.key, seed, gamma, delta, h, maxNewTokens, ignoreEot, role, promptPool.length]);
  let s = serverMemo.get(id);
  if (!s) {
    const key = simulationKey(seed, { gamma, contextWidth: h, vocabSize: world.tokenizer.vocabSize });
    const wm = createWatermark({ key, delta });
    const root = createRandom(`experiments/${seed}/${world.key}`);
    s = {
      wm,
      server: new TeacherServer(world.teacher, wm, cycle(promptPool, 0), root.fork(`${role}/${gamma}/${delta}/${h}`), {
        maxNewTokens,
        ignoreEndOfText: ignoreEot,
        masking: true,
      }),
    };
    serverMemo.set(id, s);
  }
  return s;
}

/** Forgets the experiments' own teacher servers. */
export function clearExperimentServers(): void {
  serverMemo.clear();
}

/** p_G (green probability mass) at each context of `docs`, for a watermark's key. */
function greenMasses(world: World, wm: Watermark, docs: readonly Completion[], maxContexts: number): Float64Array {
  const V = world.teacher.vocabSize;
  const logits = new Float32Array(V);
  const gl = wm.greenList;
  const seed = new Uint32Array(3);
  const h = gl.contextWidth;
  const out: number[] = [];
  for (const d of docs) {
    const seq = [...d.prompt, ...d.completion];
    for (let i = d.prompt.length; i < seq.length && out.length < maxContexts; i++) {
      if (i < h) continue;
      world.teacher.logits(seq.slice(0, i), logits);
      gl.seedWindow(seq, i, seed, 0);
      let m = -Infinity;
      for (let t = 0; t < V; t++) if (logits[t]! > m) m = logits[t]!;
      let z = 0;
      let g = 0;
      for (let t = 0; t < V; t++) {
        const l = logits[t]!;
        if (l === -Infinity) continue;
        const w = Math.exp(l - m);
        z += w;
        if (gl.isGreenSeeded(seed, 0, t)) g += w;
      }
      out.push(g / z);
    }
    if (out.length >= maxContexts) break;
  }
  return Float64Array.from(out);
}

/**
 * The quality cost: the unbiased teacher's perplexity on watermarked vs plain samples, and the mean
 * per-step KL divergence between the biased and the original next-token distributions.
 *
 * @param teacher - which teacher
 * @param scale - sizes
 * @param log - progress
 * @returns one row per (gamma, delta)
 */
export async function quality(teacher: TeacherKind, scale: Scale, log: Log): Promise<QualityRow[]> {
  const world = await buildWorld({ teacher });
  const rows: QualityRow[] = [];
  const prompts = world.heldOutPrompts;
  const plain = servers(world, EXPERIMENT_SEED, 0.25, 0, 2, 64, false, prompts, 'quality-plain').server.take({ tokens: scale.qualityTokens });
  for (const gamma of [0.25, 0.5]) {
    const keyWm = servers(world, EXPERIMENT_SEED, gamma, 1, 2, 64, false, prompts, 'quality-kl').wm;
    const masses = greenMasses(world, keyWm, plain.completions, 3000);
    for (const delta of [1, 2, 3]) {
      log(`quality ${teacher} gamma ${gamma} delta ${delta}`);
      const wmRun = servers(world, EXPERIMENT_SEED, gamma, delta, 2, 64, false, prompts, 'quality-wm').server.take({ tokens: scale.qualityTokens });
      let kl = 0;
      let before = 0;
      let after = 0;
      const e = Math.exp(delta);
      for (const pg of masses) {
        const zb = 1 - pg + pg * e;
        const qg = (pg * e) / zb;
        kl += delta * qg - Math.log(zb);
        before += pg;
        after += qg;
      }
      const n = masses.length;
      rows.push({
        teacher,
        gamma,
        delta,
        plainPerplexity: Math.exp(plain.nats / plain.tokens),
        watermarkedPerplexity: Math.exp(wmRun.nats / wmRun.tokens),
        kl: kl / n,
        greenMassBefore: before / n,
        greenMassAfter: after / n,
        tokens: wmRun.tokens,
      });
    }
  }
  return rows;
}

/** Direct detection and robustness results for one teacher. */
export interface DirectResult {
  teacher: TeacherKind;
  gamma: number;
  delta: number;
  docs: number;
  /** Lengths (completion tokens) at which each document was tested. */
  lengths: number[];
  /** Median over watermarked documents of the first length with p < 1e-6 (null: beyond the longest). */
  medianTokensFor1e6: number | null;
  /** Fraction of watermarked documents with p <= 1e-3, per length. */
  tpr: number[];
  /** Fraction of plain documents with p <= 1e-3, per length. */
  fpr: number[];
  /** Median log10 p of watermarked documents, per length. */
  medianLog10P: number[];
  attacks: AttackRow[];
}

/** One row of the robustness table. */
export interface AttackRow {
  attack: string;
  rate: number;
  tpr: number;
  medianLog10P: number;
  /** Windowed detection (pasted spans only): fraction detected at 1e-3 after the correction. */
  windowedTpr?: number;
}

/** Direct-detection lengths. */
export const DIRECT_LENGTHS = [10, 15, 20, 25, 30, 40, 50, 75, 100, 150, 200, 300, 400] as const;
/** Lengths of the true-positive-rate table. */
export const TPR_LENGTHS = [25, 50, 100, 200, 400] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * Direct detection on the teacher's own text (tokens needed for p < 1e-6, true-positive rate at a
 * 1e-3 false-positive level per length) and its robustness to edits and to pasting.
 *
 * @param teacher - which teacher
 * @param delta - the bias
 * @param scale - sizes
 * @param log - progress
 * @param attacks - also run the robustness table
 */
export async function direct(teacher: TeacherKind, gamma: number, delta: number, scale: Scale, log: Log, attacks = true): Promise<DirectResult> {
  const world = await buildWorld({ teacher });
  const V = world.tokenizer.vocabSize;
  const maxLen = DIRECT_LENGTHS[DIRECT_LENGTHS.length - 1]!;
  const prompts = world.heldOutPrompts;
  log(`direct ${teacher} gamma ${gamma} delta ${delta}: serving ${scale.directDocs} watermarked and ${scale.directDocs} plain documents of ${maxLen} tokens`);
  const w = servers(world, EXPERIMENT_SEED, gamma, delta, 2, maxLen, true, prompts, 'direct-wm');
  const wmDocs = w.server.take({ completions: scale.directDocs }).completions;
  const plainDocs = servers(world, EXPERIMENT_SEED, 0.25, 0, 2, maxLen, true, prompts, 'direct-plain').server.take({ completions: scale.directDocs }).completions;
  const key = simulationKey(EXPERIMENT_SEED, { gamma, contextWidth: 2, vocabSize: V });
  const tok = world.tokenizer;
  const test = (completion: ArrayLike<number>, prompt: ArrayLike<number>): number => {
    const d = createDetector({ key, tokenizer: tok.name, specialTokens: tok.specialTokenIds, alpha: 1e-3 });
    d.add(completion, { promptTokens: prompt });
    return d.result().log10PValue ?? 0;
  };
  const lengths = [...DIRECT_LENGTHS];
  const wmP = wmDocs.map((c) => lengths.map((L) => test(c.completion.subarray(0, L), c.prompt)));
  const plainP = plainDocs.map((c) => TPR_LENGTHS.map((L) => test(c.completion.subarray(0, L), c.prompt)));
  const firstCross = wmP.map((ps) => {
    const k = ps.findIndex((l) => l < -6);
    return k < 0 ? Infinity : lengths[k]!;
  });
  const med = median(firstCross);
  const tpr = TPR_LENGTHS.map((L) => wmP.filter((ps) => ps[lengths.indexOf(L)]! <= -3).length / wmP.length);
  const fpr = TPR_LENGTHS.map((_, j) => plainP.filter((ps) => ps[j]! <= -3).length / plainP.length);
  const medianLog10P = TPR_LENGTHS.map((L) => median(wmP.map((ps) => ps[lengths.indexOf(L)]!)));
  const rows: AttackRow[] = [];
  if (attacks) {
    const L = 200;
    const r = createRandom(`attacks/${teacher}/${gamma}/${delta}`);
    const filler = (): number => randomToken(world, r);
    const score = (docs: Uint32Array[], src: readonly Completion[]): { tpr: number; med: number } => {
      const ps = docs.map((d, i) => test(d, src[i]!.prompt));
      return { tpr: ps.filter((l) => l <= -3).length / ps.length, med: median(ps) };
    };
    const base = wmDocs.map((c) => c.completion.slice(0, L));
    const s0 = score(base, wmDocs);
    rows.push({ attack: 'none', rate: 0, tpr: s0.tpr, medianLog10P: s0.med });
    for (const rate of [0.1, 0.25, 0.5]) {
      for (const attack of ['substitution', 'deletion', 'insertion'] as const) {
        const docs = base.map((d) => edit(d, attack, rate, r, filler));
        const s = score(docs, wmDocs);
        rows.push({ attack, rate, tpr: s.tpr, medianLog10P: s.med });
      }
    }
    // Pasting: a span of watermarked text (a fraction f of L tokens) inside plain text.
    for (const f of [0.1, 0.25, 0.5]) {
      const span = Math.round(f * L);
      const docs = wmDocs.map((c, i) => {
        const plainPart = plainDocs[i]!.completion.slice(0, L - span);
        const at = r.int(plainPart.length + 1);
        const out = new Uint32Array(L);
        out.set(plainPart.subarray(0, at));
        out.set(c.completion.subarray(0, span), at);
        out.set(plainPart.subarray(at), at + span);
        return out;
      });
      const s = score(docs, wmDocs);
      const windowed =
        docs.filter((d, i) => {
          const res = detectWindows(
            { key, tokenizer: tok.name, specialTokens: tok.specialTokenIds, windowSize: 20, alpha: 1e-3, promptTokens: plainDocs[i]!.prompt },
            d,
          );
          return res.correctedLog10PValue !== null && res.correctedLog10PValue <= -3;
        }).length / docs.length;
      rows.push({ attack: 'pasted span', rate: f, tpr: s.tpr, medianLog10P: s.med, windowedTpr: windowed });
    }
  }
  return {
    teacher,
    gamma,
    delta,
    docs: wmDocs.length,
    lengths,
    medianTokensFor1e6: Number.isFinite(med) ? med : null,
    tpr,
    fpr,
    medianLog10P,
    attacks: rows,
  };
}

/** A plausible replacement token: a random position of the clean corpus, or the synthetic background. */
function randomToken(world: World, r: Random): number {
  if (world.synthetic) return world.synthetic.prompt(1, () => r.next())[0]!;
  for (;;) {
    const d = world.cleanDocs[r.int(world.cleanDocs.length)]!;
    const t = d[r.int(d.length)]!;
    if (t !== world.tokenizer.endOfTextId) return t;
  }
}

/** Random token edits at `rate` per token. */
export function edit(d: Uint32Array, attack: 'substitution' | 'deletion' | 'insertion', rate: number, r: Random, filler: () => number): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) {
    const hit = r.next() < rate;
    if (attack === 'substitution') out.push(hit ? filler() : d[i]!);
    else if (attack === 'deletion') {
      if (!hit) out.push(d[i]!);
    } else {
      out.push(d[i]!);
      if (hit) out.push(filler());
    }
  }
  return Uint32Array.from(out);
}

/** One row of the stealing table. */
export interface StealRow {
  contextWidth: number;
  tokens: number;
  /** Pairs the attacker labels green. */
  predicted: number;
  /** Fraction of them truly green. */
  precision: number | null;
  /** Fraction of the green positions of fresh watermarked text whose pair the attacker labelled green. */
  recall: number | null;
}

/** Result of the stealing experiment. */
export interface StealResult {
  rows: StealRow[];
  /** Per context width: smallest grid size with precision >= 0.9 over >= 100 labelled pairs (null: not within the pool). */
  tokensFor90: (number | null)[];
  grid: number[];
  /** Watermarked tokens of the fresh text the recall is measured on. */
  freshTokens: number;
}

/** Stealing grid (watermarked tokens observed). */
export const STEAL_GRID = [3_000, 10_000, 30_000, 100_000, 200_000] as const;

/** Tokens of fresh watermarked text for the stealing recall. */
const STEAL_FRESH = 20_000;

/**
 * Frequency-analysis stealing: an attacker who knows the context width `h` collects watermarked
 * answers, compares each (window, token) frequency with its own (h+1)-gram model of clean text
 * (trained on the same WordNet text the teacher learned from: a strong attacker), and labels green
 * the pairs seen at least 3 times and at least 1.5 times more often than its model predicts.
 * Precision: the fraction of labels that are right. Recall: the fraction of the green positions of
 * fresh watermarked text (answers the attacker did not see) whose pair it has labelled green, i.e.
 * how much of the watermark it could reproduce or scrub.
 *
 * @param scale - sizes
 * @param log - progress
 */
export async function stealing(scale: Scale, log: Log): Promise<StealResult> {
  const world = await buildWorld({ teacher: 'ngram' });
  const V = world.tokenizer.vocabSize;
  const rows: StealRow[] = [];
  const grid = STEAL_GRID.filter((n) => n <= Math.max(...scale.stealTokens));
  const tokensFor90: (number | null)[] = [];
  for (const h of [0, 1, 2]) {
    const cap = scale.stealTokens[h]!;
    log(`stealing h ${h}: serving ${cap.toLocaleString('en-US')} + ${STEAL_FRESH.toLocaleString('en-US')} watermarked tokens`);
    const { wm, server } = servers(world, EXPERIMENT_SEED, 0.25, 3, h, 64, false, world.distillPrompts, 'steal');
    const all = server.take({ tokens: cap + STEAL_FRESH }).completions;
    const learn = server.take({ tokens: cap }).completions;
    const fresh = all.slice(learn.length);
    const ref: NGramModel = trainNGram(
      world.cleanDocs.map((d) => ({ tokens: d, from: 0 })),
      h + 1,
      V,
    );
    // Green positions of the fresh text, by pair.
    const freshGreen: string[] = [];
    for (const c of fresh) {
      const seq = [...c.prompt, ...c.completion];
      for (let i = Math.max(c.prompt.length, h); i < seq.length; i++) {
        if (wm.isGreen(seq.slice(i - h, i), seq[i]!)) freshGreen.push(`${seq.slice(i - h, i).join(',')}|${seq[i]}`);
      }
    }
    let found: number | null = null;
    for (const N of grid) {
      if (N > cap) {
        rows.push({ contextWidth: h, tokens: N, predicted: 0, precision: null, recall: null });
        continue;
      }
      const pair = new Map<string, number>();
      const win = new Map<string, number>();
      const ctxOf = new Map<string, number[]>();
      let seen = 0;
      for (const c of learn) {
        if (seen >= N) break;
        const seq = [...c.prompt, ...c.completion];
        for (let i = c.prompt.length; i < seq.length && seen < N; i++, seen++) {
          if (i < h) continue;
          const w = seq.slice(i - h, i).join(',');
          const k = `${w}|${seq[i]}`;
          pair.set(k, (pair.get(k) ?? 0) + 1);
          win.set(w, (win.get(w) ?? 0) + 1);
          if (!ctxOf.has(k)) ctxOf.set(k, seq.slice(i - h, i + 1));
        }
      }
      const labelled = new Set<string>();
      let green = 0;
      for (const [k, c] of pair) {
        if (c < 3) continue;
        const ids = ctxOf.get(k)!;
        const w = ids.slice(0, h);
        const x = ids[h]!;
        const expected = win.get(w.join(','))! * ref.prob(w, x);
        if (!(c >= 1.5 * expected)) continue;
        labelled.add(k);
        if (wm.isGreen(w, x)) green++;
      }
      const precision = labelled.size > 0 ? green / labelled.size : null;
      const recall = freshGreen.length > 0 ? freshGreen.filter((k) => labelled.has(k)).length / freshGreen.length : null;
      rows.push({ contextWidth: h, tokens: N, predicted: labelled.size, precision, recall });
      if (found === null && precision !== null && precision >= 0.9 && labelled.size >= 100) found = N;
    }
    tokensFor90.push(found);
  }
  return { rows, tokensFor90, grid, freshTokens: STEAL_FRESH };
}

/** The null experiment. */
export interface NullResult {
  seeds: string[];
  /** log10 p of the rho = 0 control, the prompt-copying control and the watermarked suspect, per seed. */
  rhoZero: number[];
  promptCopy: number[];
  suspect: number[];
  /** KS test of the controls' p-values against Uniform(0, 1). */
  ksRhoZero: { statistic: number; pValue: number };
  ksPromptCopy: { statistic: number; pValue: number };
  /** Smallest control p-value (log10). */
  minControlLog10P: number;
  /** Every decoy p-value of every detection (decoy keys are a null too), and their KS test. */
  decoyCount: number;
  ksDecoys: { statistic: number; pValue: number };
  /** The prompt-copying control with rule R1 off, on the first seeds: the failure R1 prevents. */
  withoutR1: { seed: string; log10P: number; promptWindowsDropped: number }[];
  options: SimulateOptions;
}

/**
 * The null: per seed (a fresh key, fresh sampling), the pipeline's two controls and its decoys.
 *
 * @param scale - sizes
 * @param log - progress
 */
export async function nullExperiment(scale: Scale, log: Log): Promise<NullResult> {
  const base: SimulateOptions = {
    ...SCHEME,
    rho: 0.02,
    trainTokens: 200_000,
    budget: Math.min(100_000, scale.budget),
    decoys: scale.decoys,
    controls: true,
    controlPrompts: 200,
  };
  const seeds: string[] = [];
  const rhoZero: number[] = [];
  const promptCopy: number[] = [];
  const suspect: number[] = [];
  const decoys: number[] = [];
  const withoutR1: NullResult['withoutR1'] = [];
  for (let i = 1; i <= scale.nullSeeds; i++) {
    const seed = `null-${i}`;
    seeds.push(seed);
    const r = await simulate({ ...base, seed }, log);
    suspect.push(r.suspect.detection.log10PValue ?? 0);
    rhoZero.push(r.controls[0]!.detection.log10PValue ?? 0);
    promptCopy.push(r.controls[1]!.detection.log10PValue ?? 0);
    for (const s of [r.suspect, ...r.controls]) for (const v of s.detection.decoys?.values ?? []) decoys.push(10 ** v);
    if (i <= 3) {
      const off = await simulate({ ...base, seed, promptExclusion: false }, log);
      const c = off.controls[1]!.detection;
      withoutR1.push({ seed, log10P: c.log10PValue ?? 0, promptWindowsDropped: r.controls[1]!.detection.skipped.promptWindow });
    }
    clearServerCache();
    clearRunMemo();
  }
  const ks = (xs: number[]) => {
    const k = ksUniform(xs.map((l) => Math.min(1, 10 ** l)));
    return { statistic: k.statistic, pValue: k.pValue };
  };
  const kd = ksUniform(decoys.map((p) => Math.min(1, p)));
  return {
    seeds,
    rhoZero,
    promptCopy,
    suspect,
    ksRhoZero: ks(rhoZero),
    ksPromptCopy: ks(promptCopy),
    minControlLog10P: Math.min(...rhoZero, ...promptCopy),
    decoyCount: decoys.length,
    ksDecoys: { statistic: kd.statistic, pValue: kd.pValue },
    withoutR1,
    options: base,
  };
}

/** The run beside the published figure: h 2, gamma 0.25, delta 3, 5%, 248,200 scored positions. */
export async function published(scale: Scale, log: Log): Promise<SimulationResult> {
  return simulate(
    {
      seed: EXPERIMENT_SEED,
      ...SCHEME,
      rho: 0.05,
      trainTokens: scale.ngramTrain,
      budget: Math.min(248_200, scale.budget * 10),
      decoys: scale.decoys,
      controls: true,
    },
    log,
  );
}

/** A teacher's profile: what it is, its entropy, its serving speed. */
export interface TeacherProfile {
  teacher: TeacherKind;
  description: string;
  entropy: EntropyProfile;
  /** Perplexity of plain samples under the teacher itself. */
  perplexity: number;
  /** Mean completion length of plain samples (tokens). */
  completionLength: number;
  /** Plain serving speed through wm.session().sample at o200k width (delta 0), tokens/s. */
  tokensPerSecond: number;
  facts: Record<string, number | string>;
}

/**
 * Profiles both teachers on plain samples: entropy at 2,000 contexts, perplexity, speed.
 *
 * @param log - progress
 */
export async function teacherProfiles(log: Log): Promise<TeacherProfile[]> {
  const out: TeacherProfile[] = [];
  for (const teacher of ['ngram', 'synthetic'] as const) {
    const world = await buildWorld({ teacher });
    log(`profile ${teacher}`);
    const plain = servers(world, EXPERIMENT_SEED, 0.25, 0, 2, 64, false, world.heldOutPrompts, 'profile').server.take({ tokens: 5_000 });
    out.push({
      teacher,
      description: world.teacher.description,
      entropy: entropyProfile(world.teacher, plain.completions, 2000),
      perplexity: Math.exp(plain.nats / plain.tokens),
      completionLength: plain.tokens / plain.completions.length,
      tokensPerSecond: (plain.tokens / plain.ms) * 1000,
      facts: world.facts,
    });
  }
  return out;
}

/**
 * The filter's realism: the owner cannot know which of its answers were distilled, so its filter
 * reference is its log of all watermarked answers. Rows with the distillation answers plus
 * `extra` times as many other watermarked answers.
 */
export async function filterRealism(scale: Scale, log: Log, extra = 4): Promise<RhoRow[]> {
  const rows: RhoRow[] = [];
  for (const rho of [0.05, 0.01]) {
    const r = await simulate(radioactivityOptions('ngram', rho, scale, { filterExtra: extra }), log);
    rows.push(rhoRow('ngram', rho, r));
  }
  return rows;
}

/** Cross-tokenizer rows: the student trained on cl100k re-tokenized text. */
export async function crossTokenizer(scale: Scale, log: Log): Promise<RhoRow[]> {
  const rows: RhoRow[] = [];
  for (const rho of [0.05, 0.01]) {
    const r = await simulate(radioactivityOptions('ngram', rho, scale, { studentTokenizer: 'cl100k' }), log);
    rows.push(rhoRow('ngram', rho, r));
  }
  return rows;
}
