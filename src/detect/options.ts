/**
 * Validation of {@link DetectorOptions}: the one place that turns what a caller passed into the
 * resolved parameters and rules the scoring engine runs on. Every error names the API and the
 * field (src/assert.ts, src/errors.ts).
 *
 * @module
 */
import { checkId, checkInteger, checkOpenUnit, checkOptionalBoolean, rangeError, typeError } from '../assert.js';
import { SecretKey, type KeyParams } from '../key/secret-key.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';
import { DEFAULT_ALPHA, MAX_DECOYS, type DetectorOptions } from './types.js';

/** Largest shard count. */
export const MAX_SHARDS = 65_536;

/** The position rules and reporting options, validated. */
export interface Rules {
  /** R0: flag per id of the special tokens, or null. */
  readonly specials: Uint8Array | null;
  /** R0: flag per id of the end-of-text ids, or null. */
  readonly eots: Uint8Array | null;
  /** R1 on or off. */
  readonly promptExclusion: boolean;
  /** R2-R4 on or off. */
  readonly dedup: boolean;
  /** Fixed budget of scored positions, 0 for none. */
  readonly budget: number;
  /** Number of decoy keys. */
  readonly decoys: number;
  /** Whether the running curve is recorded. */
  readonly curve: boolean;
  /** Level of the verdict. */
  readonly alpha: number;
  /** This shard's index. */
  readonly shardIndex: number;
  /** Number of shards (1 when unsharded). */
  readonly shardCount: number;
}

/** Everything the engine needs, validated. */
export interface ResolvedOptions {
  /** The master key. */
  readonly key: SecretKey;
  /** Scheme parameters, merged with the key file's. */
  readonly config: ResolvedParams;
  /** Position rules and reporting options. */
  readonly rules: Rules;
  /** The reference sequences of the filter (checked to be iterable; ids are checked as they are read). */
  readonly filter: Iterable<unknown> | undefined;
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * Reads a list of ids into a flag per vocabulary id (`null` for none). `endOfText` also takes one id.
 */
function idFlags(api: string, field: 'specialTokens' | 'endOfText', v: unknown, vocabSize: number): Uint8Array | null {
  if (v === undefined) return null;
  const flags = new Uint8Array(vocabSize);
  if (typeof v === 'number' && field === 'endOfText') {
    checkId(api, field, -1, v, vocabSize);
    flags[v] = 1;
    return flags;
  }
  if (!isIterable(v)) throw typeError(api, field, `${field === 'endOfText' ? 'a token id or ' : ''}an iterable of token ids`, v);
  let i = 0;
  for (const id of v) {
    checkId(api, field, i++, id, vocabSize);
    flags[id] = 1;
  }
  return i > 0 ? flags : null;
}

/** Reads `shard`: `{ index, count }` or undefined. */
function shardOf(api: string, s: unknown): { index: number; count: number } {
  if (s === undefined) return { index: 0, count: 1 };
  if (s === null || typeof s !== 'object') throw typeError(api, 'shard', '{ index, count }', s);
  const { index, count } = s as { index: unknown; count: unknown };
  checkInteger(api, 'shard.count', count, 1, MAX_SHARDS);
  checkInteger(api, 'shard.index', index, 0, count - 1);
  return { index, count };
}

/**
 * Validates the options of `createDetector` (and of the APIs built on it) and resolves the scheme
 * parameters with the key file's.
 *
 * @param api - the calling API, for messages
 * @param options - what the caller passed
 * @returns the resolved options
 * @throws TypeError for a wrong type; RangeError for a value out of range or a missing
 *   `vocabSize`; RadiomarkError `CONFIG_MISMATCH` when a parameter contradicts the key file
 */
export function resolveOptions(api: string, options: DetectorOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const { key } = options;
  if (!(key instanceof SecretKey)) throw typeError(api, 'key', 'a SecretKey (from parseKey or generateKey)', key);
  const params: KeyParams = { gamma: options.gamma, contextWidth: options.contextWidth, vocabSize: options.vocabSize, tokenizer: options.tokenizer };
  const config = resolveParams(api, key, params);
  const V = config.vocabSize;
  const specials = idFlags(api, 'specialTokens', options.specialTokens, V);
  const eots = idFlags(api, 'endOfText', options.endOfText, V);
  const promptExclusion = checkOptionalBoolean(api, 'promptExclusion', options.promptExclusion) ?? true;
  const dedup = checkOptionalBoolean(api, 'dedup', options.dedup) ?? true;
  const curve = checkOptionalBoolean(api, 'curve', options.curve) ?? false;
  const budget = options.budget ?? 0;
  if (options.budget !== undefined) checkInteger(api, 'budget', options.budget, 1, 2 ** 32 - 1);
  const decoys = options.decoys ?? 0;
  checkInteger(api, 'decoys', decoys, 0, MAX_DECOYS);
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  checkOpenUnit(api, 'alpha', alpha);
  const shard = shardOf(api, options.shard);
  if (shard.count > 1 && budget > 0) throw rangeError(api, 'budget', `unset with shard.count ${shard.count} (a budget needs a single pass in order)`, budget);
  if (shard.count > 1 && curve) throw rangeError(api, 'curve', `false with shard.count ${shard.count} (the curve needs a single pass in order)`, curve);
  if (options.filter !== undefined && !isIterable(options.filter)) {
    throw typeError(api, 'filter', 'an iterable of token-id sequences', options.filter);
  }
  const rules: Rules = { specials, eots, promptExclusion, dedup, budget, decoys, curve, alpha, shardIndex: shard.index, shardCount: shard.count };
  return { key, config, rules, filter: options.filter };
}
