/**
 * The many-accounts scenario (docs/simulate.md, "The many-accounts scenario"): an API serves N
 * accounts spread over K cohorts and E epochs with a key family (each answer marked with the key
 * of its account's cohort and the current epoch); a distiller runs M fraudulent accounts
 * (concentrated in a few cohorts, or spread over all by the keyed account -> cohort hash; active in
 * some epochs) and trains a student on what they harvested; the investigator tests the student
 * against the whole family and, only when the family test fires, attributes the harvest to cohorts
 * and epochs (Holm-corrected).
 *
 * Scoring is createDetector's with the family as its key: the position rules once, every scored
 * pair coloured under all K x E member keys in one pass, the family test as the verdict.
 */

import { createKeyFamily, type KeyFamily, type SecretKey } from '../key/index.js';
import { createWatermark, type Watermark } from '../sampler/index.js';
import { createDetector, type AttributionLine, type DetectionResult } from '../detect/index.js';
import { createRandom, shuffleInPlace, type Random } from '../random/index.js';
import { RadiomarkRangeError } from '../errors.js';
import { simulationKey } from './pipeline.js';
import { Student, trainNGram, type Decoding, type TrainingSequence } from './student.js';
import { gainReport, logLikelihood, type GainReport } from './gain.js';
import { TeacherServer, type Completion } from './teacher.js';
import { buildWorld, cycle, type World } from './world.js';
import { DEFAULT_ESTIMATOR, estimateGreen, type EstimatorOptions, type GreenLabels, type HarvestedAnswer } from './steal.js';
import type { NGramModel } from './ngram.js';

/** Options of {@link runAccountsScenario}. */
export interface AccountsOptions {
  readonly seed?: string;
  /** Accounts of the API (N). */
  readonly accounts?: number;
  /** Cohorts of the key family (K). */
  readonly cohorts?: number;
  /** Epochs the investigation covers (E; 1: a family without epochs). */
  readonly epochs?: number;
  /** Fraudulent accounts (M). */
  readonly fraudAccounts?: number;
  /** Cohorts the fraudulent accounts sit in (0: spread over all by the keyed hash). */
  readonly fraudCohorts?: number;
  /** Epochs the distiller is active in (default all). */
  readonly fraudEpochs?: readonly number[];
  /** Harvested share of the student's training tokens. */
  readonly rho?: number;
  readonly trainTokens?: number;
  /** Scored positions (deduplicated pairs) of the suspect. */
  readonly budget?: number;
  /** Level of the family test's verdict. */
  readonly alpha?: number;
  /** Level of the attribution (Holm over cohorts, over epochs). */
  readonly attributionAlpha?: number;
  /** Use only this many WordNet glosses (fast tests). */
  readonly corpusGlosses?: number;
  /** Also test a clean student (rho = 0) the same way. */
  readonly control?: boolean;
  /**
   * Key diversity against neutralization: the distiller estimates green pairs from its harvest
   * (which mixes the keys of its cohorts and epochs) and subtracts `delta` at inference; the run
   * then also reports the gain kept (LL on held-out clean teacher answers).
   */
  readonly neutralize?: { readonly delta: number; readonly estimator?: Partial<EstimatorOptions> };
}

/** Defaults of {@link AccountsOptions} (the issue's target: K 16, a distiller in 2 cohorts, 5%). */
export const ACCOUNTS_DEFAULTS = Object.freeze({
  seed: 'radiomark',
  accounts: 24_000,
  cohorts: 16,
  epochs: 1,
  fraudAccounts: 100,
  fraudCohorts: 2,
  rho: 0.05,
  trainTokens: 600_000,
  budget: 200_000,
  alpha: 1e-6,
  attributionAlpha: 1e-3,
  corpusGlosses: 0,
  control: true,
});

/** The family test and the attribution of one suspect. */
export interface FamilyDetection {
  readonly scored: number;
  /** Green count per member, cohort-major (index cohort * E + epoch). */
  readonly green: readonly number[];
  /** log10 p of the verdict: createDetector's family test (Bonferroni over its layers; a single key's exact test for K = 1). */
  readonly log10P: number;
  /** Two of its layers: the pooled test over all members, and the Sidak-corrected smallest member p (log10). */
  readonly pooledLog10P: number;
  readonly minPLog10P: number;
  /** Whether the verdict is at most `alpha`. */
  readonly fired: boolean;
  /** Per cohort / per epoch: log10 p, Holm-adjusted log10 p, flagged at the attribution level (null unless the family test fired). */
  readonly cohorts: readonly { cohort: number; log10P: number; holmLog10P: number; flagged: boolean }[] | null;
  readonly epochs: readonly { epoch: number; log10P: number; holmLog10P: number; flagged: boolean }[] | null;
}

/** What the scenario measured. */
export interface AccountsResult {
  readonly config: Required<Omit<AccountsOptions, 'fraudEpochs' | 'neutralize'>> & { fraudEpochs: number[] };
  readonly familyFingerprint: string;
  /** The cohorts and epochs the harvest really came from, with each one's share of the harvest. */
  readonly truth: { readonly cohorts: Record<number, number>; readonly epochs: number[] };
  readonly harvestTokens: number;
  readonly suspect: FamilyDetection;
  readonly control: FamilyDetection | null;
  /** With `neutralize`: the estimate's size, its precision (mean share of the serving member keys under which a label is green; chance: gamma), and the gain. */
  readonly neutralized: { labelled: number; precision: number; gain: GainReport } | null;
  readonly ms: number;
}

function check(api: string, name: string, v: number, lo: number, hi: number, integer = true): void {
  if (typeof v !== 'number' || !(v >= lo && v <= hi) || (integer && !Number.isInteger(v))) {
    throw new RadiomarkRangeError(`${api}: "${name}" must be ${integer ? 'an integer ' : ''}in [${lo}, ${hi}], got ${String(v)}`, { api, field: name });
  }
}

/** Resolves and validates the options. */
export function resolveAccountsOptions(o: AccountsOptions): AccountsResult['config'] {
  const api = 'simulate';
  const c = { ...ACCOUNTS_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== o.neutralize)) } as Required<AccountsOptions>;
  check(api, 'accounts', c.accounts, 1, 1e7);
  check(api, 'cohorts', c.cohorts, 1, 4096);
  check(api, 'epochs', c.epochs, 1, 64);
  check(api, 'fraudAccounts', c.fraudAccounts, 1, c.accounts);
  check(api, 'fraudCohorts', c.fraudCohorts, 0, c.cohorts);
  check(api, 'rho', c.rho, 0, 1, false);
  check(api, 'trainTokens', c.trainTokens, 1000, 1e8);
  check(api, 'budget', c.budget, 1, 1e9);
  check(api, 'corpusGlosses', c.corpusGlosses, 0, 1e7);
  const fraudEpochs = o.fraudEpochs ? [...o.fraudEpochs] : Array.from({ length: c.epochs }, (_, e) => e);
  if (fraudEpochs.length === 0) throw new RadiomarkRangeError(`${api}: "fraudEpochs" must name at least one epoch`, { api, field: 'fraudEpochs' });
  for (const e of fraudEpochs) check(api, 'fraudEpochs', e, 0, c.epochs - 1);
  if (o.neutralize) check(api, 'neutralize.delta', o.neutralize.delta, 0, 20, false);
  return { ...c, fraudEpochs: [...new Set(fraudEpochs)].sort((a, b) => a - b) } as AccountsResult['config'];
}

/**
 * The fraudulent accounts' cohorts: M accounts, in `fraudCohorts` cohorts (0: wherever the hash puts them).
 * @returns fraudulent accounts per cohort (deterministic in the family and `cfg.seed`)
 */
export function fraudCohortCounts(family: KeyFamily, cfg: AccountsResult['config']): Map<number, number> {
  const ids = Array.from({ length: cfg.accounts }, (_, i) => `acct-${i}`);
  shuffleInPlace(ids, createRandom(`accounts/${cfg.seed}`));
  let allowed: Set<number> | null = null;
  if (cfg.fraudCohorts > 0) {
    allowed = new Set();
    for (const id of ids) {
      if (allowed.size >= cfg.fraudCohorts) break;
      allowed.add(family.cohortOf(id));
    }
  }
  const counts = new Map<number, number>();
  let m = 0;
  for (const id of ids) {
    if (m >= cfg.fraudAccounts) break;
    const c = family.cohortOf(id);
    if (allowed && !allowed.has(c)) continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    m++;
  }
  return counts;
}

/**
 * The family test and (when it fires at `alpha`) the attribution, read from createDetector's
 * result: the verdict is the product's family test (docs/detection.md, "Key families"; for K = 1
 * without epochs the single key's exact test); the cohorts and epochs are flagged at
 * `attributionAlpha` from the detector's Holm-adjusted p-values, only once the verdict fired.
 */
export function familyDetection(r: DetectionResult, alpha: number, attributionAlpha: number): FamilyDetection {
  const f = r.family;
  const l10 = r.log10PValue ?? 0; // null only when nothing was scored: p = 1
  const layer = (name: string): number => f?.layers.find((l) => l.name === name)?.log10PValue ?? l10;
  const fired = l10 <= Math.log10(alpha);
  const lines = (a: readonly AttributionLine[]) => a.map((x) => ({ index: x.index, log10P: x.log10PValue, holmLog10P: x.holmLog10PValue, flagged: x.holmLog10PValue <= Math.log10(attributionAlpha) }));
  const att = fired ? f?.attribution : undefined;
  return {
    scored: r.scored,
    green: f ? f.perMember.map((m) => m.green) : [r.green],
    log10P: l10,
    pooledLog10P: layer('pooled'),
    minPLog10P: layer('member min-p'),
    fired,
    cohorts: att ? lines(att.cohorts).map(({ index, ...x }) => ({ cohort: index, ...x })) : null,
    epochs: att?.epochs ? lines(att.epochs).map(({ index, ...x }) => ({ epoch: index, ...x })) : null,
  };
}

/**
 * Runs the scenario end to end.
 * @param options - see {@link AccountsOptions}
 * @param progress - one line per phase
 */
export async function runAccountsScenario(options: AccountsOptions = {}, progress: (line: string) => void = () => {}): Promise<AccountsResult> {
  const t0 = performance.now();
  const cfg = resolveAccountsOptions(options);
  const world = await buildWorld({ teacher: 'ngram', split: 'domain', ...(cfg.corpusGlosses > 0 ? { glosses: cfg.corpusGlosses } : {}) });
  const V = world.tokenizer.vocabSize;
  const eot = world.tokenizer.endOfTextId!;
  const master = simulationKey(cfg.seed, { gamma: 0.25, contextWidth: 2, vocabSize: V });
  const family = createKeyFamily(master, { cohorts: cfg.cohorts, ...(cfg.epochs > 1 ? { epochDays: 30, epochOrigin: '2026-01-01' } : {}) });
  const fwm = createWatermark({ key: family, vocabSize: V, delta: 3 });
  const E = cfg.epochs;
  const member = (c: number, e: number): Watermark => (E > 1 ? fwm.member(c, e) : fwm.member(c));
  const counts = fraudCohortCounts(family, cfg);
  progress(`family of ${cfg.cohorts} cohorts x ${E} epoch(s); ${cfg.fraudAccounts} fraudulent accounts of ${cfg.accounts.toLocaleString('en-US')} in cohorts ${[...counts.keys()].sort((a, b) => a - b).join(', ')}; active in epochs ${cfg.fraudEpochs.join(', ')}`);
  const run: FamilyRun = { world, cfg, family, root: createRandom(`accounts-run/${cfg.seed}`), progress };
  const harvest = harvestThroughFamily(run, counts, member);
  const served = harvest.reduce((a, c) => a + c.completion.length, 0);
  progress(`teacher: ${served.toLocaleString('en-US')} harvested tokens through ${counts.size * cfg.fraudEpochs.length} member keys`);
  const bulk: TrainingSequence[] = [];
  let n = 0;
  for (const d of world.cleanDocs) {
    if (n >= cfg.trainTokens - served) break;
    bulk.push({ tokens: d, from: 0 });
    n += d.length;
  }
  const reference = trainNGram(bulk, 3, V);
  const nz = options.neutralize;
  const estimate = nz ? estimateGreen(harvest, reference, 2, { ...DEFAULT_ESTIMATOR, ...nz.estimator }) : undefined;
  const keep = nz ? Math.exp(-nz.delta) : 1;
  const decoding: Decoding = estimate ? { accept: (q, x) => (estimate.labels.has(q, q.length, x) ? keep : 1) } : {};
  const distilled = trainNGram([...bulk, ...harvest.map((c) => withEndOfText(c, eot))], 3, V);
  const suspect = interrogateStudent(run, distilled, 'suspect', decoding);
  const control = cfg.control ? interrogateStudent(run, reference, 'control (no harvest)') : null;
  let neutralized: AccountsResult['neutralized'] = null;
  if (estimate && nz) {
    const serving = [...counts.keys()].flatMap((c) => cfg.fraudEpochs.map((e) => member(c, e)));
    neutralized = neutralizedGain(run, master, serving, estimate.labels, nz.delta, { reference, distilled });
  }
  const truthCohorts: Record<number, number> = {};
  for (const [c, k] of counts) truthCohorts[c] = k / cfg.fraudAccounts;
  return { config: cfg, familyFingerprint: family.fingerprint, truth: { cohorts: truthCohorts, epochs: cfg.fraudEpochs }, harvestTokens: served, suspect, control, neutralized, ms: performance.now() - t0 };
}

/** What the scenario's phases share: the world, the options, the key family, the run's streams. */
interface FamilyRun {
  readonly world: World;
  readonly cfg: AccountsResult['config'];
  readonly family: KeyFamily;
  readonly root: Random;
  readonly progress: (line: string) => void;
}

/** A completion as a training sequence: prompt, completion, end-of-text; trained from the completion. */
function withEndOfText(c: Completion, eot: number): TrainingSequence {
  return { tokens: Uint32Array.from([...c.prompt, ...c.completion, eot]), from: c.prompt.length };
}

/** The harvest: each (fraudulent account, active epoch) asks the same share of the questions, answered under its member key. */
function harvestThroughFamily(run: FamilyRun, counts: Map<number, number>, member: (cohort: number, epoch: number) => Watermark): Completion[] {
  const { world, cfg } = run;
  const harvestTokens = Math.round(cfg.rho * cfg.trainTokens);
  const harvest: Completion[] = [];
  let offset = 0;
  for (const [c, n] of [...counts.entries()].sort((a, b) => a[0] - b[0])) {
    for (const e of cfg.fraudEpochs) {
      const tokens = Math.round((harvestTokens * n) / cfg.fraudAccounts / cfg.fraudEpochs.length);
      const sv = new TeacherServer(world.teacher, member(c, e), cycle(world.distillPrompts, offset), run.root.fork(`harvest/${c}/${e}`), { masking: true, maxNewTokens: 64 });
      const got = sv.take({ tokens }).completions;
      offset += got.length;
      harvest.push(...got);
    }
  }
  return harvest;
}

/** A student answers held-out prompts; createDetector, with the family as key, tests the answers. */
function interrogateStudent(run: FamilyRun, model: NGramModel, name: string, dec: Decoding = {}): FamilyDetection {
  const { world, cfg } = run;
  const E = cfg.epochs;
  const eot = world.tokenizer.endOfTextId!;
  const student = new Student(model, 0.2, eot, dec);
  const r = run.root.fork(`student/${name}`);
  const answers: HarvestedAnswer[] = [];
  let scoredGuess = 0;
  const prompts = cycle(world.heldOutPrompts, 0);
  // Generate until the deduplicated budget is certainly reachable, then score: 4 generated tokens per
  // budgeted pair, a margin over the single-key suspect's about 2 per scored pair
  // (`suspect.generatedTokens / suspect.detection.scored` in `radiomark simulate --world domain --json`).
  for (let gen = 0; gen < 20 * cfg.budget && scoredGuess < 4 * cfg.budget; ) {
    const prompt = prompts.next().value!;
    const completion = student.complete(prompt, r, 64);
    answers.push({ prompt, completion });
    gen += completion.length;
    scoredGuess += completion.length;
  }
  const det = createDetector({ key: run.family, ...(E > 1 ? { epochs: E } : {}), tokenizer: world.tokenizer.name, specialTokens: world.tokenizer.specialTokenIds, endOfText: eot, budget: cfg.budget, alpha: cfg.alpha });
  for (const a of answers) det.add(a.completion, { promptTokens: a.prompt });
  const d = familyDetection(det.result(), cfg.alpha, cfg.attributionAlpha);
  run.progress(
    `${name}: ${d.scored.toLocaleString('en-US')} scored; family test 10^${d.log10P.toFixed(2)} (member min-p 10^${d.minPLog10P.toFixed(2)}, pooled 10^${d.pooledLog10P.toFixed(2)})${d.cohorts ? `; flagged cohorts ${d.cohorts.filter((x) => x.flagged).map((x) => x.cohort).join(', ') || 'none'}` : ''}`,
  );
  return d;
}

/**
 * What neutralization left the distiller: the estimate's size and precision, and the gain kept on
 * held-out clean teacher answers (served unwatermarked under the master key).
 */
function neutralizedGain(
  run: FamilyRun,
  master: SecretKey,
  serving: readonly Watermark[],
  labels: GreenLabels,
  delta: number,
  models: { readonly reference: NGramModel; readonly distilled: NGramModel },
): NonNullable<AccountsResult['neutralized']> {
  const { world } = run;
  const eot = world.tokenizer.endOfTextId!;
  // Precision: a pair may have been served under several member keys, so a label scores the share
  // of the serving members (cohorts x active epochs of the fraudulent accounts) under which it is
  // green: with one serving key this is plain precision; labels drawn at random score gamma.
  let right = 0;
  labels.forEach((w, x) => void (right += serving.filter((m) => m.isGreen(w, x)).length / serving.length));
  const server = new TeacherServer(world.teacher, createWatermark({ key: master, delta: 0 }), cycle(world.heldOutPrompts, 4099), run.root.fork('eval'), { masking: true, maxNewTokens: 64 });
  const texts = server.take({ tokens: 5_000 }).completions.map((c) => withEndOfText(c, eot));
  const llWithout = logLikelihood(models.reference, texts);
  const llDistilled = logLikelihood(models.distilled, texts);
  const llAttacked = logLikelihood(models.distilled, texts, { labels, delta });
  const gain = gainReport(llWithout.ll, llDistilled.ll, llAttacked.ll, llAttacked.tokens);
  run.progress(
    `neutralized with delta' ${delta}: ${labels.size} pairs labelled (${((100 * right) / Math.max(1, labels.size)).toFixed(1)}% green, averaged over the member keys that served the harvest); gain kept ${gain.kept === null ? '-' : `${(100 * gain.kept).toFixed(1)}%`}`,
  );
  return { labelled: labels.size, precision: labels.size ? right / labels.size : 0, gain };
}
