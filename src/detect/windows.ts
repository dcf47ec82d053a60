import { checkInteger, typeError } from '../assert.js';
import { checkSecretKey } from '../key/family.js';
import { binomialTail, sidakLog10 } from '../stats/index.js';
import { DetectorImpl } from './detector.js';
import { underpowered } from './result.js';
import type { DetectionResult, Detector, DetectorOptions, Verdict } from './types.js';

/** Options of {@link detectWindows}: the detector's options (no budget, curve, decoys or shards) plus the window. */
export interface WindowOptions extends Omit<DetectorOptions, 'budget' | 'curve' | 'decoys' | 'shard'> {
  /** W: scored positions per window (>= 1). */
  readonly windowSize: number;
  /**
   * Scored positions between window starts (default W: disjoint windows). With `step < W` the
   * windows overlap and a last window ending at the final scored position is added.
   */
  readonly step?: number;
  /** The prompt that produced the text (rule R1 of docs/detection.md). */
  readonly promptTokens?: ArrayLike<number>;
}

/** One window of {@link WindowResult}. */
export interface WindowScore {
  /** Window number, from 0. */
  index: number;
  /** Token position (in the text) of the window's first scored position. */
  start: number;
  /** Token position one past the window's last scored position. */
  end: number;
  /** Scored positions in the window (= W). */
  scored: number;
  /** Of which green. */
  green: number;
  /** log10 p-value of the window's own binomial test (uncorrected). */
  log10PValue: number;
}

/** The result of {@link detectWindows}. */
export interface WindowResult {
  /** W. */
  windowSize: number;
  /** Step between window starts, in scored positions. */
  step: number;
  /** Number of windows K tested (the multiple-testing count). */
  count: number;
  /** Every window, in text order. */
  windows: WindowScore[];
  /**
   * `sidak` for disjoint windows (independent under the null given deduplication, so
   * `1 - (1 - p_min)^K` is exact), `bonferroni` for overlapping ones (`min(1, K p_min)`, valid under
   * any dependence, conservative).
   */
  correction: 'sidak' | 'bonferroni';
  /** The window with the smallest p-value, or `null` when there is no window. */
  min: WindowScore | null;
  /** log10 of the corrected minimum p-value, or `null` when there is no window. */
  correctedLog10PValue: number | null;
  /** Significance level of the verdict. */
  alpha: number;
  /** Verdict on the corrected minimum (`insufficient` when no window exists or none could reach alpha). */
  verdict: Verdict;
  /** The whole text's pooled test and skip counts (deduplication within the text). */
  whole: DetectionResult;
}

/** A reusable windowed detector: one engine (green list, token table, filter) for many texts. */
export interface WindowDetector {
  /**
   * Windowed detection in one text, from scratch (nothing carries over from earlier texts).
   * @param text - the text's token ids
   * @param promptTokens - the prompt that produced it (R1)
   * @returns a {@link WindowResult}
   * @throws TypeError / RangeError as {@link Detector.add}
   */
  detect(text: ArrayLike<number>, promptTokens?: ArrayLike<number>): WindowResult;
}

/** Reads and checks `windowSize` and `step`; refuses options that do not apply. */
function windowOptions(api: string, options: WindowOptions): { W: number; step: number; rest: DetectorOptions } {
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { windowSize: W, step: stepOption, promptTokens: _prompt, ...rest } = options;
  checkSecretKey(api, 'key', rest.key);
  checkInteger(api, 'windowSize', W, 1);
  if (stepOption !== undefined) checkInteger(api, 'step', stepOption, 1);
  for (const banned of ['budget', 'curve', 'decoys', 'shard'] as const) {
    const v = (rest as Record<string, unknown>)[banned];
    if (v !== undefined) throw typeError(api, banned, 'unset (it does not apply to windowed detection)', v);
  }
  return { W, step: stepOption ?? W, rest };
}

/** The windows over a scored text: each window's counts and the corrected minimum. */
function windowsOf(det: DetectorImpl, W: number, step: number): WindowResult {
  const whole = det.result();
  const t = det.tally;
  const N = t.traceLength;
  const trace = t.trace!;
  const positions = t.positions!;
  const p = det.greenProbability;
  const alpha = whole.alpha;
  const starts: number[] = [];
  for (let s = 0; s + W <= N; s += step) starts.push(s);
  if (step < W && starts.length > 0 && starts[starts.length - 1]! + W < N) starts.push(N - W);
  // Prefix sums of the green bits.
  const prefix = new Uint32Array(N + 1);
  for (let i = 0; i < N; i++) prefix[i + 1] = prefix[i]! + trace[i]!;
  const windows: WindowScore[] = starts.map((s, index) => {
    const green = prefix[s + W]! - prefix[s]!;
    return { index, start: positions[s]!, end: positions[s + W - 1]! + 1, scored: W, green, log10PValue: binomialTail(green, W, p).log10PValue };
  });
  const K = windows.length;
  const correction = step >= W ? 'sidak' : 'bonferroni';
  let min: WindowScore | null = null;
  for (const w of windows) if (min === null || w.log10PValue < min.log10PValue) min = w;
  let corrected: number | null = null;
  if (min !== null) {
    corrected = correction === 'sidak' ? sidakLog10(min.log10PValue, K) : Math.min(0, Math.log10(K) + min.log10PValue);
  }
  // Insufficient when no window exists or even an all-green window could not survive the correction.
  const verdict: Verdict =
    K === 0 || underpowered(W, p, alpha / K) ? 'insufficient' : (corrected as number) <= Math.log10(alpha) ? 'detected' : 'not-detected';
  return { windowSize: W, step, count: K, windows, correction, min, correctedLog10PValue: corrected, alpha, verdict, whole };
}

/**
 * A windowed detector for many texts under one key: the key's green list, token table, HKDF
 * subkeys and filter are built once, and each {@link WindowDetector.detect} starts from an empty
 * deduplication set. Use it instead of {@link detectWindows} when scanning a corpus text by text.
 *
 * @param options - key, scheme parameters, rules, `windowSize`, `step` (`promptTokens` here is the
 *   default prompt of every text)
 * @returns a {@link WindowDetector}
 * @throws TypeError / RangeError as {@link createDetector}; RangeError for a `windowSize` or `step`
 *   that is not a positive integer
 * @example
 * ```ts
 * const wd = createWindowDetector({ key, vocabSize: 200019, windowSize: 200 });
 * for (const doc of corpus) wd.detect(doc.completion, doc.prompt);
 * ```
 */
export function createWindowDetector(options: WindowOptions): WindowDetector {
  const api = 'detectWindows';
  const { W, step, rest } = windowOptions(api, options);
  const defaultPrompt = options.promptTokens;
  const det = new DetectorImpl(rest, api, true);
  let used = false;
  return Object.freeze({
    detect(text: ArrayLike<number>, promptTokens: ArrayLike<number> | undefined = defaultPrompt): WindowResult {
      if (used) det.reset(typeof text?.length === 'number' ? text.length : 0);
      used = true;
      det.add(text, promptTokens === undefined ? undefined : { promptTokens });
      return windowsOf(det, W, step);
    },
  });
}

/**
 * Windowed detection in one long text: where is the copied watermarked span? Scores the text once
 * under the detector's rules (R0, R1 with `promptTokens`, deduplication within the text), slides
 * windows of W scored positions and tests each. The reported figure is the minimum p-value
 * corrected for the K windows tested (see {@link WindowResult.correction}), never the raw minimum
 * or the largest z. For many texts under one key, {@link createWindowDetector} builds the engine
 * once.
 *
 * @param options - key, scheme parameters, rules, `windowSize`, `step`, `promptTokens`
 * @param text - the text's token ids
 * @returns a {@link WindowResult}
 * @throws TypeError / RangeError as {@link createDetector} and {@link Detector.add}; RangeError for a
 *   `windowSize` or `step` that is not a positive integer
 * @example
 * ```ts
 * const w = detectWindows({ key, vocabSize: 200019, windowSize: 200 }, tokens);
 * if (w.verdict === 'detected') console.log(w.min.start, w.min.end, w.correctedLog10PValue);
 * ```
 */
export function detectWindows(options: WindowOptions, text: ArrayLike<number>): WindowResult {
  return createWindowDetector(options).detect(text);
}
