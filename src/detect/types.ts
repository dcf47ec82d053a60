/**
 * The detector's public types and constants: options, the result, the shard state and the
 * {@link Detector} interface. No code beyond constants lives here.
 *
 * @module
 */
import type { ResolvedParams } from '../scheme/config.js';
import type { KeyFamily } from '../key/family.js';
import type { SecretKey } from '../key/secret-key.js';
import type { StrataMethod } from '../stats/index.js';

/**
 * Default significance level of {@link DetectionResult.verdict}: 1e-6.
 *
 * The pooled test is exact, so alpha is the false-accusation rate and costs only power: at the
 * published radioactivity strength (green rate 0.2588 against 0.25) reaching 1e-6 instead of 1e-3
 * needs about 2.4 times more scored positions (z 4.75 against 3.09), about 55,000 instead of
 * 23,000, which is small next to the cost of an accusation (computed in docs/detection.md, "Why
 * alpha 1e-6"). The numbers are the evidence; the verdict only reads them against this level.
 */
export const DEFAULT_ALPHA = 1e-6;

/** Significance level of the decoys' KS uniformity check. */
export const DECOY_KS_ALPHA = 0.01;

/** Largest number of decoy keys. */
export const MAX_DECOYS = 10_000;

/** Format string of {@link DetectorState}. */
export const DETECTOR_STATE_FORMAT = 'radiomark-detector-state';

/** Options of {@link createDetector}. Scheme parameters bound by the key file may be omitted. */
export interface DetectorOptions {
  /**
   * The master key (from `parseKey` or `generateKey`), or a key family (`parseKeyFamily`,
   * `generateKeyFamily`): every member key (K cohorts x E epochs) is then scored in one pass over
   * the same deduplicated pairs, the family test gives the verdict, and attribution to cohorts and
   * epochs follows when it fires (docs/detection.md, "Key families"). A family of one cohort
   * without epochs is its master key.
   */
  readonly key: SecretKey | KeyFamily;
  /**
   * For a family with epochs: how many epochs (from epoch 0) to score; required then, refused
   * otherwise. Fix it before looking at any result, e.g. `family.epochOf(investigationTime) + 1`.
   */
  readonly epochs?: number;
  /** Nominal green fraction; refused when it differs from the key file's. */
  readonly gamma?: number;
  /** Preceding ids per window; refused when it differs from the key file's. */
  readonly contextWidth?: number;
  /** Number of token ids; required unless the key file binds it. */
  readonly vocabSize?: number;
  /** Tokenizer name; refused when it differs from the key file's (a check only). */
  readonly tokenizer?: string;
  /** R0: ids never scored as the token of a position (counted as `skipped.special`). */
  readonly specialTokens?: Iterable<number>;
  /** R0: end-of-text id(s); that position and everything after it are skipped (`afterEndOfText`). */
  readonly endOfText?: number | Iterable<number>;
  /**
   * R1 (closed-model setting): drop a position whose window occurs in that document's prompt
   * (`skipped.promptWindow`). Default true; it only acts on documents added with `promptTokens`.
   */
  readonly promptExclusion?: boolean;
  /**
   * R2-R4: score each distinct (window ids, token id) pair once across the corpus (default true).
   * `false` is for benchmarking only: p-values are then invalid, and the result says so.
   */
  readonly dedup?: boolean;
  /**
   * Optional filter, fixed before looking at the suspect's outputs: keep only positions whose
   * window occurs in these reference sequences (the owner's own watermarked data).
   */
  readonly filter?: Iterable<ArrayLike<number>>;
  /** Fixed token budget: stop scoring at exactly this many scored positions. */
  readonly budget?: number;
  /** Number of decoy keys (`deriveKey(key, "decoy/1")` …) scoring the same positions (N3). */
  readonly decoys?: number;
  /** Record the running p-value after each 1% of the scored positions (1 byte per scored position). */
  readonly curve?: boolean;
  /** Significance level of the verdict (default {@link DEFAULT_ALPHA}). */
  readonly alpha?: number;
  /**
   * Shard of a corpus split by pair fingerprint: every shard reads every document, in the same
   * order, and scores only the (window, token) pairs the detector routes to it. See
   * {@link Detector.merge}.
   */
  readonly shard?: { readonly index: number; readonly count: number };
  /**
   * The pooled test's alternative: `greater` (default) tests for a green excess only;
   * `two-sided` also flags a significant green deficit (an over-correcting distiller), with the
   * exact two-sided p-value `min(1, 2 min(P(X >= S), P(X <= S)))` (docs/detection.md, "Detector
   * variants").
   */
  readonly alternative?: Alternative;
  /**
   * Stratified two-sided test: strata fixed before the suspect is read, each tested both ways, the
   * strata combined into one test (docs/detection.md, "Strata"). Either labels passed per position
   * to {@link Detector.add} (`{ count }`), or built in from the window's occurrence count in the
   * owner's reference sequences (`{ reference, bounds }`), never from whether the pair occurs there.
   */
  readonly strata?: StrataOptions;
  /**
   * Weighted test: per-position weights passed to {@link Detector.add}, in `[0, max]` (default max
   * 1), quantized to the integer levels `round(w / max * levels)` (default 16 levels). The test
   * statistic is the sum of the green pairs' levels; its null is exact for the quantized levels.
   * The caller must compute each weight WITHOUT looking at the emitted token's colour (e.g. from
   * the owner's unwatermarked model at that context); a weight that depends on the colour breaks
   * the null.
   */
  readonly weights?: WeightOptions;
  /**
   * Rare-window scope, fixed before the suspect is read: score only positions whose window occurs
   * between `min` (default 0) and `max` times in the reference sequences (the owner's served log);
   * the others count as `skipped.filtered`.
   */
  readonly scope?: ScopeOptions;
}

/** The alternative of the pooled test. */
export type Alternative = 'greater' | 'two-sided';

/** How per-stratum two-sided tests are combined (stats' one definition): Fisher's method or Sidak over the minimum. */
export type { StrataMethod };

/** Options of {@link DetectorOptions.strata}. */
export type StrataOptions =
  | {
      /** Number of strata; labels passed to `add` are integers in `[0, count)`, `count` in 2..256. */
      readonly count: number;
      /** Combination (default `fisher`). */
      readonly method?: StrataMethod;
    }
  | {
      /** The owner's reference sequences (e.g. its served log), read once. */
      readonly reference: Iterable<ArrayLike<number>>;
      /**
       * Strictly increasing counts >= 1: stratum `j` holds windows whose occurrence count `c` in
       * the reference satisfies `bounds[j-1] <= c < bounds[j]` (1 to 255 bounds).
       */
      readonly bounds: readonly number[];
      /** Combination (default `fisher`). */
      readonly method?: StrataMethod;
    };

/** Options of {@link DetectorOptions.weights}. */
export interface WeightOptions {
  /** Largest weight accepted (default 1). */
  readonly max?: number;
  /** Number of integer levels the weights are quantized to, 1..255 (default 16). */
  readonly levels?: number;
}

/** Options of {@link DetectorOptions.scope}. */
export interface ScopeOptions {
  /** The owner's reference sequences, read once. */
  readonly reference: Iterable<ArrayLike<number>>;
  /** Smallest occurrence count kept (default 0: windows absent from the reference are kept). */
  readonly min?: number;
  /** Largest occurrence count kept. */
  readonly max: number;
}

/** Options of {@link Detector.add}. */
export interface AddOptions {
  /** The prompt sent to the suspect for this completion (for R1). */
  readonly promptTokens?: ArrayLike<number>;
  /** With `strata: { count }`: a label in `[0, count)` per completion position. */
  readonly strata?: ArrayLike<number>;
  /**
   * With `weights`: a weight in `[0, max]` per completion position, computed without the emitted
   * token's colour.
   */
  readonly weights?: ArrayLike<number>;
}

/** Positions not scored, by reason. Every position of every document is counted exactly once. */
export interface SkipCounts {
  /** R0: fewer than `contextWidth` completion ids precede the position. */
  noWindow: number;
  /** R2-R4: the (window, token) pair was scored before. */
  duplicate: number;
  /** R1: the window occurs in the document's prompt. */
  promptWindow: number;
  /** Filter: the window does not occur in the reference sequences. */
  filtered: number;
  /** R0: the token is one of `specialTokens`. */
  special: number;
  /** R0: at or after the first end-of-text id. */
  afterEndOfText: number;
  /** The fixed budget was reached before this position was examined. */
  budget: number;
}

/** One document's own counts (after corpus-wide deduplication). */
export interface DocumentScore {
  /** Order in which the document was added, from 0. */
  index: number;
  /** Positions of this document that were scored. */
  scored: number;
  /** Of which green. */
  green: number;
  /** log10 of P(Bin(scored, greenProbability) >= green); `null` when nothing was scored. */
  log10PValue: number | null;
}

/** A point of the running curve. */
export interface CurvePoint {
  /** Fraction of the final scored count, 0.01 … 1. */
  fraction: number;
  /** Scored positions up to this point. */
  scored: number;
  /** Of which green. */
  green: number;
  /** log10 p-value of the pooled test at this point. */
  log10PValue: number;
}

/** The decoy-key check (N3). */
export interface DecoyReport {
  /** Number of decoy keys M. */
  count: number;
  /** log10 p-value of each decoy, in order `decoy/1` … `decoy/M`. */
  values: number[];
  /** `(1 + #{decoys with log10 p <= the real one}) / (M + 1)`. */
  rankPValue: number;
  /** KS test of the decoys' randomized p-values against Uniform(0, 1). */
  ks: { statistic: number; pValue: number; n: number };
  /** Whether the KS test accepts uniformity at {@link DECOY_KS_ALPHA}. */
  uniform: boolean;
  /** Set when the decoys are not uniform: a pipeline bug (tokenizer, dedup, vocabulary), not evidence. */
  warning?: string;
}

/** The test behind a verdict. */
export type TestName = 'pooled' | 'two-sided' | 'strata' | 'weighted' | 'family';

/** One layer of the family test. */
export interface FamilyLayer {
  /**
   * `pooled`: all members' decisions in one binomial; `member min-p`: Sidak over the members;
   * `cohort min-p`: Sidak over the cohorts, each pooled over its epochs; `epoch min-p`: Sidak
   * over the epochs, each pooled over the cohorts.
   */
  name: 'pooled' | 'member min-p' | 'cohort min-p' | 'epoch min-p';
  /** log10 of the layer's p-value. */
  log10PValue: number;
}

/** One member key of a family, in the result. */
export interface MemberScore {
  /** Cohort. */
  cohort: number;
  /** Epoch (`null` without epochs). */
  epoch: number | null;
  /** The member key's fingerprint. */
  fingerprint: string;
  /** Green pairs under this member (of `scored`). */
  green: number;
  /** log10 P(Bin(scored, p) >= green). */
  log10PValue: number;
  /** Holm-adjusted over the members. */
  holmLog10PValue: number;
}

/** One cohort or epoch of the attribution. */
export interface AttributionLine {
  /** The cohort or epoch index. */
  index: number;
  /** Bernoulli trials: scored pairs times the members in it. */
  trials: number;
  /** Green decisions among them. */
  green: number;
  /** log10 of its pooled one-sided p-value. */
  log10PValue: number;
  /** Holm-adjusted over the cohorts (or epochs). */
  holmLog10PValue: number;
  /** Whether the Holm-adjusted p-value is at most alpha. */
  flagged: boolean;
}

/** The key-family test and its attribution. */
export interface FamilyReport {
  /** The family's (master key's) fingerprint. */
  fingerprint: string;
  /** K. */
  cohorts: number;
  /** E scored, or `null` for a family without epochs. */
  epochs: number | null;
  /** K x E. */
  members: number;
  /** The layers tested. */
  layers: FamilyLayer[];
  /** log10 of the family test: Bonferroni over the layers, `min(1, L min_l p_l)`. */
  log10PValue: number;
  /** Every member, cohort-major. */
  perMember: MemberScore[];
  /**
   * Which cohorts and epochs the student carries: `null` unless the family test detected (read
   * only after it fires); per cohort pooled over its epochs, per epoch pooled over the cohorts,
   * each Holm-adjusted at the verdict's alpha.
   */
  attribution: { alpha: number; cohorts: AttributionLine[]; epochs: AttributionLine[] | null } | null;
}

/** The two tails of the pooled count (alternative `two-sided`). */
export interface TwoSidedReport {
  /** log10 P(X >= S). */
  upperLog10PValue: number;
  /** log10 P(X <= S). */
  lowerLog10PValue: number;
  /** Which tail is the smaller. */
  direction: 'excess' | 'deficit';
}

/** One stratum of {@link StrataReport}. */
export interface StratumScore {
  /** Stratum index. */
  index: number;
  /** What the stratum holds, e.g. `label 2` or `window count 2-3`. */
  label: string;
  /** Scored positions in the stratum. */
  scored: number;
  /** Of which green. */
  green: number;
  /** Normal z-score, display only (`null` when nothing was scored). */
  z: number | null;
  /** log10 of the stratum's exact two-sided p-value (0 when nothing was scored). */
  log10PValue: number;
  /** Which tail is the smaller. */
  direction: 'excess' | 'deficit';
  /** Holm-adjusted log10 two-sided p-value over the strata (which strata deviate). */
  holmLog10PValue: number;
}

/** The stratified test. */
export interface StrataReport {
  /** Combination method. */
  method: StrataMethod;
  /** Fisher's statistic `-2 sum ln p_j` (natural log), or the log10 of the smallest stratum p-value for `min-p`. */
  statistic: number;
  /** log10 of the combined p-value (the verdict's, when `test` is `strata`). */
  log10PValue: number;
  /** The strata, in index order. */
  strata: StratumScore[];
}

/** The weighted test. */
export interface WeightedReport {
  /** `exact` (integer levels, exact null) or `chernoff` (a bound: conservative). */
  method: 'exact' | 'chernoff';
  /** Number of levels. */
  levels: number;
  /** Largest weight. */
  maxWeight: number;
  /** The statistic: sum of the green pairs' levels. */
  statistic: number;
  /** Its null mean. */
  mean: number;
  /** log10 of the weighted test's p-value. */
  log10PValue: number;
  /** Scored pairs per level `0 .. levels`. */
  scoredPerLevel: number[];
  /** Green pairs per level. */
  greenPerLevel: number[];
}

/** The verdict read from the numbers. */
export type Verdict = 'detected' | 'not-detected' | 'insufficient';

/** The result of {@link Detector.result}. It never contains the key. */
export interface DetectionResult {
  /** The key's non-secret fingerprint. */
  fingerprint: string;
  /** Nominal gamma. */
  gamma: number;
  /** The exact null probability of green used by the test (threshold / 2^31). */
  greenProbability: number;
  /** Preceding ids per window. */
  contextWidth: number;
  /** Vocabulary size. */
  vocabSize: number;
  /** Documents added. */
  documents: number;
  /** Scored positions N (distinct pairs). */
  scored: number;
  /** Green positions S among them. */
  green: number;
  /** S / N; `null` when nothing was scored. */
  greenFraction: number | null;
  /** Normal z-score, for display only (the decision uses the exact tail); `null` when N = 0. */
  z: number | null;
  /** P(Bin(N, greenProbability) >= S) as a float64 (may underflow to 0); `null` when N = 0. */
  pValue: number | null;
  /** log10 of the same, never -Infinity; `null` when N = 0. */
  log10PValue: number | null;
  /** Significance level the verdict used. */
  alpha: number;
  /**
   * `insufficient` when nothing was scored or when even N green out of N could not reach alpha;
   * `detected` when p <= alpha; else `not-detected`. Read `warnings` before reporting it.
   */
  verdict: Verdict;
  /** Positions not scored, by reason. */
  skipped: SkipCounts;
  /** Whether deduplication was on (off invalidates the p-value). */
  dedup: boolean;
  /** The fixed budget, if any, and whether it was reached. */
  budget: { limit: number; reached: boolean } | null;
  /** Shard coverage, when the detector was sharded. */
  shards: { count: number; covered: number[] } | null;
  /** Per-document counts; never combined into the verdict. */
  perDocument: DocumentScore[];
  /** Running curve (when `curve: true`); the verdict is the final value, never the minimum. */
  curve?: CurvePoint[];
  /** Decoy-key check (when `decoys > 0`). */
  decoys?: DecoyReport;
  /** Which test `pValue`, `log10PValue` and `verdict` come from (chosen by the options, never by the data). */
  test: TestName;
  /** With `alternative: 'two-sided'`: both exact tails of the pooled count. */
  twoSided?: TwoSidedReport;
  /** With `strata`: the per-stratum tests and their combination. */
  strata?: StrataReport;
  /** With `weights`: the weighted test. */
  weighted?: WeightedReport;
  /** With a key family: the family test, every member, and the attribution once the test fires. */
  family?: FamilyReport;
  /**
   * Bernoulli trials behind `green`: `scored` for a single key, `scored` times the number of
   * members for a key family (each pair is coloured under every member).
   */
  trials: number;
  /** Conditions that make the numbers unfit as evidence, in plain words. Empty when none. */
  warnings: string[];
}

/**
 * The serializable state of a detector: counts, per-document counts, decoy counts and the
 * deduplication set. It holds no secret, but in exact-packing mode its fingerprints spell out the
 * scored (window, token) pairs. Plain data with typed arrays: send it with `structuredClone`,
 * `postMessage` or `v8.serialize`.
 */
export interface DetectorState {
  /** Always {@link DETECTOR_STATE_FORMAT}. */
  format: typeof DETECTOR_STATE_FORMAT;
  /** State format version (2: variant counts added). */
  version: 2;
  /** Key fingerprint. */
  fingerprint: string;
  /** Digest of the parameters and rules; states merge only when they agree. */
  configDigest: string;
  /** Shard count of the split (1 when unsharded). */
  shardCount: number;
  /** Shard indexes whose data the state holds. */
  covered: number[];
  /** Documents added. */
  documents: number;
  /** Scored positions. */
  scored: number;
  /** Green positions. */
  green: number;
  /** Skipped positions by reason. */
  skipped: SkipCounts;
  /** Per-document scored counts, length `documents`. */
  docScored: Uint32Array;
  /** Per-document green counts, length `documents`. */
  docGreen: Uint32Array;
  /** Green count under each decoy key. */
  decoyGreen: Uint32Array;
  /** Deduplication fingerprints, `[lo, hi]` per pair (empty when dedup is off). */
  pairs: Uint32Array;
  /** Green bit (a family: green member count) per scored position, in order (only with `curve`). */
  trace: Uint8Array | null;
  /** Whether the fixed budget was reached. */
  budgetReached: boolean;
  /** Per-stratum scored and green counts (empty without strata). */
  strataScored: Uint32Array;
  /** Per-stratum green counts. */
  strataGreen: Uint32Array;
  /** Per-level scored counts (empty without weights). */
  levelScored: Uint32Array;
  /** Per-level green counts. */
  levelGreen: Uint32Array;
  /** Green count per family member (empty for a single key). */
  memberGreen: Uint32Array;
}

/**
 * A corpus-level radioactivity detector. Feed every document of the suspect's corpus with
 * {@link Detector.add} (or {@link Detector.addPredictions} in open-model reading mode), then read
 * {@link Detector.result}.
 */
export interface Detector {
  /** Resolved scheme parameters. */
  readonly config: ResolvedParams;
  /** Key fingerprint. */
  readonly fingerprint: string;
  /** Exact null probability of green. */
  readonly greenProbability: number;
  /**
   * Scores one completion of the suspect. Validates the whole document before changing any state.
   * @param completion - the completion's token ids (never the prompt)
   * @param options - `promptTokens`: the prompt that produced it (enables R1)
   * @returns the document's index
   * @throws TypeError when `completion` or `promptTokens` is not an array of ids; RangeError naming
   *   the document index and position for an id that is not an integer in `[0, vocabSize)`;
   *   RadiomarkError `STATE` after a merge
   */
  add(completion: ArrayLike<number>, options?: AddOptions): number;
  /**
   * Open-model reading mode: `predicted[i]` is the suspect's top-1 prediction for position `i` of
   * the owner's watermarked `text` (given `text[0 .. i)`); scores `isGreen(window of text,
   * predicted[i])` under the same rules and deduplication. End-of-text is read from `text`,
   * special tokens from `predicted`.
   * @returns the document's index
   * @throws TypeError / RangeError as {@link Detector.add}; RangeError when the lengths differ
   */
  addPredictions(text: ArrayLike<number>, predicted: ArrayLike<number>): number;
  /** The pooled test and everything around it. Cheap to call repeatedly (O(documents + decoys)). */
  result(): DetectionResult;
  /** A copy of the detector's state, for {@link Detector.merge} in another process. */
  state(): DetectorState;
  /**
   * Adds a shard's state. Exact: merging the states of shards `0 … count-1` of one corpus gives the
   * same result as a single unsharded pass, provided the corpus was split BY PAIR FINGERPRINT,
   * i.e. every shard was created with `shard: { index, count }` and was fed every document in the
   * same order (the detector routes each (window, token) pair to one shard). Corpora split by
   * document cannot be merged exactly (a pair may occur in two parts) and are refused when their
   * pairs overlap (checked when deduplication is on). After a merge, `add` is refused. A detector that has not added anything adopts
   * the first state it merges (an aggregator process).
   * @throws TypeError for something that is not a state; RadiomarkError `KEY_MISMATCH` for another
   *   key, `CONFIG_MISMATCH` for other parameters or rules, `STATE` for overlapping shards, a
   *   different document count, or a pair present in both
   */
  merge(state: DetectorState): void;
}
