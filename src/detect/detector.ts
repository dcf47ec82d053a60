/**
 * `createDetector`: the corpus-level detector, glued from its parts: options (options.ts), the
 * scoring engine and its hot loop (engine.ts), the counts (tally.ts), result assembly (result.ts)
 * and shard states (state.ts).
 *
 * @module
 */
import { checkArrayLike, rangeError, typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import type { ResolvedParams } from '../scheme/config.js';
import { Engine } from './engine.js';
import { resolveOptions, type FamilyRule, type Rules } from './options.js';
import { assembleResult } from './result.js';
import { configDigest, mergeState, snapshot, type Mergeable } from './state.js';
import { newTally, type Tally, type TallyShape } from './tally.js';
import type { AddOptions, DetectionResult, Detector, DetectorOptions, DetectorState } from './types.js';

const API = 'createDetector';

/** The sizes of a detector's counts. */
function tallyShape(r: Rules, family: FamilyRule | null, positions: boolean): TallyShape {
  const members = family === null ? 0 : family.members.length;
  return { decoys: r.decoys, strata: r.strata?.count ?? 0, levels: r.weights === null ? 0 : r.weights.levels + 1, members, trace: r.curve, positions };
}

/**
 * Creates a corpus-level radioactivity detector: position rules R0-R4 and the filter, a compact
 * deduplication set, the exact pooled binomial test, per-document scores, decoy keys, a running
 * curve and a fixed budget (docs/detection.md).
 *
 * Parameters are resolved with the key file's: a `gamma`, `contextWidth`, `vocabSize` or
 * `tokenizer` that differs from the one the key file binds is refused.
 *
 * Windows are taken from the completion itself (its first `contextWidth` positions are
 * `noWindow`), so the prompt is never scored and never supplies context.
 *
 * Cost: one fingerprint and one deduplication probe per examined position (probes run a block at
 * a time, in the order of the table); one BLAKE3 compression per new pair per key (1 + decoys, or
 * every member of a key family), batched four pairs per SIMD pass; duplicates cost no hash.
 * Memory: the deduplication table, 8 bytes per slot, between 80% and 57% full (10.0-14.0 bytes
 * per distinct pair), in a WebAssembly memory that grows in place; a pending block of at most
 * 65,536 candidates; 4 bytes per vocabulary id per key for the green-list tables.
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
 * The detector behind {@link createDetector}, `checkKey`, `detectWindows` and the multi-key
 * detector. `recordPositions` keeps the green bit and text position of every scored position.
 * @internal
 */
export class DetectorImpl implements Detector, Mergeable {
  readonly config: ResolvedParams;
  readonly fingerprint: string;
  readonly greenProbability: number;
  readonly engine: Engine;
  readonly configDigest: string;
  tally: Tally;
  covered: number[];
  touched = false;
  merged = false;
  private readonly api: string;
  private readonly recordPositions: boolean;

  constructor(options: DetectorOptions, api: string, recordPositions: boolean) {
    this.api = api;
    const resolved = resolveOptions(api, options);
    this.config = resolved.config;
    this.fingerprint = resolved.family === null ? resolved.key.fingerprint : resolved.family.fingerprint;
    this.engine = new Engine(resolved, api);
    this.greenProbability = this.engine.greenProbability;
    this.recordPositions = recordPositions;
    this.tally = newTally(tallyShape(resolved.rules, resolved.family, recordPositions));
    this.covered = [resolved.rules.shardIndex];
    this.configDigest = configDigest(this.engine);
  }

  /** The API name of a method, for messages (`detector.add`, or the wrapping API's). */
  private method(name: string): string {
    const api = this.api === API ? `detector.${name}` : this.api;
    if (this.merged) {
      throw new RadiomarkError('STATE', `${api}: this detector has merged another shard's state; add every document to every shard before merging`, { api });
    }
    return api;
  }

  add(completion: ArrayLike<number>, options?: AddOptions): number {
    const api = this.method('add');
    const doc = this.tally.documents;
    checkArrayLike(api, 'completion', completion);
    if (options !== undefined && (options === null || typeof options !== 'object')) throw typeError(api, 'options', 'an object', options);
    const e = this.engine;
    const n = completion.length;
    const { labels, levels } = this.perPosition(api, doc, n, options);
    const b = e.block;
    const base = b.reserve(n);
    e.loadInto(completion, b.ids, base, api, `document ${doc}, completion`);
    b.toks.set(b.ids.subarray(base, base + n), base);
    const prompt = options?.promptTokens;
    let usePrompt = false;
    if (prompt !== undefined) {
      checkArrayLike(api, 'promptTokens', prompt);
      const p = e.loadPrompt(prompt, api, `document ${doc}, promptTokens`);
      if (e.rules.promptExclusion) usePrompt = e.setPrompt(p, prompt.length);
    }
    this.touched = true;
    e.document(this.tally, base, n, usePrompt, labels, levels);
    return doc;
  }

  /** Reads the per-position strata labels and weights of `add` (required exactly when the options ask for them). */
  private perPosition(api: string, doc: number, n: number, options: AddOptions | undefined): { labels: Uint8Array | null; levels: Uint8Array | null } {
    const r = this.engine.rules;
    const wantLabels = r.strata !== null && r.strata.kind === 'labels';
    const labelsIn = options?.strata;
    const weightsIn = options?.weights;
    if (wantLabels !== (labelsIn !== undefined)) {
      throw typeError(api, 'strata', wantLabels ? 'a label per position (the detector was created with strata: { count })' : 'unset (the detector was not created with strata: { count })', labelsIn);
    }
    if ((r.weights !== null) !== (weightsIn !== undefined)) {
      throw typeError(api, 'weights', r.weights !== null ? 'a weight per position (the detector was created with weights)' : 'unset (the detector was not created with weights)', weightsIn);
    }
    if (labelsIn !== undefined) checkArrayLike(api, 'strata', labelsIn);
    if (weightsIn !== undefined) checkArrayLike(api, 'weights', weightsIn);
    const e = this.engine;
    return {
      labels: labelsIn === undefined ? null : e.loadLabels(labelsIn, n, api, `document ${doc}, strata`),
      levels: weightsIn === undefined ? null : e.loadWeights(weightsIn, n, api, `document ${doc}, weights`),
    };
  }

  addPredictions(text: ArrayLike<number>, predicted: ArrayLike<number>): number {
    const api = this.method('addPredictions');
    const doc = this.tally.documents;
    checkArrayLike(api, 'text', text);
    checkArrayLike(api, 'predicted', predicted);
    if (predicted.length !== text.length) {
      throw rangeError(api, 'predicted', `one id per text position (length ${text.length})`, predicted);
    }
    const { labels, levels } = this.perPosition(api, doc, text.length, undefined);
    const e = this.engine;
    const b = e.block;
    const base = b.reserve(text.length);
    e.loadInto(text, b.ids, base, api, `document ${doc}, text`);
    e.loadInto(predicted, b.toks, base, api, `document ${doc}, predicted`);
    this.touched = true;
    e.document(this.tally, base, text.length, false, labels, levels);
    return doc;
  }

  /**
   * Forgets every document and scored pair (keeping the engine: green lists, filter, buffers), so
   * the detector can score another text from scratch. `expected` sizes the deduplication set.
   */
  reset(expected: number): void {
    const r = this.engine.rules;
    this.engine.flush(this.tally);
    this.tally = newTally(tallyShape(r, this.engine.family, this.recordPositions));
    this.engine.resetDedup(expected);
    this.covered = [r.shardIndex];
    this.touched = false;
    this.merged = false;
  }

  result(): DetectionResult {
    const e = this.engine;
    e.flush(this.tally);
    return assembleResult({
      fingerprint: this.fingerprint,
      config: this.config,
      rules: e.rules,
      family: e.family,
      greenProbability: e.greenProbability,
      tally: this.tally,
      covered: this.covered,
    });
  }

  state(): DetectorState {
    this.engine.flush(this.tally);
    return snapshot(this);
  }

  merge(state: DetectorState): void {
    this.engine.flush(this.tally);
    mergeState('detector.merge', this, state);
  }
}
