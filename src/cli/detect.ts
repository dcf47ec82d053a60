import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createWatermark, type SecretKey } from '../index.js';
import { createMultiKeyDetector, detectWindows, DEFAULT_ALPHA, MAX_DECOYS, type MultiKeyResult } from '../detect/index.js';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import { choice, flag, num, parse, str, strs, type OptionSpec } from './args.js';
import { CliError, EXIT_DETECTED, EXIT_OK, UsageError } from './errors.js';
import { alphaStr, int, oneIn, pct, pValue, seconds, verdictWords } from '../report/format.js';
import {
  BadLines,
  extractDocument,
  readSource,
  resolveInputs,
  type FieldSpec,
  type InputFormat,
  type InputSource,
} from './input.js';
import { loadKeyFile, type LoadedKey } from './keyfile.js';
import {
  DETECT_JSON_FORMAT,
  DETECT_JSON_VERSION,
  type DetectJson,
  type InputJson,
  type KeyJson,
  type SampleDocument,
  type SampleToken,
  type WindowJson,
} from '../report/model.js';
import { bytesStr, Progress, progressEnabled } from './progress.js';
import { TokenizerPool } from './pool.js';
import { encodeText, prepareLine, prepareText, type PrepareConfig, type Prepared } from './prepare.js';
import { renderReport } from '../report/html.js';
import { toolVersion } from '../version.js';

/** `radiomark detect --help`. */
export const DETECT_HELP = `Usage: radiomark detect --key KEY [options] FILE...

Tests whether a suspect's outputs carry the watermark of KEY: every distinct (context, token)
pair of the corpus is scored once and pooled into one exact binomial test. FILE may be a JSONL
file (one document per line), a plain text file (one document per file), a directory (every
file below it), or - for standard input. Memory stays flat in the corpus size apart from the
deduplication set; files are streamed line by line.

Key and tokenizer:
  --key FILE             key file from "radiomark keygen" (repeat to test several keys; the
                         p-values are then Holm-corrected for the number of keys)
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
2 usage or input error.

Examples:
  radiomark detect --key key.json suspect.jsonl
  radiomark detect --key key.json --decoys 100 --report report.html --json outputs/ > result.json
  cat outputs.jsonl | radiomark detect --key key.json --field completion -
`;

const OPTIONS: Record<string, OptionSpec> = {
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
  threads: { type: 'string' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  'fail-on': { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
};

/** Tokens of the sample document kept for the report. */
const SAMPLE_TOKENS = 400;
/** A document this long (in tokens) is a good sample; shorter ones are kept only if nothing better comes. */
const SAMPLE_GOOD = 60;

/** Where the CLI writes: injectable for tests. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** The CLI entry module, which tokenizer threads run (main.ts passes its own URL). */
  readonly entry?: URL;
  readonly stderr: { write(s: string): boolean; readonly isTTY?: boolean; readonly columns?: number };
}

interface Options {
  keys: LoadedKey[];
  tokenizer: Tokenizer | undefined;
  vocabSize: number;
  format: InputFormat | 'auto';
  spec: FieldSpec;
  normalize: 'NFC' | 'NFKC' | 'none';
  stripZeroWidth: boolean;
  decoys: number;
  budget: number | undefined;
  alpha: number;
  window: number | undefined;
  promptExclusion: boolean;
  filterPath: string | undefined;
  /** Tokenizer threads (0: tokenize on the main thread). */
  threads: number;
  /** The CLI entry module, which tokenizer threads run. */
  workerEntry: URL;
  /** What tokenizer threads load (a name or a path), undefined for pre-tokenized input. */
  tokenizerSpec: string | undefined;
}

/** Inputs at least this large get tokenizer threads under --threads auto. */
const AUTO_THREADS_BYTES = 16e6;

/** A batch sent to a tokenizer thread closes at this many characters or documents. */
const BATCH_CHARS = 1 << 18;
const BATCH_DOCS = 512;

/**
 * `radiomark detect`: read the suspect corpus, run the pooled test under every key, print the
 * summary (or `--json`), write the HTML report, and choose the exit status.
 *
 * @param argv - arguments after `detect`
 * @param io - output streams
 * @returns the exit status (0, or 1 with `--fail-on detect` and a positive verdict)
 * @throws UsageError / CliError for bad flags and inputs (exit 2)
 */
export async function detect(argv: readonly string[], io: Io): Promise<number> {
  const p = parse('radiomark detect', argv, OPTIONS, true);
  if (flag(p, 'help')) {
    io.out(DETECT_HELP);
    return EXIT_OK;
  }
  const keyPaths = strs(p, 'key');
  if (keyPaths.length === 0) throw new UsageError('--key FILE is required (see radiomark detect --help)');
  if (p.positionals.length === 0) throw new UsageError('no input: give FILE..., a directory, or - for stdin (see radiomark detect --help)');
  const failOn = choice(p, 'fail-on', ['detect'] as const);
  const json = flag(p, 'json');
  const reportPath = str(p, 'report');
  if (reportPath === '-') throw new UsageError('--report needs a file name');
  if (flag(p, 'progress') && flag(p, 'no-progress')) throw new UsageError('--progress and --no-progress contradict each other');
  const tokensMode = flag(p, 'tokens');
  const format = choice(p, 'format', ['auto', 'jsonl', 'text'] as const) ?? 'auto';
  if (tokensMode && format === 'text') throw new UsageError('--tokens reads JSONL; it cannot be combined with --format text');
  const normalize = (choice(p, 'normalize', ['nfc', 'nfkc', 'none'] as const) ?? 'nfc').toUpperCase() as 'NFC' | 'NFKC' | 'NONE';
  if (tokensMode && (str(p, 'normalize') !== undefined || flag(p, 'strip-zero-width'))) {
    throw new UsageError('--normalize and --strip-zero-width apply to text; pre-tokenized input (--tokens) is used as is');
  }
  const decoys = num(p, 'decoys', { integer: true, min: 0, max: MAX_DECOYS }) ?? 0;
  const budget = num(p, 'budget', { integer: true, min: 1 });
  const alpha = num(p, 'alpha', { exclusiveMin: 0, exclusiveMax: 1 }) ?? DEFAULT_ALPHA;
  const window = num(p, 'window', { integer: true, min: 1 });
  const explicitVocab = num(p, 'vocab-size', { integer: true, min: 1 });

  const keys: LoadedKey[] = [];
  for (const path of keyPaths) {
    const k = await loadKeyFile(path);
    if (k.warning) io.err(`${k.warning}\n`);
    if (keys.some((o) => o.key.fingerprint === k.key.fingerprint)) throw new UsageError(`--key ${path}: the same key (fingerprint ${k.key.fingerprint}) is given twice`);
    keys.push(k);
  }
  const resolvedTok = await resolveTokenizer(keys, str(p, 'tokenizer'), tokensMode);
  const tokenizer = resolvedTok?.tok;
  const threadsArg = str(p, 'threads');
  const threads = threadsArg === undefined || threadsArg === 'auto' ? undefined : num(p, 'threads', { integer: true, min: 0, max: 64 })!;
  const vocabSize = resolveVocab(keys, tokenizer, explicitVocab);

  const promptFieldArg = str(p, 'prompt-field');
  const opts: Options = {
    keys,
    tokenizer,
    vocabSize,
    format: tokensMode ? 'jsonl' : format,
    spec: {
      field: str(p, 'field') ?? (tokensMode ? 'tokens' : 'text'),
      promptField: flag(p, 'no-prompt-exclusion') && promptFieldArg === undefined ? undefined : (promptFieldArg ?? (tokensMode ? 'prompt_tokens' : 'prompt')),
      promptRequired: promptFieldArg !== undefined,
      tokens: tokensMode,
      vocabSize,
    },
    normalize: normalize === 'NONE' ? 'none' : normalize,
    stripZeroWidth: flag(p, 'strip-zero-width'),
    decoys,
    budget,
    alpha,
    window,
    promptExclusion: !flag(p, 'no-prompt-exclusion'),
    filterPath: str(p, 'filter'),
    threads: 0,
    workerEntry: io.entry ?? new URL(import.meta.url),
    tokenizerSpec: resolvedTok?.spec,
  };

  const resolved = await resolveInputs(p.positionals);
  for (const u of resolved.unreadable) io.err(`warning: skipping ${u.path}: ${u.reason}\n`);
  for (const d of resolved.duplicates) io.err(`warning: ${d} is given twice; reading it once\n`);

  const bad = new BadLines(flag(p, 'skip-bad-lines'));
  const filter = opts.filterPath ? await readFilter(opts, bad) : undefined;
  const forced = flag(p, 'progress') ? true : flag(p, 'no-progress') ? false : undefined;
  const totalBytes = resolved.sources.every((s) => s.size !== undefined) ? resolved.sources.reduce((a, s) => a + s.size!, 0) : undefined;
  const progress = new Progress(io.stderr, progressEnabled(io.stderr, forced), totalBytes);
  // auto: threads only for inputs known to be large (stdin and pipes have no size: pass --threads).
  // Two cores gain little (the main thread's share is ~30%) and lose when the machine is busy.
  const cores = availableParallelism();
  opts.threads = threads ?? (io.entry && totalBytes !== undefined && totalBytes >= AUTO_THREADS_BYTES && cores >= 4 ? Math.min(cores - 1, 8) : 0);
  if (opts.threads > 0 && !io.entry) throw new UsageError('--threads needs the radiomark command (tokenizer threads run its entry module)');

  const run = await score(opts, resolved.sources, bad, filter, progress);
  progress.done();

  const out: DetectJson = {
    format: DETECT_JSON_FORMAT,
    version: DETECT_JSON_VERSION,
    tool: { name: 'radiomark', version: toolVersion(), node: process.version },
    createdAt: new Date().toISOString(),
    verdict: run.result.verdict,
    alpha: run.result.alpha,
    correction: keys.length > 1 ? 'holm' : 'none',
    config: {
      tokenizer: tokenizer?.name ?? null,
      normalize: opts.normalize,
      stripZeroWidth: opts.stripZeroWidth,
      input: tokensMode ? 'tokens' : 'text',
      field: opts.spec.field,
      promptField: opts.spec.promptField ?? null,
      promptExclusion: opts.promptExclusion,
      filter: filter ? { path: opts.filterPath!, sha256: filter.sha256, sequences: filter.sequences.length } : null,
      budget: budget ?? null,
      decoys,
      window: window ?? null,
      threads: opts.threads,
    },
    inputs: run.inputs,
    unreadable: resolved.unreadable,
    documents: run.documents,
    tokens: run.tokens,
    promptTokens: run.promptTokens,
    badLines: { total: bad.total, byReason: { ...bad.byReason }, examples: bad.examples },
    keys: run.result.keys.map((line, i) => keyJson(keys[i]!, line, run, tokenizer)),
    timing: {
      seconds: run.seconds,
      bytesPerSecond: run.seconds > 0 ? run.bytes / run.seconds : 0,
      tokensPerSecond: run.seconds > 0 ? run.tokens / run.seconds : 0,
    },
    warnings: run.warnings,
  };

  if (reportPath !== undefined) {
    const sample = run.sample && tokenizer ? buildSample(run.sample, tokenizer, keys[0]!.key, vocabSize) : undefined;
    try {
      await fsp.writeFile(reportPath, renderReport(out, sample));
    } catch (e) {
      throw new CliError(`--report ${reportPath}: ${(e as Error).message}`);
    }
  }
  io.out(json ? `${JSON.stringify(out)}\n` : summary(out, reportPath));
  return failOn === 'detect' && out.verdict === 'detected' ? EXIT_DETECTED : EXIT_OK;
}

async function resolveTokenizer(keys: LoadedKey[], flagSpec: string | undefined, tokensMode: boolean): Promise<{ tok: Tokenizer; spec: string } | undefined> {
  const bound = new Map<string, string>(); // tokenizer name -> first key file binding it
  for (const k of keys) {
    const t = k.key.params.tokenizer;
    if (t !== undefined && !bound.has(t)) bound.set(t, k.path);
  }
  if (bound.size > 1) {
    const list = [...bound].map(([t, f]) => `${f} binds ${t}`).join(', ');
    throw new CliError(`the keys were made for different tokenizers (${list}); test one tokenizer's keys per run`);
  }
  const [boundName, boundFile] = bound.size ? [...bound][0]! : [undefined, undefined];
  let spec = flagSpec ?? boundName;
  if (spec === undefined) {
    if (tokensMode) return undefined;
    throw new UsageError(`the key file ${keys[0]!.path} binds no tokenizer: pass --tokenizer (o200k, cl100k, r50k, p50k or a tokenizer.json)`);
  }
  if (flagSpec === undefined && boundName?.startsWith('hf:')) {
    throw new UsageError(
      `the key file ${boundFile} binds the Hugging Face tokenizer ${boundName}: pass --tokenizer PATH to its tokenizer.json`,
    );
  }
  let tok: Tokenizer;
  try {
    tok = await loadTokenizer(spec);
  } catch (e) {
    throw new CliError(`--tokenizer ${spec}: ${(e as Error).message.replace(/^loadTokenizer: /, '')}`);
  }
  if (boundName !== undefined && tok.name !== boundName) {
    throw new CliError(
      `the key file ${boundFile} was made for tokenizer ${boundName}, but --tokenizer ${spec}${spec === tok.name ? '' : ` is ${tok.name}`}: refusing, the green lists would not line up`,
    );
  }
  return { tok, spec };
}

function resolveVocab(keys: LoadedKey[], tok: Tokenizer | undefined, explicit: number | undefined): number {
  let vocab: number | undefined;
  let from = '';
  for (const k of keys) {
    const v = k.key.params.vocabSize;
    if (v === undefined) continue;
    if (vocab !== undefined && v !== vocab) throw new CliError(`the keys bind different vocabulary sizes (${from} binds ${vocab}, ${k.path} binds ${v})`);
    vocab = v;
    from = k.path;
    if (tok && v !== tok.vocabSize) {
      // A wider vocabulary is fine for padded logits, but only when the key file says which tokenizer.
      const padded = v > tok.vocabSize && k.key.params.tokenizer === tok.name;
      if (!padded) {
        throw new CliError(
          `the key file ${k.path} binds vocabulary size ${v}, but tokenizer ${tok.name} has ${tok.vocabSize} ids: this key was made for another tokenizer or model; refusing`,
        );
      }
    }
  }
  if (explicit !== undefined) {
    if (vocab !== undefined && explicit !== vocab) throw new UsageError(`--vocab-size ${explicit} contradicts the key file ${from}, which binds ${vocab}`);
    if (tok && explicit < tok.vocabSize) throw new UsageError(`--vocab-size ${explicit} is smaller than tokenizer ${tok.name}'s ${tok.vocabSize} ids`);
    vocab = explicit;
  }
  vocab ??= tok?.vocabSize;
  if (vocab === undefined) throw new UsageError('the vocabulary size is unknown: the key file binds none; pass --tokenizer or --vocab-size');
  return vocab;
}

interface Filter {
  sha256: string;
  sequences: Uint32Array[];
}

async function readFilter(opts: Options, bad: BadLines): Promise<Filter> {
  const path = opts.filterPath!;
  const found = (await resolveInputs([path])).sources;
  const source = found[0];
  if (found.length !== 1 || !source || source.path === '-' || source.path !== path) throw new UsageError(`--filter needs one file (JSONL or text), got ${path}`);
  const sequences: Uint32Array[] = [];
  const spec: FieldSpec = { ...opts.spec, promptField: undefined, promptRequired: false };
  const stats = await readSource(source, opts.format, bad, {
    onJson: (v, where) => {
      const d = extractDocument(v, where, spec, bad);
      if (d) sequences.push(d.tokens ?? encode(opts, d.text!));
    },
    onText: (text) => sequences.push(encode(opts, text)),
  });
  return { sha256: stats.sha256, sequences };
}

function encode(opts: Options, text: string): Uint32Array {
  return encodeText({ spec: opts.spec, normalize: opts.normalize, stripZeroWidth: opts.stripZeroWidth }, opts.tokenizer!, text);
}

interface SampleCandidate {
  where: string;
  tokens: Uint32Array;
  total: number;
}

interface Run {
  result: MultiKeyResult;
  inputs: InputJson[];
  documents: number;
  tokens: number;
  promptTokens: number;
  bytes: number;
  seconds: number;
  sample: SampleCandidate | undefined;
  where: (index: number) => string;
  windows: WindowJson[][] | null;
  warnings: string[];
}

async function score(opts: Options, sources: InputSource[], bad: BadLines, filter: Filter | undefined, progress: Progress): Promise<Run> {
  const tok = opts.tokenizer;
  const common = {
    vocabSize: opts.vocabSize,
    ...(tok ? { tokenizer: tok.name, specialTokens: tok.specialTokenIds, ...(tok.endOfTextId !== undefined ? { endOfText: tok.endOfTextId } : {}) } : {}),
    promptExclusion: opts.promptExclusion,
  };
  const det = createMultiKeyDetector({
    keys: opts.keys.map((k) => k.key),
    ...common,
    ...(filter ? { filter: filter.sequences } : {}),
    ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
    decoys: opts.decoys,
    curve: true,
    alpha: opts.alpha,
  });
  const windows: WindowJson[][] | null = opts.window ? opts.keys.map(() => []) : null;

  // Document locations, 8 bytes each: source index and line (0 for a whole file).
  let docSource: Uint32Array = new Uint32Array(1024);
  let docLine: Uint32Array = new Uint32Array(1024);
  let documents = 0;
  let tokens = 0;
  let promptTokens = 0;
  let bytes = 0;
  let sample: SampleCandidate | undefined;
  const inputs: InputJson[] = [];
  const start = performance.now();

  const docsBySource: number[] = sources.map(() => 0);
  const addDoc = (d: Extract<Prepared, { tokens: Uint32Array }>, srcIndex: number): void => {
    const completion = d.tokens;
    const prompt = d.promptTokens;
    det.add(completion, prompt ? { promptTokens: prompt } : undefined);
    if (documents === docSource.length) {
      docSource = grow(docSource);
      docLine = grow(docLine);
    }
    const colon = d.where.lastIndexOf(':');
    docSource[documents] = srcIndex;
    docLine[documents] = sources[srcIndex]!.path === d.where || colon < 0 ? 0 : Number(d.where.slice(colon + 1)) || 0;
    documents++;
    docsBySource[srcIndex]!++;
    tokens += completion.length;
    promptTokens += prompt?.length ?? 0;
    if (windows) {
      opts.keys.forEach((k, i) => {
        const w = detectWindows({ key: k.key, ...common, alpha: opts.alpha, windowSize: opts.window!, ...(prompt ? { promptTokens: prompt } : {}) }, completion);
        if (w.count > 0) {
          windows[i]!.push({
            where: d.where,
            windowSize: w.windowSize,
            windows: w.count,
            correction: w.correction,
            min: w.min ? { start: w.min.start, end: w.min.end, scored: w.min.scored, green: w.min.green, log10PValue: w.min.log10PValue } : null,
            correctedLog10PValue: w.correctedLog10PValue,
            verdict: w.verdict,
          });
        }
      });
    }
    progress.tick({ bytes, documents, tokens });
    if (!sample || (sample.tokens.length < SAMPLE_GOOD && completion.length > sample.tokens.length)) {
      sample = { where: d.where, tokens: completion.slice(0, SAMPLE_TOKENS), total: completion.length };
    }
  };
  /** Hands one prepared document to the detector, or its bad line to the counter (in input order). */
  const handle = (r: Prepared, srcIndex: number): void => {
    if (r.bad) bad.forSource(srcIndex).add(r.where, r.bad.reason, r.bad.message);
    else addDoc(r, srcIndex);
  };

  const cfg: PrepareConfig = { spec: opts.spec, normalize: opts.normalize, stripZeroWidth: opts.stripZeroWidth };
  const pool = opts.threads > 0 ? new TokenizerPool(opts.workerEntry, opts.threads, { tokenizer: opts.tokenizerSpec, cfg }) : undefined;
  // Batches in flight, in input order; each resolves to its documents in order.
  const inflight: { src: number; results: Promise<Prepared[]> }[] = [];
  let batch: { kind: 'jsonl' | 'text'; src: number; texts: string[]; wheres: string[]; chars: number } | undefined;
  const flush = (): void => {
    if (!batch || batch.texts.length === 0) return;
    const results = pool!.run(batch.kind, batch.texts, batch.wheres);
    results.catch(() => undefined); // rejections surface when awaited, in order
    inflight.push({ src: batch.src, results });
    batch = undefined;
  };
  const queue = (kind: 'jsonl' | 'text', src: number, text: string, where: string): void => {
    if (!batch || batch.kind !== kind || batch.src !== src) {
      flush();
      batch = { kind, src, texts: [], wheres: [], chars: 0 };
    }
    batch.texts.push(text);
    batch.wheres.push(where);
    batch.chars += text.length;
    if (batch.chars >= BATCH_CHARS || batch.texts.length >= BATCH_DOCS) flush();
  };
  const drain = async (max: number): Promise<void> => {
    while (inflight.length > max) {
      const { src, results } = inflight.shift()!;
      for (const r of await results) handle(r, src);
    }
  };

  const stats: { source: InputSource; sha256: string; bytes: number; lines: number; blankLines: number; format: InputFormat }[] = [];
  try {
    for (let si = 0; si < sources.length; si++) {
      const source = sources[si]!;
      let format: InputFormat = 'text';
      const sink = bad.forSource(si);
      const st = await readSource(source, opts.format, sink, {
        onFormat: (f) => (format = f),
        onBytes: (n) => {
          bytes += n;
          progress.tick({ bytes, documents, tokens });
        },
        onLine: pool ? (line, where) => queue('jsonl', si, line, where) : (line, where) => handle(prepareLine(cfg, tok, line, where), si),
        onText: pool ? (text, where) => queue('text', si, text, where) : (text, where) => handle(prepareText(cfg, tok!, text, where), si),
        afterChunk: pool ? () => drain(2 * pool.size) : undefined,
      });
      stats.push({ source, format, ...st });
    }
    if (pool) {
      flush();
      await drain(0);
    }
  } finally {
    await pool?.close();
  }
  for (let si = 0; si < stats.length; si++) {
    const st = stats[si]!;
    inputs.push({
      path: st.source.path,
      sha256: st.sha256,
      bytes: st.bytes,
      format: st.format,
      documents: docsBySource[si]!,
      lines: st.lines,
      blankLines: st.blankLines,
      badLines: bad.bySource[si] ?? 0,
    });
  }
  progress.tick({ bytes, documents, tokens });
  if (documents === 0) {
    throw new CliError(bad.total ? `no document could be read (${int(bad.total)} bad line${bad.total === 1 ? '' : 's'} skipped)` : 'the inputs hold no document');
  }
  const seconds = (performance.now() - start) / 1000;
  const result = det.result();
  const warnings: string[] = [];
  if (bad.total) warnings.push(`${int(bad.total)} bad input line${bad.total === 1 ? ' was' : 's were'} skipped (--skip-bad-lines)`);
  const ds = docSource;
  const dl = docLine;
  const where = (i: number): string => {
    const s = sources[ds[i]!]!;
    const n = s.path === '-' ? '<stdin>' : s.path;
    return dl[i] ? `${n}:${dl[i]}` : n;
  };
  return { result, inputs, documents, tokens, promptTokens, bytes, seconds, sample, where, windows, warnings };
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

function keyJson(k: LoadedKey, line: MultiKeyResult['keys'][number], run: Run, tok: Tokenizer | undefined): KeyJson {
  const r = line.result;
  const i = run.result.keys.indexOf(line);
  return {
    keyFile: k.path,
    fingerprint: r.fingerprint,
    gamma: r.gamma,
    greenProbability: r.greenProbability,
    contextWidth: r.contextWidth,
    vocabSize: r.vocabSize,
    tokenizer: tok?.name ?? k.key.params.tokenizer ?? null,
    scored: r.scored,
    green: r.green,
    greenFraction: r.greenFraction,
    z: r.z,
    pValue: r.pValue,
    log10PValue: r.log10PValue,
    adjustedLog10PValue: line.adjustedLog10PValue,
    alpha: r.alpha,
    verdict: line.verdict,
    skipped: { ...r.skipped },
    dedup: r.dedup,
    budget: r.budget,
    decoys: r.decoys
      ? {
          count: r.decoys.count,
          log10PValues: r.decoys.values,
          rankPValue: r.decoys.rankPValue,
          ks: r.decoys.ks,
          uniform: r.decoys.uniform,
          warning: r.decoys.warning ?? null,
        }
      : null,
    curve: (r.curve ?? []).map((c) => ({ scored: c.scored, green: c.green, log10PValue: c.log10PValue })),
    perDocument: r.perDocument.map((d) => ({ index: d.index, where: run.where(d.index), scored: d.scored, green: d.green, log10PValue: d.log10PValue })),
    windows: run.windows ? run.windows[i]! : null,
    warnings: r.warnings,
  };
}

/**
 * Colours the sample document's tokens under the first key with the scheme's public green-list
 * function: green/red for a token with a full window of preceding completion tokens, none for the
 * first tokens and special tokens. Tokens that decode to a partial character are merged with the
 * next ones (up to 4) so that multi-byte characters show whole.
 */
function buildSample(c: SampleCandidate, tok: Tokenizer, key: SecretKey, vocabSize: number): SampleDocument {
  const wm = createWatermark({ key, vocabSize });
  const h = wm.config.contextWidth;
  const ids = c.tokens;
  const n = ids.length;
  const status = (i: number): SampleToken['status'] =>
    i < h || tok.specialTokenIds.has(ids[i]!) ? 'none' : wm.isGreen(ids.subarray(i - h, i), ids[i]!) ? 'green' : 'red';
  const dec = (a: number, b: number): string => {
    try {
      return tok.decode(ids.subarray(a, b));
    } catch {
      return Array.from(ids.subarray(a, b), (id) => `⟨${id}⟩`).join('');
    }
  };
  const out: SampleToken[] = [];
  let i = 0;
  while (i < n) {
    let j = i + 1;
    let text = dec(i, j);
    if (text.includes('\uFFFD')) {
      for (let k = j + 1; k <= Math.min(n, i + 4); k++) {
        const t = dec(i, k);
        if (!t.includes('\uFFFD')) {
          text = t;
          j = k;
          break;
        }
      }
    }
    const st = status(i);
    out.push({ text, status: st, ids: Array.from(ids.subarray(i, j)) });
    i = j;
  }
  return { where: c.where, tokens: out, omitted: c.total - n };
}

function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** The terminal summary of a run. */
export function summary(r: DetectJson, reportPath: string | undefined): string {
  const L: string[] = [];
  const bytes = r.inputs.reduce((a, i) => a + i.bytes, 0);
  L.push(
    `radiomark ${r.tool.version}: read ${plural(r.inputs.length, 'input')} (${bytesStr(bytes)}), ${plural(r.documents, 'document')}, ${plural(r.tokens, 'token')} in ${seconds(r.timing.seconds)}`,
  );
  if (r.badLines.total) {
    L.push(`skipped ${int(r.badLines.total)} bad line(s): ${Object.entries(r.badLines.byReason).map(([k, v]) => `${k} ${v}`).join(', ')} (first: ${r.badLines.examples[0]?.where})`);
  }
  for (const k of r.keys) {
    L.push('');
    L.push(`key ${k.fingerprint} (${k.keyFile}): gamma ${k.gamma}, context width ${k.contextWidth}, tokenizer ${k.tokenizer ?? 'none'}, vocabulary ${int(k.vocabSize)}`);
    const sk = Object.entries(k.skipped).filter(([, v]) => v > 0);
    L.push(`  scored      ${int(k.scored)} positions${sk.length ? ` (skipped: ${sk.map(([n, v]) => `${n} ${int(v)}`).join(', ')})` : ''}`);
    L.push(`  green       ${int(k.green)} = ${pct(k.greenFraction)} (chance: ${pct(k.greenProbability)})${k.z !== null ? `, z = ${k.z.toFixed(2)} (display only)` : ''}`);
    L.push(`  p-value     ${pValue(k.log10PValue)}${k.log10PValue !== null ? ` (log10 ${k.log10PValue.toFixed(2)})` : ''}`);
    if (r.keys.length > 1) L.push(`  Holm        ${pValue(k.adjustedLog10PValue)} over ${r.keys.length} keys`);
    if (k.decoys) {
      L.push(
        `  decoys      ${k.decoys.count} decoy keys: rank p-value ${pValue(Math.log10(k.decoys.rankPValue))}; decoy p-values ${k.decoys.uniform ? 'look uniform' : 'NOT uniform'} (KS p ${pValue(Math.log10(Math.max(k.decoys.ks.pValue, 1e-300)))})`,
      );
    }
    if (k.windows && k.windows.length) {
      const best = k.windows.reduce((a, b) => ((b.correctedLog10PValue ?? 0) < (a.correctedLog10PValue ?? 0) ? b : a));
      L.push(`  windows     best window of ${k.windows[0]!.windowSize}: ${best.where} tokens ${best.min?.start}-${best.min?.end}, corrected p ${pValue(best.correctedLog10PValue)}`);
    }
    L.push(`  verdict     ${verdictWords(k.verdict)}`);
    for (const w of k.warnings) L.push(`  warning: ${w}`);
  }
  L.push('');
  const main = r.keys.reduce((a, b) => ((b.adjustedLog10PValue ?? 0) < (a.adjustedLog10PValue ?? 0) ? b : a));
  if (r.verdict === 'detected') {
    L.push(`VERDICT: watermark DETECTED (p ${pValue(main.adjustedLog10PValue)} <= alpha ${alphaStr(r.alpha)}).`);
    L.push(`Unrelated text would look this watermarked ${oneIn(main.adjustedLog10PValue!)}.`);
  } else if (r.verdict === 'not-detected') {
    L.push(`VERDICT: not detected (p ${pValue(main.adjustedLog10PValue)} > alpha ${alphaStr(r.alpha)}). No evidence of the watermark in these outputs; a weak signal needs more text.`);
  } else {
    L.push(`VERDICT: insufficient data (${int(main.scored)} positions scored; even all green could not reach alpha ${alphaStr(r.alpha)}).`);
  }
  for (const w of r.warnings) L.push(`warning: ${w}`);
  if (reportPath) L.push(`report: ${reportPath}`);
  return `${L.join('\n')}\n`;
}
