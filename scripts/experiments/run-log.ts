/**
 * What every experiment script shares: a progress log on stderr stamped with the seconds since the
 * script started, and the git facts its results record.
 */
import { execFileSync } from 'node:child_process';

/** A log function writing `[   12 s] line` to stderr, timed from the call that made it. */
export function createLog(): (line: string) => void {
  const t0 = performance.now();
  return (line) => void process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
}

/** The output of `git ARGS`, trimmed, or `unknown` outside a checkout. */
export function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
