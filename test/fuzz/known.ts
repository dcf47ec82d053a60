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

export const KNOWN_OPEN: KnownFinding[] = [
  { finding: 1, owner: 'cli', match: (f) => f.family === 'fs' && /FIFO (given as input|as --key)/.test(f.label ?? '') && /no exit/.test(f.detail) },
  { finding: 2, owner: 'cli', match: (f) => /^radiomark detect: no document could be read \(\d+ bad lines? skipped\)/.test(f.output ?? '') },
  { finding: 3, owner: 'cli', match: (f) => f.family === 'prompts' && /not valid UTF-8/.test(f.output ?? '') && /refused without naming/.test(f.detail) },
  { finding: 4, owner: 'perf', match: (f) => f.family === 'tokenizer' && /invalid UTF-8/.test(f.label ?? '') && /accepted/.test(f.detail) },
];

/** The open finding `f` is, if any. */
export function knownOpen(f: FindingText): KnownFinding | undefined {
  return KNOWN_OPEN.find((k) => k.match(f));
}
