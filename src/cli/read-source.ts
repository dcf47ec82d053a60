/**
 * Reading one input, streaming: JSONL line by line or a text file whole, hashed as it is read,
 * every chunk checked for key material before any of it is used.
 *
 * @module
 */
import { createHash, type Hash } from 'node:crypto';
import { extname } from 'node:path';
import { CliError, fsReason } from '../command/errors.js';
import type { BadSink } from './bad-lines.js';
import { fileChunks } from './files.js';
import type { InputSource } from './inputs.js';
import { keyMaterialMessage, type KeyMaterialScan } from './key-material.js';
import { FATAL, firstInvalidUtf8, hex2, LineSplitter, MAX_LINE_BYTES, sizeText } from './lines.js';

export { MAX_LINE_BYTES } from './lines.js';

/** How an input file is read: one JSON object per line, or the whole file as one document. */
export type InputFormat = 'jsonl' | 'text';

/** The largest text file read as one document (the same cap as a JSONL line). */
export const MAX_TEXT_BYTES = MAX_LINE_BYTES;

/** Byte and line totals of one input after reading it. */
export interface ReadStats {
  /** SHA-256 of the bytes read, lowercase hex. */
  readonly sha256: string;
  /** Bytes read. */
  readonly bytes: number;
  /** Lines seen (JSONL) or 1 (text). */
  readonly lines: number;
  /** Whitespace-only lines (JSONL), ignored. */
  readonly blankLines: number;
  /** Whether reading stopped before the end (a line or text over the size cap). */
  readonly truncated: boolean;
}

/** Callbacks of {@link readSource}. */
export interface ReadHandlers {
  /** Called once the format of the source is known (after sniffing for `auto`). */
  onFormat?(format: InputFormat): void;
  /** Called for every chunk read, with its size in bytes (progress). */
  onBytes?(n: number): void;
  /** A JSONL line that parsed to a JSON value: `where` is `file:line`. */
  onJson?(value: unknown, where: string): void;
  /**
   * A non-blank JSONL line, unparsed (instead of `onJson`): for callers that parse elsewhere (the
   * tokenizer threads). They must report invalid JSON themselves, with `parseJsonLine`.
   */
  onLine?(text: string, where: string): void;
  /** Awaited after each chunk: lets the caller apply back-pressure. */
  afterChunk?(): Promise<void> | void;
  /** A whole text file (format `text`). */
  onText?(text: string, where: string): void;
}

/** A stream of byte chunks: a file's read stream, or stdin. */
export type ByteSource = AsyncIterable<Uint8Array>;

/** How {@link readSource} reads. */
export interface ReadOptions {
  /** `jsonl`, `text`, or `auto` (by extension, else JSONL when the first non-blank byte is `{`). */
  readonly format: InputFormat | 'auto';
  /** Where bad lines go (throws unless skipping). */
  readonly bad: BadSink;
  /** Refuses an input holding key material (checked on every chunk before it is used). */
  readonly scan?: KeyMaterialScan;
  /** Standard input, for `-` [default: none]. */
  readonly stdin?: ByteSource;
  /** The longest JSONL line and the largest text read [default {@link MAX_LINE_BYTES}, {@link MAX_TEXT_BYTES}]. */
  readonly maxBytes?: number;
}

/** The state of one source being read. */
class SourceRead {
  readonly hash: Hash = createHash('sha256');
  bytes = 0;
  fmt: InputFormat | undefined;
  readonly chunks: Uint8Array[] = []; // text mode, and blanks before the format is known
  truncated = false;
  readonly lines: LineSplitter;

  constructor(
    readonly name: string,
    readonly o: ReadOptions,
    readonly h: ReadHandlers,
    format: InputFormat | undefined,
  ) {
    this.fmt = format;
    this.lines = new LineSplitter(name, o.bad, (v, where) => h.onJson?.(v, where), h.onLine, o.maxBytes ?? MAX_LINE_BYTES);
  }

  /** Takes one chunk; false when reading must stop (over the cap). */
  take(chunk: Uint8Array): boolean {
    const found = this.o.scan?.scan(chunk);
    if (found !== undefined) throw new CliError(keyMaterialMessage(this.where(chunk, found.at), found.why));
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.h.onBytes?.(chunk.length);
    if (this.fmt === undefined) {
      this.fmt = sniff(chunk, this.bytes === chunk.length);
      if (this.fmt === undefined) {
        this.chunks.push(chunk); // only blanks so far: decide later
        return true;
      }
      this.h.onFormat?.(this.fmt);
      if (this.fmt === 'jsonl') for (const c of this.chunks.splice(0)) this.lines.push(c);
    } else if (this.bytes === chunk.length) this.h.onFormat?.(this.fmt);
    if (this.fmt === 'jsonl') return this.lines.push(chunk);
    this.chunks.push(chunk);
    const cap = this.o.maxBytes ?? MAX_TEXT_BYTES;
    if (this.bytes <= cap) return true;
    this.o.bad.add(this.name, 'tooLarge', `text larger than ${sizeText(cap)} (one document per text file); the rest is not read: split it or use JSONL`);
    return false;
  }

  /** The input, and for JSONL the line, that byte `at` of `chunk` (the next chunk to take) falls in. */
  where(chunk: Uint8Array, at: number): string {
    if (this.fmt !== 'jsonl') return this.name;
    let line = this.lines.count + 1;
    for (let i = 0; i < at; i++) if (chunk[i] === 10) line++;
    return `${this.name}:${line}`;
  }

  stats(lines: number, blankLines: number): ReadStats {
    return { sha256: this.hash.digest('hex'), bytes: this.bytes, lines, blankLines, truncated: this.truncated };
  }
}

/** Reads chunks into `r` until the end, or until `r` says stop. */
async function pump(r: SourceRead, iter: AsyncIterator<Uint8Array>): Promise<void> {
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await iter.next();
      if (done) {
        ended = true;
        return;
      }
      if (value.length === 0) continue;
      if (!r.take(value)) {
        r.truncated = true;
        return;
      }
      await r.h.afterChunk?.();
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${r.name}: ${fsReason(e)}`);
  } finally {
    // Stopped early (over the cap, a bad line, key material): release the file. An open file
    // left behind keeps the process from exiting.
    if (!ended) await iter.return?.(undefined)?.catch(() => undefined);
  }
}

/** A text file's single document, or its first invalid UTF-8 byte reported by line and column. */
function finishText(r: SourceRead): ReadStats {
  const buf = Buffer.concat(r.chunks);
  r.chunks.length = 0;
  let text: string;
  try {
    text = FATAL.decode(buf);
  } catch {
    const off = firstInvalidUtf8(buf);
    const before = buf.subarray(0, off);
    const line = 1 + before.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
    const col = off - (before.lastIndexOf(10) + 1);
    r.o.bad.add(`${r.name}:${line}`, 'invalidUtf8', `not valid UTF-8 (byte 0x${hex2(buf[off]!)} at byte ${col + 1} of the line)`);
    return r.stats(1, 0);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  r.h.onText?.(text, r.name);
  return r.stats(1, 0);
}

/**
 * Reads one input, streaming: JSONL line by line (memory bounded by the longest line, at most
 * {@link MAX_LINE_BYTES}), or a text file whole (at most {@link MAX_TEXT_BYTES}). Bytes are hashed
 * (SHA-256) as they are read, and checked for key material before they are used. Every line must be
 * UTF-8; a bad line is reported as `file:line` through `bad` (which throws unless skipping). A line
 * or text over the cap is reported (`tooLarge`) and ends the reading of that input.
 *
 * @param source - the input
 * @param o - format, bad-line sink, key-material scan, stdin
 * @param handlers - callbacks
 * @param open - opens the byte stream (default: the file, or `o.stdin` for `-`)
 * @returns hash and totals
 * @throws CliError for unreadable files, key material, and (without skipping) malformed lines
 */
export async function readSource(source: InputSource, o: ReadOptions, handlers: ReadHandlers, open: (s: InputSource) => ByteSource = (s) => openSource(s, o.stdin)): Promise<ReadStats> {
  const name = source.path === '-' ? '<stdin>' : source.path;
  const r = new SourceRead(name, o, handlers, o.format === 'auto' ? formatByExtension(source.path) : o.format);
  await pump(r, open(source)[Symbol.asyncIterator]());
  if (r.fmt === undefined) {
    // Empty or blank-only: no format could be sniffed; call it by what the user can act on.
    r.fmt = 'text';
    handlers.onFormat?.(r.fmt);
  }
  if (r.bytes === 0) {
    o.bad.add(name, 'emptyFile', 'empty file (0 bytes)');
    return r.stats(0, 0);
  }
  if (r.fmt === 'text') return r.truncated ? r.stats(1, 0) : finishText(r);
  if (!r.truncated) r.lines.end();
  const { count, blank } = r.lines;
  if (count - blank === 0 && !r.truncated) o.bad.add(name, 'emptyFile', `no JSON lines (${blank} blank line${blank === 1 ? '' : 's'})`);
  return r.stats(count, blank);
}

/** The byte stream of an input: the file (named pipes waited on, see `openForReading`), or standard input for `-`. */
export function openSource(s: InputSource, stdin: ByteSource | undefined): ByteSource {
  if (s.path === '-') return stdin ?? (async function* (): AsyncGenerator<Uint8Array> {})();
  return fileChunks(s.path, s.path);
}

/** The format implied by a file name, or undefined when the content must decide. */
export function formatByExtension(path: string): InputFormat | undefined {
  if (path === '-') return undefined;
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.jsonlines') return 'jsonl';
  if (ext === '.txt' || ext === '.text' || ext === '.md') return 'text';
  return undefined;
}

function sniff(chunk: Uint8Array, first: boolean): InputFormat | undefined {
  let i = 0;
  if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
  for (; i < chunk.length; i++) {
    const b = chunk[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue;
    return b === 0x7b ? 'jsonl' : 'text';
  }
  return undefined;
}
