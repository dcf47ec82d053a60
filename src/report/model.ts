/**
 * The JSON document `radiomark detect --json` prints, which the HTML report also renders (from a
 * run, or later from a saved file with `radiomark report`). Plain data, no secret: key files are
 * named by path and fingerprint only.
 */

/** Format tag of {@link DetectJson}. */
export const DETECT_JSON_FORMAT = 'radiomark-detect';
/** Version of the {@link DetectJson} shape. */
export const DETECT_JSON_VERSION = 1;

/** Verdict of one key or of the whole run. */
export type VerdictWord = 'detected' | 'not-detected' | 'insufficient';

/** One input file as read. */
export interface InputJson {
  /** Path as given (or found under a directory); `-` for stdin. */
  path: string;
  /** SHA-256 of the bytes read, lowercase hex. */
  sha256: string;
  bytes: number;
  /** `jsonl` or `text` (after sniffing). */
  format: 'jsonl' | 'text';
  /** Documents taken from this input. */
  documents: number;
  /** Lines read (JSONL), blank ones included. */
  lines: number;
  /** Blank lines (ignored). */
  blankLines: number;
  /** Lines of this input skipped as bad (with --skip-bad-lines). */
  badLines: number;
}

/** One point of the running p-value curve. */
export interface CurvePointJson {
  scored: number;
  green: number;
  log10PValue: number;
}

/** One document's own counts; `where` is `file:line` or `file`. */
export interface DocumentJson {
  index: number;
  where: string;
  scored: number;
  green: number;
  log10PValue: number | null;
}

/** The decoy-key check. */
export interface DecoysJson {
  count: number;
  /** log10 p-value of each decoy key. */
  log10PValues: number[];
  /** `(1 + #{decoys at least as extreme as the real key}) / (M + 1)`. */
  rankPValue: number;
  /** KS test of the decoys' p-values against Uniform(0, 1). */
  ks: { statistic: number; pValue: number; n: number };
  uniform: boolean;
  warning: string | null;
}

/** Windowed detection of one document (`--window W`). */
export interface WindowJson {
  where: string;
  windowSize: number;
  windows: number;
  correction: string;
  /** Token positions [start, end) of the most significant window, or null. */
  min: { start: number; end: number; scored: number; green: number; log10PValue: number } | null;
  correctedLog10PValue: number | null;
  verdict: VerdictWord;
}

/** Every figure of one key's pooled test. */
export interface KeyJson {
  /** The key file's path (never its content). */
  keyFile: string;
  fingerprint: string;
  gamma: number;
  /** Exact null probability of green (threshold / 2^31). */
  greenProbability: number;
  contextWidth: number;
  vocabSize: number;
  tokenizer: string | null;
  scored: number;
  green: number;
  greenFraction: number | null;
  /** Normal z-score, display only. */
  z: number | null;
  /** Exact binomial tail P(Bin(N, p) >= S); may underflow to 0: read log10PValue. */
  pValue: number | null;
  log10PValue: number | null;
  /** Holm-adjusted log10 p-value over the keys tested (equals log10PValue for one key). */
  adjustedLog10PValue: number | null;
  alpha: number;
  verdict: VerdictWord;
  /** Positions not scored, by reason. */
  skipped: Record<string, number>;
  dedup: boolean;
  budget: { limit: number; reached: boolean } | null;
  decoys: DecoysJson | null;
  curve: CurvePointJson[];
  perDocument: DocumentJson[];
  windows: WindowJson[] | null;
  warnings: string[];
}

/** The whole output of `radiomark detect --json`. */
export interface DetectJson {
  format: typeof DETECT_JSON_FORMAT;
  version: typeof DETECT_JSON_VERSION;
  tool: { name: 'radiomark'; version: string; node: string };
  /** ISO 8601 time the run finished. */
  createdAt: string;
  /** Overall verdict: `detected` when some key's (Holm-adjusted) p-value is <= alpha. */
  verdict: VerdictWord;
  alpha: number;
  /** `holm` when several keys were tested, else `none`. */
  correction: 'holm' | 'none';
  config: {
    tokenizer: string | null;
    normalize: 'NFC' | 'NFKC' | 'none';
    stripZeroWidth: boolean;
    input: 'text' | 'tokens';
    field: string;
    promptField: string | null;
    promptExclusion: boolean;
    filter: { path: string; sha256: string; sequences: number } | null;
    budget: number | null;
    decoys: number;
    window: number | null;
    /** Tokenizer threads used (the figures do not depend on it); absent when not applicable. */
    threads?: number;
  };
  inputs: InputJson[];
  /** Files under directory arguments that could not be read (skipped, with a warning). */
  unreadable: { path: string; reason: string }[];
  documents: number;
  /** Completion tokens read (before any rule). */
  tokens: number;
  /** Prompt tokens read. */
  promptTokens: number;
  badLines: { total: number; byReason: Record<string, number>; examples: { where: string; reason: string; message: string }[] };
  keys: KeyJson[];
  timing: { seconds: number; bytesPerSecond: number; tokensPerSecond: number };
  warnings: string[];
}

/** One token of the report's sample document. */
export interface SampleToken {
  /** The token's text (decoded; several ids when one character spans tokens). */
  text: string;
  /** `green`/`red` when the token has a full window, `none` otherwise (first tokens, special). */
  status: 'green' | 'red' | 'none';
  /** Token id(s), for the tooltip. */
  ids: number[];
}

/** The sample document the report shows with its tokens coloured (first key). */
export interface SampleDocument {
  where: string;
  tokens: SampleToken[];
  /** Tokens of the document not shown (the sample is cut). */
  omitted: number;
}
