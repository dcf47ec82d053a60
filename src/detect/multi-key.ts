import { typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import { checkSecretKey } from '../key/family.js';
import type { SecretKey } from '../key/secret-key.js';
import { holmLog10 } from '../stats/index.js';
import { DetectorImpl } from './detector.js';
import type { AddOptions, DetectionResult, DetectorOptions, Verdict } from './types.js';

/** Options of {@link createMultiKeyDetector}: the detector's options with several keys. */
export interface MultiKeyOptions extends Omit<DetectorOptions, 'key' | 'shard'> {
  /** The keys to test (rotation, per-customer keys); each may bind its own parameters. */
  readonly keys: readonly SecretKey[];
}

/** One key's line of {@link MultiKeyResult}. */
export interface KeyLine {
  /** Key fingerprint. */
  fingerprint: string;
  /** The key's own log10 p-value (`null` when nothing was scored). */
  log10PValue: number | null;
  /** Holm-adjusted log10 p-value over the K keys (`null` when nothing was scored). */
  adjustedLog10PValue: number | null;
  /** Verdict on the adjusted p-value. */
  verdict: Verdict;
  /** The key's full result. */
  result: DetectionResult;
}

/** The result of {@link MultiKeyDetector.result}. */
export interface MultiKeyResult {
  /** Family-wise level. */
  alpha: number;
  /** Always `holm` (step-down, valid under any dependence between the keys' tests). */
  correction: 'holm';
  /** One line per key, in the order given. */
  keys: KeyLine[];
  /** `detected` when some key's adjusted p is <= alpha; `insufficient` when every key is. */
  verdict: Verdict;
}

/** A detector that scores the same corpus under several keys. */
export interface MultiKeyDetector {
  /** Scores one completion under every key. @returns the document index */
  add(completion: ArrayLike<number>, options?: AddOptions): number;
  /** Reading mode under every key. @returns the document index */
  addPredictions(text: ArrayLike<number>, predicted: ArrayLike<number>): number;
  /** Per-key results with Holm-adjusted p-values. */
  result(): MultiKeyResult;
}

/**
 * Scores one corpus under several keys (key rotation, per-customer keys) and reports each key's
 * pooled test with Holm-adjusted p-values, so that testing K keys does not multiply the false
 * accusation rate by K. Each key keeps its own deduplication set and its own bound parameters.
 *
 * @param options - `keys` plus the options of {@link createDetector} (shared by every key)
 * @returns a {@link MultiKeyDetector}
 * @throws TypeError for an empty or non-array `keys`; RadiomarkError `CONFIG_MISMATCH` when the keys
 *   resolve different vocabulary sizes; anything {@link createDetector} throws, for the first key that fails
 * @example
 * ```ts
 * const multi = createMultiKeyDetector({ keys: [k2024, k2025], vocabSize: 200019 });
 * for (const doc of corpus) multi.add(doc);
 * multi.result().keys.map((k) => k.adjustedLog10PValue);
 * ```
 */
export function createMultiKeyDetector(options: MultiKeyOptions): MultiKeyDetector {
  const api = 'createMultiKeyDetector';
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { keys, ...rest } = options;
  if (!Array.isArray(keys) || keys.length === 0) throw typeError(api, 'keys', 'a non-empty array of SecretKeys', keys);
  // A key family here would silently test its master key only: refused (KEY_MISMATCH).
  keys.forEach((key: unknown, i) => checkSecretKey(api, `keys[${i}]`, key));
  const shard = (rest as Record<string, unknown>).shard;
  if (shard !== undefined) throw typeError(api, 'shard', 'unset (sharding does not apply to several keys)', shard);
  // Every option but the key is shared, so a refusal names the option; a key's bound parameters
  // that contradict an option are refused with that key's fingerprint in the message.
  const dets = keys.map((key) => new DetectorImpl({ ...rest, key }, api, false));
  const V = dets[0]!.config.vocabSize;
  dets.forEach((d, i) => {
    if (d.config.vocabSize !== V) {
      throw new RadiomarkError('CONFIG_MISMATCH', `${api}: keys[${i}] (fingerprint ${d.fingerprint}) resolves vocabSize ${d.config.vocabSize}, keys[0] ${V}; one corpus has one tokenizer`, { api, field: `keys[${i}]` });
    }
  });
  const alpha = dets[0]!.result().alpha;
  return Object.freeze({
    add(completion: ArrayLike<number>, addOptions?: AddOptions): number {
      // Every key has the same vocabulary, so the first detector's validation (before any state
      // changes) covers them all.
      let doc = 0;
      for (const d of dets) doc = d.add(completion, addOptions);
      return doc;
    },
    addPredictions(text: ArrayLike<number>, predicted: ArrayLike<number>): number {
      let doc = 0;
      for (const d of dets) doc = d.addPredictions(text, predicted);
      return doc;
    },
    result(): MultiKeyResult {
      const results = dets.map((d) => d.result());
      // A key with nothing scored enters Holm as p = 1 (it cannot be rejected).
      const adjusted = holmLog10(results.map((r) => r.log10PValue ?? 0));
      const la = Math.log10(alpha);
      const lines: KeyLine[] = results.map((r, i) => {
        const adj = r.log10PValue === null ? null : adjusted[i]!;
        const verdict: Verdict = r.verdict === 'insufficient' ? 'insufficient' : adj !== null && adj <= la ? 'detected' : 'not-detected';
        return { fingerprint: r.fingerprint, log10PValue: r.log10PValue, adjustedLog10PValue: adj, verdict, result: r };
      });
      const verdict: Verdict = lines.some((l) => l.verdict === 'detected')
        ? 'detected'
        : lines.every((l) => l.verdict === 'insufficient')
          ? 'insufficient'
          : 'not-detected';
      return { alpha, correction: 'holm', keys: lines, verdict };
    },
  });
}
