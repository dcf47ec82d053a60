/**
 * The one mapping from a detection result to the report's JSON ({@link DetectJson}), used by
 * `radiomark detect --json`, `radiomark report`, and the simulator's report.
 *
 * @module
 */
import type { DetectionResult } from '../detect/index.js';
import { toolVersion } from '../version.js';
import { DETECT_JSON_FORMAT, DETECT_JSON_VERSION, type AttributionJson, type DetectJson, type FamilyJson, type KeyJson, type VerdictWord, type WindowJson } from './model.js';

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
  /** A key family's epoch length and origin (from its key file), when the key is a family. */
  readonly familyShape?: { readonly epochDays: number | undefined; readonly epochOrigin: string | undefined };
}

/** A family's report as JSON. */
function familyJson(f: NonNullable<DetectionResult['family']>, shape: KeyJsonContext['familyShape']): FamilyJson {
  const line = (a: AttributionJson): AttributionJson => ({ index: a.index, trials: a.trials, green: a.green, log10PValue: a.log10PValue, holmLog10PValue: a.holmLog10PValue, flagged: a.flagged });
  return {
    fingerprint: f.fingerprint,
    cohorts: f.cohorts,
    epochs: f.epochs,
    epochDays: shape?.epochDays ?? null,
    epochOrigin: shape?.epochOrigin ?? null,
    members: f.members,
    layers: f.layers.map((l) => ({ name: l.name, log10PValue: l.log10PValue })),
    log10PValue: f.log10PValue,
    perMember: f.perMember.map((m) => ({ cohort: m.cohort, epoch: m.epoch, fingerprint: m.fingerprint, green: m.green, log10PValue: m.log10PValue, holmLog10PValue: m.holmLog10PValue })),
    attribution: f.attribution && { alpha: f.attribution.alpha, cohorts: f.attribution.cohorts.map(line), epochs: f.attribution.epochs?.map(line) ?? null },
  };
}

/** The variant reports of a result (two-sided, strata, family), each null when not run. */
function variantJson(d: DetectionResult, ctx: KeyJsonContext): Pick<KeyJson, 'test' | 'trials' | 'twoSided' | 'strata' | 'family'> {
  const t = d.twoSided;
  const s = d.strata;
  return {
    test: d.test,
    trials: d.trials,
    twoSided: t ? { upperLog10PValue: t.upperLog10PValue, lowerLog10PValue: t.lowerLog10PValue, direction: t.direction } : null,
    strata: s
      ? {
          method: s.method,
          statistic: s.statistic,
          log10PValue: s.log10PValue,
          strata: s.strata.map((x) => ({ index: x.index, label: x.label, scored: x.scored, green: x.green, z: x.z, log10PValue: x.log10PValue, direction: x.direction, holmLog10PValue: x.holmLog10PValue })),
        }
      : null,
    family: d.family ? familyJson(d.family, ctx.familyShape) : null,
  };
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
    ...variantJson(d, ctx),
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
