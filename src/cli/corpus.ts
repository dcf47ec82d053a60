/**
 * The suspect corpus as `detect` scores it: every document handed to the detector (under every
 * key) in input order, with its location, the counters, the sample for the report and the best
 * windows (`--window`).
 *
 * @module
 */
import {
  createDetector,
  createMultiKeyDetector,
  createWindowDetector,
  type AddOptions,
  type DetectorOptions,
  type MultiKeyResult,
  type WindowDetector,
} from '../detect/index.js';
import type { KeyFamily, SecretKey } from '../key/index.js';
import type { Tokenizer } from '../tokenize/index.js';
import type { WindowJson } from '../report/model.js';
import type { SampleSource } from '../report/sample.js';
import { SAMPLE_MAX_TOKENS } from '../report/sample.js';
import type { BadLines } from './bad-lines.js';
import type { LoadedKey } from './keyfile.js';
import type { Prepared } from './prepare.js';

/** A document this long (in tokens) is a good sample; shorter ones are kept only if nothing better comes. */
const SAMPLE_GOOD = 60;

/** How the corpus is scored. */
export interface ScoreConfig {
  readonly keys: readonly LoadedKey[];
  readonly tokenizer: Tokenizer | undefined;
  readonly vocabSize: number;
  readonly promptExclusion: boolean;
  /** The owner's reference sequences (`--filter`). */
  readonly filter: Uint32Array[] | undefined;
  readonly budget: number | undefined;
  readonly decoys: number;
  readonly alpha: number;
  readonly window: number | undefined;
  /** A key family (the one key), and the epochs to score. */
  readonly family: { readonly key: KeyFamily; readonly epochs: number | undefined } | undefined;
  /** The test variant's detector options (`alternative`, `strata`), if any. */
  readonly variant: Pick<DetectorOptions, 'alternative' | 'strata'>;
}

/** What the corpus feeds: several keys (Holm over them), or one key family (its own test). */
interface Scoring {
  add(completion: Uint32Array, options?: AddOptions): void;
  result(): MultiKeyResult;
}

/** The detector of a run: a family's, or one per key behind Holm. */
function scoring(c: ScoreConfig): Scoring {
  const rules = { ...common(c), ...(c.filter ? { filter: c.filter } : {}), ...(c.budget !== undefined ? { budget: c.budget } : {}), curve: true, alpha: c.alpha };
  if (c.family) {
    const det = createDetector({ key: c.family.key, ...(c.family.epochs !== undefined ? { epochs: c.family.epochs } : {}), ...rules });
    return {
      add: (completion, options) => void det.add(completion, options),
      result: () => {
        const r = det.result();
        const line = { fingerprint: r.fingerprint, log10PValue: r.log10PValue, adjustedLog10PValue: r.log10PValue, verdict: r.verdict, result: r };
        return { alpha: r.alpha, correction: 'holm', keys: [line], verdict: r.verdict };
      },
    };
  }
  const det = createMultiKeyDetector({ keys: c.keys.map((k) => k.key as SecretKey), ...rules, ...c.variant, decoys: c.decoys });
  return { add: (completion, options) => void det.add(completion, options), result: () => det.result() };
}

/** The options every key's detector (and window scan) shares. */
function common(c: ScoreConfig): { vocabSize: number; promptExclusion: boolean; tokenizer?: string; specialTokens?: ReadonlySet<number>; endOfText?: number } {
  const tok = c.tokenizer;
  return {
    vocabSize: c.vocabSize,
    ...(tok ? { tokenizer: tok.name, specialTokens: tok.specialTokenIds, ...(tok.endOfTextId !== undefined ? { endOfText: tok.endOfTextId } : {}) } : {}),
    promptExclusion: c.promptExclusion,
  };
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Scores documents as they come, in input order. */
export class Corpus {
  documents = 0;
  tokens = 0;
  promptTokens = 0;
  /** Documents per source index. */
  readonly perSource: number[];
  /** The best sample so far (first key). */
  sample: SampleSource | undefined;
  /** Best windows per key (`--window`), or null. */
  readonly windows: WindowJson[][] | null;
  private readonly det: Scoring;
  /** One window detector per key (`--window`), built once for every document. */
  private readonly windowDets: WindowDetector[];
  // Document locations, 8 bytes each: source index and line (0 for a whole file).
  private docSource: Uint32Array = new Uint32Array(1024);
  private docLine: Uint32Array = new Uint32Array(1024);

  /**
   * @param c - keys, tokenizer, detector options
   * @param sources - the input paths, by index
   * @param bad - where bad lines are reported, by source
   */
  constructor(
    private readonly c: ScoreConfig,
    private readonly sources: readonly { path: string }[],
    private readonly bad: BadLines,
  ) {
    this.det = scoring(c);
    this.windows = c.window ? c.keys.map(() => []) : null;
    this.windowDets = c.window ? c.keys.map((k) => createWindowDetector({ key: k.key as SecretKey, ...common(c), alpha: c.alpha, windowSize: c.window! })) : [];
    this.perSource = sources.map(() => 0);
  }

  /** Hands one prepared document to the detector, or its bad line to the counter (in input order). */
  handle(r: Prepared, src: number): void {
    if (r.bad) this.bad.forSource(src).add(r.where, r.bad.reason, r.bad.message);
    else this.add(r.where, r.tokens, r.promptTokens, src);
  }

  private add(where: string, completion: Uint32Array, prompt: Uint32Array | undefined, src: number): void {
    this.det.add(completion, prompt ? { promptTokens: prompt } : undefined);
    if (this.documents === this.docSource.length) {
      this.docSource = grow(this.docSource);
      this.docLine = grow(this.docLine);
    }
    const colon = where.lastIndexOf(':');
    this.docSource[this.documents] = src;
    this.docLine[this.documents] = this.sources[src]!.path === where || colon < 0 ? 0 : Number(where.slice(colon + 1)) || 0;
    this.documents++;
    this.perSource[src]!++;
    this.tokens += completion.length;
    this.promptTokens += prompt?.length ?? 0;
    if (this.windows) this.addWindows(where, completion, prompt);
    const s = this.sample;
    if (!s || (s.ids.length < SAMPLE_GOOD && completion.length > s.ids.length)) {
      this.sample = { where, ids: completion.slice(0, SAMPLE_MAX_TOKENS), total: completion.length };
    }
  }

  private addWindows(where: string, completion: Uint32Array, prompt: Uint32Array | undefined): void {
    this.windowDets.forEach((wd, i) => {
      const w = wd.detect(completion, prompt);
      if (w.count === 0) return;
      const min = w.min ? { start: w.min.start, end: w.min.end, scored: w.min.scored, green: w.min.green, log10PValue: w.min.log10PValue } : null;
      this.windows![i]!.push({ where, windowSize: w.windowSize, windows: w.count, correction: w.correction, min, correctedLog10PValue: w.correctedLog10PValue, verdict: w.verdict });
    });
  }

  /** Where document `i` came from: `file:line`, or `file` for a whole text file. */
  where(i: number): string {
    const s = this.sources[this.docSource[i]!]!;
    const n = s.path === '-' ? '<stdin>' : s.path;
    const line = this.docLine[i]!;
    return line ? `${n}:${line}` : n;
  }

  /** The pooled test under every key. */
  result(): MultiKeyResult {
    return this.det.result();
  }
}
