/**
 * Validation of {@link DetectorOptions}: the one place that turns what a caller passed into the
 * resolved parameters and rules the scoring engine runs on. Every error names the API and the
 * field (src/assert.ts, src/errors.ts). Rule labels (R0-R4) are those of docs/detection.md.
 *
 * @module
 */
import { checkId, checkInteger, checkNumber, checkOpenUnit, checkOptionalBoolean, rangeError, typeError } from '../assert.js';
import { KeyFamily } from '../key/family.js';
import { RadiomarkError } from '../errors.js';
import { SecretKey, type KeyParams } from '../key/secret-key.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';
import { DEFAULT_ALPHA, MAX_DECOYS, type Alternative, type DetectorOptions, type StrataMethod } from './types.js';

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
  /** The pooled test's alternative. */
  readonly alternative: Alternative;
  /** Strata, or null. */
  readonly strata: StrataRule | null;
  /** Weights, or null. */
  readonly weights: WeightRule | null;
  /** Rare-window scope `[min, max]` of the window's reference count, or null. */
  readonly scope: { readonly min: number; readonly max: number } | null;
}

/** Strata, validated. */
export interface StrataRule {
  /** `labels`: per position from `add`; `window-count`: from the window's count in the reference. */
  readonly kind: 'labels' | 'window-count';
  /** Number of strata. */
  readonly count: number;
  /** With `window-count`: the bounds (stratum j is `bounds[j-1] <= c < bounds[j]`). */
  readonly bounds: readonly number[];
  /** Combination method. */
  readonly method: StrataMethod;
}

/** Weights, validated. */
export interface WeightRule {
  /** Largest weight. */
  readonly max: number;
  /** Number of integer levels. */
  readonly levels: number;
}

/** Largest number of strata. */
export const MAX_STRATA = 256;

/** Largest number of weight levels. */
export const MAX_LEVELS = 255;

/** Largest number of member keys a family detection scores (K x E): the cost grows linearly with it. */
export const MAX_FAMILY_MEMBERS = 4096;

/** One member key of a family being scored. */
export interface Member {
  /** Cohort. */
  readonly cohort: number;
  /** Epoch (`null` for a family without epochs). */
  readonly epoch: number | null;
  /** The member's key. */
  readonly key: SecretKey;
}

/** A key family being scored. */
export interface FamilyRule {
  /** The master key's fingerprint. */
  readonly fingerprint: string;
  /** K. */
  readonly cohorts: number;
  /** E, or `null` for a family without epochs. */
  readonly epochs: number | null;
  /** The K x E members, cohort-major. */
  readonly members: readonly Member[];
}

/** Everything the engine needs, validated. */
export interface ResolvedOptions {
  /**
   * The key: the single key, or for a family the key of member 0 (which also keys the detector's
   * own salts and fingerprints; the result names the family by its master fingerprint).
   */
  readonly key: SecretKey;
  /** The key family being scored (every member in one pass), or null for a single key. */
  readonly family: FamilyRule | null;
  /** Scheme parameters, merged with the key file's. */
  readonly config: ResolvedParams;
  /** Position rules and reporting options. */
  readonly rules: Rules;
  /** The reference sequences of the filter (checked to be iterable; ids are checked as they are read). */
  readonly filter: Iterable<unknown> | undefined;
  /**
   * The reference sequences whose window counts the scope or the built-in strata read (at most
   * one reference: both must then name the same iterable), and the option that named them.
   */
  readonly reference: { readonly field: 'scope.reference' | 'strata.reference'; readonly sequences: Iterable<unknown> } | undefined;
}

/** Reads an optional method of combining strata. */
function methodOf(api: string, v: unknown): StrataMethod {
  if (v === undefined) return 'fisher';
  if (v !== 'fisher' && v !== 'min-p') throw rangeError(api, 'strata.method', '"fisher" or "min-p"', v);
  return v;
}

/** Reads `strata`. */
function strataOf(api: string, v: unknown): { rule: StrataRule; reference: Iterable<unknown> | undefined } | null {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') throw typeError(api, 'strata', '{ count } or { reference, bounds }', v);
  const o = v as Record<string, unknown>;
  const method = methodOf(api, o.method);
  if (o.reference === undefined) {
    checkInteger(api, 'strata.count', o.count, 2, MAX_STRATA);
    return { rule: { kind: 'labels', count: o.count, bounds: [], method }, reference: undefined };
  }
  if (!isIterable(o.reference)) throw typeError(api, 'strata.reference', 'an iterable of token-id sequences', o.reference);
  if (o.count !== undefined) throw typeError(api, 'strata.count', 'unset with strata.reference (the bounds give the strata)', o.count);
  const b = o.bounds;
  if (!Array.isArray(b)) throw typeError(api, 'strata.bounds', 'an array of counts', b);
  if (b.length < 1 || b.length > MAX_STRATA - 1) throw rangeError(api, 'strata.bounds', `1 to ${MAX_STRATA - 1} counts`, b);
  b.forEach((x: unknown, j) => checkInteger(api, `strata.bounds[${j}]`, x, j === 0 ? 1 : (b[j - 1] as number) + 1, 2 ** 32 - 1));
  return { rule: { kind: 'window-count', count: b.length + 1, bounds: [...(b as number[])], method }, reference: o.reference };
}

/** Reads `weights`. */
function weightsOf(api: string, v: unknown): WeightRule | null {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') throw typeError(api, 'weights', '{ max?, levels? }', v);
  const { max = 1, levels = 16 } = v as { max?: unknown; levels?: unknown };
  checkNumber(api, 'weights.max', max);
  if (!(max > 0 && Number.isFinite(max))) throw rangeError(api, 'weights.max', 'a finite number > 0', max);
  checkInteger(api, 'weights.levels', levels, 1, MAX_LEVELS);
  return { max, levels };
}

/** Reads `scope`. */
function scopeOf(api: string, v: unknown): { min: number; max: number; reference: Iterable<unknown> } | null {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') throw typeError(api, 'scope', '{ reference, min?, max }', v);
  const { reference, min = 0, max } = v as { reference?: unknown; min?: unknown; max?: unknown };
  if (!isIterable(reference)) throw typeError(api, 'scope.reference', 'an iterable of token-id sequences', reference);
  checkInteger(api, 'scope.min', min, 0, 2 ** 32 - 1);
  checkInteger(api, 'scope.max', max, min, 2 ** 32 - 1);
  return { min, max, reference };
}

/** Refuses two variants at once (each combination would need its own null check). */
function checkOneVariant(api: string, used: readonly [string, boolean][]): void {
  const on = used.filter(([, u]) => u).map(([n]) => n);
  if (on.length > 1) {
    throw typeError(api, on[1]!, `unset with ${on[0]} (detector variants do not combine: each has its own null check)`, 'set');
  }
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

/** The one reference whose window counts the scope and built-in strata read. */
function referenceOf(api: string, strata: Iterable<unknown> | undefined, scope: Iterable<unknown> | undefined): ResolvedOptions['reference'] {
  if (strata !== undefined && scope !== undefined && strata !== scope) {
    throw typeError(api, 'strata.reference', 'the same reference as scope.reference (one reference is read once)', strata);
  }
  if (scope !== undefined) return { field: 'scope.reference', sequences: scope };
  return strata === undefined ? undefined : { field: 'strata.reference', sequences: strata };
}

/**
 * Reads `key` and `epochs`: a single key, or a key family and the number of its epochs to score.
 * A family of one cohort without epochs is its master key (byte for byte today's single key).
 */
function keyOf(api: string, key: unknown, epochs: unknown): { key: SecretKey; family: FamilyRule | null } {
  if (key instanceof SecretKey) {
    if (epochs !== undefined) throw rangeError(api, 'epochs', `unset: "key" is a single key (fingerprint ${key.fingerprint}), not a key family`, epochs);
    return { key, family: null };
  }
  if (!(key instanceof KeyFamily)) throw typeError(api, 'key', 'a SecretKey or a KeyFamily (from parseKey / parseKeyFamily)', key);
  const fam = `key family ${key.fingerprint}`;
  if (key.hasEpochs) {
    if (epochs === undefined) {
      throw new RadiomarkError('KEY_MISMATCH', `${api}: "epochs" is required: ${fam} has epochs of ${key.epochDays} days; say how many (from epoch 0) to score, e.g. family.epochOf(investigationTime) + 1`, { api, field: 'epochs' });
    }
    checkInteger(api, 'epochs', epochs, 1, Math.floor(MAX_FAMILY_MEMBERS / key.cohorts));
  } else if (epochs !== undefined) {
    throw rangeError(api, 'epochs', `unset: ${fam} has no epochs`, epochs);
  }
  if (key.cohorts === 1 && !key.hasEpochs) return { key: key.key(0), family: null };
  if (key.cohorts * ((epochs as number | undefined) ?? 1) > MAX_FAMILY_MEMBERS) {
    throw rangeError(api, 'key', `a family of at most ${MAX_FAMILY_MEMBERS} members to score (${fam} has ${key.cohorts} cohorts)`, key.cohorts);
  }
  const members = key.members(epochs as number | undefined).map((m) => ({ cohort: m.cohort, epoch: m.epoch ?? null, key: m.key }));
  return { key: members[0]!.key, family: { fingerprint: key.fingerprint, cohorts: key.cohorts, epochs: (epochs as number | undefined) ?? null, members } };
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
  const { key, family } = keyOf(api, options.key, options.epochs);
  const params: KeyParams = { gamma: options.gamma, contextWidth: options.contextWidth, vocabSize: options.vocabSize, tokenizer: options.tokenizer };
  const config = resolveParams(api, options.key as SecretKey | KeyFamily, params);
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
  const alternative = options.alternative ?? 'greater';
  if (alternative !== 'greater' && alternative !== 'two-sided') throw rangeError(api, 'alternative', '"greater" or "two-sided"', alternative);
  const strata = strataOf(api, options.strata);
  const weights = weightsOf(api, options.weights);
  const scope = scopeOf(api, options.scope);
  if (family !== null && curve && family.members.length > 255) {
    throw rangeError(api, 'curve', `false for more than 255 members (key family ${family.fingerprint}: ${family.members.length} members)`, curve);
  }
  if (family !== null && decoys > 0) {
    throw rangeError(api, 'decoys', `0 with a key family (key family ${family.fingerprint}): decoys of a family have no null check yet`, decoys);
  }
  checkOneVariant(api, [
    ['key (a key family)', family !== null],
    ['alternative', alternative === 'two-sided'],
    ['strata', strata !== null],
    ['weights', weights !== null],
  ]);
  const reference = referenceOf(api, strata?.reference, scope?.reference);
  const rules: Rules = {
    specials, eots, promptExclusion, dedup, budget, decoys, curve, alpha, shardIndex: shard.index, shardCount: shard.count,
    alternative, strata: strata?.rule ?? null, weights, scope: scope === null ? null : { min: scope.min, max: scope.max },
  };
  return { key, family, config, rules, filter: options.filter, reference };
}
