/**
 * `detect`'s keys and tokenizer: the key files, the tokenizer they bind (or `--tokenizer`), and
 * the vocabulary size, each refused with both sides named when they disagree.
 *
 * @module
 */
import { isKeyFamily } from '../key/index.js';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import { CliError, fromUser, UsageError } from '../command/errors.js';
import { loadKeyFile, type LoadedKey } from './keyfile.js';
import { openTokenizer } from './tokenizer.js';

/** The keys of a run, with the tokenizer and vocabulary they agree on. */
export interface KeySetup {
  readonly keys: LoadedKey[];
  /** The tokenizer, or undefined for pre-tokenized input without one. */
  readonly tokenizer: Tokenizer | undefined;
  /** What tokenizer threads load (a name or a path). */
  readonly tokenizerSpec: string | undefined;
  readonly vocabSize: number;
}

/** Loads every `--key` file, warning about open permissions and refusing the same key twice. */
async function loadKeys(paths: readonly string[], warn: (s: string) => void): Promise<LoadedKey[]> {
  const keys: LoadedKey[] = [];
  for (const path of paths) {
    const k = await loadKeyFile(path);
    if (isKeyFamily(k.key)) {
      const shape = `${k.key.cohorts} cohort${k.key.cohorts === 1 ? '' : 's'}${k.key.epochDays ? `, epochs of ${k.key.epochDays} days` : ''}`;
      throw new CliError(`--key ${path} is a key family (fingerprint ${k.key.fingerprint}, ${shape}); this detect tests single keys, and testing the family's master key alone would miss its members: refusing`);
    }
    if (k.warning) warn(`${k.warning}\n`);
    if (keys.some((o) => o.key.fingerprint === k.key.fingerprint)) throw new UsageError(`--key ${path}: the same key (fingerprint ${k.key.fingerprint}) is given twice`);
    keys.push(k);
  }
  return keys;
}

/** The tokenizer the keys bind (one for all), or `--tokenizer`, checked against the binding. */
async function resolveTokenizer(keys: LoadedKey[], flagSpec: string | undefined, tokensMode: boolean): Promise<{ tok: Tokenizer; spec: string } | undefined> {
  const bound = new Map<string, string>(); // tokenizer name -> first key file binding it
  for (const k of keys) {
    const t = k.key.params.tokenizer;
    if (t !== undefined && !bound.has(t)) bound.set(t, k.path);
  }
  if (bound.size > 1) {
    const list = [...bound].map(([t, f]) => `${f} binds ${t}`).join(', ');
    throw new CliError(`the keys were made for different tokenizers (${list}); test one tokenizer's keys per run`);
  }
  const [boundName, boundFile] = bound.size ? [...bound][0]! : [undefined, undefined];
  if (boundName !== undefined && keys.some((k) => k.quotesKeyFile(boundName))) {
    throw new CliError(`the key file ${boundFile} binds a tokenizer whose name looks like key material (field "scheme.tokenizer"; not shown): fix the key file`);
  }
  const spec = flagSpec ?? boundName;
  if (spec === undefined) {
    if (tokensMode) return undefined;
    throw new UsageError(`the key file ${keys[0]!.path} binds no tokenizer: pass --tokenizer (o200k, cl100k, r50k, p50k or a tokenizer.json)`);
  }
  if (flagSpec === undefined && boundName?.startsWith('hf:')) {
    throw new UsageError(`the key file ${boundFile} binds the Hugging Face tokenizer ${boundName}: pass --tokenizer PATH to its tokenizer.json`);
  }
  const tok = flagSpec !== undefined ? await openTokenizer(spec) : await fromUser(`the key file ${boundFile} binds tokenizer ${spec}`, () => loadTokenizer(spec));
  if (boundName !== undefined && tok.name !== boundName) {
    throw new CliError(
      `the key file ${boundFile} was made for tokenizer ${boundName}, but --tokenizer ${spec}${spec === tok.name ? '' : ` is ${tok.name}`}: refusing, the green lists would not line up`,
    );
  }
  return { tok, spec };
}

/** The vocabulary size the keys bind (one for all), checked against the tokenizer and `--vocab-size`. */
function resolveVocab(keys: LoadedKey[], tok: Tokenizer | undefined, explicit: number | undefined): number {
  let vocab: number | undefined;
  let from = '';
  for (const k of keys) {
    const v = k.key.params.vocabSize;
    if (v === undefined) continue;
    if (vocab !== undefined && v !== vocab) throw new CliError(`the keys bind different vocabulary sizes (${from} binds ${vocab}, ${k.path} binds ${v})`);
    vocab = v;
    from = k.path;
    // A wider vocabulary is fine for padded logits, but only when the key file says which tokenizer.
    if (tok && v !== tok.vocabSize && !(v > tok.vocabSize && k.key.params.tokenizer === tok.name)) {
      throw new CliError(`the key file ${k.path} binds vocabulary size ${v}, but tokenizer ${tok.name} has ${tok.vocabSize} ids: this key was made for another tokenizer or model; refusing`);
    }
  }
  if (explicit !== undefined) {
    if (vocab !== undefined && explicit !== vocab) throw new UsageError(`--vocab-size ${explicit} contradicts the key file ${from}, which binds ${vocab}`);
    if (tok && explicit < tok.vocabSize) throw new UsageError(`--vocab-size ${explicit} is smaller than tokenizer ${tok.name}'s ${tok.vocabSize} ids`);
    vocab = explicit;
  }
  vocab ??= tok?.vocabSize;
  if (vocab === undefined) throw new UsageError('the vocabulary size is unknown: the key file binds none; pass --tokenizer or --vocab-size');
  return vocab;
}

/**
 * Loads the keys and the tokenizer of a run and settles the vocabulary size.
 *
 * @param o - the key files, `--tokenizer`, `--vocab-size`, and whether input is pre-tokenized
 * @param warn - receives warnings (a key file other users can read)
 * @returns the keys, tokenizer and vocabulary size
 * @throws CliError / UsageError naming both sides of any disagreement
 */
export async function setupKeys(o: { keyPaths: readonly string[]; tokenizer: string | undefined; vocabSize: number | undefined; tokens: boolean }, warn: (s: string) => void): Promise<KeySetup> {
  const keys = await loadKeys(o.keyPaths, warn);
  const resolved = await resolveTokenizer(keys, o.tokenizer, o.tokens);
  return { keys, tokenizer: resolved?.tok, tokenizerSpec: resolved?.spec, vocabSize: resolveVocab(keys, resolved?.tok, o.vocabSize) };
}
