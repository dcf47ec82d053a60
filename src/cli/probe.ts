/**
 * `radiomark probe`: query a suspect's OpenAI-compatible endpoint with prompts and save each
 * completion as it arrives. This module reads the arguments and the files; ./openai.ts is the
 * client, ./probe-run.ts the run loop.
 *
 * @module
 */
import { choice, duration, flag, num, parse, str, type OptionSpec, type Parsed } from '../command/args.js';
import { EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, type Command, type Io } from '../command/command.js';
import { CliError, UsageError } from '../command/errors.js';
import { progressEnabled } from '../report/progress.js';
import { acquireLock, DurableAppender } from './appender.js';
import { Client, resolveEndpoint, type Route } from './openai.js';
import { DEFAULT_BACKOFF, type Backoff } from './pacing.js';
import { runProbe, type RunOutcome } from './probe-run.js';
import { readDone, readPrompts, type PromptItem } from './prompts.js';

/** `radiomark probe --help`. */
export const PROBE_HELP = `Usage: radiomark probe --endpoint URL --prompts FILE --out FILE [options]

Queries a suspect model's OpenAI-compatible API (the closed-model setting) with your prompts and
saves each prompt with its completion as one JSONL line ({"id", "prompt", "text", ...}) the
moment it arrives; "radiomark detect" reads that file as is. Safe to stop and rerun: prompts
whose id is already in --out are skipped, so a crash or Ctrl-C loses no completed response and
a rerun adds no duplicate. Transient errors (HTTP 429, 5xx, timeouts, dropped connections) are
retried with exponential backoff and jitter, honouring Retry-After.

Required:
  --endpoint URL       base URL (https://host/v1) or the full /v1/completions or
                       /v1/chat/completions URL
  --prompts FILE       JSONL with a "prompt" field (optional "id"), or a text file with one
                       prompt per line
  --out FILE           JSONL output, appended to (created if missing)

Request:
  --model NAME         model name sent with each request
  --api KIND           auto, completions or chat [default auto: from the URL, else try
                       /v1/completions and fall back to /v1/chat/completions]
  --max-tokens N       completion length limit [default 256]
  --temperature T      sampling temperature [default: the server's]
  --api-key-env VAR    send "Authorization: Bearer $VAR" (the key is read from the
                       environment variable VAR, never from the command line, never printed)
  --prompt-field NAME  JSONL field of the prompt [default prompt]
  --id-field NAME      JSONL field of a stable prompt id [default id; otherwise a hash of the
                       prompt text and its occurrence number]

Pace:
  --concurrency N      requests in flight [default 4]
  --rate R             at most R requests per second, R >= 0.001 [default: no limit]
  --retries N          retries per prompt for transient errors [default 8]
  --retry-delay DUR    first retry delay; doubles each retry, randomized (full jitter)
                       [default 500ms]
  --retry-max-delay DUR
                       longest retry delay, also caps Retry-After [default 30s]
  --timeout DUR        per-request timeout (headers and body), e.g. 90s [default 120s]
  --limit N            probe only the first N prompts
  --progress, --no-progress
                       force the progress line on stderr on or off [default: on for a terminal]
  -h, --help           show this help

Ctrl-C stops sending new requests and waits for those in flight (a second Ctrl-C abandons
them); everything completed is already on disk.

Exit status: 0 every prompt has its line in --out, 2 usage or input error, 4 prompts left
unanswered (rerun the same command to retry them), 130 interrupted. The same codes mean the
same in every radiomark command (see radiomark --help).
`;

const OPTIONS: Record<string, OptionSpec> = {
  endpoint: { type: 'string' },
  prompts: { type: 'string' },
  out: { type: 'string', short: 'o' },
  model: { type: 'string' },
  api: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'api-key-env': { type: 'string' },
  'prompt-field': { type: 'string' },
  'id-field': { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  retries: { type: 'string' },
  'retry-delay': { type: 'string' },
  'retry-max-delay': { type: 'string' },
  timeout: { type: 'string' },
  limit: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
};


/** Everything the flags say. */
interface ProbeSettings {
  readonly routes: Route[];
  readonly promptsPath: string;
  readonly outPath: string;
  readonly model: string | undefined;
  readonly maxTokens: number;
  readonly temperature: number | undefined;
  readonly concurrency: number;
  readonly rate: number | undefined;
  readonly retries: number;
  readonly timeoutMs: number;
  readonly limit: number | undefined;
  readonly apiKey: string | undefined;
  readonly backoff: Backoff;
  readonly progress: boolean | undefined;
  readonly promptField: string;
  readonly idField: string;
}

/** Reads the flags. @throws UsageError naming the flag and the value */
function settings(p: Parsed, io: Io): ProbeSettings {
  const endpoint = str(p, 'endpoint');
  const promptsPath = str(p, 'prompts');
  const outPath = str(p, 'out');
  for (const [name, v] of [['endpoint', endpoint], ['prompts', promptsPath], ['out', outPath]] as const) {
    if (!v) throw new UsageError(`--${name} is required (see radiomark probe --help)`);
  }
  if (outPath === '-') throw new UsageError('--out needs a file (the output is appended to and resumed from)');
  const routes = resolveEndpoint(endpoint!, choice(p, 'api', ['auto', 'completions', 'chat'] as const) ?? 'auto');
  const keyEnv = str(p, 'api-key-env');
  const apiKey = keyEnv === undefined ? undefined : io.env?.[keyEnv];
  if (keyEnv !== undefined && !apiKey) throw new UsageError(`--api-key-env ${keyEnv}: the environment variable ${keyEnv} is not set`);
  const backoff: Backoff = { baseMs: duration(p, 'retry-delay') ?? DEFAULT_BACKOFF.baseMs, capMs: duration(p, 'retry-max-delay') ?? DEFAULT_BACKOFF.capMs };
  if (backoff.capMs < backoff.baseMs) throw new UsageError(`--retry-max-delay (${backoff.capMs} ms) must be at least --retry-delay (${backoff.baseMs} ms)`);
  return {
    routes,
    promptsPath: promptsPath!,
    outPath: outPath!,
    model: str(p, 'model'),
    maxTokens: num(p, 'max-tokens', { integer: true, min: 1 }) ?? 256,
    temperature: num(p, 'temperature', { min: 0 }),
    concurrency: num(p, 'concurrency', { integer: true, min: 1, max: 1024 }) ?? 4,
    rate: num(p, 'rate', { min: 0.001 }),
    retries: num(p, 'retries', { integer: true, min: 0, max: 100 }) ?? 8,
    timeoutMs: duration(p, 'timeout', { min: 1 }) ?? 120_000,
    limit: num(p, 'limit', { integer: true, min: 1 }),
    apiKey,
    backoff,
    progress: flag(p, 'progress') ? true : flag(p, 'no-progress') ? false : io.progress,
    promptField: str(p, 'prompt-field') ?? 'prompt',
    idField: str(p, 'id-field') ?? 'id',
  };
}

/** Ctrl-C handling: the first stops sending, the second (or SIGTERM) abandons requests in flight. */
function signals(io: Io): { stop: AbortController; interrupt: AbortController; release(): void } {
  const stop = new AbortController();
  const interrupt = new AbortController();
  const onSigint = (): void => {
    if (!stop.signal.aborted) {
      stop.abort();
      io.err(`\ninterrupted: finishing the requests in flight (Ctrl-C again to abandon them); completed responses are saved\n`);
    } else interrupt.abort();
  };
  const onSigterm = (): void => {
    stop.abort();
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return {
    stop,
    interrupt,
    release: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}

/** The closing lines and the exit status of a run. */
function finish(s: ProbeSettings, io: Io, o: RunOutcome, total: number, todo: number, already: number, interrupted: boolean): number {
  const left = todo - o.finished;
  if (o.fatal) throw new CliError(`the endpoint refused the request (${o.fatal.message}); nothing more was sent. ${o.finished} response(s) saved in ${s.outPath}`);
  const notSent = left - o.failures.length;
  io.out(`probe: ${total} prompts: ${o.finished} answered now, ${already} already in ${s.outPath}${o.failures.length ? `, ${o.failures.length} failed` : ''}${notSent > 0 ? `, ${notSent} not sent` : ''}\n`);
  for (const fl of o.failures.slice(0, 10)) io.err(`failed: ${fl.item.where} (id ${fl.item.id}): ${fl.reason}\n`);
  if (o.failures.length > 10) io.err(`... and ${o.failures.length - 10} more failures\n`);
  if (interrupted && left > 0) {
    io.err(`interrupted: ${left} prompt(s) left; rerun the same command to continue\n`);
    return EXIT_INTERRUPTED;
  }
  if (left > 0) {
    io.err(`${left} prompt(s) have no answer yet; rerun the same command to retry them\n`);
    return EXIT_INCOMPLETE;
  }
  return EXIT_OK;
}

/** Sends the prompts not yet answered in --out, with the lock held and the signals handled. */
async function probeFile(s: ProbeSettings, io: Io, prompts: PromptItem[]): Promise<number> {
  const done = await readDone(s.outPath);
  if (done.repaired) io.err(`note: removed an incomplete last line (${done.repaired} bytes) of ${s.outPath} left by an interrupted run; that prompt is asked again\n`);
  const todo = prompts.filter((q) => !done.ids.has(q.id));
  const writer = await DurableAppender.open(s.outPath);
  const sig = signals(io);
  try {
    const client = new Client({ routes: s.routes, model: s.model, maxTokens: s.maxTokens, temperature: s.temperature, apiKey: s.apiKey, timeoutMs: s.timeoutMs, interrupt: sig.interrupt.signal });
    const outcome = await runProbe(
      { client, writer, concurrency: s.concurrency, rate: s.rate, retries: s.retries, backoff: s.backoff, model: s.model, stop: sig.stop, interrupt: sig.interrupt.signal, progress: { stream: io.stderr, enabled: progressEnabled(io.stderr, s.progress, io.env) } },
      todo,
      prompts.length - todo.length,
      prompts.length,
    );
    await writer.close();
    return finish(s, io, outcome, prompts.length, todo.length, prompts.length - todo.length, sig.stop.signal.aborted && !outcome.fatal);
  } finally {
    await writer.close().catch(() => undefined);
    sig.release();
  }
}

/**
 * Runs `radiomark probe`: sends every prompt not yet answered in `--out`, appends each completion
 * as soon as it arrives (fsync'd), retries transient failures, stops cleanly on Ctrl-C.
 *
 * @param argv - arguments after `probe`
 * @param io - output streams and environment (`--api-key-env`)
 * @returns 0 every prompt answered, 4 some left (rerun to resume), 130 after Ctrl-C
 * @throws UsageError / CliError for bad flags, files, or an endpoint that refuses every request
 */
async function run(argv: readonly string[], io: Io): Promise<number> {
  const p = parse('radiomark probe', argv, OPTIONS, false);
  if (flag(p, 'help')) {
    io.out(PROBE_HELP);
    return EXIT_OK;
  }
  const s = settings(p, io);
  let prompts = await readPrompts(s.promptsPath, s.promptField, s.idField);
  if (s.limit !== undefined) prompts = prompts.slice(0, s.limit);
  const lock = await acquireLock(s.outPath);
  try {
    return await probeFile(s, io, prompts);
  } finally {
    await lock.release();
  }
}

/** `radiomark probe`. */
export const probeCommand: Command = {
  name: 'probe',
  help: PROBE_HELP,
  run,
};
