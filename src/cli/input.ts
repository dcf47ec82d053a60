import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { CliError, show, typeName } from './errors.js';

/** How an input file is read: one JSON object per line, or the whole file as one document. */
export type InputFormat = 'jsonl' | 'text';

/** One input: a file on disk, or standard input (`-`). */
export interface InputSource {
  /** The path as the user gave it (or as found under a directory they gave); `-` for stdin. */
  readonly path: string;
  /** Size in bytes, when known (not for stdin or pipes). */
  readonly size: number | undefined;
}

/** Files that could not be read under a directory argument (skipped with a warning). */
export interface ResolvedInputs {
  readonly sources: InputSource[];
  readonly unreadable: { path: string; reason: string }[];
  readonly duplicates: string[];
}

/**
 * Expands the positional arguments of `detect` into input files: a file is taken as is, a
 * directory contributes every regular file below it (sorted, hidden entries skipped), `-` is stdin.
 * A path given twice (or a file inside a directory also given) is read once.
 *
 * @param args - positional arguments
 * @returns the sources, plus unreadable files found under directories and skipped duplicates
 * @throws CliError when an argument does not exist or cannot be read, or a directory holds no
 *   readable file
 */
export async function resolveInputs(args: readonly string[]): Promise<ResolvedInputs> {
  const sources: InputSource[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  let stdin = false;
  const add = async (path: string, size: number | undefined): Promise<void> => {
    let real: string;
    try {
      real = await fsp.realpath(path);
    } catch {
      real = resolve(path);
    }
    if (seen.has(real)) {
      duplicates.push(path);
      return;
    }
    seen.add(real);
    sources.push({ path, size });
  };
  for (const arg of args) {
    if (arg === '-') {
      if (stdin) throw new CliError('"-" (standard input) given more than once');
      stdin = true;
      sources.push({ path: '-', size: undefined });
      continue;
    }
    let st;
    try {
      st = await fsp.stat(arg);
    } catch (e) {
      throw new CliError(`${arg}: ${fsReason(e)}`);
    }
    if (st.isDirectory()) {
      const found: { path: string; size: number }[] = [];
      const bad: { path: string; reason: string }[] = [];
      await walk(arg, found, bad);
      if (found.length === 0) {
        const why = bad.length ? ` (${bad.length} unreadable: ${bad.slice(0, 3).map((b) => `${b.path}: ${b.reason}`).join('; ')})` : '';
        throw new CliError(`${arg}: directory has no readable files${why}`);
      }
      unreadable.push(...bad);
      for (const f of found) await add(f.path, f.size);
    } else if (st.isFile()) {
      try {
        await fsp.access(arg, fsp.constants.R_OK);
      } catch (e) {
        throw new CliError(`${arg}: ${fsReason(e)}`);
      }
      await add(arg, st.size);
    } else {
      // FIFOs and character devices (process substitution, /dev/stdin) are read as streams.
      await add(arg, undefined);
    }
  }
  return { sources, unreadable, duplicates };
}

async function walk(dir: string, found: { path: string; size: number }[], bad: { path: string; reason: string }[]): Promise<void> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    bad.push({ path: dir, reason: fsReason(e) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue;
    const p = join(dir, ent.name);
    let st;
    try {
      st = await fsp.stat(p);
    } catch (e) {
      bad.push({ path: p, reason: fsReason(e) });
      continue;
    }
    if (st.isDirectory()) await walk(p, found, bad);
    else if (st.isFile()) {
      try {
        await fsp.access(p, fsp.constants.R_OK);
        found.push({ path: p, size: st.size });
      } catch (e) {
        bad.push({ path: p, reason: fsReason(e) });
      }
    }
  }
}

/** A plain-words reason for a file-system error. */
export function fsReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EEXIST':
      return 'already exists';
    default:
      return (e as Error).message ?? String(e);
  }
}

/** Why a line (or file) was skipped under `--skip-bad-lines`. Stable keys of the JSON output. */
export type BadLineReason =
  | 'invalidJson'
  | 'notAnObject'
  | 'missingField'
  | 'wrongType'
  | 'invalidToken'
  | 'invalidUtf8'
  | 'emptyFile';

/** Where bad lines are reported: {@link BadLines} or one input's view of it. */
export interface BadSink {
  /**
   * Records one bad line (or file).
   * @throws CliError when not skipping
   */
  add(where: string, reason: BadLineReason, message: string): void;
}

/**
 * Counts malformed input under `--skip-bad-lines`, or throws on the first one without it. Nothing
 * is dropped silently: the totals by reason and the first few locations go into the output.
 */
export class BadLines implements BadSink {
  /** Total lines (or files) skipped. */
  total = 0;
  /** Counts by reason. */
  readonly byReason: Partial<Record<BadLineReason, number>> = {};
  /** The first {@link BadLines.MAX_EXAMPLES} locations and messages. */
  readonly examples: { where: string; reason: BadLineReason; message: string }[] = [];
  static readonly MAX_EXAMPLES = 10;

  /** Counts per input index, for the inputs recorded through {@link BadLines.forSource}. */
  readonly bySource: number[] = [];

  /** @param skip - count and continue (`--skip-bad-lines`) instead of failing */
  constructor(readonly skip: boolean) {}

  /** A sink that also counts the bad lines of input number `index`. */
  forSource(index: number): BadSink {
    return {
      add: (where, reason, message) => {
        this.add(where, reason, message);
        this.bySource[index] = (this.bySource[index] ?? 0) + 1;
      },
    };
  }

  /**
   * Records one bad line.
   *
   * @param where - `file:line` (or `file` for a whole-file problem)
   * @param reason - the reason key
   * @param message - what is wrong, naming the field and the value
   * @throws CliError when not skipping
   */
  add(where: string, reason: BadLineReason, message: string): void {
    if (!this.skip) {
      throw new CliError(`${where}: ${message}${reason === 'emptyFile' ? '' : ' (pass --skip-bad-lines to count such lines and continue)'}`);
    }
    this.total++;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
    if (this.examples.length < BadLines.MAX_EXAMPLES) this.examples.push({ where, reason, message });
  }
}

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
   * tokenizer threads). They must report invalid JSON themselves, with {@link parseJsonLine}.
   */
  onLine?(text: string, where: string): void;
  /** Awaited after each chunk: lets the caller apply back-pressure. */
  afterChunk?(): Promise<void> | void;
  /** A whole text file (format `text`). */
  onText?(text: string, where: string): void;
}

/** The longest line accepted, in bytes (V8 strings top out near 512 MiB). */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** A stream of byte chunks: a file's read stream, or stdin. */
export type ByteSource = AsyncIterable<Uint8Array>;

/**
 * Reads one input, streaming: JSONL line by line (memory bounded by the longest line), or a text
 * file whole. Bytes are hashed (SHA-256) as they are read. Every line must be UTF-8; a bad line
 * is reported as `file:line` through `bad` (which throws unless skipping).
 *
 * @param source - the input
 * @param format - `jsonl`, `text`, or `auto` (by extension: `.jsonl`/`.ndjson` are JSONL,
 *   `.txt`/`.md` text; otherwise JSONL when the first non-blank byte is `{`)
 * @param bad - the bad-line counter
 * @param handlers - callbacks
 * @param open - opens the byte stream (default: the file, or process.stdin for `-`)
 * @returns hash and totals
 * @throws CliError for unreadable files and (without skipping) malformed lines
 */
export async function readSource(
  source: InputSource,
  format: InputFormat | 'auto',
  bad: BadSink,
  handlers: ReadHandlers,
  open: (s: InputSource) => ByteSource = openSource,
): Promise<ReadStats> {
  const hash = createHash('sha256');
  let bytes = 0;
  const name = source.path === '-' ? '<stdin>' : source.path;
  let fmt: InputFormat | undefined = format === 'auto' ? formatByExtension(source.path) : format;
  const iter = open(source)[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = []; // text mode only
  const lines = new LineSplitter(name, bad, (v, where) => handlers.onJson?.(v, where), handlers.onLine);
  try {
    for (;;) {
      const { value, done } = await iter.next();
      if (done) break;
      const chunk = value;
      if (chunk.length === 0) continue;
      hash.update(chunk);
      bytes += chunk.length;
      handlers.onBytes?.(chunk.length);
      if (fmt === undefined) {
        fmt = sniff(chunk, bytes === chunk.length);
        if (fmt === undefined) {
          chunks.push(chunk); // only blanks so far: decide later
          continue;
        }
        handlers.onFormat?.(fmt);
        if (fmt === 'jsonl') for (const c of chunks.splice(0)) lines.push(c);
      } else if (bytes === chunk.length) {
        handlers.onFormat?.(fmt);
      }
      if (fmt === 'jsonl') lines.push(chunk);
      else chunks.push(chunk);
      await handlers.afterChunk?.();
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${name}: ${fsReason(e)}`);
  }
  if (fmt === undefined) {
    // Empty or blank-only: no format could be sniffed; call it by what the user can act on.
    fmt = 'text';
    handlers.onFormat?.(fmt);
  }
  if (bytes === 0) {
    bad.add(name, 'emptyFile', 'empty file (0 bytes)');
    return { sha256: hash.digest('hex'), bytes, lines: 0, blankLines: 0 };
  }
  if (fmt === 'jsonl') {
    lines.end();
    if (lines.count - lines.blank === 0) bad.add(name, 'emptyFile', `no JSON lines (${lines.blank} blank line${lines.blank === 1 ? '' : 's'})`);
    return { sha256: hash.digest('hex'), bytes, lines: lines.count, blankLines: lines.blank };
  }
  const buf = Buffer.concat(chunks);
  let text: string;
  try {
    text = FATAL.decode(buf);
  } catch {
    const off = firstInvalidUtf8(buf);
    let line = 1;
    let col = 0;
    for (let i = 0; i < off; i++) {
      if (buf[i] === 10) {
        line++;
        col = 0;
      } else col++;
    }
    bad.add(`${name}:${line}`, 'invalidUtf8', `not valid UTF-8 (byte 0x${hex2(buf[off]!)} at byte ${col + 1} of the line)`);
    return { sha256: hash.digest('hex'), bytes, lines: 1, blankLines: 0 };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  handlers.onText?.(text, name);
  return { sha256: hash.digest('hex'), bytes, lines: 1, blankLines: 0 };
}

function openSource(s: InputSource): ByteSource {
  if (s.path === '-') return process.stdin;
  return createReadStream(s.path, { highWaterMark: 1 << 18 }); // 256 KiB: smooth progress, no measurable cost
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

const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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
   */
  constructor(
    private readonly name: string,
    private readonly bad: BadSink,
    private readonly onValue: (value: unknown, where: string) => void,
    private readonly onRaw?: (text: string, where: string) => void,
  ) {}

  /** Feeds a chunk; complete lines are processed at once. */
  push(chunk: Uint8Array): void {
    const nl = chunk.lastIndexOf(10);
    if (nl < 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > MAX_LINE_BYTES) {
        throw new CliError(`${this.name}:${this.count + 1}: line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB (is this JSONL?)`);
      }
      return;
    }
    const head = chunk.subarray(0, nl + 1);
    const block = this.pending.length ? Buffer.concat([...this.pending, head]) : head;
    this.pending = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
    this.pendingBytes = chunk.length - nl - 1;
    this.block(block);
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
    bad.add(where, 'invalidJson', `not valid JSON: ${jsonReason(e, s)}`);
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

function jsonReason(e: unknown, line: string): string {
  const msg = (e as Error).message ?? String(e);
  // V8 quotes the input in some messages ("..." is not valid JSON): keep only the reason.
  const at = /position (\d+)/.exec(msg);
  const base = msg.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  const pos = at ? Number(at[1]) : undefined;
  const near = pos !== undefined ? ` at character ${pos + 1} (near ${show(line.slice(Math.max(0, pos - 10), pos + 10), 40)})` : '';
  return `${base}${near}`;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/**
 * Offset of the first byte that breaks UTF-8 in `buf` (only called on the error path).
 *
 * @returns the offset, or `buf.length` when the whole buffer is valid
 */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= buf.length) return i; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return buf.length;
}

/** What {@link extractDocument} needs to know about the JSONL schema. */
export interface FieldSpec {
  /** Field holding the completion text (or the token ids with `tokens`); dotted paths allowed. */
  readonly field: string;
  /** Field holding the prompt text (or prompt ids); dotted paths allowed. */
  readonly promptField: string | undefined;
  /** Whether a missing prompt field is an error (the user named it explicitly). */
  readonly promptRequired: boolean;
  /** Pre-tokenized input: the fields hold arrays of ids. */
  readonly tokens: boolean;
  /** Valid ids are `[0, vocabSize)` (pre-tokenized input). */
  readonly vocabSize: number;
}

/** One suspect document read from the inputs. */
export interface InputDocument {
  /** `file:line` or `file`. */
  readonly where: string;
  /** Completion text (text inputs). */
  readonly text?: string;
  /** Prompt text, when present. */
  readonly prompt?: string;
  /** Completion ids (pre-tokenized inputs). */
  readonly tokens?: Uint32Array;
  /** Prompt ids (pre-tokenized inputs), when present. */
  readonly promptTokens?: Uint32Array;
}

/**
 * Reads a field by dotted path (`choices.0.text`): a key containing dots is tried whole first.
 *
 * @returns the value, or undefined when absent
 */
export function getField(obj: unknown, path: string): unknown {
  if (obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, path)) {
    return (obj as Record<string, unknown>)[path];
  }
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Turns one parsed JSONL value into a document, reporting a bad line (missing field, wrong type,
 * token id out of range) through `bad`.
 *
 * @param value - the parsed line
 * @param where - `file:line`
 * @param spec - the field names and mode
 * @param bad - bad-line counter (throws unless skipping)
 * @returns the document, or undefined when the line was bad and skipped
 */
export function extractDocument(value: unknown, where: string, spec: FieldSpec, bad: BadSink): InputDocument | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad.add(where, 'notAnObject', `expected a JSON object, got ${typeName(value)}`);
    return undefined;
  }
  const main = getField(value, spec.field);
  if (main === undefined) {
    const keys = Object.keys(value).slice(0, 8);
    bad.add(
      where,
      'missingField',
      `field "${spec.field}" is missing (the line has ${keys.length ? keys.map((k) => `"${k}"`).join(', ') : 'no fields'}; choose another with --field)`,
    );
    return undefined;
  }
  const prompt = spec.promptField === undefined ? undefined : getField(value, spec.promptField);
  if (prompt === undefined && spec.promptRequired) {
    bad.add(where, 'missingField', `field "${spec.promptField}" (--prompt-field) is missing`);
    return undefined;
  }
  if (!spec.tokens) {
    if (typeof main !== 'string') {
      bad.add(where, 'wrongType', `field "${spec.field}" must be a string, got ${typeName(main)} ${show(main, 40)}`);
      return undefined;
    }
    if (prompt !== undefined && prompt !== null && typeof prompt !== 'string') {
      bad.add(where, 'wrongType', `field "${spec.promptField}" must be a string, got ${typeName(prompt)} ${show(prompt, 40)}`);
      return undefined;
    }
    return typeof prompt === 'string' ? { where, text: main, prompt } : { where, text: main };
  }
  const tokens = toIds(main, spec.field, where, spec.vocabSize, bad);
  if (!tokens) return undefined;
  if (prompt === undefined || prompt === null) return { where, tokens };
  const promptTokens = toIds(prompt, spec.promptField!, where, spec.vocabSize, bad);
  if (!promptTokens) return undefined;
  return { where, tokens, promptTokens };
}

function toIds(v: unknown, field: string, where: string, vocabSize: number, bad: BadSink): Uint32Array | undefined {
  if (!Array.isArray(v)) {
    bad.add(where, 'wrongType', `field "${field}" must be an array of token ids, got ${typeName(v)} ${show(v, 40)}`);
    return undefined;
  }
  const out = new Uint32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const t = v[i] as unknown;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= vocabSize) {
      bad.add(where, 'invalidToken', `field "${field}"[${i}] must be an integer id in [0, ${vocabSize}), got ${show(t, 30)}`);
      return undefined;
    }
    out[i] = t;
  }
  return out;
}
