/**
 * `radiomark simulate --report`: the suspect's detection rendered by the CLI's own HTML evidence
 * report (the same renderer `radiomark detect --report` uses), from a `detect --json`-shaped
 * document built here.
 */

import type { DetectionResult } from '../detect/index.js';
import { DETECT_JSON_FORMAT, DETECT_JSON_VERSION, type DetectJson, type KeyJson, type SampleDocument, type SampleToken } from '../report/model.js';
import { renderReport } from '../report/html.js';
import { toolVersion } from '../version.js';
import { createWatermark } from '../sampler/index.js';
import type { Tokenizer } from '../tokenize/index.js';
import type { SecretKey } from '../key/index.js';
import type { SimulationResult, SuspectReport } from './pipeline.js';

function keyJson(d: DetectionResult, tokenizer: string): KeyJson {
  return {
    keyFile: '(simulation key, derived from the seed)',
    fingerprint: d.fingerprint,
    gamma: d.gamma,
    greenProbability: d.greenProbability,
    contextWidth: d.contextWidth,
    vocabSize: d.vocabSize,
    tokenizer,
    scored: d.scored,
    green: d.green,
    greenFraction: d.greenFraction,
    z: d.z,
    pValue: d.pValue,
    log10PValue: d.log10PValue,
    adjustedLog10PValue: d.log10PValue,
    alpha: d.alpha,
    verdict: d.verdict,
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
    perDocument: d.perDocument.map((p) => ({ index: p.index, where: `completion ${p.index + 1}`, scored: p.scored, green: p.green, log10PValue: p.log10PValue })),
    windows: null,
    warnings: d.warnings,
  };
}

/**
 * Builds the `detect --json` document of one simulated suspect.
 *
 * @param r - the run
 * @param suspect - which suspect (the main one or a control)
 * @param tokenizer - the watermark's tokenizer
 * @returns the document the CLI's report renders
 */
export function suspectDetectJson(r: SimulationResult, suspect: SuspectReport, tokenizer: Tokenizer): DetectJson {
  const d = suspect.detection;
  return {
    format: DETECT_JSON_FORMAT,
    version: DETECT_JSON_VERSION,
    tool: { name: 'radiomark', version: toolVersion(), node: process.versions.node },
    createdAt: new Date().toISOString(),
    verdict: d.verdict,
    alpha: d.alpha,
    correction: 'none',
    config: {
      tokenizer: tokenizer.name,
      normalize: 'none',
      stripZeroWidth: false,
      input: 'tokens',
      field: 'completion',
      promptField: 'prompt',
      promptExclusion: r.config.promptExclusion,
      filter: null,
      budget: r.config.budget,
      decoys: r.config.decoys,
      window: null,
    },
    inputs: [],
    unreadable: [],
    documents: suspect.documents,
    tokens: suspect.generatedTokens,
    promptTokens: 0,
    badLines: { total: 0, byReason: {}, examples: [] },
    keys: [keyJson(d, tokenizer.name)],
    timing: { seconds: suspect.ms / 1000, bytesPerSecond: 0, tokensPerSecond: (suspect.generatedTokens / suspect.ms) * 1000 },
    warnings: [`Simulation: ${suspect.name} (${suspect.description}).`, ...r.warnings],
  };
}

/**
 * Colours one of the suspect's completions with the public green-list function.
 *
 * @param suspect - the suspect
 * @param key - the run's key
 * @param tokenizer - the watermark's tokenizer
 * @returns the sample document, or undefined when the suspect has no sample
 */
export function suspectSample(suspect: SuspectReport, key: SecretKey, tokenizer: Tokenizer): SampleDocument | undefined {
  let best: Uint32Array | undefined;
  let where = '';
  suspect.samples.forEach((s, i) => {
    if (!best || s.completion.length > best.length) {
      best = s.completion;
      where = `completion ${i + 1}`;
    }
  });
  if (!best) return undefined;
  const ids = best;
  const wm = createWatermark({ key });
  const h = wm.config.contextWidth;
  const tokens: SampleToken[] = [];
  for (let i = 0; i < ids.length; i++) {
    let text: string;
    try {
      text = tokenizer.decode(ids.subarray(i, i + 1));
    } catch {
      text = `⟨${ids[i]}⟩`;
    }
    const status = i < h || tokenizer.specialTokenIds.has(ids[i]!) ? 'none' : wm.isGreen(ids.subarray(i - h, i), ids[i]!) ? 'green' : 'red';
    tokens.push({ text, status, ids: [ids[i]!] });
  }
  return { where, tokens, omitted: 0 };
}

/**
 * Renders the HTML report of the run's suspect.
 *
 * @param r - the run
 * @param key - the run's key
 * @param tokenizer - the watermark's tokenizer
 * @returns the HTML text
 */
export function renderSimulationReport(r: SimulationResult, key: SecretKey, tokenizer: Tokenizer): string {
  return renderReport(suspectDetectJson(r, r.suspect, tokenizer), suspectSample(r.suspect, key, tokenizer));
}
