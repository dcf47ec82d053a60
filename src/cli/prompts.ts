/**
 * `probe`'s files: the prompts to send, with stable ids, and the ids already answered in the output.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { extname } from 'node:path';
import { describe } from '../assert.js';
import { CliError, fsReason, jsonValue, typeName } from '../command/errors.js';
import { getField } from './documents.js';
import { readCapped } from './files.js';
import { KeyMaterialScan, keyMaterialMessage } from './key-material.js';
import { FATAL, firstInvalidUtf8, hex2, notJson } from './lines.js';

/** The largest prompts file read. */
const MAX_PROMPTS_BYTES = 256 * 1024 * 1024;

/** The first byte that is not ASCII white space or a byte-order mark (undefined when none). */
function firstNonBlank(buf: Uint8Array): number | undefined {
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
  return buf[i];
}

/**
 * The non-blank lines of a prompts file, each decoded as strict UTF-8 when it is reached, so that
 * the first error reported is the first in line order (a later line's bad byte never hides an
 * earlier bad line).
 *
 * @throws CliError `file:line: not valid UTF-8 (byte 0x..)`
 */
function* promptLines(buf: Buffer, path: string): Generator<{ lineText: string; where: string }> {
  let start = 0;
  for (let i = 0; start < buf.length; i++) {
    const nl = buf.indexOf(10, start);
    const end = nl < 0 ? buf.length : nl;
    const bytes = buf.subarray(start, end);
    start = end + 1;
    const where = `${path}:${i + 1}`;
    let raw: string;
    try {
      raw = FATAL.decode(bytes);
    } catch {
      throw new CliError(`${where}: not valid UTF-8 (byte 0x${hex2(bytes[firstInvalidUtf8(bytes)]!)})`);
    }
    if (i === 0 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    const lineText = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineText.trim() !== '') yield { lineText, where };
  }
}

/** One prompt to send. */
export interface PromptItem {
  /** Stable id: the prompt file's id field, or `h:` + hash of the text (+ `#n` for repeats). */
  id: string;
  prompt: string;
  /** `file:line` for messages. */
  where: string;
}

/**
 * Reads the prompts file: JSONL (`--prompt-field`, optional `--id-field`) or plain text, one prompt
 * per non-blank line. Ids are stable across runs: the id field when present, else `h:` + the first
 * 16 hex digits of SHA-256 of the prompt, with `#2`, `#3`... for repeats of the same prompt.
 *
 * @throws CliError naming `file:line`, the field and the value for a bad line or a duplicate id
 */
export async function readPrompts(path: string, promptField: string, idField: string): Promise<PromptItem[]> {
  const buf = await readCapped(path, MAX_PROMPTS_BYTES, `--prompts ${path}`);
  const keyMaterial = new KeyMaterialScan([]).scan(buf);
  if (keyMaterial !== undefined) throw new CliError(keyMaterialMessage(`--prompts ${path}`, keyMaterial.why, 'sent to an endpoint'));
  if (buf.length === 0) throw new CliError(`--prompts ${path}: empty file`);
  const ext = extname(path).toLowerCase();
  const jsonl = ext === '.jsonl' || ext === '.ndjson' || (ext !== '.txt' && firstNonBlank(buf) === 0x7b);
  const items: PromptItem[] = [];
  const ids = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const { lineText, where } of promptLines(buf, path)) {
    let prompt: string;
    let id: string | undefined;
    if (jsonl) {
      let v: unknown;
      try {
        v = JSON.parse(lineText);
      } catch (e) {
        throw new CliError(`${where}: ${notJson(e)}`);
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`${where}: expected a JSON object, got ${typeName(v)}`);
      const p = getField(v, promptField);
      if (typeof p !== 'string') {
        throw new CliError(
          p === undefined
            ? `${where}: field "${promptField}" is missing (choose another with --prompt-field)`
            : `${where}: field "${promptField}" must be a string, got ${jsonValue(p)}`,
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
    if (prev !== undefined) throw new CliError(`${where}: duplicate id ${describe(id)} (first at ${prev})`);
    ids.set(id, where);
    items.push({ id, prompt, where });
  }
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

