/**
 * JSONL lines: splitting a byte stream into strict UTF-8 lines and parsing each as JSON, with bad
 * lines named by `file:line`.
 *
 * @module
 */
import { describe } from '../assert.js';
import type { BadSink } from './bad-lines.js';
import { firstInvalidUtf8 } from '../tokenize/utf8.js';

/** Where the first byte that breaks UTF-8 is (the tokenizer room's helper, used by every CLI reader). */
export { firstInvalidUtf8 };

/** The longest line accepted, in bytes (V8 strings top out near 512 MiB). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** A strict UTF-8 decoder (throws on invalid bytes; a BOM is kept, for the caller to drop). */
export const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Splits a byte stream into lines (`\n`, with a trailing `\r` dropped), decodes each as strict
 * UTF-8 and parses it as JSON. Decodes a whole chunk at a time (fast path) and falls back to line
 * by line only to locate a bad line. Blank lines are counted and ignored.
 */
export class LineSplitter {
  /** Lines seen so far (blank ones included). */
  count = 0;
  /** Blank (whitespace-only) lines. */
  blank = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  /**
   * @param name - the source name for `file:line`
   * @param bad - bad-line counter
   * @param onValue - receives each parsed JSON value with its `file:line`
   * @param onRaw - if given, receives each non-blank line unparsed instead
   * @param maxLineBytes - the longest line accepted [default {@link MAX_LINE_BYTES}]
   */
  constructor(
    private readonly name: string,
    private readonly bad: BadSink,
    private readonly onValue: (value: unknown, where: string) => void,
    private readonly onRaw?: (text: string, where: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  /**
   * Feeds a chunk; complete lines are processed at once.
   *
   * @returns false when the current line grew over the cap: it is reported as bad
   *   (`tooLarge`) and the caller stops reading this input
   */
  push(chunk: Uint8Array): boolean {
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes <= this.maxLineBytes) return true;
      this.pending = [];
      this.bad.add(`${this.name}:${this.count + 1}`, 'tooLarge', `line longer than ${sizeText(this.maxLineBytes)} (is this JSONL?); the rest of the file is not read`);
      return false;
    }
    const head = chunk.subarray(0, nl + 1);
    const block = this.pending.length ? Buffer.concat([...this.pending, head]) : head;
    this.pending = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
    this.pendingBytes = chunk.length - nl - 1;
    this.block(block);
    return true;
  }

  /** Processes a last line without a newline. */
  end(): void {
    if (this.pending.length) {
      const block = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.block(block);
    }
  }

  private block(buf: Uint8Array): void {
    let text: string;
    try {
      text = FATAL.decode(buf);
    } catch {
      this.slowBlock(buf);
      return;
    }
    let start = 0;
    const n = text.length;
    while (start < n) {
      let i = text.indexOf('\n', start);
      if (i < 0) i = n;
      this.line(text.slice(start, i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i));
      start = i + 1;
    }
  }

  /** Line-by-line decoding of a block that holds invalid UTF-8, to name the bad line(s). */
  private slowBlock(buf: Uint8Array): void {
    let start = 0;
    while (start < buf.length) {
      let i = buf.indexOf(10, start);
      if (i < 0) i = buf.length;
      const lineBytes = buf.subarray(start, i);
      start = i + 1;
      let text: string;
      try {
        text = FATAL.decode(lineBytes);
      } catch {
        this.count++;
        const off = firstInvalidUtf8(lineBytes);
        this.bad.add(`${this.name}:${this.count}`, 'invalidUtf8', `not valid UTF-8 (byte 0x${hex2(lineBytes[off]!)} at byte ${off + 1} of the line)`);
        continue;
      }
      this.line(text.endsWith('\r') ? text.slice(0, -1) : text);
    }
  }

  private line(raw: string): void {
    const lineNo = ++this.count;
    let s = raw;
    if (lineNo === 1 && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    if (isBlank(s)) {
      this.blank++;
      return;
    }
    const where = `${this.name}:${lineNo}`;
    if (this.onRaw) {
      this.onRaw(s, where);
      return;
    }
    const parsed = parseJsonLine(s, where, this.bad);
    if (parsed) this.onValue(parsed.value, where);
  }
}

/**
 * Parses one JSONL line, reporting invalid JSON through `bad` (which throws unless skipping).
 *
 * @returns `{ value }`, or undefined when the line is bad and skipped
 */
export function parseJsonLine(s: string, where: string, bad: BadSink): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(s) as unknown };
  } catch (e) {
    bad.add(where, 'invalidJson', `not valid JSON${jsonReason(e, s)}`);
    return undefined;
  }
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * What `JSON.parse` objected to, in its own words up to the first quote: V8 quotes the input in
 * some messages (`"NaN" is not valid JSON`), and the input may be anything, a secret included, so
 * nothing from a quote on is kept. Empty when nothing is left (the caller says "not valid JSON").
 *
 * @param e - the error `JSON.parse` threw
 * @returns the reason, e.g. `Unterminated string`, or `''`
 */
export function jsonError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const unquoted = msg.split('"')[0]!.replace(/ in JSON at position \d+.*$/s, '').replace(/ at position \d+.*$/s, '');
  return unquoted.replace(/[\s,]+$/, '');
}

/** `not valid JSON`, with {@link jsonError}'s reason when there is one. */
export function notJson(e: unknown): string {
  const why = jsonError(e);
  return `not valid JSON${why ? ` (${why})` : ''}`;
}

/** `not valid JSON`, {@link jsonError}'s reason, and the character position with a little context. */
function jsonReason(e: unknown, line: string): string {
  const at = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  const pos = at ? Number(at[1]) : undefined;
  const near = pos !== undefined ? ` at character ${pos + 1} (near ${describe(line.slice(Math.max(0, pos - 10), pos + 10))})` : '';
  const why = jsonError(e);
  return `${why ? `: ${why}` : ''}${near}`;
}

/** A size cap in words: `256 MiB`, or bytes below 1 MiB. */
export function sizeText(bytes: number): string {
  return bytes >= 1 << 20 ? `${+(bytes / (1 << 20)).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** A byte as two hex digits. */
export function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}


