/**
 * `radiomark simulate --report`: the suspect's detection rendered by the report room's HTML
 * evidence report (the same renderer and the same JSON mapping `radiomark detect` uses).
 *
 * @module
 */
import type { SecretKey } from '../key/index.js';
import { renderReport } from '../report/html.js';
import { detectJson, keyJson } from '../report/json.js';
import type { DetectJson, SampleDocument } from '../report/model.js';
import { colourSample } from '../report/sample.js';
import type { Tokenizer } from '../tokenize/index.js';
import type { SimulationResult, SuspectReport } from './pipeline.js';

/**
 * Builds the `detect --json` document of one simulated suspect.
 *
 * @param r - the run
 * @param suspect - which suspect (the main one or a control)
 * @param tokenizer - the watermark's tokenizer
 * @returns the document the report renders
 */
export function suspectDetectJson(r: SimulationResult, suspect: SuspectReport, tokenizer: Tokenizer): DetectJson {
  const d = suspect.detection;
  return detectJson({
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
    keys: [keyJson(d, { keyFile: '(simulation key, derived from the seed)', tokenizer: tokenizer.name, where: (i) => `completion ${i + 1}` })],
    timing: { seconds: suspect.ms / 1000, bytesPerSecond: 0, tokensPerSecond: (suspect.generatedTokens / suspect.ms) * 1000 },
    warnings: [`Simulation: ${suspect.name} (${suspect.description}).`, ...r.warnings],
  });
}

/**
 * Colours the suspect's longest sampled completion with the public green-list function.
 *
 * @param suspect - the suspect
 * @param key - the run's key
 * @param tokenizer - the watermark's tokenizer
 * @returns the sample document, or undefined when the suspect has no sample
 */
export function suspectSample(suspect: SuspectReport, key: SecretKey, tokenizer: Tokenizer): SampleDocument | undefined {
  let best = -1;
  suspect.samples.forEach((s, i) => {
    if (best < 0 || s.completion.length > suspect.samples[best]!.completion.length) best = i;
  });
  if (best < 0) return undefined;
  return colourSample({ where: `completion ${best + 1}`, ids: suspect.samples[best]!.completion }, tokenizer, key);
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
