/**
 * Shard states: the serializable {@link DetectorState} of a detector, its validation, and the
 * exact merge rule (docs/detection.md, "Shards: the merge rule").
 *
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { typeError } from '../assert.js';
import { RadiomarkError } from '../errors.js';
import type { Engine } from './engine.js';
import { SKIP_KEYS, type Tally } from './tally.js';
import { DETECTOR_STATE_FORMAT, type DetectorState } from './types.js';

/** A detector's merge-relevant fields. */
export interface Mergeable {
  /** Key fingerprint. */
  readonly fingerprint: string;
  /** Digest of the parameters and rules. */
  readonly configDigest: string;
  /** The scoring engine (rules, deduplication set). */
  readonly engine: Engine;
  /** The counts. */
  tally: Tally;
  /** Shards whose data the counts hold. */
  covered: number[];
  /** Whether the detector added or merged anything. */
  touched: boolean;
  /** Whether it merged a state (then `add` is refused). */
  merged: boolean;
}

/**
 * The digest of the parameters and rules that two states must share to merge.
 * @param engine - the engine whose configuration is digested
 * @param vocabSize - vocabulary size
 */
export function configDigest(engine: Engine): string {
  const r = engine.rules;
  const digestInput = JSON.stringify({
    v: 1,
    threshold: engine.gl.threshold,
    contextWidth: engine.h,
    vocabSize: engine.vocabSize,
    pairMode: engine.pairFp.exact ? 'exact' : 'hashed',
    specials: r.specials ? bytesToHex(sha256(r.specials)) : null,
    eots: r.eots ? bytesToHex(sha256(r.eots)) : null,
    promptExclusion: r.promptExclusion,
    dedup: r.dedup,
    filter: engine.filterSet ? engine.filterSet.digest() : null,
    decoys: r.decoys,
    budget: r.budget,
    curve: r.curve,
    shardCount: r.shardCount,
    alternative: r.alternative,
    strata: r.strata,
    weights: r.weights,
    scope: r.scope,
    reference: engine.refCounts ? engine.refCounts.digest() : null,
    family: engine.family === null ? null : { fingerprint: engine.family.fingerprint, cohorts: engine.family.cohorts, epochs: engine.family.epochs },
  });
  return bytesToHex(sha256(utf8ToBytes(digestInput))).slice(0, 32);
}

/** A copy of a detector's state. */
export function snapshot(d: Mergeable): DetectorState {
  const t = d.tally;
  const r = d.engine.rules;
  return {
    format: DETECTOR_STATE_FORMAT,
    version: 2,
    fingerprint: d.fingerprint,
    configDigest: d.configDigest,
    shardCount: r.shardCount,
    covered: [...d.covered],
    documents: t.documents,
    scored: t.scored,
    green: t.green,
    skipped: { ...t.skipped },
    docScored: t.docScored.slice(0, t.documents),
    docGreen: t.docGreen.slice(0, t.documents),
    decoyGreen: t.decoyGreen.slice(),
    pairs: d.engine.pairs ? d.engine.pairs.entries() : new Uint32Array(0),
    trace: r.curve && t.trace ? t.trace.slice(0, t.traceLength) : null,
    budgetReached: t.budgetReached,
    strataScored: t.strataScored.slice(),
    strataGreen: t.strataGreen.slice(),
    levelScored: t.levelScored.slice(),
    levelGreen: t.levelGreen.slice(),
    memberGreen: t.memberGreen.slice(),
  };
}

/** Refuses a state of another key or configuration, an overlapping shard or another corpus. */
function checkCompatible(api: string, d: Mergeable, state: DetectorState): void {
  if (state.fingerprint !== d.fingerprint) {
    throw new RadiomarkError('KEY_MISMATCH', `${api}: the state was made with key ${state.fingerprint}, this detector uses ${d.fingerprint}`, { api, field: 'fingerprint' });
  }
  const r = d.engine.rules;
  if (state.configDigest !== d.configDigest || state.shardCount !== r.shardCount || state.decoyGreen.length !== r.decoys) {
    throw new RadiomarkError('CONFIG_MISMATCH', `${api}: the state was made with other parameters or rules (config digest ${state.configDigest}, this detector ${d.configDigest})`, { api, field: 'configDigest' });
  }
  if (!d.touched) return;
  for (const c of state.covered) {
    if (d.covered.includes(c)) {
      throw new RadiomarkError(
        'STATE',
        `${api}: shard ${c} is already in this detector; states merge exactly only when the corpus is split by pair fingerprint (create each shard with "shard": { index, count })`,
        { api, field: 'covered' },
      );
    }
  }
  if (state.documents !== d.tally.documents) {
    throw new RadiomarkError('STATE', `${api}: the state saw ${state.documents} documents, this detector ${d.tally.documents}; every shard must read every document`, { api, field: 'documents' });
  }
}

/**
 * Union of the deduplication sets. A pair present in both means the split was not by pair: every
 * pair is checked first, so that a refused merge leaves the detector unchanged.
 */
function mergePairs(api: string, d: Mergeable, state: DetectorState): void {
  const pairs = d.engine.pairs;
  if (pairs === null) return;
  const e = state.pairs;
  for (let j = 0; j < e.length; j += 2) {
    if (pairs.has(e[j]!, e[j + 1]!)) {
      throw new RadiomarkError('STATE', `${api}: a (window, token) pair was scored by both states: they were not split by pair fingerprint`, { api, field: 'pairs' });
    }
  }
  for (let j = 0; j < e.length; j += 2) pairs.add(e[j]!, e[j + 1]!);
}

/**
 * Adds a shard's state to a detector (see `Detector.merge`).
 * @throws as `Detector.merge`
 */
export function mergeState(api: string, d: Mergeable, state: DetectorState): void {
  checkState(api, state);
  checkCompatible(api, d, state);
  mergePairs(api, d, state);
  const t = d.tally;
  if (!d.touched) {
    // A fresh detector adopts the first state it merges (an aggregator).
    t.documents = state.documents;
    d.covered = [];
    t.docScored = new Uint32Array(Math.max(64, state.documents));
    t.docGreen = new Uint32Array(Math.max(64, state.documents));
    if (state.trace !== null && t.trace !== null) {
      t.trace = state.trace.slice();
      t.traceLength = state.trace.length;
    }
    t.budgetReached = state.budgetReached;
  }
  t.scored += state.scored;
  t.green += state.green;
  for (const k of SKIP_KEYS) t.skipped[k] += state.skipped[k];
  for (let doc = 0; doc < state.documents; doc++) {
    t.docScored[doc] += state.docScored[doc]!;
    t.docGreen[doc] += state.docGreen[doc]!;
  }
  addInto(t.decoyGreen, state.decoyGreen);
  addInto(t.strataScored, state.strataScored);
  addInto(t.strataGreen, state.strataGreen);
  addInto(t.levelScored, state.levelScored);
  addInto(t.levelGreen, state.levelGreen);
  addInto(t.memberGreen, state.memberGreen);
  d.covered.push(...state.covered);
  d.touched = true;
  d.merged = true;
}

/** `into[j] += from[j]` (the arrays have the same length: the config digests agree). */
function addInto(into: Uint32Array, from: Uint32Array): void {
  for (let j = 0; j < into.length; j++) into[j] += from[j]!;
}

/** Throws a TypeError naming the field unless `s` has the shape of a {@link DetectorState}. */
export function checkState(api: string, s: unknown): asserts s is DetectorState {
  if (s === null || typeof s !== 'object') throw typeError(api, 'state', 'a detector state from state()', s);
  const o = s as Record<string, unknown>;
  const need = (ok: boolean, f: string, what: string): void => {
    if (!ok) throw typeError(api, `state.${f}`, what, o[f]);
  };
  need(o.format === DETECTOR_STATE_FORMAT, 'format', `"${DETECTOR_STATE_FORMAT}"`);
  need(o.version === 2, 'version', '2');
  for (const f of ['documents', 'scored', 'green', 'shardCount'] as const) {
    need(typeof o[f] === 'number' && Number.isInteger(o[f]) && (o[f] as number) >= 0, f, 'a non-negative integer');
  }
  need(typeof o.fingerprint === 'string', 'fingerprint', 'a string');
  need(typeof o.configDigest === 'string', 'configDigest', 'a string');
  need(Array.isArray(o.covered) && o.covered.every((c) => Number.isInteger(c)), 'covered', 'a list of shard indexes');
  const sk = o.skipped as Record<string, unknown> | null;
  need(sk !== null && typeof sk === 'object' && SKIP_KEYS.every((k) => typeof sk[k] === 'number'), 'skipped', 'an object with every skip count');
  for (const f of ['docScored', 'docGreen', 'decoyGreen', 'pairs', 'strataScored', 'strataGreen', 'levelScored', 'levelGreen', 'memberGreen'] as const) {
    need(o[f] instanceof Uint32Array, f, 'a Uint32Array');
  }
  for (const f of ['docScored', 'docGreen'] as const) need((o[f] as Uint32Array).length === o.documents, f, `a Uint32Array of length "documents" (${String(o.documents)})`);
  need((o.pairs as Uint32Array).length % 2 === 0, 'pairs', 'a Uint32Array of even length');
  need(o.trace === null || o.trace instanceof Uint8Array, 'trace', 'a Uint8Array or null');
}
