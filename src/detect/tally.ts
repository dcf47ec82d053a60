/**
 * The detector's counts: everything the result and the shard state are built from. Plain mutable
 * data owned by one detector; the scoring engine writes it, `result.ts` and `state.ts` read it.
 *
 * @module
 */
import type { SkipCounts } from './types.js';

/** The order in which skip reasons are listed (and merged). */
export const SKIP_KEYS: readonly (keyof SkipCounts)[] = ['noWindow', 'duplicate', 'promptWindow', 'filtered', 'special', 'afterEndOfText', 'budget'];

/** Counts of one detector (the fields mean what they mean in `DetectorState`). */
export interface Tally {
  documents: number;
  scored: number;
  green: number;
  skipped: SkipCounts;
  /** Capacity may exceed `documents`. */
  docScored: Uint32Array;
  /** Capacity may exceed `documents`. */
  docGreen: Uint32Array;
  decoyGreen: Uint32Array;
  budgetReached: boolean;
  /** Per-stratum scored counts (empty without strata). */
  strataScored: Uint32Array;
  strataGreen: Uint32Array;
  /** Per-level scored counts (empty without weights). */
  levelScored: Uint32Array;
  levelGreen: Uint32Array;
  /** Green count per key-family member (empty for a single key). */
  memberGreen: Uint32Array;
  /**
   * Green bit per scored position, in order (curve, windows), or null; for a key family the
   * number of members under which the pair is green (a curve is kept for at most 255 members).
   */
  trace: Uint8Array | null;
  /** Text position of each scored position (windows only), or null. */
  positions: Uint32Array | null;
  /** Used length of `trace` and `positions`. */
  traceLength: number;
}

/** Zero skip counts. */
export function zeroSkips(): SkipCounts {
  return { noWindow: 0, duplicate: 0, promptWindow: 0, filtered: 0, special: 0, afterEndOfText: 0, budget: 0 };
}

/** The sizes of a tally's arrays. */
export interface TallyShape {
  /** Number of decoy keys. */
  readonly decoys: number;
  /** Number of strata (0 without). */
  readonly strata: number;
  /** Number of weight levels plus one (0 without weights). */
  readonly levels: number;
  /** Number of key-family members (0 for a single key). */
  readonly members: number;
  /** Keep the green bit of every scored position. */
  readonly trace: boolean;
  /** Keep the text position of every scored position too. */
  readonly positions: boolean;
}

/** A fresh tally. */
export function newTally(shape: TallyShape): Tally {
  const { decoys, trace, positions } = shape;
  return {
    documents: 0,
    scored: 0,
    green: 0,
    skipped: zeroSkips(),
    docScored: new Uint32Array(64),
    docGreen: new Uint32Array(64),
    decoyGreen: new Uint32Array(decoys),
    budgetReached: false,
    strataScored: new Uint32Array(shape.strata),
    strataGreen: new Uint32Array(shape.strata),
    levelScored: new Uint32Array(shape.levels),
    levelGreen: new Uint32Array(shape.levels),
    memberGreen: new Uint32Array(shape.members),
    trace: trace || positions ? new Uint8Array(1024) : null,
    positions: positions ? new Uint32Array(1024) : null,
    traceLength: 0,
  };
}

/** Makes room for document `doc` in the per-document arrays (doubling). */
export function reserveDocument(t: Tally, doc: number): void {
  if (doc < t.docScored.length) return;
  let cap = t.docScored.length;
  while (cap <= doc) cap *= 2;
  const s = new Uint32Array(cap);
  s.set(t.docScored);
  t.docScored = s;
  const g = new Uint32Array(cap);
  g.set(t.docGreen);
  t.docGreen = g;
}

/** Appends one scored position's green bit (and text position) to the trace. */
export function recordTrace(t: Tally, green: number, position: number): void {
  const k = t.traceLength;
  let trace = t.trace!;
  if (k === trace.length) {
    const grown = new Uint8Array(trace.length * 2);
    grown.set(trace);
    t.trace = trace = grown;
    if (t.positions !== null) {
      const p = new Uint32Array(t.positions.length * 2);
      p.set(t.positions);
      t.positions = p;
    }
  }
  trace[k] = green;
  if (t.positions !== null) t.positions[k] = position;
  t.traceLength = k + 1;
}
