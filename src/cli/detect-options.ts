/**
 * `radiomark detect`'s flags: the help text, the option table, and the settings they make
 * (checked here; the files they name are read by ./detect.ts).
 *
 * @module
 */
import { describe } from '../assert.js';
import { DEFAULT_ALPHA, MAX_DECOYS } from '../detect/index.js';
import { MAX_EPOCH } from '../key/index.js';
import { choice, flag, num, str, strs, type OptionSpec, type Parsed } from '../command/args.js';
import { UsageError } from '../command/errors.js';
import { alphaStr } from '../report/format.js';
import type { FieldSpec } from './documents.js';
import type { InputFormat } from './read-source.js';

/** `radiomark detect --help`. */
export const DETECT_HELP = `Usage: radiomark detect --key KEY [options] FILE...

Tests whether a suspect's outputs carry the watermark of KEY: every distinct (context, token)
pair of the corpus is scored once and pooled into one exact binomial test. FILE may be a JSONL
file (one document per line), a plain text file (one document per file), a directory (every
file below it), or - for standard input. Memory stays flat in the corpus size apart from the
deduplication set; files are streamed line by line.

Key and tokenizer:
  --key FILE             key file from "radiomark keygen" (repeat to test several keys; the
                         p-values are then Holm-corrected for the number of keys), or one
                         key family (keygen --cohorts): all its member keys are scored in
                         one pass, the family test gives the verdict, and once it fires the
                         summary names the cohorts and epochs the outputs carry (Holm)
  --epochs E             key family with epochs: score epochs 0 .. E-1 [default: every epoch
                         up to today's, fixed before anything is read]
  --tokenizer NAME|PATH  o200k, cl100k, r50k, p50k, or a Hugging Face tokenizer.json
                         [default: the key file's]
  --vocab-size N         vocabulary size, when neither the key file nor a tokenizer gives it

Input:
  --format F             auto, jsonl or text [default auto: .jsonl/.ndjson are JSONL, .txt/.md
                         text, otherwise JSONL when the file starts with "{"]
  --field NAME           JSONL field with the suspect's completion [default text]; dotted
                         paths work (choices.0.text)
  --prompt-field NAME    JSONL field with the prompt sent to the suspect [default prompt, used
                         when present]
  --tokens               pre-tokenized JSONL: field "tokens" (ids), optional "prompt_tokens"
  --normalize FORM       nfc, nfkc or none, applied before tokenizing [default nfc]
  --strip-zero-width     remove zero-width characters before tokenizing
  --skip-bad-lines       count malformed lines and continue (the count is in the output)
                         instead of stopping at the first one
  --threads N|auto       tokenizer threads; the results do not depend on N [default auto:
                         with 4+ cores and files over 16 MB in all, one per core but one
                         (up to 8); else 0]

Test:
  --decoys M             also score under M random decoy keys (null check) [default 0;
                         100 is a good choice for a report]
  --filter FILE          keep only positions whose context occurs in FILE, the owner's own
                         watermarked data (same format options); fix it before looking
  --budget N             score at most N positions (fix it before testing)
  --no-prompt-exclusion  also score contexts that occur in the prompt (not recommended when
                         prompts may contain watermarked text)
  --alpha A              significance level of the verdict [default ${alphaStr(DEFAULT_ALPHA)}]
  --window W             also report, per document, the best window of W scored positions
                         (for finding a copied span in long texts)

Test variants (each with its own null check, docs/detection.md; one at a time, single keys):
  --two-sided            test for a green excess or a deficit (a distiller who avoided the
                         estimated green lists leaves a deficit): exact two-sided binomial
  --strata BOUNDS        stratify positions by how often their window occurs in the owner's
                         reference (--strata-reference): BOUNDS such as 2,4 make the strata
                         count 0-1, 2-3 and 4+; each stratum is tested both ways and the
                         strata are combined (--strata-method fisher or min-p [default
                         fisher])
  --strata-reference FILE
                         the owner's reference data for --strata (same format options)

Output:
  --json                 print one JSON object with every figure instead of the summary
  --report FILE          write a self-contained HTML evidence report
  --fail-on detect       exit 1 when the watermark is detected (for scripts)
  --progress, --no-progress
                         force the progress line on stderr on or off [default: on when
                         stderr is a terminal]
  --debug                print stack traces of internal errors
  -h, --help             show this help

Exit status: 0 the test ran (the verdict is in the output), 1 detected with --fail-on detect,
2 usage or input error, 70 internal error (the same codes in every command: radiomark --help).

Examples:
  radiomark detect --key key.json suspect.jsonl
  radiomark detect --key key.json --decoys 100 --report report.html --json outputs/ > result.json
  cat outputs.jsonl | radiomark detect --key key.json --field completion -
`;

export const OPTIONS: Record<string, OptionSpec> = {
  key: { type: 'string', short: 'k', multiple: true },
  tokenizer: { type: 'string' },
  'vocab-size': { type: 'string' },
  format: { type: 'string' },
  field: { type: 'string' },
  'prompt-field': { type: 'string' },
  tokens: { type: 'boolean' },
  normalize: { type: 'string' },
  'strip-zero-width': { type: 'boolean' },
  'skip-bad-lines': { type: 'boolean' },
  decoys: { type: 'string' },
  filter: { type: 'string' },
  budget: { type: 'string' },
  'no-prompt-exclusion': { type: 'boolean' },
  alpha: { type: 'string' },
  window: { type: 'string' },
  epochs: { type: 'string' },
  'two-sided': { type: 'boolean' },
  strata: { type: 'string' },
  'strata-reference': { type: 'string' },
  'strata-method': { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  'fail-on': { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
};

/** What the flags of one `detect` run say. */
export interface DetectSettings {
  readonly keyPaths: string[];
  readonly inputs: string[];
  readonly tokenizer: string | undefined;
  readonly vocabSize: number | undefined;
  readonly tokens: boolean;
  readonly format: InputFormat | 'auto';
  /** The JSONL fields (`vocabSize` is filled in once the key and tokenizer are known). */
  readonly fields: Omit<FieldSpec, 'vocabSize'>;
  readonly normalize: 'NFC' | 'NFKC' | 'none';
  readonly stripZeroWidth: boolean;
  readonly skipBadLines: boolean;
  /** Tokenizer threads, or undefined for `auto`. */
  readonly threads: number | undefined;
  readonly decoys: number;
  readonly filterPath: string | undefined;
  readonly budget: number | undefined;
  readonly promptExclusion: boolean;
  readonly alpha: number;
  readonly window: number | undefined;
  /** `--epochs E` for a key family with epochs. */
  readonly epochs: number | undefined;
  /** The test variant, if any. */
  readonly variant: Variant | undefined;
  readonly json: boolean;
  readonly reportPath: string | undefined;
  readonly failOnDetect: boolean;
  /** `--progress` / `--no-progress`, or undefined for the default. */
  readonly progress: boolean | undefined;
}

/** A detector variant chosen on the command line. */
export type Variant =
  | { readonly kind: 'two-sided' }
  | { readonly kind: 'strata'; readonly bounds: number[]; readonly reference: string; readonly method: 'fisher' | 'min-p' };

/** `--two-sided` or `--strata BOUNDS --strata-reference FILE [--strata-method M]` (one at most). */
function variant(p: Parsed): Variant | undefined {
  const twoSided = flag(p, 'two-sided');
  const bounds = str(p, 'strata');
  const reference = str(p, 'strata-reference');
  const method = choice(p, 'strata-method', ['fisher', 'min-p'] as const);
  if (bounds === undefined) {
    if (reference !== undefined || method !== undefined) throw new UsageError(`--${reference !== undefined ? 'strata-reference' : 'strata-method'} needs --strata BOUNDS`);
    return twoSided ? { kind: 'two-sided' } : undefined;
  }
  if (twoSided) throw new UsageError('--two-sided and --strata are two tests; choose one (each stratum is already tested both ways)');
  const list = bounds.split(',').map((b) => b.trim());
  const nums = list.map(Number);
  if (list.length > 255 || nums.some((n, i) => !Number.isSafeInteger(n) || n < 1 || (i > 0 && n <= nums[i - 1]!))) {
    throw new UsageError(`--strata must be 1 to 255 increasing whole counts >= 1, e.g. 2,4, got ${describe(bounds)}`);
  }
  if (reference === undefined) throw new UsageError('--strata needs --strata-reference FILE: the owner\'s data whose window counts define the strata');
  return { kind: 'strata', bounds: nums, reference, method: method ?? 'fisher' };
}

/** The input-reading flags: format, fields, normalization. */
function inputSettings(p: Parsed): Pick<DetectSettings, 'tokens' | 'format' | 'fields' | 'normalize' | 'stripZeroWidth'> {
  const tokens = flag(p, 'tokens');
  const format = choice(p, 'format', ['auto', 'jsonl', 'text'] as const) ?? 'auto';
  if (tokens && format === 'text') throw new UsageError('--tokens reads JSONL; it cannot be combined with --format text');
  if (tokens && (str(p, 'normalize') !== undefined || flag(p, 'strip-zero-width'))) {
    throw new UsageError('--normalize and --strip-zero-width apply to text; pre-tokenized input (--tokens) is used as is');
  }
  const normalize = choice(p, 'normalize', ['nfc', 'nfkc', 'none'] as const) ?? 'nfc';
  const promptField = str(p, 'prompt-field');
  const noPromptExclusion = flag(p, 'no-prompt-exclusion');
  return {
    tokens,
    format: tokens ? 'jsonl' : format,
    fields: {
      field: str(p, 'field') ?? (tokens ? 'tokens' : 'text'),
      promptField: noPromptExclusion && promptField === undefined ? undefined : (promptField ?? (tokens ? 'prompt_tokens' : 'prompt')),
      promptRequired: promptField !== undefined,
      tokens,
    },
    normalize: normalize === 'none' ? 'none' : normalize === 'nfkc' ? 'NFKC' : 'NFC',
    stripZeroWidth: flag(p, 'strip-zero-width'),
  };
}

/**
 * Reads and checks `detect`'s flags.
 *
 * @param p - the parsed command line
 * @returns the settings
 * @throws UsageError naming the flag and the value
 */
export function detectSettings(p: Parsed): DetectSettings {
  const keyPaths = strs(p, 'key');
  if (keyPaths.length === 0) throw new UsageError('--key FILE is required (see radiomark detect --help)');
  if (p.positionals.length === 0) throw new UsageError('no input: give FILE..., a directory, or - for stdin (see radiomark detect --help)');
  const failOn = choice(p, 'fail-on', ['detect'] as const);
  const reportPath = str(p, 'report');
  if (reportPath === '-') throw new UsageError('--report needs a file name');
  if (flag(p, 'progress') && flag(p, 'no-progress')) throw new UsageError('--progress and --no-progress contradict each other');
  const threadsArg = str(p, 'threads');
  return {
    keyPaths,
    inputs: p.positionals,
    tokenizer: str(p, 'tokenizer'),
    vocabSize: num(p, 'vocab-size', { integer: true, min: 1 }),
    ...inputSettings(p),
    skipBadLines: flag(p, 'skip-bad-lines'),
    threads: threadsArg === undefined || threadsArg === 'auto' ? undefined : num(p, 'threads', { integer: true, min: 0, max: 64 }),
    decoys: num(p, 'decoys', { integer: true, min: 0, max: MAX_DECOYS }) ?? 0,
    filterPath: str(p, 'filter'),
    budget: num(p, 'budget', { integer: true, min: 1 }),
    promptExclusion: !flag(p, 'no-prompt-exclusion'),
    alpha: num(p, 'alpha', { exclusiveMin: 0, exclusiveMax: 1 }) ?? DEFAULT_ALPHA,
    window: num(p, 'window', { integer: true, min: 1 }),
    epochs: num(p, 'epochs', { integer: true, min: 1, max: MAX_EPOCH + 1 }),
    variant: variant(p),
    json: flag(p, 'json'),
    reportPath,
    failOnDetect: failOn === 'detect',
    progress: flag(p, 'progress') ? true : flag(p, 'no-progress') ? false : undefined,
  };
}
