import { checkKeyFamily, type KeyFamily } from '../key/family.js';
import type { KeyParams } from '../key/secret-key.js';
import { resolveParams, type ResolvedParams } from '../scheme/config.js';
import type { KernelChoice } from '../scheme/green-list.js';
import { checkInteger } from '../assert.js';
import { FusedSampler } from './fused.js';
import type { SessionOptions, WatermarkSession } from './session.js';
import { buildWatermark } from './build.js';
import type { Watermark } from './watermark.js';

/** Options of `createWatermark` for a key family. Parameters bound by the family file may be omitted. */
export interface FamilyWatermarkOptions extends KeyParams {
  /** The key family (from `generateKeyFamily` or `parseKeyFamily`). */
  readonly key: KeyFamily;
  /**
   * How many members' watermarks to keep built (default `2 * cohorts`: every cohort in the current
   * and the previous epoch). Each holds the member's token table (4 bytes per vocabulary id) and
   * bias scratch; the least recently used is dropped beyond this (and rebuilt when used again: one
   * HKDF and the table, a BLAKE3 compression per 16 ids).
   */
  readonly maxMembers?: number;
  /** The green lists' kernels (default `'auto'`; see `WatermarkOptions.kernels`). */
  readonly kernels?: KernelChoice;
}

/**
 * The serving side's watermark for a key family: each request is marked with the key of its
 * account's cohort and its epoch. Sessions carry the member; stateless calls go through
 * {@link FamilyWatermark.member}. All members share one sampler (its scratch holds nothing between
 * calls, as for a single watermark), so sessions of different members interleave freely.
 *
 * @example
 * ```ts
 * const fwm = createWatermark({ key: parseKeyFamily(text), vocabSize: 200019 });
 * const s = fwm.session({ prompt, cohort: fwm.family.cohortOf(accountId), epoch: fwm.family.epochOf(Date.now()) });
 * ```
 */
export interface FamilyWatermark {
  /** The key family. */
  readonly family: KeyFamily;
  /** The resolved configuration, the same for every member. */
  readonly config: ResolvedParams;
  /** Exact probability that a token is green under the null (the same for every member). */
  readonly greenProbability: number;
  /** The family's (master key's) fingerprint. */
  readonly fingerprint: string;
  /**
   * The single-key {@link Watermark} of one member (`bias`, `biasBatch`, `sample`, `isGreen`,
   * `greenList` for the runtime adapters). Built on first use and cached (see `maxMembers`).
   *
   * @param cohort - in `[0, cohorts)`
   * @param epoch - the epoch; required exactly when the family has epochs
   * @throws RadiomarkTypeError / RadiomarkRangeError naming the value and the family fingerprint
   */
  member(cohort: number, epoch?: number): Watermark;
  /**
   * Starts a request's session, marked with the key of member (`cohort`, `epoch`): as
   * `Watermark.session`, plus those two options. `cohort` may be left out only when the family
   * has one cohort; `epoch` must be given exactly when the family has epochs.
   *
   * @param options - `prompt`, `masking`, `cohort`, `epoch`
   * @returns a new {@link WatermarkSession}
   * @throws RadiomarkTypeError / RadiomarkRangeError for a cohort outside `[0, cohorts)`, an epoch
   *   out of range or given to a family without epochs (message names the family's fingerprint),
   *   and as `Watermark.session`
   */
  session(options?: SessionOptions): WatermarkSession;
}

/** @internal `createWatermark` for a key family. */
export function createFamilyWatermark(options: FamilyWatermarkOptions): FamilyWatermark {
  const api = 'createWatermark';
  const family = options.key;
  checkKeyFamily(api, 'key', family);
  const config = resolveParams(api, family, options);
  const maxMembers = options.maxMembers ?? 2 * family.cohorts;
  checkInteger(api, 'maxMembers', maxMembers, 1);
  const core = new FusedSampler(config.vocabSize, config.delta);
  const built = new Map<string, Watermark>();

  const member = (cohort: number, epoch?: number): Watermark => {
    family.checkMember('member', cohort, epoch);
    const id = family.label(cohort, epoch);
    let wm = built.get(id);
    if (wm !== undefined) {
      built.delete(id); // re-inserted below: the map's order is least recently used first
    } else {
      wm = buildWatermark(family.key(cohort, epoch), config, core, { kernels: options.kernels, member: `${id} of key family ${family.fingerprint}` });
      if (built.size >= maxMembers) built.delete(built.keys().next().value!);
    }
    built.set(id, wm);
    return wm;
  };

  const session = (sessionOptions?: SessionOptions): WatermarkSession => {
    const o = sessionOptions === null || typeof sessionOptions !== 'object' ? undefined : sessionOptions;
    const cohort = o?.cohort ?? (family.cohorts === 1 ? 0 : undefined);
    family.checkMember('session', cohort, o?.epoch);
    const { cohort: _c, epoch: _e, ...rest } = o ?? {};
    return member(cohort!, o?.epoch).session(sessionOptions === undefined ? undefined : rest);
  };

  return Object.freeze({
    family,
    config,
    greenProbability: member(0, family.hasEpochs ? 0 : undefined).greenProbability,
    fingerprint: family.fingerprint,
    member,
    session,
    toString: () => `FamilyWatermark(${family})`,
    [Symbol.for('nodejs.util.inspect.custom')]: () => `FamilyWatermark(${family}, ${JSON.stringify(config)})`,
  });
}
