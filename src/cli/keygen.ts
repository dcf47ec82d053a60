import { promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { generateKey, serializeKey, type KeyParams } from '../index.js';
import { loadTokenizer } from '../tokenize/index.js';
import { flag, num, parse, str, type OptionSpec } from './args.js';
import { CliError, UsageError } from './errors.js';
import { fsReason } from './input.js';

/** `radiomark keygen --help`. */
export const KEYGEN_HELP = `Usage: radiomark keygen --out FILE [options]

Creates a new secret watermark key and writes it to FILE (mode 0600). The key file also binds the
scheme parameters, so the model server and the detector cannot be configured apart. Prints only
the key's fingerprint (a non-secret id, safe to share and log).

Options:
  --out FILE             where to write the key file (required; never printed)
  --force                overwrite FILE if it exists (the old key is lost)
  --gamma G              green-list fraction, in (0, 1)             [default 0.25]
  --delta D              logit bias added to green tokens, >= 0      [default 3]
  --context-width H      preceding tokens that select the green list [default 2]
  --tokenizer NAME|PATH  o200k, cl100k, r50k, p50k, or a Hugging Face tokenizer.json;
                         binds the tokenizer and its vocabulary size
  --vocab-size N         vocabulary size the model serves (default: the tokenizer's; larger
                         only for padded logits)
  -h, --help             show this help

Example:
  radiomark keygen --out key.json --tokenizer o200k
  3f9c0a1b2c3d4e5f
`;

const OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  gamma: { type: 'string' },
  delta: { type: 'string' },
  'context-width': { type: 'string' },
  tokenizer: { type: 'string' },
  'vocab-size': { type: 'string' },
};

/**
 * `radiomark keygen`: generate a key and write the key file with mode 0600 (atomically: a
 * temporary file in the same directory, then a rename), refusing to overwrite without `--force`.
 *
 * @param argv - arguments after `keygen`
 * @param out - stdout writer (receives only the fingerprint)
 * @returns the exit status
 * @throws UsageError / CliError for bad flags, an existing file, or an unusable tokenizer
 */
export async function keygen(argv: readonly string[], out: (s: string) => void): Promise<number> {
  const p = parse('radiomark keygen', argv, OPTIONS, false);
  if (flag(p, 'help')) {
    out(KEYGEN_HELP);
    return 0;
  }
  const path = str(p, 'out');
  if (path === undefined || path === '') throw new UsageError('--out FILE is required (see radiomark keygen --help)');
  if (path === '-') throw new UsageError('--out - would print the secret; give a file name');
  const params: { -readonly [K in keyof KeyParams]: KeyParams[K] } = {};
  const gamma = num(p, 'gamma', { exclusiveMin: 0, exclusiveMax: 1 });
  const delta = num(p, 'delta', { min: 0 });
  const h = num(p, 'context-width', { integer: true, min: 0, max: 8 });
  const vocab = num(p, 'vocab-size', { integer: true, min: 1 });
  if (gamma !== undefined) params.gamma = gamma;
  if (delta !== undefined) params.delta = delta;
  if (h !== undefined) params.contextWidth = h;
  const spec = str(p, 'tokenizer');
  if (spec !== undefined) {
    const tok = await loadTokenizer(spec);
    params.tokenizer = tok.name;
    if (vocab !== undefined && vocab < tok.vocabSize) {
      throw new UsageError(`--vocab-size ${vocab} is smaller than tokenizer ${tok.name}'s ${tok.vocabSize} ids`);
    }
    params.vocabSize = vocab ?? tok.vocabSize;
  } else if (vocab !== undefined) params.vocabSize = vocab;

  const key = generateKey(params); // validates every parameter (RangeError names it)
  await writeSecretFile(path, serializeKey(key), flag(p, 'force'));
  out(`${key.fingerprint}\n`);
  return 0;
}

/**
 * Writes a secret file with mode 0600: a fresh temporary file (exclusive create, mode 0600) in the
 * target's directory, fsync, then rename over the target. Without `force`, an existing target is
 * refused before and after writing (no race overwrites it).
 *
 * @param path - target path
 * @param text - content
 * @param force - allow replacing an existing file
 * @throws CliError when the target exists (without `force`) or cannot be written
 */
export async function writeSecretFile(path: string, text: string, force: boolean): Promise<void> {
  const dir = dirname(path);
  let st;
  try {
    st = await fsp.stat(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new CliError(`--out ${path}: is a directory`);
  if (st && !force) throw new CliError(`${path} already exists; pass --force to overwrite it (the old key will be lost)`);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fh;
  try {
    fh = await fsp.open(tmp, 'wx', 0o600);
  } catch (e) {
    throw new CliError(`--out ${path}: cannot write in ${dir}: ${fsReason(e)}`);
  }
  try {
    await fh.writeFile(text, 'utf8');
    await fh.chmod(0o600); // in case the file system ignored the create mode
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (force) await fsp.rename(tmp, path);
    else {
      // link() fails if the target appeared meanwhile, unlike rename(); file systems without
      // hard links get rename() after a last check.
      try {
        await fsp.link(tmp, path);
        await fsp.unlink(tmp);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
        if (await fsp.stat(path).then(() => true, () => false)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
        await fsp.rename(tmp, path);
      }
    }
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    if ((e as { code?: string }).code === 'EEXIST') {
      throw new CliError(`${path} already exists; pass --force to overwrite it (the old key will be lost)`);
    }
    throw new CliError(`--out ${path}: ${fsReason(e)}`);
  }
}
