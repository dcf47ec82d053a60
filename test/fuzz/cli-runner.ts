/**
 * Runs many fuzzed CLI cases (seeded, so a run is reproducible) and tallies the oracles' verdicts.
 *
 * @module
 */
import fc from 'fast-check';
import { anyCase, fsCase, type FuzzContext } from './cli-cases.js';
import { runCase, type CliCase, type Outcome, type Problem } from './cli-run.js';

/** One case that failed an oracle. */
export interface Finding {
  family: string;
  label: string;
  args: string[];
  status: number | null;
  ms: number;
  problems: Problem[];
  /** The first lines of stderr (and of stdout when stderr is empty). */
  output: string;
}

/** Counts of a run. */
export interface Tally {
  cases: number;
  byFamily: Record<string, number>;
  byStatus: Record<string, number>;
  problems: Record<Problem['kind'], number>;
  findings: Finding[];
  /** Slowest case, ms. */
  slowestMs: number;
}

/** Cases for a run: every file-system shape once, then `n` sampled from all families. */
export function sampleCases(ctx: FuzzContext, n: number, seed: number): CliCase[] {
  const shapes = fc.sample(fsCase(ctx), { seed, numRuns: 1000 });
  const unique = [...new Map(shapes.map((c) => [c.label, c])).values()];
  return [...unique, ...fc.sample(anyCase(ctx), { seed, numRuns: n })];
}

/** Runs `cases` with `concurrency` at a time; `onCase` sees each result (progress). */
export async function runCases(root: string, cases: CliCase[], concurrency: number, onCase?: (c: CliCase, o: Outcome, done: number) => void): Promise<Tally> {
  const tally: Tally = { cases: 0, byFamily: {}, byStatus: {}, problems: { crash: 0, hang: 0, leak: 0, injection: 0, unclear: 0, unsafe: 0 }, findings: [], slowestMs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      const o = await runCase(root, c);
      tally.cases++;
      tally.byFamily[c.family] = (tally.byFamily[c.family] ?? 0) + 1;
      const st = o.signal ?? String(o.status);
      tally.byStatus[st] = (tally.byStatus[st] ?? 0) + 1;
      tally.slowestMs = Math.max(tally.slowestMs, o.ms);
      const kinds = new Set(o.problems.map((p) => p.kind));
      for (const k of kinds) tally.problems[k]++;
      if (o.problems.length > 0) {
        const text = (o.stderr.trim() || o.stdout.trim()).split('\n').slice(0, 6).join('\n').slice(0, 1200);
        tally.findings.push({ family: c.family, label: c.label, args: c.args, status: o.status, ms: Math.round(o.ms), problems: o.problems, output: text });
      }
      onCase?.(c, o, tally.cases);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally;
}
