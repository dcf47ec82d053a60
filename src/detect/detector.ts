import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { RadiomarkError } from '../errors.js';
import { deriveKey, SecretKey, subkey, type KeyParams } from '../key/secret-key.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';
import { createGreenList, SEED_WORDS, type GreenList } from '../scheme/green-list.js';
import { binomialTail, ksUniform, zScore } from '../stats/index.js';
import { Fingerprinter, FingerprintSet, fmix32 } from './fingerprint.js';

/**
 * Default significance level of {@link DetectionResult.verdict}: 1e-6.
 *
 * The pooled test is exact, so alpha is the false-accusation rate and costs only power: at the
 * published radioactivity strength (green rate 0.2588 against 0.25) reaching 1e-6 instead of 1e-3
 * needs about 2.4 times more scored positions (z 4.75 against 3.09), about 55,000 instead of
 * 23,000, which is small next to the cost of an accusation. The numbers are the evidence; the
 * verdict only reads them against this level.
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
  /** The master key (from `parseKey` or `generateKey`). */
  readonly key: SecretKey;
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
}

/** Options of {@link Detector.add}. */
export interface AddOptions {
  /** The prompt sent to the suspect for this completion (for R1). */
  readonly promptTokens?: ArrayLike<number>;
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
  /** State format version (1). */
  version: 1;
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
  /** Green bit per scored position, in order (only with `curve`). */
  trace: Uint8Array | null;
  /** Whether the fixed budget was reached. */
  budgetReached: boolean;
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

interface Rules {
  specials: Uint8Array | null;
  eots: Uint8Array | null;
  promptExclusion: boolean;
  dedup: boolean;
  budget: number;
  decoys: number;
  curve: boolean;
  alpha: number;
  shardIndex: number;
  shardCount: number;
}

const API = 'createDetector';

/** Positions per chunk of the two-pass hot loop. */
const CHUNK = 64;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function isArrayLike(v: unknown): v is ArrayLike<number> {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as ArrayLike<number>).length === 'number' &&
    Number.isInteger((v as ArrayLike<number>).length) &&
    (v as ArrayLike<number>).length >= 0
  );
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function checkBool(api: string, name: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new TypeError(`${api}: "${name}" must be a boolean, got ${describe(v)}`);
  return v;
}

function idFlags(api: string, name: string, v: unknown, vocabSize: number): Uint8Array | null {
  if (v === undefined) return null;
  let list: unknown[];
  if (typeof v === 'number' && name === 'endOfText') list = [v];
  else if (isIterable(v)) list = [...v];
  else {
    throw new TypeError(`${api}: "${name}" must be ${name === 'endOfText' ? 'a token id or ' : ''}an iterable of token ids, got ${describe(v)}`);
  }
  const flags = new Uint8Array(vocabSize);
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      const where = typeof v === 'number' ? name : `${name}[${i}]`;
      throw new RangeError(`${api}: "${where}" must be an integer token id in [0, ${vocabSize}), got ${describe(id)}`);
    }
    flags[id] = 1;
  }
  return list.length > 0 ? flags : null;
}

/**
 * Deterministic uniform number in (0, 1) from two integers (for randomized p-values).
 * @internal
 */
export function uniformFrom(a: number, b: number): number {
  return (fmix32((fmix32(a >>> 0) ^ Math.imul(b >>> 0, 0x9e3779b1)) >>> 0) + 0.5) / 2 ** 32;
}

/**
 * Randomized p-value of a discrete upper-tail binomial test: `P(X > k) + u * P(X = k)`. Exactly
 * Uniform(0, 1) under the null when `u` is, unlike the exact p-value, which is stochastically
 * larger (so a KS test on exact p-values of short documents rejects uniformity of a correct null).
 *
 * @param k - green count
 * @param n - scored count, > 0
 * @param p - null probability
 * @param u - a uniform number in (0, 1), independent of the data
 * @returns a p-value in [0, 1]
 * @throws TypeError / RangeError from `binomialTail` for invalid counts or probability
 * @example
 * ```ts
 * randomizedPValue(65, 200, 0.25, Math.random()); // uniform on [P(X > 65), P(X >= 65)]
 * ```
 */
export function randomizedPValue(k: number, n: number, p: number, u: number): number {
  const above = k + 1 > n ? 0 : binomialTail(k + 1, n, p).pValue;
  const atLeast = binomialTail(k, n, p).pValue;
  return above + u * (atLeast - above);
}

/**
 * Whether even `n` green out of `n` could not reach `alpha`: `n * log10(p) > log10(alpha)`.
 * @internal
 */
export function underpowered(n: number, p: number, alpha: number): boolean {
  return n === 0 || n * Math.log10(p) > Math.log10(alpha);
}

/**
 * Creates a corpus-level radioactivity detector: position rules R0-R4 and the filter, a compact
 * deduplication set, the exact pooled binomial test, per-document scores, decoy keys, a running
 * curve and a fixed budget (detection brief, README "Investigator").
 *
 * Parameters are resolved with the key file's: a `gamma`, `contextWidth`, `vocabSize` or
 * `tokenizer` that differs from the one the key file binds is refused.
 *
 * Windows are taken from the completion itself (its first `contextWidth` positions are
 * `noWindow`), so the prompt is never scored and never supplies context.
 *
 * Cost: one BLAKE3 compression per scored position per key (1 + decoys), one fingerprint and one
 * set probe per examined position; duplicates cost no hash. Memory: 8 bytes per slot of the
 * deduplication set, at most 75% full (10.7-21.3 bytes per distinct pair); 4 bytes per vocabulary
 * id per key (1 + decoys) for the green-list tables.
 *
 * @param options - see {@link DetectorOptions}
 * @returns a {@link Detector}
 * @throws TypeError for a wrong type (options, key, flags, id lists); RangeError for an out-of-range
 *   value (ids, budget, decoys, alpha, shard) or a missing `vocabSize`; RadiomarkError
 *   `CONFIG_MISMATCH` when a parameter contradicts the key file
 * @example
 * ```ts
 * const det = createDetector({ key: parseKey(text), vocabSize: 200019, decoys: 20 });
 * for (const { prompt, completion } of corpus) det.add(completion, { promptTokens: prompt });
 * const r = det.result(); // r.log10PValue, r.verdict, r.skipped, r.decoys.rankPValue
 * ```
 */
export function createDetector(options: DetectorOptions): Detector {
  return new DetectorImpl(options, API, false);
}

/**
 * The detector behind {@link createDetector}, {@link checkKey}, `detectWindows` and the multi-key
 * detector. `recordPositions` keeps the green bit and text position of every scored position.
 * @internal
 */
export class DetectorImpl implements Detector {
  readonly config: ResolvedParams;
  readonly fingerprint: string;
  readonly greenProbability: number;
  private readonly gl: GreenList;
  private readonly decoyLists: GreenList[];
  private readonly rules: Rules;
  private readonly h: number;
  private readonly pairFp: Fingerprinter;
  private readonly winFp: Fingerprinter;
  private readonly pairs: FingerprintSet | null;
  private readonly filterSet: FingerprintSet | null;
  private promptSet: FingerprintSet;
  private readonly shardSalt: number;
  private readonly configDigest: string;
  private readonly api: string;

  private documents = 0;
  private scored = 0;
  private green = 0;
  private readonly skipped: SkipCounts = { noWindow: 0, duplicate: 0, promptWindow: 0, filtered: 0, special: 0, afterEndOfText: 0, budget: 0 };
  private docScored = new Uint32Array(64);
  private docGreen = new Uint32Array(64);
  private readonly decoyGreen: Uint32Array;
  private budgetReached = false;
  private covered: number[];
  private touched = false;
  private merged = false;
  /** Green bit per scored position (curve, windows). */
  trace: Uint8Array | null;
  /** Document position of each scored position (windows only). */
  positions: Uint32Array | null;
  traceLength = 0;

  private bufA = new Uint32Array(256);
  private bufB = new Uint32Array(256);
  private bufP = new Uint32Array(256);
  private readonly seed = new Uint32Array(SEED_WORDS);
  private readonly chunkLo = new Uint32Array(CHUNK);
  private readonly chunkHi = new Uint32Array(CHUNK);
  private readonly chunkWinLo = new Uint32Array(CHUNK);
  private readonly chunkWinHi = new Uint32Array(CHUNK);
  /** Keeps pass 1's loads observable. */
  private sink = 0;

  constructor(options: DetectorOptions, api: string, recordPositions: boolean) {
    this.api = api;
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`${api}: options must be an object, got ${describe(options)}`);
    }
    const { key } = options;
    if (!(key instanceof SecretKey)) {
      throw new TypeError(`${api}: "key" must be a SecretKey (from parseKey or generateKey), got ${describe(key)}`);
    }
    const params: KeyParams = { gamma: options.gamma, contextWidth: options.contextWidth, vocabSize: options.vocabSize, tokenizer: options.tokenizer };
    this.config = resolveParams(api, key, params);
    const { gamma, contextWidth, vocabSize } = this.config;
    const V = vocabSize;
    const specials = idFlags(api, 'specialTokens', options.specialTokens, V);
    const eots = idFlags(api, 'endOfText', options.endOfText, V);
    const promptExclusion = checkBool(api, 'promptExclusion', options.promptExclusion) ?? true;
    const dedup = checkBool(api, 'dedup', options.dedup) ?? true;
    const curve = checkBool(api, 'curve', options.curve) ?? false;
    let budget = 0;
    if (options.budget !== undefined) {
      if (typeof options.budget !== 'number') throw new TypeError(`${api}: "budget" must be a number, got ${describe(options.budget)}`);
      if (!Number.isInteger(options.budget) || options.budget < 1 || options.budget > 2 ** 32 - 1) {
        throw new RangeError(`${api}: "budget" must be an integer in 1..2^32-1, got ${options.budget}`);
      }
      budget = options.budget;
    }
    let decoys = 0;
    if (options.decoys !== undefined) {
      if (typeof options.decoys !== 'number') throw new TypeError(`${api}: "decoys" must be a number, got ${describe(options.decoys)}`);
      if (!Number.isInteger(options.decoys) || options.decoys < 0 || options.decoys > MAX_DECOYS) {
        throw new RangeError(`${api}: "decoys" must be an integer in 0..${MAX_DECOYS}, got ${options.decoys}`);
      }
      decoys = options.decoys;
    }
    let alpha = DEFAULT_ALPHA;
    if (options.alpha !== undefined) {
      if (typeof options.alpha !== 'number') throw new TypeError(`${api}: "alpha" must be a number, got ${describe(options.alpha)}`);
      if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`${api}: "alpha" must be in (0, 1), got ${options.alpha}`);
      alpha = options.alpha;
    }
    let shardIndex = 0;
    let shardCount = 1;
    if (options.shard !== undefined) {
      const s = options.shard as unknown;
      if (s === null || typeof s !== 'object') throw new TypeError(`${api}: "shard" must be { index, count }, got ${describe(s)}`);
      const { index, count } = s as { index: unknown; count: unknown };
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 65536) {
        throw new RangeError(`${api}: "shard.count" must be an integer in 1..65536, got ${describe(count)}`);
      }
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`${api}: "shard.index" must be an integer in 0..${count - 1}, got ${describe(index)}`);
      }
      shardIndex = index;
      shardCount = count;
      if (count > 1 && budget > 0) throw new RangeError(`${api}: "budget" needs a single pass in order; it cannot be combined with shard.count ${count}`);
      if (count > 1 && curve) throw new RangeError(`${api}: "curve" needs a single pass in order; it cannot be combined with shard.count ${count}`);
    }
    this.rules = { specials, eots, promptExclusion, dedup, budget, decoys, curve, alpha, shardIndex, shardCount };
    this.covered = [shardIndex];

    this.h = contextWidth;
    this.gl = createGreenList({ key, gamma, contextWidth, vocabSize });
    this.fingerprint = key.fingerprint;
    this.greenProbability = this.gl.greenProbability;
    this.decoyLists = [];
    for (let j = 1; j <= decoys; j++) {
      this.decoyLists.push(createGreenList({ key: deriveKey(key, `decoy/${j}`), gamma, contextWidth, vocabSize }));
    }
    this.decoyGreen = new Uint32Array(decoys);

    const salt = subkey(key, 'detect/salt/v1', 8);
    const saltWords = new Uint32Array(salt.buffer, salt.byteOffset, 2);
    this.shardSalt = saltWords[1]!;
    this.pairFp = new Fingerprinter(key, contextWidth + 1, V);
    this.winFp = new Fingerprinter(key, contextWidth, V);
    this.pairs = dedup ? new FingerprintSet(1024, saltWords[0]!) : null;
    this.promptSet = new FingerprintSet(64, saltWords[0]!);

    let filterSet: FingerprintSet | null = null;
    if (options.filter !== undefined) {
      if (!isIterable(options.filter)) throw new TypeError(`${api}: "filter" must be an iterable of token-id sequences, got ${describe(options.filter)}`);
      filterSet = new FingerprintSet(1024, saltWords[0]!);
      let r = 0;
      for (const seq of options.filter) {
        if (!isArrayLike(seq)) throw new TypeError(`${api}: "filter[${r}]" must be an array of token ids, got ${describe(seq)}`);
        const buf = this.load(seq, 'A', `${api}: filter[${r}]`, '');
        for (let i = contextWidth; i <= seq.length; i++) {
          this.winFp.compute(buf, i - contextWidth, -1);
          filterSet.add(this.winFp.lo, this.winFp.hi);
        }
        r++;
      }
    }
    this.filterSet = filterSet;

    this.trace = curve || recordPositions ? new Uint8Array(1024) : null;
    this.positions = recordPositions ? new Uint32Array(1024) : null;

    const digestInput = JSON.stringify({
      v: 1,
      threshold: this.gl.threshold,
      contextWidth,
      vocabSize,
      pairMode: this.pairFp.exact ? 'exact' : 'hashed',
      specials: specials ? bytesToHex(sha256(specials)) : null,
      eots: eots ? bytesToHex(sha256(eots)) : null,
      promptExclusion,
      dedup,
      filter: filterSet ? filterSet.digest() : null,
      decoys,
      budget,
      curve,
      shardCount,
    });
    this.configDigest = bytesToHex(sha256(utf8ToBytes(digestInput))).slice(0, 32);
  }

  /** Copies and validates a document into scratch buffer `which`; returns the buffer. */
  private load(seq: ArrayLike<number>, which: 'A' | 'B' | 'P', where: string, field: string): Uint32Array {
    const n = seq.length;
    let buf = which === 'A' ? this.bufA : which === 'B' ? this.bufB : this.bufP;
    if (buf.length < n) {
      let cap = buf.length;
      while (cap < n) cap *= 2;
      buf = new Uint32Array(cap);
      if (which === 'A') this.bufA = buf;
      else if (which === 'B') this.bufB = buf;
      else this.bufP = buf;
    }
    const V = this.config.vocabSize;
    for (let i = 0; i < n; i++) {
      const id = seq[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= V) {
        throw new RangeError(`${where}${field}[${i}] must be an integer token id in [0, ${V}), got ${describe(id)}`);
      }
      buf[i] = id;
    }
    return buf;
  }

  private checkOpen(method: string): void {
    if (this.merged) {
      throw new RadiomarkError('STATE', `${method}: this detector has merged another shard's state; add every document to every shard before merging`);
    }
  }

  add(completion: ArrayLike<number>, options?: AddOptions): number {
    const api = this.api === API ? 'detector.add' : this.api;
    this.checkOpen(api);
    const doc = this.documents;
    if (!isArrayLike(completion)) throw new TypeError(`${api}: document ${doc}: "completion" must be an array of token ids, got ${describe(completion)}`);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`${api}: document ${doc}: options must be an object, got ${describe(options)}`);
    }
    const prompt = options?.promptTokens;
    if (prompt !== undefined && !isArrayLike(prompt)) {
      throw new TypeError(`${api}: document ${doc}: "promptTokens" must be an array of token ids, got ${describe(prompt)}`);
    }
    const ids = this.load(completion, 'A', `${api}: document ${doc}, `, 'completion');
    let usePrompt = false;
    if (prompt !== undefined && this.rules.promptExclusion) {
      const p = this.load(prompt, 'P', `${api}: document ${doc}, `, 'promptTokens');
      const h = this.h;
      const windows = prompt.length - h + 1;
      if (windows > 0) {
        if (this.promptSet.slots > 4096 && this.promptSet.slots > 8 * windows) this.promptSet = new FingerprintSet(windows, this.promptSalt());
        else this.promptSet.clear();
        for (let i = h; i <= prompt.length; i++) {
          this.winFp.compute(p, i - h, -1);
          this.promptSet.add(this.winFp.lo, this.winFp.hi);
        }
        usePrompt = true;
      }
    }
    this.scoreDocument(ids, ids, completion.length, usePrompt);
    return doc;
  }

  addPredictions(text: ArrayLike<number>, predicted: ArrayLike<number>): number {
    const api = this.api === API ? 'detector.addPredictions' : this.api;
    this.checkOpen(api);
    const doc = this.documents;
    if (!isArrayLike(text)) throw new TypeError(`${api}: document ${doc}: "text" must be an array of token ids, got ${describe(text)}`);
    if (!isArrayLike(predicted)) throw new TypeError(`${api}: document ${doc}: "predicted" must be an array of token ids, got ${describe(predicted)}`);
    if (predicted.length !== text.length) {
      throw new RangeError(`${api}: document ${doc}: "predicted" must have one id per text position (${text.length}), got ${predicted.length}`);
    }
    const ids = this.load(text, 'A', `${api}: document ${doc}, `, 'text');
    const toks = this.load(predicted, 'B', `${api}: document ${doc}, `, 'predicted');
    this.scoreDocument(ids, toks, text.length, false);
    return doc;
  }

  private promptSalt(): number {
    return (this.shardSalt ^ 0x3c6ef372) >>> 0;
  }

  /**
   * The hot loop. `ids` supplies windows and end-of-text, `toks` the scored token (the same array
   * outside reading mode). Allocation-free except for amortized growth of the typed arrays.
   */
  private scoreDocument(ids: Uint32Array, toks: Uint32Array, n: number, usePrompt: boolean): void {
    this.touched = true;
    const doc = this.documents++;
    if (doc >= this.docScored.length) {
      const s = new Uint32Array(this.docScored.length * 2);
      s.set(this.docScored);
      this.docScored = s;
      const g = new Uint32Array(this.docGreen.length * 2);
      g.set(this.docGreen);
      this.docGreen = g;
    }
    const r = this.rules;
    const h = this.h;
    const sk = this.skipped;
    const owner0 = r.shardIndex === 0 ? 1 : 0;
    const sharded = r.shardCount > 1;
    const specials = r.specials;
    const eots = r.eots;
    const filterSet = this.filterSet;
    const pairs = this.pairs;
    const promptSet = this.promptSet;
    const pairFp = this.pairFp;
    const winFp = this.winFp;
    const gl = this.gl;
    const seed = this.seed;
    const decoyLists = this.decoyLists;
    const M = decoyLists.length;
    const decoyGreen = this.decoyGreen;
    const budget = r.budget;
    const needWindow = usePrompt || filterSet !== null;
    const needPair = pairs !== null || sharded;
    const cLo = this.chunkLo;
    const cHi = this.chunkHi;
    const wLo = this.chunkWinLo;
    const wHi = this.chunkWinHi;
    let docScored = 0;
    let docGreen = 0;
    let sink = 0;
    chunks: for (let c = 0; c < n; c += CHUNK) {
      const end = c + CHUNK < n ? c + CHUNK : n;
      // Pass 1: fingerprints of the chunk, and a load of each one's home slot. The loads are
      // independent, so the CPU overlaps their cache and TLB misses (about 4x faster than one miss
      // at a time on large sets); pass 2 then finds those lines in cache.
      const from = needPair || needWindow ? (c < h ? h : c) : end;
      for (let i = from; i < end; i++) {
        const k = i - c;
        if (needPair) {
          pairFp.compute(ids, i - h, toks[i]!);
          cLo[k] = pairFp.lo;
          cHi[k] = pairFp.hi;
          if (pairs !== null) sink ^= pairs.touch(pairFp.lo, pairFp.hi);
        }
        if (needWindow) {
          winFp.compute(ids, i - h, -1);
          wLo[k] = winFp.lo;
          wHi[k] = winFp.hi;
          if (filterSet !== null) sink ^= filterSet.touch(winFp.lo, winFp.hi);
        }
      }
      // Pass 2: the rules, in order.
      for (let i = c; i < end; i++) {
        if (this.budgetReached) {
          sk.budget += owner0 * (n - i);
          break chunks;
        }
        if (eots !== null && eots[ids[i]!] === 1) {
          sk.afterEndOfText += owner0 * (n - i);
          break chunks;
        }
        if (i < h) {
          sk.noWindow += owner0;
          continue;
        }
        const t = toks[i]!;
        if (specials !== null && specials[t] === 1) {
          sk.special += owner0;
          continue;
        }
        const k = i - c;
        const lo = cLo[k]!;
        const hi = cHi[k]!;
        if (sharded && fmix32((hi ^ Math.imul(lo, 0xcc9e2d51) ^ this.shardSalt) >>> 0) % r.shardCount !== r.shardIndex) continue;
        if (needWindow) {
          if (usePrompt && promptSet.has(wLo[k]!, wHi[k]!)) {
            sk.promptWindow++;
            continue;
          }
          if (filterSet !== null && !filterSet.has(wLo[k]!, wHi[k]!)) {
            sk.filtered++;
            continue;
          }
        }
        if (pairs !== null && !pairs.add(lo, hi)) {
          sk.duplicate++;
          continue;
        }
        gl.seedWindow(ids, i, seed, 0);
        const g = gl.isGreenSeeded(seed, 0, t) ? 1 : 0;
        docScored++;
        docGreen += g;
        for (let j = 0; j < M; j++) {
          const d = decoyLists[j]!;
          d.seedWindow(ids, i, seed, 0);
          if (d.isGreenSeeded(seed, 0, t)) decoyGreen[j]++;
        }
        if (this.trace !== null) this.record(g, i);
        if (budget > 0 && this.scored + docScored === budget) this.budgetReached = true;
      }
    }
    this.sink = sink;
    this.scored += docScored;
    this.green += docGreen;
    this.docScored[doc] = docScored;
    this.docGreen[doc] = docGreen;
  }

  private record(g: number, position: number): void {
    const k = this.traceLength;
    let trace = this.trace!;
    if (k === trace.length) {
      const t = new Uint8Array(trace.length * 2);
      t.set(trace);
      this.trace = trace = t;
      if (this.positions !== null) {
        const p = new Uint32Array(this.positions.length * 2);
        p.set(this.positions);
        this.positions = p;
      }
    }
    trace[k] = g;
    if (this.positions !== null) this.positions[k] = position;
    this.traceLength = k + 1;
  }

  result(): DetectionResult {
    const r = this.rules;
    const p = this.greenProbability;
    const N = this.scored;
    const S = this.green;
    const warnings: string[] = [];
    let pValue: number | null = null;
    let log10PValue: number | null = null;
    if (N > 0) {
      const t = binomialTail(S, N, p);
      pValue = t.pValue;
      log10PValue = t.log10PValue;
    }
    const verdict: Verdict =
      underpowered(N, p, r.alpha) ? 'insufficient' : (log10PValue as number) <= Math.log10(r.alpha) ? 'detected' : 'not-detected';
    if (N === 0) warnings.push('nothing was scored: the corpus gives no evidence either way (see "skipped")');
    else if (verdict === 'insufficient') warnings.push(`only ${N} positions were scored: even all green could not reach alpha ${r.alpha}`);
    if (!r.dedup) warnings.push('deduplication is off (benchmarking only): repeated pairs are counted again and the p-value is not valid');
    const perDocument: DocumentScore[] = new Array(this.documents);
    for (let d = 0; d < this.documents; d++) {
      const n = this.docScored[d]!;
      const g = this.docGreen[d]!;
      perDocument[d] = { index: d, scored: n, green: g, log10PValue: n > 0 ? binomialTail(g, n, p).log10PValue : null };
    }
    const result: DetectionResult = {
      fingerprint: this.fingerprint,
      gamma: this.config.gamma,
      greenProbability: p,
      contextWidth: this.config.contextWidth,
      vocabSize: this.config.vocabSize,
      documents: this.documents,
      scored: N,
      green: S,
      greenFraction: N > 0 ? S / N : null,
      z: N > 0 ? zScore(S, N, p) : null,
      pValue,
      log10PValue,
      alpha: r.alpha,
      verdict,
      skipped: { ...this.skipped },
      dedup: r.dedup,
      budget: r.budget > 0 ? { limit: r.budget, reached: this.budgetReached } : null,
      shards: r.shardCount > 1 ? { count: r.shardCount, covered: [...this.covered].sort((a, b) => a - b) } : null,
      perDocument,
      warnings,
    };
    if (r.shardCount > 1 && this.covered.length < r.shardCount) {
      warnings.push(`only shards ${result.shards!.covered.join(', ')} of ${r.shardCount} are merged: the counts cover part of the corpus`);
    }
    if (r.curve && this.trace !== null) result.curve = this.curvePoints();
    if (r.decoys > 0) {
      result.decoys = this.decoyReport(log10PValue);
      if (result.decoys.warning) warnings.push(result.decoys.warning);
    }
    return result;
  }

  private curvePoints(): CurvePoint[] {
    const N = this.traceLength;
    const p = this.greenProbability;
    const trace = this.trace!;
    const out: CurvePoint[] = [];
    let g = 0;
    let pos = 0;
    for (let k = 1; k <= 100; k++) {
      const upto = Math.ceil((k * N) / 100);
      if (upto === 0 || upto === pos) continue;
      while (pos < upto) g += trace[pos++]!;
      out.push({ fraction: k / 100, scored: upto, green: g, log10PValue: binomialTail(g, upto, p).log10PValue });
    }
    return out;
  }

  private decoyReport(realLog10: number | null): DecoyReport {
    const M = this.rules.decoys;
    const N = this.scored;
    const p = this.greenProbability;
    const values: number[] = [];
    const randomized: number[] = [];
    let asExtreme = 0;
    for (let j = 0; j < M; j++) {
      const g = this.decoyGreen[j]!;
      const lg = N > 0 ? binomialTail(g, N, p).log10PValue : 0;
      values.push(lg);
      if (realLog10 !== null && lg <= realLog10) asExtreme++;
      if (N > 0) randomized.push(randomizedPValue(g, N, p, uniformFrom(0x6a09e667, j)));
    }
    const ks = N > 0 ? ksUniform(randomized) : { statistic: 0, pValue: 1, n: 0 };
    const uniform = N === 0 || ks.pValue >= DECOY_KS_ALPHA;
    const report: DecoyReport = {
      count: M,
      values,
      rankPValue: realLog10 === null ? 1 : (1 + asExtreme) / (M + 1),
      ks: { statistic: ks.statistic, pValue: ks.pValue, n: ks.n },
      uniform,
    };
    if (!uniform) {
      report.warning = `the ${M} decoy keys' p-values are not uniform (KS p = ${ks.pValue.toPrecision(3)} < ${DECOY_KS_ALPHA}): suspect a pipeline bug (tokenizer, vocabulary, deduplication), not evidence`;
    }
    return report;
  }

  state(): DetectorState {
    return {
      format: DETECTOR_STATE_FORMAT,
      version: 1,
      fingerprint: this.fingerprint,
      configDigest: this.configDigest,
      shardCount: this.rules.shardCount,
      covered: [...this.covered],
      documents: this.documents,
      scored: this.scored,
      green: this.green,
      skipped: { ...this.skipped },
      docScored: this.docScored.slice(0, this.documents),
      docGreen: this.docGreen.slice(0, this.documents),
      decoyGreen: this.decoyGreen.slice(),
      pairs: this.pairs ? this.pairs.entries() : new Uint32Array(0),
      trace: this.rules.curve && this.trace ? this.trace.slice(0, this.traceLength) : null,
      budgetReached: this.budgetReached,
    };
  }

  merge(state: DetectorState): void {
    const api = 'detector.merge';
    checkState(api, state);
    if (state.fingerprint !== this.fingerprint) {
      throw new RadiomarkError('KEY_MISMATCH', `${api}: the state was made with key ${state.fingerprint}, this detector uses ${this.fingerprint}`);
    }
    if (state.configDigest !== this.configDigest || state.shardCount !== this.rules.shardCount || state.decoyGreen.length !== this.rules.decoys) {
      throw new RadiomarkError('CONFIG_MISMATCH', `${api}: the state was made with other parameters or rules (config digest ${state.configDigest}, this detector ${this.configDigest})`);
    }
    const adopt = !this.touched;
    if (!adopt) {
      for (const c of state.covered) {
        if (this.covered.includes(c)) {
          throw new RadiomarkError(
            'STATE',
            `${api}: shard ${c} is already in this detector; states merge exactly only when the corpus is split by pair fingerprint (create each shard with "shard": { index, count })`,
          );
        }
      }
      if (state.documents !== this.documents) {
        throw new RadiomarkError('STATE', `${api}: the state saw ${state.documents} documents, this detector ${this.documents}; every shard must read every document`);
      }
    }
    // Union of the deduplication sets. A pair present in both means the split was not by pair:
    // check every pair first, so that a refused merge leaves this detector unchanged.
    const pairs = this.pairs;
    if (pairs !== null) {
      const e = state.pairs;
      for (let j = 0; j < e.length; j += 2) {
        if (pairs.has(e[j]!, e[j + 1]!)) {
          throw new RadiomarkError('STATE', `${api}: a (window, token) pair was scored by both states: they were not split by pair fingerprint`);
        }
      }
      for (let j = 0; j < e.length; j += 2) pairs.add(e[j]!, e[j + 1]!);
    }
    if (adopt) {
      this.documents = state.documents;
      this.covered = [];
      this.docScored = new Uint32Array(Math.max(64, state.documents));
      this.docGreen = new Uint32Array(Math.max(64, state.documents));
      if (state.trace !== null && this.trace !== null) {
        this.trace = state.trace.slice();
        this.traceLength = state.trace.length;
      }
      this.budgetReached = state.budgetReached;
    }
    this.scored += state.scored;
    this.green += state.green;
    for (const k of SKIP_KEYS) this.skipped[k] += state.skipped[k];
    for (let d = 0; d < state.documents; d++) {
      this.docScored[d] += state.docScored[d]!;
      this.docGreen[d] += state.docGreen[d]!;
    }
    for (let j = 0; j < this.decoyGreen.length; j++) this.decoyGreen[j] += state.decoyGreen[j]!;
    this.covered.push(...state.covered);
    this.touched = true;
    this.merged = true;
  }
}

const SKIP_KEYS: readonly (keyof SkipCounts)[] = ['noWindow', 'duplicate', 'promptWindow', 'filtered', 'special', 'afterEndOfText', 'budget'];

function checkState(api: string, s: unknown): asserts s is DetectorState {
  const bad = (what: string): never => {
    throw new TypeError(`${api}: expected a detector state from state(), ${what}`);
  };
  if (s === null || typeof s !== 'object') bad(`got ${describe(s)}`);
  const o = s as Record<string, unknown>;
  if (o.format !== DETECTOR_STATE_FORMAT) bad(`"format" is ${describe(o.format)}`);
  if (o.version !== 1) bad(`"version" is ${describe(o.version)}`);
  for (const f of ['documents', 'scored', 'green', 'shardCount'] as const) {
    if (typeof o[f] !== 'number' || !Number.isInteger(o[f]) || (o[f] as number) < 0) bad(`"${f}" is ${describe(o[f])}`);
  }
  if (typeof o.fingerprint !== 'string' || typeof o.configDigest !== 'string') bad('"fingerprint" or "configDigest" is missing');
  if (!Array.isArray(o.covered) || !o.covered.every((c) => Number.isInteger(c))) bad('"covered" is not a list of shard indexes');
  const sk = o.skipped as Record<string, unknown> | null;
  if (sk === null || typeof sk !== 'object' || !SKIP_KEYS.every((k) => typeof sk[k] === 'number')) bad('"skipped" is incomplete');
  for (const f of ['docScored', 'docGreen', 'decoyGreen', 'pairs'] as const) {
    if (!(o[f] instanceof Uint32Array)) bad(`"${f}" is not a Uint32Array`);
  }
  if ((o.docScored as Uint32Array).length !== o.documents || (o.docGreen as Uint32Array).length !== o.documents) bad('per-document arrays do not match "documents"');
  if ((o.pairs as Uint32Array).length % 2 !== 0) bad('"pairs" has an odd length');
  if (o.trace !== null && !(o.trace instanceof Uint8Array)) bad('"trace" is not a Uint8Array or null');
}
