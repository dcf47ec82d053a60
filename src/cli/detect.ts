/**
 * `radiomark detect`: read the suspect corpus, run the pooled test under every key, print the
 * summary (or `--json`), write the HTML report, and choose the exit status. The flags are read in
 * ./detect-options.ts, the keys in ./detect-keys.ts, the corpus scored in ./score.ts.
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { DetectorOptions } from '../detect/index.js';
import type { SecretKey } from '../key/index.js';
import { flag, parse } from '../command/args.js';
import { EXIT_DETECTED, EXIT_OK, type Command, type Io } from '../command/command.js';
import { CliError, fsReason, UsageError } from '../command/errors.js';
import { int } from '../report/format.js';
import { renderReport } from '../report/html.js';
import { detectJson, keyJson } from '../report/json.js';
import type { DetectJson } from '../report/model.js';
import { progressEnabled, ProgressLine, readProgress } from '../report/progress.js';
import { colourSample } from '../report/sample.js';
import { BadLines } from './bad-lines.js';
import { DETECT_HELP, detectSettings, OPTIONS, type DetectSettings } from './detect-options.js';
import { setupKeys, type KeySetup } from './detect-keys.js';
import { readReference, type Reference } from './filter.js';
import { resolveInputs, type ResolvedInputs } from './inputs.js';
import type { PrepareConfig } from './prepare.js';
import { scoreSources, type ScoreRun } from './score.js';
import { summary } from './summary.js';
import { withholdingSecrets } from './key-material.js';

/** Inputs at least this large get tokenizer threads under --threads auto. */
const AUTO_THREADS_BYTES = 16e6;

/**
 * Tokenizer threads: `--threads N`, or under `auto` one per core but one (at most 8) for inputs
 * known to be large on 4+ cores (stdin and pipes have no size: pass --threads). Two cores gain
 * little (the main thread's share is ~30%) and lose when the machine is busy.
 */
function threadCount(s: DetectSettings, io: Io, totalBytes: number | undefined): number {
  const cores = availableParallelism();
  const n = s.threads ?? (io.entry && totalBytes !== undefined && totalBytes >= AUTO_THREADS_BYTES && cores >= 4 ? Math.min(cores - 1, 8) : 0);
  if (n > 0 && !io.entry) throw new UsageError('--threads needs the radiomark command (tokenizer threads run its entry module)');
  return n;
}

/** Why nothing could be tested: the inputs named, and the first bad line with its reason. */
function noDocument(resolved: ResolvedInputs, bad: BadLines): string {
  const names = resolved.sources.map((x) => (x.path === '-' ? '<stdin>' : x.path));
  const inputs = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const first = bad.examples[0];
  if (!first) return `${inputs}: no document to test (${names.length === 1 ? 'the input holds' : 'the inputs hold'} none)`;
  return `${inputs}: no document could be read: ${int(bad.total)} bad line${bad.total === 1 ? '' : 's'} skipped, the first ${first.where}: ${first.message}`;
}

/** The detector options of `--two-sided` / `--strata`. */
function detectorVariant(s: DetectSettings, strataRef: Reference | undefined): Pick<DetectorOptions, 'alternative' | 'strata'> {
  if (s.variant?.kind === 'two-sided') return { alternative: 'two-sided' };
  if (s.variant?.kind === 'strata') return { strata: { reference: strataRef!.sequences, bounds: s.variant.bounds, method: s.variant.method } };
  return {};
}

/** The `--json` document of a run. */
function runJson(s: DetectSettings, k: KeySetup, prepare: PrepareConfig, refs: { filter: Reference | undefined; strata: Reference | undefined }, resolved: ResolvedInputs, run: ScoreRun, bad: BadLines, threads: number): DetectJson {
  const { filter, strata } = refs;
  const warnings = [...run.warnings];
  if (bad.total) warnings.push(`${int(bad.total)} bad input line${bad.total === 1 ? ' was' : 's were'} skipped (--skip-bad-lines)`);
  const tokenizer = k.tokenizer?.name ?? null;
  return detectJson({
    verdict: run.result.verdict,
    alpha: run.result.alpha,
    correction: k.keys.length > 1 ? 'holm' : 'none',
    config: {
      tokenizer,
      normalize: prepare.normalize,
      stripZeroWidth: prepare.stripZeroWidth,
      input: s.tokens ? 'tokens' : 'text',
      field: prepare.spec.field,
      promptField: prepare.spec.promptField ?? null,
      promptExclusion: s.promptExclusion,
      filter: filter ? { path: filter.path, sha256: filter.sha256, sequences: filter.sequences.length } : null,
      budget: s.budget ?? null,
      decoys: s.decoys,
      window: s.window ?? null,
      threads,
      variant:
        s.variant?.kind === 'strata'
          ? { test: 'strata', bounds: s.variant.bounds, method: s.variant.method, reference: { path: strata!.path, sha256: strata!.sha256, sequences: strata!.sequences.length } }
          : s.variant?.kind === 'two-sided'
            ? { test: 'two-sided' }
            : null,
    },
    inputs: run.inputs,
    unreadable: resolved.unreadable,
    documents: run.corpus.documents,
    tokens: run.corpus.tokens,
    promptTokens: run.corpus.promptTokens,
    badLines: { total: bad.total, byReason: { ...bad.byReason }, examples: bad.examples },
    keys: run.result.keys.map((line, i) =>
      keyJson(line.result, {
        keyFile: k.keys[i]!.path,
        tokenizer: tokenizer ?? k.keys[i]!.key.params.tokenizer ?? null,
        adjustedLog10PValue: line.adjustedLog10PValue,
        verdict: line.verdict,
        where: (d) => run.corpus.where(d),
        windows: run.corpus.windows?.[i] ?? null,
        ...(k.family ? { familyShape: { epochDays: k.family.key.epochDays, epochOrigin: k.family.key.epochOrigin } } : {}),
      }),
    ),
    timing: { seconds: run.seconds, bytesPerSecond: run.seconds > 0 ? run.bytes / run.seconds : 0, tokensPerSecond: run.seconds > 0 ? run.corpus.tokens / run.seconds : 0 },
    warnings,
  });
}

/** The key the sample is coloured under: the first key, or a family's most significant member. */
function sampleKey(k: KeySetup, run: ScoreRun): SecretKey {
  const members = run.result.keys[0]!.result.family?.perMember;
  if (!k.family || !members?.length) return k.keys[0]!.key as SecretKey;
  const best = members.reduce((a, b) => (b.log10PValue < a.log10PValue ? b : a));
  return k.family.key.key(best.cohort, best.epoch ?? undefined);
}

/** Writes the HTML report, with the sample document coloured under {@link sampleKey}. */
async function writeReport(path: string, out: DetectJson, run: ScoreRun, k: KeySetup): Promise<void> {
  const sample = run.corpus.sample && k.tokenizer ? colourSample(run.corpus.sample, k.tokenizer, sampleKey(k, run), k.vocabSize) : undefined;
  const page = renderReport(out, sample);
  try {
    await fsp.writeFile(path, page);
  } catch (e) {
    throw new CliError(`--report ${path}: ${fsReason(e)}`);
  }
}

/**
 * Runs `radiomark detect`.
 *
 * @param argv - arguments after `detect`
 * @param io - streams, stdin, the entry module for tokenizer threads
 * @returns the exit status (0, or 1 with `--fail-on detect` and a positive verdict)
 * @throws UsageError / CliError for bad flags and inputs (exit 2)
 */
async function run(argv: readonly string[], io: Io): Promise<number> {
  const p = parse('radiomark detect', argv, OPTIONS, true);
  if (flag(p, 'help')) {
    io.out(DETECT_HELP);
    return EXIT_OK;
  }
  const s = detectSettings(p);
  const k = await setupKeys(s, io.err);
  return withholdingSecrets(
    k.keys.map((x) => x.secretHex()),
    () => test(s, k, io),
  );
}

/** Reads the inputs, scores them, writes the outputs: everything after the keys are loaded. */
async function test(s: DetectSettings, k: KeySetup, io: Io): Promise<number> {
  const prepare: PrepareConfig = { spec: { ...s.fields, vocabSize: k.vocabSize }, normalize: s.normalize, stripZeroWidth: s.stripZeroWidth };
  const resolved = await resolveInputs(s.inputs);
  for (const u of resolved.unreadable) io.err(`warning: skipping ${u.path}: ${u.reason}\n`);
  for (const d of resolved.duplicates) io.err(`warning: ${d} is given twice; reading it once\n`);
  const bad = new BadLines(s.skipBadLines);
  const secrets = k.keys.map((x) => ({ fingerprint: x.key.fingerprint, hex: x.secretHex() }));
  const ref = { format: s.format, spec: prepare.spec, prepare, tokenizer: k.tokenizer, bad, secrets };
  const filter = s.filterPath === undefined ? undefined : await readReference('--filter', s.filterPath, ref);
  const strataRef = s.variant?.kind === 'strata' ? await readReference('--strata-reference', s.variant.reference, ref) : undefined;
  const totalBytes = resolved.sources.every((x) => x.size !== undefined) ? resolved.sources.reduce((a, x) => a + x.size!, 0) : undefined;
  const threads = threadCount(s, io, totalBytes);
  const line = new ProgressLine(io.stderr, progressEnabled(io.stderr, s.progress ?? io.progress, io.env));
  const scored = await scoreSources(
    { ...k, promptExclusion: s.promptExclusion, filter: filter?.sequences, budget: s.budget, decoys: s.decoys, alpha: s.alpha, window: s.window, variant: detectorVariant(s, strataRef) },
    { format: s.format, prepare, threads, workerEntry: io.entry, tokenizerSpec: k.tokenizerSpec, stdin: io.stdin, onProgress: (c) => line.update(() => readProgress(c, totalBytes, line.seconds())) },
    resolved.sources,
    bad,
  );
  line.done();
  if (scored.corpus.documents === 0) throw new CliError(noDocument(resolved, bad));
  const out = runJson(s, k, prepare, { filter, strata: strataRef }, resolved, scored, bad, threads);
  if (s.reportPath !== undefined) await writeReport(s.reportPath, out, scored, k);
  io.out(s.json ? `${JSON.stringify(out)}\n` : summary(out, s.reportPath));
  return s.failOnDetect && out.verdict === 'detected' ? EXIT_DETECTED : EXIT_OK;
}

/** `radiomark detect`. */
export const detectCommand: Command = { name: 'detect', help: DETECT_HELP, run };
