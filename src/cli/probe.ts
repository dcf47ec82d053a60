import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { choice, duration, flag, num, parse, str, type OptionSpec } from './args.js';
import { CliError, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, show, typeName, UsageError } from './errors.js';
import { clock, count } from './progress.js';
import { extname } from 'node:path';
import { firstInvalidUtf8, fsReason, getField } from './input.js';

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
  --rate R             at most R requests per second [default: no limit]
  --retries N          retries per prompt for transient errors [default 8]
  --retry-delay DUR    first retry delay; doubles each retry, randomized (full jitter)
                       [default 500ms]
  --retry-max-delay DUR
                       longest retry delay, also caps Retry-After [default 30s]
  --timeout DUR        per-request timeout, e.g. 90s [default 120s]
  --limit N            probe only the first N prompts
  --progress, --no-progress
                       force the progress line on stderr on or off [default: on for a terminal]
  -h, --help           show this help

Ctrl-C stops sending new requests and waits for those in flight (a second Ctrl-C abandons
them); everything completed is already on disk.

Exit status: 0 every prompt has its line in --out, 2 usage or input error, or prompts left
unanswered (rerun the same command to retry them), 130 interrupted.
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

/** Output streams of {@link probe}. */
export interface ProbeIo {
  out(s: string): void;
  err(s: string): void;
  readonly stderr: { write(s: string): boolean; readonly isTTY?: boolean; readonly columns?: number };
}

/** One prompt to send. */
export interface PromptItem {
  /** Stable id: the prompt file's id field, or `h:` + hash of the text (+ `#n` for repeats). */
  id: string;
  prompt: string;
  /** `file:line` for messages. */
  where: string;
}

/** The API flavour. */
export type ApiKind = 'completions' | 'chat';

/** Retry pacing. */
export interface Backoff {
  /** First delay in ms (before jitter). */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
}

const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 };

/**
 * The delay before retry number `attempt` (0-based): full jitter, `random * min(cap, base * 2^attempt)`,
 * at least 50 ms; a server's Retry-After (seconds) wins when larger, up to the cap.
 *
 * @param attempt - retries done so far
 * @param b - base and cap
 * @param retryAfterMs - the server's Retry-After in ms, if any
 * @param random - a uniform number in [0, 1)
 */
export function backoffDelay(attempt: number, b: Backoff, retryAfterMs: number | undefined, random: number = Math.random()): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** attempt);
  const jittered = Math.max(50, random * ceiling);
  return retryAfterMs !== undefined ? Math.min(b.capMs, Math.max(jittered, retryAfterMs)) : jittered;
}

/** Whether an HTTP status is worth retrying (rate limit, server trouble, timeouts). */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || (status >= 500 && status <= 599);
}

/** Parses Retry-After (delta-seconds or an HTTP date) into ms. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/**
 * Resolves the endpoint URL to the request URL(s) to try.
 *
 * @param endpoint - user input
 * @param api - `auto` or a kind
 * @returns candidate (kind, url) pairs, in the order to try
 * @throws UsageError for a URL that is not http(s)
 */
export function resolveEndpoint(endpoint: string, api: ApiKind | 'auto'): { kind: ApiKind; url: string }[] {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch {
    throw new UsageError(`--endpoint must be an http(s) URL, got ${show(endpoint)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--endpoint must be an http(s) URL, got ${show(endpoint)}`);
  if (u.username || u.password) throw new UsageError('--endpoint must not contain credentials; use --api-key-env VAR');
  const path = u.pathname.replace(/\/+$/, '');
  const at = (p: string): string => {
    const v = new URL(u.href);
    v.pathname = p;
    return v.href;
  };
  if (path.endsWith('/chat/completions')) {
    if (api === 'completions') throw new UsageError('--api completions contradicts an --endpoint ending in /chat/completions');
    return [{ kind: 'chat', url: at(path) }];
  }
  if (path.endsWith('/completions')) {
    if (api === 'chat') throw new UsageError('--api chat contradicts an --endpoint ending in /completions');
    return [{ kind: 'completions', url: at(path) }];
  }
  const base = path === '' ? '/v1' : path;
  const c = { kind: 'completions' as const, url: at(`${base}/completions`) };
  const ch = { kind: 'chat' as const, url: at(`${base}/chat/completions`) };
  return api === 'completions' ? [c] : api === 'chat' ? [ch] : [c, ch];
}

/**
 * Reads the prompts file: JSONL (`--prompt-field`, optional `--id-field`) or plain text, one prompt
 * per non-blank line. Ids are stable across runs: the id field when present, else `h:` + the first
 * 16 hex digits of SHA-256 of the prompt, with `#2`, `#3`... for repeats of the same prompt.
 *
 * @throws CliError naming `file:line`, the field and the value for a bad line or a duplicate id
 */
export async function readPrompts(path: string, promptField: string, idField: string): Promise<PromptItem[]> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (e) {
    throw new CliError(`--prompts ${path}: ${fsReason(e)}`);
  }
  if (buf.length === 0) throw new CliError(`--prompts ${path}: empty file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    const off = firstInvalidUtf8(buf);
    const line = buf.subarray(0, off).toString('latin1').split('\n').length;
    throw new CliError(`${path}:${line}: not valid UTF-8 (byte 0x${buf[off]!.toString(16).padStart(2, '0')})`);
  }
  const ext = extname(path).toLowerCase();
  const jsonl = ext === '.jsonl' || ext === '.ndjson' || (ext !== '.txt' && text.trimStart().startsWith('{'));
  const lines = text.split('\n');
  const items: PromptItem[] = [];
  const ids = new Map<string, string>();
  const seen = new Map<string, number>();
  lines.forEach((raw, i) => {
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let prompt: string;
    let id: string | undefined;
    if (jsonl) {
      let v: unknown;
      try {
        v = JSON.parse(lineText);
      } catch (e) {
        throw new CliError(`${where}: not valid JSON (${(e as Error).message.replace(/, ".*" is not valid JSON$/s, '').slice(0, 80)})`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${where}: expected a JSON object, got ${typeName(v)}`);
      const p = getField(v, promptField);
      if (typeof p !== 'string') {
        throw new CliError(
          p === undefined
            ? `${where}: field "${promptField}" is missing (choose another with --prompt-field)`
            : `${where}: field "${promptField}" must be a string, got ${typeName(p)} ${show(p, 40)}`,
        );
      }
      prompt = p;
      const rawId = getField(v, idField);
      if (rawId !== undefined && rawId !== null) {
        if (typeof rawId !== 'string' && typeof rawId !== 'number') throw new CliError(`${where}: field "${idField}" must be a string or a number, got ${typeName(rawId)}`);
        id = String(rawId);
      }
    } else prompt = lineText;
    if (id === undefined) {
      const h = `h:${createHash('sha256').update(prompt).digest('hex').slice(0, 16)}`;
      const n = (seen.get(h) ?? 0) + 1;
      seen.set(h, n);
      id = n === 1 ? h : `${h}#${n}`;
    }
    const prev = ids.get(id);
    if (prev !== undefined) throw new CliError(`${where}: duplicate id ${show(id)} (first at ${prev})`);
    ids.set(id, where);
    items.push({ id, prompt, where });
  });
  if (items.length === 0) throw new CliError(`--prompts ${path}: no prompts (only blank lines)`);
  return items;
}

/**
 * Reads the ids already in the output file, repairing a last line cut short by a crash (it is
 * removed: that response is requested again).
 *
 * @returns the ids present and a note when a partial line was removed
 * @throws CliError for a complete line that is not a JSON object with an id (not our file?)
 */
export async function readDone(path: string): Promise<{ ids: Set<string>; repaired: number }> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(path);
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return { ids: new Set(), repaired: 0 };
    throw new CliError(`--out ${path}: ${fsReason(e)}`);
  }
  const ids = new Set<string>();
  let repaired = 0;
  let end = buf.length;
  if (end > 0 && buf[end - 1] !== 10) {
    const nl = buf.lastIndexOf(10);
    end = nl + 1;
    repaired = buf.length - end;
    await fsp.truncate(path, end);
  }
  const text = buf.subarray(0, end).toString('utf8');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new CliError(`--out ${path}:${i + 1}: not valid JSON; is this a probe output file? (move it away or fix the line)`);
    }
    const id = (v as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw new CliError(`--out ${path}:${i + 1}: no string "id" field; is this a probe output file?`);
    ids.add(id);
  }
  return { ids, repaired };
}

/**
 * Appends lines to the output file and fsyncs them, batching whatever is pending into one write.
 * A line is durable when its promise resolves.
 */
export class DurableAppender {
  private queue: { line: string; done: () => void; fail: (e: unknown) => void }[] = [];
  private busy = false;
  /** Lines written and synced. */
  written = 0;

  private constructor(private readonly fh: fsp.FileHandle) {}

  /** Opens `path` for appending (creating it with mode 0644). */
  static async open(path: string): Promise<DurableAppender> {
    try {
      return new DurableAppender(await fsp.open(path, 'a', 0o644));
    } catch (e) {
      throw new CliError(`--out ${path}: ${fsReason(e)}`);
    }
  }

  /** Queues one JSON line; resolves once it is on disk. */
  append(record: unknown): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    return new Promise<void>((done, fail) => {
      this.queue.push({ line, done, fail });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0);
        try {
          await this.fh.write(batch.map((b) => b.line).join(''));
          await this.fh.datasync();
          this.written += batch.length;
          for (const b of batch) b.done();
        } catch (e) {
          for (const b of batch) b.fail(e);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Waits for pending lines and closes the file. */
  async close(): Promise<void> {
    while (this.busy || this.queue.length) await new Promise((r) => setTimeout(r, 5));
    await this.fh.close();
  }
}

/** A request failure. `retry` tells whether it is transient. */
class RequestError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly fatal = false,
  ) {
    super(message);
  }
}

interface Completion {
  text: string;
  model: string | undefined;
  finishReason: string | undefined;
  usage: unknown;
}

/** Spaces request starts to at most `rate` per second. */
class RateLimiter {
  private next = 0;
  constructor(private readonly rate: number | undefined) {}
  async wait(signal: AbortSignal): Promise<void> {
    if (!this.rate) return;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.rate;
    if (at > now) await sleep(at - now, signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * `radiomark probe`: send every prompt not yet answered in `--out`, append each completion as soon
 * as it arrives (fsync'd), retry transient failures, stop cleanly on Ctrl-C.
 *
 * @param argv - arguments after `probe`
 * @param io - output streams
 * @returns 0 when every prompt is answered, 2 when some are left (rerun to resume), 130 after Ctrl-C
 * @throws UsageError / CliError for bad flags, files, or an endpoint that refuses every request
 */
export async function probe(argv: readonly string[], io: ProbeIo): Promise<number> {
  const p = parse('radiomark probe', argv, OPTIONS, false);
  if (flag(p, 'help')) {
    io.out(PROBE_HELP);
    return EXIT_OK;
  }
  const endpoint = str(p, 'endpoint');
  const promptsPath = str(p, 'prompts');
  const outPath = str(p, 'out');
  for (const [name, v] of [['endpoint', endpoint], ['prompts', promptsPath], ['out', outPath]] as const) {
    if (!v) throw new UsageError(`--${name} is required (see radiomark probe --help)`);
  }
  if (outPath === '-') throw new UsageError('--out needs a file (the output is appended to and resumed from)');
  const api = choice(p, 'api', ['auto', 'completions', 'chat'] as const) ?? 'auto';
  const candidates = resolveEndpoint(endpoint!, api);
  const model = str(p, 'model');
  const maxTokens = num(p, 'max-tokens', { integer: true, min: 1 }) ?? 256;
  const temperature = num(p, 'temperature', { min: 0 });
  const concurrency = num(p, 'concurrency', { integer: true, min: 1, max: 1024 }) ?? 4;
  const rate = num(p, 'rate', { exclusiveMin: 0 });
  const retries = num(p, 'retries', { integer: true, min: 0, max: 100 }) ?? 8;
  const timeoutMs = duration(p, 'timeout') ?? 120_000;
  const limit = num(p, 'limit', { integer: true, min: 1 });
  const keyEnv = str(p, 'api-key-env');
  let apiKey: string | undefined;
  if (keyEnv !== undefined) {
    apiKey = process.env[keyEnv];
    if (!apiKey) throw new UsageError(`--api-key-env ${keyEnv}: the environment variable ${keyEnv} is not set`);
  }
  const backoff: Backoff = {
    baseMs: duration(p, 'retry-delay') ?? DEFAULT_BACKOFF.baseMs,
    capMs: duration(p, 'retry-max-delay') ?? DEFAULT_BACKOFF.capMs,
  };
  if (backoff.capMs < backoff.baseMs) throw new UsageError(`--retry-max-delay (${backoff.capMs} ms) must be at least --retry-delay (${backoff.baseMs} ms)`);
  const forced = flag(p, 'progress') ? true : flag(p, 'no-progress') ? false : undefined;
  const showProgress = forced ?? (io.stderr.isTTY === true && process.env.TERM !== 'dumb');

  let prompts = await readPrompts(promptsPath!, str(p, 'prompt-field') ?? 'prompt', str(p, 'id-field') ?? 'id');
  if (limit !== undefined) prompts = prompts.slice(0, limit);
  const lock = await acquireLock(outPath!);
  const interrupt = new AbortController(); // second Ctrl-C: abandon requests in flight
  const stop = new AbortController(); // first Ctrl-C: cut waits short, send nothing new
  let stopping = false;
  let writer: DurableAppender | undefined;
  const onSigint = (): void => {
    if (!stopping) {
      stopping = true;
      stop.abort();
      io.err(`\ninterrupted: finishing the requests in flight (Ctrl-C again to abandon them); completed responses are saved\n`);
    } else interrupt.abort();
  };
  const onSigterm = (): void => {
    stopping = true;
    stop.abort();
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  try {
    const done = await readDone(outPath!);
    if (done.repaired) io.err(`note: removed an incomplete last line (${done.repaired} bytes) of ${outPath} left by an interrupted run; that prompt is asked again\n`);
    const todo = prompts.filter((q) => !done.ids.has(q.id));
    const already = prompts.length - todo.length;
    writer = await DurableAppender.open(outPath!);
    const w = writer;
    const limiter = new RateLimiter(rate);
    let chosen: { kind: ApiKind; url: string } | undefined = candidates.length === 1 ? candidates[0] : undefined;
    let choosing: Promise<void> | undefined;
    const failures: { item: PromptItem; reason: string }[] = [];
    let fatal: RequestError | undefined;
    let inFlight = 0;
    let retrying = 0;
    let finished = 0;
    const start = performance.now();
    let lastDraw = 0;
    const draw = (force = false): void => {
      if (!showProgress) return;
      const now = performance.now();
      if (!force && now - lastDraw < 250) return;
      lastDraw = now;
      const secs = (now - start) / 1000;
      const rps = finished / Math.max(secs, 1e-3);
      const left = todo.length - finished - failures.length;
      const eta = rps > 0 ? `  ETA ${clock(left / rps)}` : '';
      const line = `${count(already + finished)}/${count(prompts.length)} done  ${inFlight} in flight${retrying ? `  ${retrying} retrying` : ''}${failures.length ? `  ${failures.length} failed` : ''}  ${rps.toFixed(2)} req/s${eta}`;
      io.stderr.write(io.stderr.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    };

    const request = async (kind: ApiKind, url: string, prompt: string): Promise<Completion> => {
      const body: Record<string, unknown> =
        kind === 'chat' ? { messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, stream: false } : { prompt, max_tokens: maxTokens, stream: false };
      if (model !== undefined) body.model = model;
      if (temperature !== undefined) body.temperature = temperature;
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.any([interrupt.signal, AbortSignal.timeout(timeoutMs)]) });
      } catch (e) {
        if (interrupt.signal.aborted) throw new RequestError('abandoned after Ctrl-C', false);
        const err = e as Error & { cause?: { code?: string; message?: string } };
        const why = err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
        throw new RequestError(`network error: ${why}`, true);
      }
      let payload: string;
      try {
        payload = await res.text();
      } catch (e) {
        if (interrupt.signal.aborted) throw new RequestError('abandoned after Ctrl-C', false);
        throw new RequestError(`connection lost while reading the response: ${(e as Error).message}`, true);
      }
      if (!res.ok) {
        const detail = errorDetail(payload);
        const msg = `HTTP ${res.status}${detail ? `: ${detail}` : ''}`;
        const fatalStatus = res.status === 401 || res.status === 403;
        return Promise.reject(new RequestError(msg, retryableStatus(res.status), res.status, parseRetryAfter(res.headers.get('retry-after')), fatalStatus));
      }
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        throw new RequestError(`HTTP ${res.status} but the body is not JSON (${show(payload, 60)})`, true);
      }
      const choice0 = getField(json, 'choices.0');
      const text = kind === 'chat' ? getField(choice0, 'message.content') : getField(choice0, 'text');
      if (typeof text !== 'string') throw new RequestError(`HTTP ${res.status} but no ${kind === 'chat' ? 'choices[0].message.content' : 'choices[0].text'} string in the response`, true);
      const m = getField(json, 'model');
      const fr = getField(choice0, 'finish_reason');
      return { text, model: typeof m === 'string' ? m : undefined, finishReason: typeof fr === 'string' ? fr : undefined, usage: getField(json, 'usage') };
    };

    /** Picks the API on the first successful request when --api auto and a base URL were given. */
    const ask = async (prompt: string): Promise<{ c: Completion; kind: ApiKind }> => {
      if (chosen) return { c: await request(chosen.kind, chosen.url, prompt), kind: chosen.kind };
      if (choosing) {
        await choosing.catch(() => undefined);
        return ask(prompt);
      }
      let release!: () => void;
      choosing = new Promise<void>((r) => (release = r));
      try {
        for (let i = 0; i < candidates.length; i++) {
          const cand = candidates[i]!;
          try {
            const c = await request(cand.kind, cand.url, prompt);
            chosen = cand;
            return { c, kind: cand.kind };
          } catch (e) {
            const re = e as RequestError;
            const wrongRoute = re.status === 404 || re.status === 405 || re.status === 501;
            if (!wrongRoute || i === candidates.length - 1) {
              if (wrongRoute) throw new RequestError(`${re.message} from both ${candidates.map((c) => c.url).join(' and ')}; give the full URL or --api`, false, re.status, undefined, true);
              throw e;
            }
          }
        }
        throw new Error('unreachable');
      } finally {
        choosing = undefined;
        release();
      }
    };

    const one = async (item: PromptItem): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        await limiter.wait(stop.signal);
        if (stopping) return; // not sent (or not retried): left for the next run
        let c: Completion | undefined;
        let kind: ApiKind = 'completions';
        let delay = 0;
        inFlight++;
        draw();
        try {
          ({ c, kind } = await ask(item.prompt));
        } catch (e) {
          if (!(e instanceof RequestError)) throw e;
          if (e.fatal) {
            fatal ??= e;
            stopping = true;
            stop.abort();
            return;
          }
          if (interrupt.signal.aborted) return;
          if (!e.retry || attempt >= retries) {
            failures.push({ item, reason: e.retry ? `${e.message} (gave up after ${retries} retries)` : e.message });
            draw();
            return;
          }
          delay = backoffDelay(attempt, backoff, e.retryAfterMs);
        } finally {
          inFlight--;
        }
        if (c === undefined) {
          retrying++;
          draw();
          await sleep(delay, stop.signal);
          retrying--;
          continue;
        }
        await w.append({
          id: item.id,
          prompt: item.prompt,
          text: c.text,
          model: c.model ?? model ?? null,
          finish_reason: c.finishReason ?? null,
          api: kind,
          ...(c.usage !== undefined ? { usage: c.usage } : {}),
        });
        finished++;
        draw();
        return;
      }
    };

    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, todo.length) }, async () => {
      while (!stopping && next < todo.length) await one(todo[next++]!);
    });
    await Promise.all(workers);
    await w.close();
    writer = undefined;
    if (showProgress) io.stderr.write(io.stderr.isTTY ? '\r\x1b[2K' : '');
    const left = todo.length - finished;
    const f = fatal as RequestError | undefined;
    if (f) throw new CliError(`the endpoint refused the request (${f.message}); nothing more was sent. ${finished} response(s) saved in ${outPath}`);
    io.out(
      `probe: ${prompts.length} prompts: ${finished} answered now, ${already} already in ${outPath}${failures.length ? `, ${failures.length} failed` : ''}${left - failures.length > 0 ? `, ${left - failures.length} not sent` : ''}\n`,
    );
    for (const fl of failures.slice(0, 10)) io.err(`failed: ${fl.item.where} (id ${fl.item.id}): ${fl.reason}\n`);
    if (failures.length > 10) io.err(`... and ${failures.length - 10} more failures\n`);
    if (stopping && left > 0) {
      io.err(`interrupted: ${left} prompt(s) left; rerun the same command to continue\n`);
      return EXIT_INTERRUPTED;
    }
    if (left > 0) {
      io.err(`${left} prompt(s) have no answer yet; rerun the same command to retry them\n`);
      return EXIT_USAGE;
    }
    return EXIT_OK;
  } finally {
    if (writer) await writer.close().catch(() => undefined);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    await lock.release();
  }
}

function errorDetail(payload: string): string {
  try {
    const v = JSON.parse(payload) as unknown;
    const m = getField(v, 'error.message') ?? getField(v, 'error') ?? getField(v, 'message');
    if (typeof m === 'string') return show(m, 120).slice(1, -1);
  } catch {
    // not JSON
  }
  const t = payload.trim();
  return t ? show(t, 80) : '';
}

/**
 * A lock file (`OUT.lock`, holding the pid) so that two probes never append to the same output.
 * A lock left by a process that no longer runs is taken over.
 */
async function acquireLock(out: string): Promise<{ release(): Promise<void> }> {
  const path = `${out}.lock`;
  for (let i = 0; i < 2; i++) {
    try {
      const fh = await fsp.open(path, 'wx', 0o644);
      await fh.writeFile(String(process.pid));
      await fh.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await fsp.unlink(path).catch(() => undefined);
        },
      };
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw new CliError(`--out ${out}: cannot create ${path}: ${fsReason(e)}`);
      const pid = Number((await fsp.readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new CliError(`${out} is being written by another probe (pid ${pid}, lock file ${path}); wait for it or stop it`);
      }
      await fsp.unlink(path).catch(() => undefined); // stale: its process is gone
    }
  }
  throw new CliError(`--out ${out}: could not take the lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}
