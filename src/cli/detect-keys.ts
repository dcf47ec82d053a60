/**
 * `detect`'s keys and tokenizer: the key files, the tokenizer they bind (or `--tokenizer`), and
 * the vocabulary size, each refused with both sides named when they disagree.
 *
 * @module
 */
import { isKeyFamily, type KeyFamily } from '../key/index.js';
import type { DetectSettings } from './detect-options.js';
import { loadTokenizer, type Tokenizer } from '../tokenize/index.js';
import { CliError, fromUser, UsageError } from '../command/errors.js';
import { withholdingSecrets } from './key-material.js';
import { loadKeyFile, type LoadedKey } from './keyfile.js';
import { openTokenizer } from './tokenizer.js';

/** The keys of a run, with the tokenizer and vocabulary they agree on. */
export interface KeySetup {
  readonly keys: LoadedKey[];
  /** The key family, when the one `--key` is one, and the epochs to score (undefined: none). */
  readonly family: { readonly key: KeyFamily; readonly epochs: number | undefined } | undefined;
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
    if (paths.length > 1 && isKeyFamily(k.key)) {
      throw new UsageError(`--key ${path} is a key family (fingerprint ${k.key.fingerprint}): test it alone (its members are tested together by the family test; give one --key)`);
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

/** What {@link setupKeys} reads of the settings. */
type KeyFlags = Pick<DetectSettings, 'keyPaths' | 'tokenizer' | 'vocabSize' | 'tokens' | 'epochs' | 'decoys' | 'window' | 'variant'>;

/**
 * A key family's epochs to score: `--epochs`, or every epoch up to today's (fixed before anything
 * is read); and the options a family cannot take yet, refused naming the flag.
 */
function familyEpochs(k: LoadedKey, family: KeyFamily, o: KeyFlags, now: number): number | undefined {
  const what = `--key ${k.path} is a key family (fingerprint ${family.fingerprint})`;
  if (o.decoys > 0) throw new UsageError(`${what}: --decoys is not offered for a family yet (its decoys have no null check of their own)`);
  if (o.window !== undefined) throw new UsageError(`${what}: --window tests one key; give a single key file`);
  if (o.variant !== undefined) throw new UsageError(`${what}: --${o.variant.kind} tests one key; the family test is a test of its own`);
  if (!family.hasEpochs) {
    if (o.epochs !== undefined) throw new UsageError(`--epochs ${o.epochs}: ${what.slice(`--key ${k.path} is `.length)} has no epochs`);
    return undefined;
  }
  if (o.epochs !== undefined) return o.epochs;
  if (now < family.epochStart(0)) throw new UsageError(`${what}: its epoch 0 starts on ${family.epochOrigin}, after today; pass --epochs E`);
  return family.epochOf(now) + 1;
}

/**
 * Loads the keys and the tokenizer of a run and settles the vocabulary size (and, for a key
 * family, the epochs to score).
 *
 * @param o - the key files, `--tokenizer`, `--vocab-size`, pre-tokenized input, and what a family
 *   must be checked against (`--epochs`, `--decoys`, `--window`, a variant)
 * @param warn - receives warnings (a key file other users can read)
 * @param now - the time the investigation runs (ms), for a family's default epochs
 * @returns the keys, tokenizer and vocabulary size
 * @throws CliError / UsageError naming both sides of any disagreement
 */
export async function setupKeys(o: KeyFlags, warn: (s: string) => void, now = Date.now()): Promise<KeySetup> {
  const keys = await loadKeys(o.keyPaths, warn);
  const first = keys[0]!;
  const family = isKeyFamily(first.key) ? { key: first.key, epochs: familyEpochs(first, first.key, o, now) } : undefined;
  if (!family && o.epochs !== undefined) throw new UsageError(`--epochs ${o.epochs}: --key ${first.path} is a single key, not a key family`);
  // A tokenizer file that quotes the secret must not bring it into a message.
  const resolved = await withholdingSecrets(
    keys.map((k) => k.secretHex()),
    () => resolveTokenizer(keys, o.tokenizer, o.tokens),
  );
  return { keys, family, tokenizer: resolved?.tok, tokenizerSpec: resolved?.spec, vocabSize: resolveVocab(keys, resolved?.tok, o.vocabSize) };
}
