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

/** The two tails of the pooled count (`--two-sided`). */
export interface TwoSidedJson {
  /** log10 P(X >= S). */
  upperLog10PValue: number;
  /** log10 P(X <= S). */
  lowerLog10PValue: number;
  /** Which tail is the smaller. */
  direction: 'excess' | 'deficit';
}

/** One stratum of the stratified test. */
export interface StratumJson {
  index: number;
  /** What the stratum holds, e.g. `window count 2-3`. */
  label: string;
  scored: number;
  green: number;
  /** Display only. */
  z: number | null;
  /** log10 of the stratum's exact two-sided p-value. */
  log10PValue: number;
  direction: 'excess' | 'deficit';
  /** Holm-adjusted over the strata. */
  holmLog10PValue: number;
}

/** The stratified test (`--strata`). */
export interface StrataJson {
  method: 'fisher' | 'min-p';
  /** Fisher's statistic, or the log10 of the smallest stratum p-value for `min-p`. */
  statistic: number;
  /** log10 of the combined p-value. */
  log10PValue: number;
  strata: StratumJson[];
}

/** One cohort or epoch of a family's attribution. */
export interface AttributionJson {
  /** The cohort or epoch. */
  index: number;
  /** Bernoulli trials: scored pairs times the member keys in it. */
  trials: number;
  green: number;
  log10PValue: number;
  /** Holm-adjusted over the cohorts (or the epochs). */
  holmLog10PValue: number;
  /** Whether the Holm-adjusted p-value is at most alpha. */
  flagged: boolean;
}

/** One member key of a family. */
export interface MemberJson {
  cohort: number;
  /** `null` for a family without epochs. */
  epoch: number | null;
  fingerprint: string;
  /** Green pairs under this member (of the key's `scored`). */
  green: number;
  log10PValue: number;
  /** Holm-adjusted over the members. */
  holmLog10PValue: number;
}

/** A key family's test and attribution (the family's line of `keys`). */
export interface FamilyJson {
  /** The master key's fingerprint. */
  fingerprint: string;
  cohorts: number;
  /** Epochs scored (0 .. epochs-1), or `null` for a family without epochs. */
  epochs: number | null;
  /** Epoch length in days and the first day of epoch 0, or `null` without epochs. */
  epochDays: number | null;
  epochOrigin: string | null;
  /** Member keys scored (cohorts x epochs). */
  members: number;
  /** The layers of the family test and their log10 p-values. */
  layers: { name: string; log10PValue: number }[];
  /** log10 of the family test (the verdict's). */
  log10PValue: number;
  /** Every member, cohort-major. */
  perMember: MemberJson[];
  /** `null` unless the family test detected; then which cohorts and epochs the outputs carry. */
  attribution: { alpha: number; cohorts: AttributionJson[]; epochs: AttributionJson[] | null } | null;
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
  /**
   * The test behind `log10PValue` and `verdict`: `pooled` (the default), `two-sided`, `strata` or
   * `family`. Absent in results written before these variants (read as `pooled`).
   */
  test?: 'pooled' | 'two-sided' | 'strata' | 'weighted' | 'family';
  /** Bernoulli trials behind `green`: `scored`, or `scored` times the members of a family. */
  trials?: number;
  /** With `--two-sided`: both tails. */
  twoSided?: TwoSidedJson | null;
  /** With `--strata`: every stratum and their combination. */
  strata?: StrataJson | null;
  /** With a key family: the family test and the attribution. */
  family?: FamilyJson | null;
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
    /** The test variant (`--two-sided`, `--strata`), or null; absent in older results. */
    variant?: { test: 'two-sided' } | { test: 'strata'; bounds: number[]; method: 'fisher' | 'min-p'; reference: { path: string; sha256: string; sequences: number } } | null;
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
