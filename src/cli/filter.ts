/**
 * The owner's reference data, read as token sequences: `detect --filter FILE` (the detector keeps
 * only positions whose context occurs in them) and `--strata-reference FILE` (window counts that
 * define the strata).
 *
 * @module
 */
import { promises as fsp } from 'node:fs';
import { CliError, fsReason } from '../command/errors.js';
import type { BadSink } from './bad-lines.js';
import { extractDocument, type FieldSpec } from './documents.js';
import type { KeySecret } from './key-material.js';
import { KeyMaterialScan } from './key-material.js';
import { prepareText, type PrepareConfig } from './prepare.js';
import { readSource, type ByteSource, type InputFormat } from './read-source.js';
import type { Tokenizer } from '../tokenize/index.js';

/** The reference data, with the hash of the file it came from. */
export interface Reference {
  readonly path: string;
  readonly sha256: string;
  readonly sequences: Uint32Array[];
}

/**
 * Reads a reference file: one file (JSONL or text, with the same field and normalization options
 * as the suspect inputs, prompts ignored), never a directory or standard input.
 *
 * @param flag - the flag naming it (`--filter`, `--strata-reference`), for messages
 * @param path - the flag's value
 * @param o - format, field spec, preparation, tokenizer, bad-line sink, secrets to refuse
 * @returns the sequences and the file's SHA-256
 * @throws CliError naming the flag and the path
 */
export async function readReference(
  flag: string,
  path: string,
  o: { format: InputFormat | 'auto'; spec: FieldSpec; prepare: PrepareConfig; tokenizer: Tokenizer | undefined; bad: BadSink; secrets: KeySecret[]; stdin?: ByteSource },
): Promise<Reference> {
  const label = `${flag} ${path}`;
  if (path === '-') throw new CliError(`${label}: must be a file (standard input is for the suspect's outputs)`);
  let st;
  try {
    st = await fsp.stat(path);
  } catch (e) {
    throw new CliError(`${label}: ${fsReason(e)}`);
  }
  if (st.isDirectory()) throw new CliError(`${label}: is a directory; give one file (JSONL or text) of the owner's own watermarked data`);
  const spec: FieldSpec = { ...o.spec, promptField: undefined, promptRequired: false };
  const cfg: PrepareConfig = { ...o.prepare, spec };
  const sequences: Uint32Array[] = [];
  const add = (text: string, where: string): void => {
    const r = prepareText(cfg, o.tokenizer!, text, where);
    if (!r.bad) sequences.push(r.tokens);
  };
  const stats = await readSource({ path, size: st.size }, { format: o.format, bad: o.bad, scan: new KeyMaterialScan(o.secrets) }, {
    onJson: (v, where) => {
      const d = extractDocument(v, where, spec, o.bad);
      if (d?.tokens) sequences.push(d.tokens);
      else if (d) add(d.text!, where);
    },
    onText: add,
  });
  return { path, sha256: stats.sha256, sequences };
}
