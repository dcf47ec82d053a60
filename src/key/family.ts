import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, rangeError, typeError } from '../assert.js';
import { RadiomarkError, RadiomarkRangeError } from '../errors.js';
import { checkParams, throwProblem, type Problem } from './params.js';
import { deriveKey, generateKey, SecretKey, subkey, type KeyParams } from './secret-key.js';

/** Largest number of cohorts a key family may have. */
export const MAX_COHORTS = 65536;
/** Largest epoch length, in days (100 years). */
export const MAX_EPOCH_DAYS = 36500;
/** Largest epoch index (2^20 - 1: about 2,900 years of one-day epochs). */
export const MAX_EPOCH = 2 ** 20 - 1;
/** Milliseconds per day: epochs are whole UTC days. */
const DAY_MS = 86_400_000;
/** The largest time a Date holds (ms from 1970, either way). */
const MAX_DATE_MS = 8.64e15;

/** The shape of a key family: how many cohorts, and (optionally) how long an epoch is. */
export interface KeyFamilyOptions {
  /** Number of cohorts K, an integer in 1..65536. */
  readonly cohorts: number;
  /** Epoch length D in days, an integer in 1..36500; omit for a family without epochs. */
  readonly epochDays?: number;
  /**
   * First day of epoch 0, `YYYY-MM-DD` (00:00 UTC), 1970-01-01 or later. Required with `epochDays`
   * in {@link createKeyFamily}; {@link generateKeyFamily} defaults it to today (UTC).
   */
  readonly epochOrigin?: string;
}

/** One member of a key family: the key the server uses for one cohort in one epoch. */
export interface KeyFamilyMember {
  /** The cohort, in `[0, cohorts)`. */
  readonly cohort: number;
  /** The epoch, or `undefined` for a family without epochs. */
  readonly epoch: number | undefined;
  /** The member's key (a normal {@link SecretKey} with its own fingerprint). */
  readonly key: SecretKey;
}

/** What a family holds outside the object, so no inspection of the object can reach it. */
interface FamilyState {
  readonly master: SecretKey;
  readonly originMs: number;
  readonly cache: Map<string, SecretKey>;
  accountKey: Uint8Array | undefined;
}

const states = new WeakMap<KeyFamily, FamilyState>();

/**
 * A key family: one secret master key from which the server derives a key per cohort of accounts
 * and per epoch of time (docs/SPEC.md §2.1), so that a detector can attribute a distilled student
 * to the cohorts and epochs its training data came from. The server stores no per-account secret.
 *
 * A family with one cohort and no epochs is exactly its master key: `family.key(0)` is the master.
 *
 * Like {@link SecretKey}, the secret never appears in `toString()`, `JSON.stringify()`,
 * `util.inspect()` or error messages; {@link KeyFamily.fingerprint} is the master key's.
 *
 * @example
 * ```ts
 * const family = generateKeyFamily({ cohorts: 16, epochDays: 30, vocabSize: 200019 });
 * const key = family.key(family.cohortOf('acct_8812'), family.epochOf(Date.now()));
 * ```
 */
export class KeyFamily {
  /** The master key's fingerprint (non-secret; errors and reports name the family by it). */
  readonly fingerprint: string;
  /** The scheme parameters bound to the family (its master key's). */
  readonly params: Readonly<KeyParams>;
  /** Number of cohorts K. */
  readonly cohorts: number;
  /** Epoch length in days, or `undefined` for a family without epochs. */
  readonly epochDays: number | undefined;
  /** First day of epoch 0 (`YYYY-MM-DD`, 00:00 UTC), or `undefined` without epochs. */
  readonly epochOrigin: string | undefined;

  /** @internal Use {@link createKeyFamily}, {@link generateKeyFamily} or `parseKeyFamily`. */
  constructor(master: SecretKey, options: KeyFamilyOptions, api = 'createKeyFamily') {
    if (!(master instanceof SecretKey)) throw typeError(api, 'master', 'a SecretKey', master);
    const shape = checkFamilyOptions(api, options, true);
    const origin = shape.epochOrigin === undefined ? 0 : originMs(shape.epochOrigin);
    states.set(this, { master, originMs: origin, cache: new Map(), accountKey: undefined });
    this.fingerprint = master.fingerprint;
    this.params = master.params;
    this.cohorts = shape.cohorts;
    this.epochDays = shape.epochDays;
    this.epochOrigin = shape.epochOrigin;
    Object.freeze(this);
  }

  /** Whether the family has epochs. */
  get hasEpochs(): boolean {
    return this.epochDays !== undefined;
  }

  /**
   * The key of one member: derived from the master key with the label of docs/SPEC.md §2.1
   * (cached). With one cohort and no epochs it is the master key itself.
   *
   * @param cohort - in `[0, cohorts)`
   * @param epoch - in `[0, 2^20)`; required when the family has epochs, refused when it has none
   * @returns the member's {@link SecretKey}
   * @throws RadiomarkTypeError / RadiomarkRangeError naming the value and the family's fingerprint
   */
  key(cohort: number, epoch?: number): SecretKey {
    this.checkMember('KeyFamily.key', cohort, epoch);
    const state = states.get(this)!;
    const label = memberLabel(this.cohorts, cohort, epoch);
    if (label === undefined) return state.master;
    let key = state.cache.get(label);
    if (key === undefined) {
      key = deriveKey(state.master, label);
      state.cache.set(label, key);
    }
    return key;
  }

  /**
   * Throws unless `(cohort, epoch)` names a member of this family. For APIs that take a member.
   *
   * @param api - the calling API, for the message and the error data
   * @param cohort - the cohort
   * @param epoch - the epoch (must be `undefined` exactly when the family has no epochs)
   */
  checkMember(api: string, cohort: unknown, epoch: unknown): void {
    const fam = `key family ${this.fingerprint}`;
    if (typeof cohort !== 'number') throw typeError(api, 'cohort', `a number (${fam} has ${this.cohorts} cohorts)`, cohort);
    if (!Number.isInteger(cohort) || cohort < 0 || cohort >= this.cohorts) {
      throw rangeError(api, 'cohort', `an integer in [0, ${this.cohorts}) for ${fam}`, cohort);
    }
    if (this.epochDays === undefined) {
      if (epoch !== undefined) throw rangeError(api, 'epoch', `undefined: ${fam} has no epochs`, epoch);
      return;
    }
    if (epoch === undefined) throw typeError(api, 'epoch', `a number: ${fam} has epochs of ${this.epochDays} days`, epoch);
    if (typeof epoch !== 'number') throw typeError(api, 'epoch', 'a number', epoch);
    if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
      throw rangeError(api, 'epoch', `an integer in [0, ${MAX_EPOCH}] for ${fam}`, epoch);
    }
  }

  /**
   * The default account -> cohort mapping: a keyed hash of the account id mod K (docs/SPEC.md
   * §2.1): `u64be(HMAC-SHA256(HKDF(K, "family/account", 32), utf8(accountId))[0..8]) mod cohorts`.
   * Stable for a given master key and K; without the key, nobody can tell which accounts share a
   * cohort or steer an account into one.
   *
   * @param accountId - the account's id (its UTF-8 bytes are hashed as given: no normalisation)
   * @returns the cohort, in `[0, cohorts)`
   * @throws RadiomarkTypeError for an empty or non-string id
   */
  cohortOf(accountId: string): number {
    if (typeof accountId !== 'string' || accountId.length === 0) {
      throw typeError('KeyFamily.cohortOf', 'accountId', 'a non-empty string', accountId);
    }
    if (this.cohorts === 1) return 0;
    const state = states.get(this)!;
    state.accountKey ??= subkey(state.master, 'family/account');
    const mac = hmac(sha256, state.accountKey, utf8ToBytes(accountId));
    const hi = ((mac[0]! << 24) | (mac[1]! << 16) | (mac[2]! << 8) | mac[3]!) >>> 0;
    const lo = ((mac[4]! << 24) | (mac[5]! << 16) | (mac[6]! << 8) | mac[7]!) >>> 0;
    const K = this.cohorts;
    // (hi * 2^32 + lo) mod K without leaving exact double arithmetic (K <= 2^16).
    return ((hi % K) * (2 ** 32 % K) + (lo % K)) % K;
  }

  /**
   * The epoch of a time: `floor((t - origin) / (epochDays days))`, origin = `epochOrigin` 00:00 UTC.
   *
   * @param time - milliseconds since 1970-01-01T00:00Z (e.g. `Date.now()`) or a `Date`
   * @returns the epoch index
   * @throws RadiomarkError `KEY_MISMATCH` for a family without epochs; RadiomarkRangeError for a
   *   time before the origin, beyond epoch 2^20 - 1, or not finite
   */
  epochOf(time: number | Date): number {
    const api = 'KeyFamily.epochOf';
    const days = this.needEpochs(api, 'time');
    const t = time instanceof Date ? time.getTime() : time;
    if (typeof t !== 'number') throw typeError(api, 'time', 'milliseconds since 1970-01-01T00:00Z or a Date', time);
    if (!Number.isFinite(t)) throw rangeError(api, 'time', 'a finite time', time);
    const epoch = Math.floor((t - states.get(this)!.originMs) / (days * DAY_MS));
    if (epoch < 0 || epoch > MAX_EPOCH) {
      const at = Math.abs(t) <= MAX_DATE_MS ? new Date(t).toISOString() : describe(t); // Date's range: +-8.64e15 ms
      const where = epoch < 0 ? `before the epoch origin ${this.epochOrigin}` : `after the last epoch ${MAX_EPOCH}`;
      throw new RadiomarkRangeError(`${api}: "time" ${at} is ${where} of key family ${this.fingerprint}`, { api, field: 'time' });
    }
    return epoch;
  }

  /**
   * When an epoch begins.
   *
   * @param epoch - in `[0, 2^20)`
   * @returns milliseconds since 1970-01-01T00:00Z
   */
  epochStart(epoch: number): number {
    const days = this.needEpochs('KeyFamily.epochStart', 'epoch');
    this.checkMember('KeyFamily.epochStart', 0, epoch);
    return states.get(this)!.originMs + epoch * days * DAY_MS;
  }

  /** The epoch length, or RadiomarkError `KEY_MISMATCH` for a family without epochs. */
  private needEpochs(api: string, field: string): number {
    if (this.epochDays !== undefined) return this.epochDays;
    throw new RadiomarkError('KEY_MISMATCH', `${api}: key family ${this.fingerprint} has no epochs`, { api, field });
  }

  /**
   * Every member for the first `epochCount` epochs, cohort-major (cohort 0's epochs first). A
   * detector tests these K x E keys; choose `epochCount` before looking at any result (e.g.
   * `family.epochOf(investigationTime) + 1`).
   *
   * @param epochCount - the number of epochs, from epoch 0; required exactly when the family has epochs
   * @returns the members
   */
  members(epochCount?: number): readonly KeyFamilyMember[] {
    const api = 'KeyFamily.members';
    const out: KeyFamilyMember[] = [];
    if (this.epochDays === undefined) {
      if (epochCount !== undefined) throw rangeError(api, 'epochCount', `undefined: key family ${this.fingerprint} has no epochs`, epochCount);
      for (let c = 0; c < this.cohorts; c++) out.push(Object.freeze({ cohort: c, epoch: undefined, key: this.key(c) }));
      return Object.freeze(out);
    }
    if (typeof epochCount !== 'number' || !Number.isInteger(epochCount) || epochCount < 1 || epochCount > MAX_EPOCH + 1) {
      throw rangeError(api, 'epochCount', `an integer in [1, ${MAX_EPOCH + 1}] (key family ${this.fingerprint} has epochs)`, epochCount);
    }
    for (let c = 0; c < this.cohorts; c++) {
      for (let e = 0; e < epochCount; e++) out.push(Object.freeze({ cohort: c, epoch: e, key: this.key(c, e) }));
    }
    return Object.freeze(out);
  }

  /**
   * A member's name for reports: `cohort 3, epoch 12` (or `cohort 3` without epochs).
   *
   * @param cohort - the cohort
   * @param epoch - the epoch, when the family has epochs
   */
  label(cohort: number, epoch?: number): string {
    this.checkMember('KeyFamily.label', cohort, epoch);
    return epoch === undefined ? `cohort ${cohort}` : `cohort ${cohort}, epoch ${epoch}`;
  }

  /** @returns `KeyFamily(fingerprint …, 16 cohorts, epochs of 30 days from 2026-11-28)`; never the secret. */
  toString(): string {
    const epochs = this.epochDays === undefined ? 'no epochs' : `epochs of ${this.epochDays} days from ${this.epochOrigin}`;
    return `KeyFamily(fingerprint ${this.fingerprint}, ${this.cohorts} cohort${this.cohorts === 1 ? '' : 's'}, ${epochs})`;
  }

  /** @returns the fingerprint, parameters and shape; never the secret. */
  toJSON(): { fingerprint: string; params: KeyParams; cohorts: number; epochDays?: number; epochOrigin?: string } {
    const shape = this.epochDays === undefined ? {} : { epochDays: this.epochDays, epochOrigin: this.epochOrigin! };
    return { fingerprint: this.fingerprint, params: this.params, cohorts: this.cohorts, ...shape };
  }

  /** Node's `util.inspect` hook: prints {@link KeyFamily.toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * The derivation label of a member (docs/SPEC.md §2.1), or `undefined` for the master itself.
 *
 * @internal
 */
export function memberLabel(cohorts: number, cohort: number, epoch: number | undefined): string | undefined {
  if (cohorts === 1) return epoch === undefined ? undefined : `family/epoch/${epoch}`;
  return epoch === undefined ? `family/cohort/${cohort}` : `family/cohort/${cohort}/epoch/${epoch}`;
}

/** Milliseconds of `YYYY-MM-DD` at 00:00 UTC (the string is already validated). */
function originMs(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

/** Today's date in UTC, `YYYY-MM-DD`. */
function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The fields of a family's shape, in file order. */
const SHAPE_FIELDS = ['cohorts', 'epochDays', 'epochOrigin'] as const;

/**
 * @internal What is wrong with one field of a family's shape (`undefined` when it is valid). The
 * fields are checked in {@link SHAPE_FIELDS} order, each knowing the ones before it are valid.
 */
export function shapeProblem(field: (typeof SHAPE_FIELDS)[number], shape: Record<string, unknown>, requireOrigin: boolean): Problem | undefined {
  const value = shape[field];
  switch (field) {
    case 'cohorts':
      if (typeof value !== 'number') return { expected: 'a number', type: true };
      return Number.isInteger(value) && value >= 1 && value <= MAX_COHORTS ? undefined : { expected: `an integer in [1, ${MAX_COHORTS}]`, type: false };
    case 'epochDays':
      if (value === undefined) return undefined;
      if (typeof value !== 'number') return { expected: 'a number', type: true };
      return Number.isInteger(value) && value >= 1 && value <= MAX_EPOCH_DAYS ? undefined : { expected: `an integer in [1, ${MAX_EPOCH_DAYS}]`, type: false };
    default:
      if (shape.epochDays === undefined) return value === undefined ? undefined : { expected: 'absent without "epochDays"', type: false };
      if (value === undefined) return requireOrigin ? { expected: 'a date YYYY-MM-DD (required with "epochDays")', type: true } : undefined;
      if (typeof value !== 'string') return { expected: 'a date YYYY-MM-DD', type: true };
      return validOrigin(value) ? undefined : { expected: 'a valid date YYYY-MM-DD from 1970-01-01 on (00:00 UTC)', type: false };
  }
}

function validOrigin(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && value >= '1970-01-01' && new Date(originMs(value)).toISOString().slice(0, 10) === value;
}

/**
 * @internal Validates a family's shape. `requireOrigin`: an `epochDays` without `epochOrigin` is refused.
 *
 * @returns the validated shape (only its three fields)
 */
export function checkFamilyOptions(api: string, options: unknown, requireOrigin: boolean): KeyFamilyOptions {
  if (options === null || typeof options !== 'object') throw typeError(api, 'options', 'an object', options);
  const shape = options as Record<string, unknown>;
  for (const field of SHAPE_FIELDS) throwProblem(api, field, shapeProblem(field, shape, requireOrigin), shape[field]);
  const { cohorts, epochDays, epochOrigin } = shape as unknown as KeyFamilyOptions;
  return epochDays === undefined ? { cohorts } : { cohorts, epochDays, epochOrigin };
}

/**
 * Makes a key family from an existing master key (deterministic: the same master and shape always
 * give the same member keys). The family binds the master's parameters.
 *
 * @param master - the master key
 * @param options - `cohorts`, and `epochDays` with `epochOrigin` for a family with epochs
 * @returns the {@link KeyFamily}
 * @throws RadiomarkTypeError / RadiomarkRangeError naming the bad field
 * @example
 * ```ts
 * const family = createKeyFamily(master, { cohorts: 16, epochDays: 30, epochOrigin: '2026-01-01' });
 * ```
 */
export function createKeyFamily(master: SecretKey, options: KeyFamilyOptions): KeyFamily {
  return new KeyFamily(master, options, 'createKeyFamily');
}

/**
 * Generates a new key family: a fresh master key from the platform CSPRNG, bound to `params`.
 *
 * @param options - the family's shape (`epochOrigin` defaults to today, UTC, when `epochDays` is
 *   given) and the scheme parameters to bind
 * @returns the {@link KeyFamily}
 * @example
 * ```ts
 * const family = generateKeyFamily({ cohorts: 16, epochDays: 30, gamma: 0.25, vocabSize: 200019 });
 * fs.writeFileSync('family.json', serializeKeyFamily(family), { mode: 0o600 });
 * ```
 */
export function generateKeyFamily(options: KeyFamilyOptions & KeyParams): KeyFamily {
  const api = 'generateKeyFamily';
  const shape = checkFamilyOptions(api, options, false);
  const { gamma, delta, contextWidth, tokenizer, vocabSize } = options;
  const params = checkParams(api, { gamma, delta, contextWidth, tokenizer, vocabSize });
  const epochOrigin = shape.epochDays === undefined ? undefined : (shape.epochOrigin ?? todayUtc());
  return new KeyFamily(generateKey(params), { ...shape, epochOrigin }, api);
}

/** @internal The master key (for the family-file serializer only). */
export function familyMaster(family: KeyFamily): SecretKey {
  const state = family instanceof KeyFamily ? states.get(family) : undefined;
  if (state === undefined) throw typeError('serializeKeyFamily', 'family', 'a KeyFamily', family);
  return state.master;
}

/**
 * Whether `value` is a {@link KeyFamily}.
 *
 * @param value - anything
 */
export function isKeyFamily(value: unknown): value is KeyFamily {
  return value instanceof KeyFamily;
}

/**
 * Throws unless `value` is a single {@link SecretKey}: a {@link KeyFamily} gets RadiomarkError
 * `KEY_MISMATCH` naming its fingerprint (so an API never silently uses only the master key),
 * anything else a RadiomarkTypeError.
 *
 * @param api - the calling API
 * @param field - the argument, e.g. `key`
 * @param value - the value
 */
export function checkSecretKey(api: string, field: string, value: unknown): asserts value is SecretKey {
  if (value instanceof SecretKey) return;
  if (value instanceof KeyFamily) {
    throw new RadiomarkError(
      'KEY_MISMATCH',
      `${api}: "${field}" is a key family (fingerprint ${value.fingerprint}, ${value.cohorts} cohorts${value.hasEpochs ? ', with epochs' : ''}) where a single key is expected; pass family.key(cohort, epoch) for one member`,
      { api, field },
    );
  }
  throw typeError(api, field, 'a SecretKey (from generateKey or parseKey)', value);
}

/**
 * Throws unless `value` is a {@link KeyFamily}: a single {@link SecretKey} gets RadiomarkError
 * `KEY_MISMATCH` naming its fingerprint, anything else a RadiomarkTypeError.
 *
 * @param api - the calling API
 * @param field - the argument
 * @param value - the value
 */
export function checkKeyFamily(api: string, field: string, value: unknown): asserts value is KeyFamily {
  if (value instanceof KeyFamily) return;
  if (value instanceof SecretKey) {
    throw new RadiomarkError(
      'KEY_MISMATCH',
      `${api}: "${field}" is a single key (fingerprint ${value.fingerprint}) where a key family is expected; createKeyFamily(key, { cohorts: 1 }) makes a one-member family of it`,
      { api, field },
    );
  }
  throw typeError(api, field, 'a KeyFamily (from generateKeyFamily or parseKeyFamily)', value);
}
