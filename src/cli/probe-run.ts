/**
 * `probe`'s run loop: a fixed number of workers take prompts in order, ask the endpoint, retry
 * transient failures with backoff, and append each answer (fsync'd) as it arrives; Ctrl-C stops
 * sending and keeps everything answered.
 *
 * @module
 */
import type { TermStream } from '../command/command.js';
import { ProgressLine, requestProgress } from '../report/progress.js';
import type { DurableAppender } from './appender.js';
import { RequestError, type ApiKind, type Client, type Completion } from './openai.js';
import { backoffDelay, RateLimiter, sleep, type Backoff } from './pacing.js';
import type { PromptItem } from './prompts.js';

/** What the loop needs. */
export interface RunSettings {
  readonly client: Client;
  readonly writer: DurableAppender;
  readonly concurrency: number;
  readonly rate: number | undefined;
  readonly retries: number;
  readonly backoff: Backoff;
  /** Sent as `model` in each line when the server names none. */
  readonly model: string | undefined;
  /** First Ctrl-C (or a fatal failure, which aborts it): cut waits short, send nothing new. */
  readonly stop: AbortController;
  /** Second Ctrl-C: abandon requests in flight. */
  readonly interrupt: AbortSignal;
  readonly progress: { readonly stream: TermStream | undefined; readonly enabled: boolean };
}

/** What the loop did. */
export interface RunOutcome {
  /** Prompts answered and saved by this run. */
  finished: number;
  /** Prompts that failed for good (not transient, or out of retries), with the reason. */
  failures: { item: PromptItem; reason: string }[];
  /** A failure that stopped the run (every request would fail), if any. */
  fatal: RequestError | undefined;
}

/** The mutable state shared by the workers of one run. */
class RunState implements RunOutcome {
  finished = 0;
  failures: { item: PromptItem; reason: string }[] = [];
  fatal: RequestError | undefined;
  inFlight = 0;
  retrying = 0;
  next = 0;
  readonly line: ProgressLine;

  constructor(
    readonly s: RunSettings,
    readonly todo: readonly PromptItem[],
    readonly already: number,
    readonly total: number,
  ) {
    this.line = new ProgressLine(s.progress.stream, s.progress.enabled, 250);
  }

  get stopped(): boolean {
    return this.s.stop.signal.aborted;
  }

  draw(): void {
    this.line.update(() =>
      requestProgress(
        {
          done: this.already + this.finished,
          total: this.total,
          finished: this.finished,
          left: this.todo.length - this.finished - this.failures.length,
          inFlight: this.inFlight,
          retrying: this.retrying,
          failed: this.failures.length,
        },
        this.line.seconds(),
      ),
    );
  }
}

/** One attempt: the completion, or what to do about its failure. */
async function attempt(st: RunState, item: PromptItem, n: number): Promise<{ c: Completion; kind: ApiKind } | { retryIn: number } | 'done'> {
  st.inFlight++;
  st.draw();
  try {
    return await st.s.client.ask(item.prompt);
  } catch (e) {
    if (!(e instanceof RequestError)) throw e;
    if (e.fatal) {
      st.fatal ??= e;
      st.s.stop.abort();
      return 'done';
    }
    if (st.s.interrupt.aborted) return 'done';
    if (!e.retry || n >= st.s.retries) {
      st.failures.push({ item, reason: e.retry ? `${e.message} (gave up after ${st.s.retries} retries)` : e.message });
      st.draw();
      return 'done';
    }
    return { retryIn: backoffDelay(n, st.s.backoff, e.retryAfterMs) };
  } finally {
    st.inFlight--;
  }
}

/** Asks one prompt until it is answered, fails for good, or the run stops; saves the answer. */
async function one(st: RunState, limiter: RateLimiter, item: PromptItem): Promise<void> {
  for (let n = 0; ; n++) {
    await limiter.wait(st.s.stop.signal);
    if (st.stopped) return; // not sent (or not retried): left for the next run
    const r = await attempt(st, item, n);
    if (r === 'done') return;
    if ('retryIn' in r) {
      st.retrying++;
      st.draw();
      await sleep(r.retryIn, st.s.stop.signal);
      st.retrying--;
      continue;
    }
    await st.s.writer.append({
      id: item.id,
      prompt: item.prompt,
      text: r.c.text,
      model: r.c.model ?? st.s.model ?? null,
      finish_reason: r.c.finishReason ?? null,
      api: r.kind,
      ...(r.c.usage !== undefined ? { usage: r.c.usage } : {}),
    });
    st.finished++;
    st.draw();
    return;
  }
}

/**
 * Sends every prompt of `todo` (in order, `concurrency` at a time) until all are answered or
 * failed, or the run is stopped.
 *
 * @param s - client, writer, pace, signals, progress
 * @param todo - prompts not yet answered
 * @param already - prompts answered by earlier runs (for the progress line)
 * @param total - prompts in all
 * @returns what happened
 */
export async function runProbe(s: RunSettings, todo: readonly PromptItem[], already: number, total: number): Promise<RunOutcome> {
  const st = new RunState(s, todo, already, total);
  const limiter = new RateLimiter(s.rate);
  const workers = Array.from({ length: Math.min(s.concurrency, todo.length) }, async () => {
    while (!st.stopped && st.next < todo.length) await one(st, limiter, todo[st.next++]!);
  });
  await Promise.all(workers);
  st.line.done();
  return { finished: st.finished, failures: st.failures, fatal: st.fatal };
}
