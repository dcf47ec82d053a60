/**
 * Fuzz findings already reported to their owners (/work/coord/notes/qa-findings.md, by number) and
 * not yet fixed on main. The fast slices tolerate exactly these (and print them); any other finding
 * fails. An entry is removed when its fix lands; the full run (scripts/fuzz/run.ts) counts all.
 *
 * @module
 */

/** What a finding is matched on. */
export interface FindingText {
  family?: string;
  label?: string;
  api?: string;
  detail: string;
  output?: string;
}

/** One reported, still open finding. */
export interface KnownFinding {
  /** Its number in qa-findings.md. */
  finding: number;
  /** The room that owns the fix. */
  owner: string;
  match(f: FindingText): boolean;
}

export const KNOWN_OPEN: KnownFinding[] = [];

/** The open finding `f` is, if any. */
export function knownOpen(f: FindingText): KnownFinding | undefined {
  return KNOWN_OPEN.find((k) => k.match(f));
}
