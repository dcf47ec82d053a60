/**
 * `radiomark keygen`: a new secret key file.
 *
 * @module
 */
import { generateKey, generateKeyFamily, MAX_COHORTS, MAX_EPOCH_DAYS, MAX_VOCAB_SIZE, serializeKey, serializeKeyFamily, type KeyFamilyOptions, type KeyParams } from '../key/index.js';
import { radiomarkErrorData } from '../errors.js';
import { flag, num, parse, str, type OptionSpec } from '../command/args.js';
import { EXIT_OK, EXIT_STATUS_HELP, type Command, type Io } from '../command/command.js';
import { CliError, reason, UsageError } from '../command/errors.js';
import { writeSecretFile } from './secret-file.js';
import { openTokenizer } from './tokenizer.js';

/** `radiomark keygen --help`. */
export const KEYGEN_HELP = `Usage: radiomark keygen --out FILE --tokenizer NAME|PATH [options]

Creates a new secret watermark key (or, with --cohorts, a key family) and writes it to FILE
(mode 0600). The key file also binds the scheme parameters and the tokenizer, so the model server
and the detector cannot be configured apart. Prints only the key's fingerprint (a non-secret id,
safe to share and log; a family's is its master key's).

Options:
  --out FILE             where to write the key file (required; never printed)
  --tokenizer NAME|PATH  the tokenizer of the model that will serve with this key (required):
                         o200k, cl100k, r50k, p50k, or a Hugging Face tokenizer.json; binds
                         its name and vocabulary size
  --vocab-size N         vocabulary size the model serves (default: the tokenizer's; larger
                         only for padded logits). Alone, without --tokenizer, it makes a key
                         that binds no tokenizer: detect then needs --tokenizer every time
  --force                overwrite FILE if it is a regular file (the old key is lost)
  --cohorts K            write a key family instead: one master key from which the server
                         derives a key per cohort of accounts (K in 1..${MAX_COHORTS}), so
                         that detect can say through which cohorts a student's data came
  --epoch-days D         with --cohorts: also a key per epoch of D days (1..${MAX_EPOCH_DAYS}), so
                         that detect can say when
  --epoch-origin DATE    first day of epoch 0, YYYY-MM-DD (UTC) [default: today]
  --gamma G              green-list fraction, in (0, 1)             [default 0.25]
  --delta D              logit bias added to green tokens, >= 0      [default 3]
  --context-width H      preceding tokens that select the green list [default 2]
  -h, --help             show this help

Examples:
  radiomark keygen --out key.json --tokenizer o200k
  3f9c0a1b2c3d4e5f
  radiomark keygen --out family.json --tokenizer o200k --cohorts 16 --epoch-days 30
  9b8bf9dd64d2156f

${EXIT_STATUS_HELP}
`;

const OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  gamma: { type: 'string' },
  delta: { type: 'string' },
  'context-width': { type: 'string' },
  tokenizer: { type: 'string' },
  'vocab-size': { type: 'string' },
  cohorts: { type: 'string' },
  'epoch-days': { type: 'string' },
  'epoch-origin': { type: 'string' },
};

/** The family flags: undefined for a single key. */
function familyShape(p: ReturnType<typeof parse>): KeyFamilyOptions | undefined {
  const cohorts = num(p, 'cohorts', { integer: true, min: 1, max: MAX_COHORTS });
  const epochDays = num(p, 'epoch-days', { integer: true, min: 1, max: MAX_EPOCH_DAYS });
  const epochOrigin = str(p, 'epoch-origin');
  if (cohorts === undefined) {
    if (epochDays !== undefined || epochOrigin !== undefined) throw new UsageError(`--${epochDays !== undefined ? 'epoch-days' : 'epoch-origin'} makes a key family: give --cohorts K too (--cohorts 1 for epochs alone)`);
    return undefined;
  }
  if (epochOrigin !== undefined && epochDays === undefined) throw new UsageError('--epoch-origin needs --epoch-days');
  return { cohorts, ...(epochDays !== undefined ? { epochDays } : {}), ...(epochOrigin !== undefined ? { epochOrigin } : {}) };
}

/** The key's parameters from the flags (the tokenizer loaded to read its name and size). */
async function keyParams(p: ReturnType<typeof parse>): Promise<KeyParams> {
  const params: { -readonly [K in keyof KeyParams]: KeyParams[K] } = {};
  const gamma = num(p, 'gamma', { exclusiveMin: 0, exclusiveMax: 1 });
  const delta = num(p, 'delta', { min: 0 });
  const h = num(p, 'context-width', { integer: true, min: 0, max: 8 });
  const vocab = num(p, 'vocab-size', { integer: true, min: 1, max: MAX_VOCAB_SIZE });
  if (gamma !== undefined) params.gamma = gamma;
  if (delta !== undefined) params.delta = delta;
  if (h !== undefined) params.contextWidth = h;
  const spec = str(p, 'tokenizer');
  if (spec === undefined && vocab === undefined) {
    throw new UsageError(
      '--tokenizer is required: name the tokenizer of the model that will serve with this key (o200k, cl100k, r50k, p50k, or a tokenizer.json), e.g. radiomark keygen --out key.json --tokenizer o200k',
    );
  }
  if (spec !== undefined) {
    const tok = await openTokenizer(spec);
    params.tokenizer = tok.name;
    if (tok.vocabSize > MAX_VOCAB_SIZE) throw new UsageError(`--tokenizer ${spec}: its vocabulary has ${tok.vocabSize} ids, more than a key binds (${MAX_VOCAB_SIZE})`);
    if (vocab !== undefined && vocab < tok.vocabSize) throw new UsageError(`--vocab-size ${vocab} is smaller than tokenizer ${tok.name}'s ${tok.vocabSize} ids`);
    params.vocabSize = vocab ?? tok.vocabSize;
  } else params.vocabSize = vocab;
  return params;
}

const FLAG_OF: Record<string, string> = {
  gamma: '--gamma',
  delta: '--delta',
  contextWidth: '--context-width',
  vocabSize: '--vocab-size',
  tokenizer: '--tokenizer',
  cohorts: '--cohorts',
  epochDays: '--epoch-days',
  epochOrigin: '--epoch-origin',
};

/**
 * The key file's text and fingerprint for `params` (a family when `shape` is given); a value the
 * key room refuses is reported by its flag (read from the error's data).
 */
function newKeyFile(params: KeyParams, shape: KeyFamilyOptions | undefined): { text: string; fingerprint: string } {
  try {
    if (shape === undefined) {
      const key = generateKey(params);
      return { text: serializeKey(key), fingerprint: key.fingerprint };
    }
    const family = generateKeyFamily({ ...shape, ...params });
    return { text: serializeKeyFamily(family), fingerprint: family.fingerprint };
  } catch (e) {
    const field = radiomarkErrorData(e)?.field;
    if (field !== undefined && FLAG_OF[field]) throw new CliError(`${FLAG_OF[field]}: ${reason(e)}`, undefined, { cause: e });
    throw e;
  }
}

/**
 * Runs `radiomark keygen`: generates a key and writes the key file with mode 0600, refusing to
 * overwrite without `--force` and refusing any target that is not a regular file.
 *
 * @param argv - arguments after `keygen`
 * @param io - receives only the fingerprint
 * @returns the exit status
 * @throws UsageError / CliError for bad flags, an existing file, or an unusable tokenizer
 */
async function run(argv: readonly string[], io: Io): Promise<number> {
  const p = parse('radiomark keygen', argv, OPTIONS, false);
  if (flag(p, 'help')) {
    io.out(KEYGEN_HELP);
    return EXIT_OK;
  }
  const path = str(p, 'out');
  if (path === undefined || path === '') throw new UsageError('--out FILE is required (see radiomark keygen --help)');
  if (path === '-') throw new UsageError('--out - would print the secret; give a file name');
  const shape = familyShape(p);
  const params = await keyParams(p);
  const file = newKeyFile(params, shape);
  await writeSecretFile(path, file.text, flag(p, 'force'));
  io.out(`${file.fingerprint}\n`);
  return EXIT_OK;
}

/** `radiomark keygen`. */
export const keygenCommand: Command = {
  name: 'keygen',
  help: KEYGEN_HELP,
  run,
};
