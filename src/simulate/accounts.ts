/**
 * The many-accounts scenario (issue 11 section 3): an API serves N accounts spread over K cohorts
 * and E epochs with a key family (each answer marked with the key of its account's cohort and the
 * current epoch); a distiller runs M fraudulent accounts (concentrated in a few cohorts, or spread
 * over all by the keyed account -> cohort hash; active in some epochs) and trains a student on what
 * they harvested; the investigator tests the student against the whole family and, only when the
 * family test fires, attributes the harvest to cohorts and epochs (Holm-corrected).
 *
 * Scoring applies the detector's position rules (R0-R3 with corpus-wide deduplication, as
 * createDetector) once and decides every scored pair's colour under all K x E member keys.
 */

import { createKeyFamily, type KeyFamily } from '../key/index.js';
import { createWatermark, type Watermark } from '../sampler/index.js';
import { binomialTail, familyTest, holmLog10 } from '../stats/index.js';
import { createRandom, shuffleInPlace } from '../random/index.js';
import { RadiomarkRangeError } from '../errors.js';
import { simulationKey } from './pipeline.js';
import { Student, trainNGram, type Decoding, type TrainingSequence } from './student.js';
import { gainReport, logLikelihood, type GainReport } from './gain.js';
import { TeacherServer, type Completion } from './teacher.js';
import { buildWorld, cycle, type World } from './world.js';
import { DEFAULT_ESTIMATOR, estimateGreen, windowKey, type EstimatorOptions, type HarvestedAnswer } from './steal.js';

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
  /** Pooled test over all members, and the Sidak-corrected smallest member p (log10). */
  readonly pooledLog10P: number;
  readonly minPLog10P: number;
  /** The verdict's test: min-p (fixed before any run: a distiller in few cohorts is the case of interest). */
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
  /** With `neutralize`: the estimate's size and precision (under the keys that marked each pair's answers), and the gain. */
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

/** The fraudulent accounts' cohorts: M accounts, in `fraudCohorts` cohorts (0: wherever the hash puts them). */
function fraudCohortCounts(family: KeyFamily, cfg: AccountsResult['config']): Map<number, number> {
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
 * Scores a suspect under every member key in one pass over the deduplicated pairs.
 * @returns scored count and green count per member
 */
export function scoreFamily(answers: readonly HarvestedAnswer[], members: readonly Watermark[], world: World, budget: number): { scored: number; green: number[] } {
  const h = members[0]!.config.contextWidth;
  const specials = world.tokenizer.specialTokenIds;
  const eot = world.tokenizer.endOfTextId;
  const seen = new Set<string>();
  const green = members.map(() => 0);
  let scored = 0;
  for (const a of answers) {
    const promptWindows = new Set<number | string>();
    for (let i = h; i <= a.prompt.length; i++) promptWindows.add(windowKey(a.prompt, i, h));
    const c = a.completion;
    for (let i = h; i < c.length && scored < budget; i++) {
      const x = c[i]!;
      if (x === eot) break;
      if (specials.has(x)) continue;
      const w = windowKey(c, i, h);
      if (promptWindows.has(w) || seen.has(`${w}|${x}`)) continue;
      seen.add(`${w}|${x}`);
      scored++;
      const win = c.subarray(i - h, i);
      for (let k = 0; k < members.length; k++) if (members[k]!.isGreen(win, x)) green[k]!++;
    }
    if (scored >= budget) break;
  }
  return { scored, green };
}

/** The family test and (when it fires) the attribution. */
export function familyDetection(s: { scored: number; green: number[] }, K: number, E: number, p: number, alpha: number, attributionAlpha: number): FamilyDetection {
  const f = familyTest(
    s.green.map((g) => ({ trials: s.scored, successes: g })),
    p,
  );
  const fired = f.minP.log10PValue <= Math.log10(alpha);
  const per = (n: number, pick: (i: number) => number[]) => {
    const ps = Array.from({ length: n }, (_, i) => binomialTail(pick(i).reduce((a, b) => a + b, 0), s.scored * pick(i).length, p).log10PValue);
    const holm = holmLog10(ps);
    return ps.map((l, i) => ({ log10P: l, holmLog10P: holm[i]!, flagged: holm[i]! <= Math.log10(attributionAlpha), i }));
  };
  const cohorts = fired ? per(K, (c) => s.green.slice(c * E, c * E + E)).map(({ i, ...r }) => ({ cohort: i, ...r })) : null;
  const epochs = fired && E > 1 ? per(E, (e) => Array.from({ length: K }, (_, c) => s.green[c * E + e]!)).map(({ i, ...r }) => ({ epoch: i, ...r })) : null;
  return { scored: s.scored, green: s.green, pooledLog10P: f.pooled.log10PValue, minPLog10P: f.minP.log10PValue, fired, cohorts, epochs };
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
  // The harvest: each (fraudulent account, active epoch) asks the same share of the questions.
  const harvestTokens = Math.round(cfg.rho * cfg.trainTokens);
  const root = createRandom(`accounts-run/${cfg.seed}`);
  const harvest: Completion[] = [];
  let offset = 0;
  for (const [c, n] of [...counts.entries()].sort((a, b) => a[0] - b[0])) {
    for (const e of cfg.fraudEpochs) {
      const tokens = Math.round((harvestTokens * n) / cfg.fraudAccounts / cfg.fraudEpochs.length);
      const sv = new TeacherServer(world.teacher, member(c, e), cycle(world.distillPrompts, offset), root.fork(`harvest/${c}/${e}`), { masking: true, maxNewTokens: 64 });
      const got = sv.take({ tokens }).completions;
      offset += got.length;
      harvest.push(...got);
    }
  }
  const served = harvest.reduce((a, c) => a + c.completion.length, 0);
  progress(`teacher: ${served.toLocaleString('en-US')} harvested tokens through ${counts.size * cfg.fraudEpochs.length} member keys`);
  const bulk: TrainingSequence[] = [];
  let n = 0;
  for (const d of world.cleanDocs) {
    if (n >= cfg.trainTokens - served) break;
    bulk.push({ tokens: d, from: 0 });
    n += d.length;
  }
  const seq = (c: Completion): TrainingSequence => ({ tokens: Uint32Array.from([...c.prompt, ...c.completion, eot]), from: c.prompt.length });
  const members: Watermark[] = [];
  for (let c = 0; c < cfg.cohorts; c++) for (let e = 0; e < E; e++) members.push(member(c, e));
  const reference = trainNGram(bulk, 3, V);
  const nz = options.neutralize;
  const estimate = nz ? estimateGreen(harvest, reference, 2, { ...DEFAULT_ESTIMATOR, ...nz.estimator }) : undefined;
  const keep = nz ? Math.exp(-nz.delta) : 1;
  const decoding: Decoding = estimate ? { accept: (q, x) => (estimate.labels.has(q, q.length, x) ? keep : 1) } : {};
  const detect = (model: ReturnType<typeof trainNGram>, name: string, dec: Decoding = {}): FamilyDetection => {
    const student = new Student(model, 0.2, eot, dec);
    const r = root.fork(`student/${name}`);
    const answers: HarvestedAnswer[] = [];
    let scoredGuess = 0;
    const prompts = cycle(world.heldOutPrompts, 0);
    // Generate until the deduplicated budget is certainly reachable (about 3 generated tokens per scored pair), then score.
    for (let gen = 0; gen < 20 * cfg.budget && scoredGuess < 4 * cfg.budget; ) {
      const prompt = prompts.next().value!;
      const completion = student.complete(prompt, r, 64);
      answers.push({ prompt, completion });
      gen += completion.length;
      scoredGuess += completion.length;
    }
    const s = scoreFamily(answers, members, world, cfg.budget);
    const d = familyDetection(s, cfg.cohorts, E, fwm.greenProbability, cfg.alpha, cfg.attributionAlpha);
    progress(`${name}: ${s.scored.toLocaleString('en-US')} scored; family min-p 10^${d.minPLog10P.toFixed(2)}, pooled 10^${d.pooledLog10P.toFixed(2)}${d.cohorts ? `; flagged cohorts ${d.cohorts.filter((x) => x.flagged).map((x) => x.cohort).join(', ') || 'none'}` : ''}`);
    return d;
  };
  const distilled = trainNGram([...bulk, ...harvest.map(seq)], 3, V);
  const suspect = detect(distilled, 'suspect', decoding);
  const control = cfg.control ? detect(reference, 'control (no harvest)') : null;
  let neutralized: AccountsResult['neutralized'] = null;
  if (estimate && nz) {
    // Precision under the key that marked the answer a pair came from is not defined for a pair
    // seen under several keys: count a label right when it is green under any member that served it.
    let right = 0;
    estimate.labels.forEach((w, x) => void (members.some((m) => m.isGreen(w, x)) && right++));
    const evalAnswers = new TeacherServer(world.teacher, createWatermark({ key: master, delta: 0 }), cycle(world.heldOutPrompts, 4099), root.fork('eval'), { masking: true, maxNewTokens: 64 }).take({ tokens: 5_000 }).completions;
    const texts = evalAnswers.map((c) => ({ tokens: Uint32Array.from([...c.prompt, ...c.completion, eot]), from: c.prompt.length }));
    const llWithout = logLikelihood(reference, texts);
    const llDistilled = logLikelihood(distilled, texts);
    const llAttacked = logLikelihood(distilled, texts, { labels: estimate.labels, delta: nz.delta });
    neutralized = { labelled: estimate.labels.size, precision: estimate.labels.size ? right / estimate.labels.size : 0, gain: gainReport(llWithout.ll, llDistilled.ll, llAttacked.ll, llAttacked.tokens) };
    progress(`neutralized with delta' ${nz.delta}: ${estimate.labels.size} pairs labelled (${((100 * right) / Math.max(1, estimate.labels.size)).toFixed(1)}% green under a member that served them); gain kept ${neutralized.gain.kept === null ? '-' : `${(100 * neutralized.gain.kept).toFixed(1)}%`}`);
  }
  const truthCohorts: Record<number, number> = {};
  for (const [c, k] of counts) truthCohorts[c] = k / cfg.fraudAccounts;
  return { config: cfg, familyFingerprint: family.fingerprint, truth: { cohorts: truthCohorts, epochs: cfg.fraudEpochs }, harvestTokens: served, suspect, control, neutralized, ms: performance.now() - t0 };
}
