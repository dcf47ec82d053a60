/**
 * The one progress line: drawn on stderr while a command works (detect: bytes, documents, tokens;
 * probe: prompts done, in flight), redrawn at most every interval, erased at the end so that
 * nothing of it stays in the terminal or mixes with stdout.
 *
 * @module
 */
import type { TermStream } from '../command/command.js';
import { bytesStr, clock, count } from './format.js';

/**
 * Whether to draw progress: `force` (a `--progress`/`--no-progress` flag, or the caller's default)
 * wins; otherwise only when the stream is a terminal (so logs and pipes never get carriage returns).
 *
 * @param stream - where the line would be drawn, if anywhere
 * @param force - an explicit on/off, if any
 * @param env - environment variables (`TERM=dumb` turns it off)
 */
export function progressEnabled(stream: TermStream | undefined, force: boolean | undefined, env: Readonly<Record<string, string | undefined>> = {}): boolean {
  if (stream === undefined) return false;
  if (force !== undefined) return force;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * A line of progress on a terminal (redrawn in place) or, when forced on elsewhere, one line per
 * update at a slower pace.
 */
export class ProgressLine {
  /** When the line was created (ms, `performance.now()`), for rates. */
  readonly start = performance.now();
  private last = -Infinity;
  private drawn = false;
  private text: (() => string) | undefined;

  /**
   * @param stream - where to draw (stderr)
   * @param enabled - draw at all (see {@link progressEnabled})
   * @param intervalMs - minimum time between redraws [default 200 ms on a terminal, 2 s elsewhere]
   */
  constructor(
    private readonly stream: TermStream | undefined,
    readonly enabled: boolean,
    private readonly intervalMs = stream?.isTTY ? 200 : 2000,
  ) {}

  /** Seconds since the line was created (at least 1 ms, so rates stay finite). */
  seconds(now = performance.now()): number {
    return Math.max((now - this.start) / 1000, 1e-3);
  }

  /**
   * Redraws when the interval has passed (or `force`). Cheap to call per document: `text` runs
   * only when the line is drawn.
   *
   * @param text - builds the line
   * @param force - draw now
   */
  update(text: () => string, force = false): void {
    if (!this.enabled) return;
    this.text = text;
    const now = performance.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    this.draw(text());
  }

  /** Erases the line on a terminal; elsewhere (forced on) writes the last state once more. */
  done(): void {
    if (!this.enabled || this.stream === undefined) return;
    if (this.stream.isTTY) {
      if (this.drawn) this.stream.write('\r\x1b[2K');
    } else if (this.text) this.draw(this.text());
    this.drawn = false;
  }

  private draw(line: string): void {
    const stream = this.stream!;
    const width = stream.columns || 100; // 0 when the terminal does not say
    const cut = width >= 20 && line.length > width - 1 ? line.slice(0, width - 1) : line;
    stream.write(stream.isTTY ? `\r\x1b[2K${cut}` : `${cut}\n`);
    this.drawn = true;
  }
}

/** What `detect`'s progress line shows. */
export interface ReadCounts {
  bytes: number;
  documents: number;
  tokens: number;
}

/**
 * `detect`'s progress text: share of the input read (when its size is known), documents, tokens,
 * speeds and an ETA.
 *
 * @param c - the counts so far
 * @param totalBytes - the inputs' total size, when known
 * @param secs - seconds since the start
 */
export function readProgress(c: ReadCounts, totalBytes: number | undefined, secs: number): string {
  const parts: string[] = [];
  if (totalBytes) {
    const frac = Math.min(c.bytes / totalBytes, 1);
    const done = bytesStr(c.bytes);
    const total = bytesStr(totalBytes);
    const sameUnit = done.split(' ')[1] === total.split(' ')[1];
    parts.push(`${(frac * 100).toFixed(0).padStart(3)}% ${sameUnit ? done.split(' ')[0] : done}/${total}`);
  } else parts.push(bytesStr(c.bytes));
  parts.push(`${c.documents.toLocaleString('en-US')} docs`, `${count(c.tokens)} tok`);
  parts.push(`${bytesStr(c.bytes / secs)}/s`, `${count(c.tokens / secs)} tok/s`);
  if (totalBytes && c.bytes > 0 && c.bytes < totalBytes) parts.push(`ETA ${clock(((totalBytes - c.bytes) * secs) / c.bytes)}`);
  return parts.join('  ');
}

/** What `probe`'s progress line shows. */
export interface RequestCounts {
  /** Prompts answered (this run and earlier ones). */
  done: number;
  /** Prompts in all. */
  total: number;
  /** Answered by this run (for the rate). */
  finished: number;
  /** Prompts this run still has to answer (for the ETA). */
  left: number;
  inFlight: number;
  retrying: number;
  failed: number;
}

/**
 * `probe`'s progress text: prompts done, requests in flight and retrying, failures, rate and ETA.
 *
 * @param c - the counts so far
 * @param secs - seconds since the start
 */
export function requestProgress(c: RequestCounts, secs: number): string {
  const rps = c.finished / secs;
  const eta = rps > 0 ? `  ETA ${clock(c.left / rps)}` : '';
  return `${count(c.done)}/${count(c.total)} done  ${c.inFlight} in flight${c.retrying ? `  ${c.retrying} retrying` : ''}${c.failed ? `  ${c.failed} failed` : ''}  ${rps.toFixed(2)} req/s${eta}`;
}
