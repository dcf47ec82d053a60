/**
 * The one mapping from a detection result to the report's JSON ({@link DetectJson}), used by
 * `radiomark detect --json`, `radiomark report`, and the simulator's report.
 *
 * @module
 */
import type { DetectionResult } from '../detect/index.js';
import { toolVersion } from '../version.js';
import { DETECT_JSON_FORMAT, DETECT_JSON_VERSION, type DetectJson, type KeyJson, type VerdictWord, type WindowJson } from './model.js';

/** What a {@link keyJson} line needs beside the detection result. */
export interface KeyJsonContext {
  /** The key file's path, or a description of where the key came from (never its content). */
  readonly keyFile: string;
  /** The tokenizer's name, when one is known. */
  readonly tokenizer: string | null;
  /** Holm-adjusted log10 p-value when several keys were tested [default: the key's own]. */
  readonly adjustedLog10PValue?: number | null;
  /** The verdict on the adjusted p-value [default: the key's own]. */
  readonly verdict?: VerdictWord;
  /** Where document `index` came from (`file:line`, `completion 3`). */
  readonly where: (index: number) => string;
  /** Best windows per document (`--window`), if computed. */
  readonly windows?: WindowJson[] | null;
}

/**
 * One key's figures as JSON: every field of the detection result the report shows, with the
 * decoys, the curve and the per-document table, and no secret.
 *
 * @param d - the key's detection result
 * @param ctx - the key file, tokenizer, multiple-testing adjustment and document locations
 * @returns the key's JSON line
 */
export function keyJson(d: DetectionResult, ctx: KeyJsonContext): KeyJson {
  return {
    keyFile: ctx.keyFile,
    fingerprint: d.fingerprint,
    gamma: d.gamma,
    greenProbability: d.greenProbability,
    contextWidth: d.contextWidth,
    vocabSize: d.vocabSize,
    tokenizer: ctx.tokenizer,
    scored: d.scored,
    green: d.green,
    greenFraction: d.greenFraction,
    z: d.z,
    pValue: d.pValue,
    log10PValue: d.log10PValue,
    adjustedLog10PValue: ctx.adjustedLog10PValue === undefined ? d.log10PValue : ctx.adjustedLog10PValue,
    alpha: d.alpha,
    verdict: ctx.verdict ?? d.verdict,
    skipped: { ...d.skipped },
    dedup: d.dedup,
    budget: d.budget,
    decoys: d.decoys
      ? {
          count: d.decoys.count,
          log10PValues: d.decoys.values,
          rankPValue: d.decoys.rankPValue,
          ks: d.decoys.ks,
          uniform: d.decoys.uniform,
          warning: d.decoys.warning ?? null,
        }
      : null,
    curve: (d.curve ?? []).map((c) => ({ scored: c.scored, green: c.green, log10PValue: c.log10PValue })),
    perDocument: d.perDocument.map((p) => ({ index: p.index, where: ctx.where(p.index), scored: p.scored, green: p.green, log10PValue: p.log10PValue })),
    windows: ctx.windows ?? null,
    warnings: d.warnings,
  };
}

/** The body of a {@link DetectJson}: everything but the header {@link detectJson} fills in. */
export type DetectJsonBody = Omit<DetectJson, 'format' | 'version' | 'tool' | 'createdAt'>;

/**
 * A whole `detect --json` document: the format tag, version, tool and time, then `body`.
 *
 * @param body - the run's figures
 * @param now - the time the run finished [default: now]
 * @returns the document
 */
export function detectJson(body: DetectJsonBody, now: Date = new Date()): DetectJson {
  return {
    format: DETECT_JSON_FORMAT,
    version: DETECT_JSON_VERSION,
    tool: { name: 'radiomark', version: toolVersion(), node: process.version },
    createdAt: now.toISOString(),
    ...body,
  };
}
