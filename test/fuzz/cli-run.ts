/**
 * Runs one fuzzed CLI case against the built binary (dist/bin/radiomark.js) in a scratch directory
 * and judges it with the suite's oracles:
 *
 * - hang: still running after {@link CASE_TIME_LIMIT_MS} (then killed);
 * - crash: killed by a signal, an exit status outside the documented ones, status 70 (internal
 *   error), or internal exception text in either stream (a stack frame, "Cannot read properties",
 *   "Maximum call stack size exceeded", a Node `ERR_` code, ...);
 * - leak: a piece of the fuzz key's secret (test/fuzz/secret.ts) in stdout, stderr or any file the
 *   command wrote;
 * - injection: the fuzz's HTML marker tag rendered unescaped in an HTML file the command wrote;
 * - unclear: refused (status 2) without naming what it refused (the file, `file:line`, the flag),
 *   or an empty message; or a case that must be refused came out status 0 (bad input accepted
 *   silently).
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fuzzLeaks, type LeakScanner } from './secret.js';

/**
 * The time bound of one case (issue 13: 30 s), in the case's own CPU time where /proc shows it, so
 * that a busy machine (which stretches wall time, not CPU time) does not turn slow cases into hangs.
 * A case is a hang when it has used this much CPU, or when it has run this long by the clock while
 * its CPU time stood still (blocked: a FIFO with no writer), or after 20 times this by the clock.
 */
export const CASE_TIME_LIMIT_MS = 30_000;

/** CPU seconds (user + system, all threads) of process `pid`, from /proc; undefined where there is none. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
  } catch {
    return undefined;
  }
}

/** The built binary. */
export const BIN = resolve(import.meta.dirname, '..', '..', 'dist', 'bin', 'radiomark.js');

/** A file-system entry a case creates in its directory before running. */
export type Entry =
  | { kind: 'file'; path: string; content: string | Uint8Array; mode?: number }
  | { kind: 'dir'; path: string }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'fifo'; path: string }
  /** A character device like /dev/null (major 1, minor 3), made in the case directory (root only). */
  | { kind: 'device'; path: string }
  /** Changes the mode of an entry made before it (e.g. 0 for unreadable). */
  | { kind: 'chmod'; path: string; mode: number };

/** One fuzzed invocation. */
export interface CliCase {
  /** Input family (jsonl, keyfile, tokenizer, report, prompts, fs). */
  family: string;
  /** What the case is, in a few words (for the findings). */
  label: string;
  /** Entries created in the case directory (paths relative to it). */
  entries: Entry[];
  /** Arguments after `radiomark` (paths relative to the case directory, its working directory). */
  args: string[];
  /** Bytes written to stdin (stdin is closed after them; empty when absent). */
  stdin?: string | Uint8Array;
  /** Exit statuses the documentation allows for this case. */
  allowed: number[];
  /** When refused (status 2), the message must contain each of these (a file name, `file:3`, a flag). */
  blame?: string[];
  /** The input is bad: status 0 would mean it was accepted silently. */
  mustFail?: boolean;
  /** The command reads no key (probe): the fuzz secret in its output is the user's own text, not a leak. */
  noKey?: boolean;
  /** Run as the unprivileged user `nobody` (so that mode 0 means unreadable even when we are root). */
  asNobody?: boolean;
  /** A check of the case directory after the run; returns what went wrong (an "unsafe" problem). */
  verify?: (dir: string) => string | undefined;
  /** The program instead of `node dist/bin/radiomark.js` (the oracles' own tests use a stand-in). */
  command?: string[];
  /** The time bound, when not {@link CASE_TIME_LIMIT_MS} (the oracles' own tests). */
  timeLimitMs?: number;
}

/** What happened. */
export interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
  /** Problems found; empty means the case passed every oracle. */
  problems: Problem[];
}

/** One oracle's complaint. */
export interface Problem {
  kind: 'crash' | 'hang' | 'leak' | 'injection' | 'unclear' | 'unsafe';
  detail: string;
}

/** Internal exception text: never in a message meant for a user. */
const INTERNAL = [
  /\n\s+at (?:async )?\S+ \(?(?:file:|node:|\/)/,
  /internal error/i,
  /Cannot read propert/,
  /Cannot set propert/,
  /is not a function/,
  /is not iterable/,
  /is not defined/,
  /Maximum call stack size exceeded/,
  /Invalid (?:string|array|typed array) length/,
  /out of memory|heap limit|FATAL ERROR/i,
  /\bERR_[A-Z_]{4,}\b/,
  /\[object Object\]/,
  /Unexpected token .* in JSON at position/,
];

/** The HTML tag the report fuzz plants in strings; it must never reach a page unescaped. */
export const HTML_MARKER = '<x-fuzz-7f3a';

/** Creates the case's entries under `dir`. */
function materialize(dir: string, entries: Entry[]): void {
  for (const e of entries) {
    const p = join(dir, e.path);
    mkdirSync(join(p, '..'), { recursive: true });
    if (e.kind === 'dir') mkdirSync(p, { recursive: true });
    else if (e.kind === 'symlink') symlinkSync(e.target, p);
    else if (e.kind === 'fifo') execFileSync('mkfifo', [p]);
    else if (e.kind === 'device') execFileSync('mknod', [p, 'c', '1', '3']);
    else if (e.kind === 'chmod') chmodSync(p, e.mode);
    else {
      writeFileSync(p, e.content);
      chmodSync(p, e.mode ?? 0o600);
    }
  }
}

/** Regular files under `dir` (not following links), relative paths. */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return out;
  }
  for (const n of names) {
    const r = rel ? join(rel, n) : n;
    const st = lstatSync(join(dir, r));
    if (st.isDirectory()) out.push(...filesUnder(dir, r));
    else if (st.isFile()) out.push(r);
  }
  return out;
}

/** Spawns the binary; kills it (and says so) after the time bound. */
function spawnCase(dir: string, c: CliCase, env: NodeJS.ProcessEnv): Promise<Omit<Outcome, 'problems'> & { timedOut: boolean }> {
  return new Promise((done) => {
    const t0 = performance.now();
    const argv = [...(c.command ?? [process.execPath, BIN]), ...c.args];
    if (c.asNobody && process.getuid?.() === 0) argv.unshift('setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--');
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const cap = (chunks: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size < 64 << 20) chunks.push(b);
    };
    child.stdout.on('data', cap(out));
    child.stderr.on('data', cap(err));
    child.stdin.on('error', () => {}); // EPIPE: the command did not read its stdin
    child.stdin.end(c.stdin ?? '');
    let timedOut = false;
    const limit = c.timeLimitMs ?? CASE_TIME_LIMIT_MS;
    const still = Math.min(10_000, limit / 3); // how long CPU time must stand still to count as blocked
    let lastCpu = -1;
    let lastChange = t0;
    const timer = setInterval(() => {
      const now = performance.now();
      const cpu = cpuSeconds(child.pid!);
      if (cpu !== undefined && cpu !== lastCpu) {
        lastCpu = cpu;
        lastChange = now;
      }
      const wall = now - t0;
      const hang = cpu === undefined ? wall >= limit : cpu * 1000 >= limit || (wall >= limit && now - lastChange >= still) || wall >= 20 * limit;
      if (!hang) return;
      timedOut = true;
      clearInterval(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole group: tokenizer threads included
      } catch {
        child.kill('SIGKILL');
      }
    }, Math.min(500, limit / 6));
    child.on('close', (status, signal) => {
      clearInterval(timer);
      done({ status, signal, ms: performance.now() - t0, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/**
 * Runs `c` in a fresh directory under `root` and judges it.
 *
 * @param root - where case directories are made (removed after each case)
 * @param c - the case
 * @param extraLeaks - scanners for other secrets the case's inputs hold (a real key)
 */
export async function runCase(root: string, c: CliCase, extraLeaks: LeakScanner[] = []): Promise<Outcome> {
  const dir = mkdtempSync(join(root, `${c.family}-`));
  try {
    materialize(dir, c.entries);
    if (c.asNobody && process.getuid?.() === 0) {
      chmodSync(dir, 0o755);
      execFileSync('chown', ['-hR', '65534:65534', dir]);
    }
    const inputs = new Map<string, Buffer>();
    for (const f of filesUnder(dir)) inputs.set(f, readFileSync(join(dir, f)));
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
    delete env['NODE_OPTIONS'];
    const r = await spawnCase(dir, c, env);
    const problems: Problem[] = [];
    const both = `${r.stdout}\n${r.stderr}`;
    if (r.timedOut) problems.push({ kind: 'hang', detail: `no exit after ${(c.timeLimitMs ?? CASE_TIME_LIMIT_MS) / 1000} s` });
    else if (r.signal) problems.push({ kind: 'crash', detail: `killed by ${r.signal}` });
    else if (r.status === 70 || !c.allowed.includes(r.status!)) problems.push({ kind: 'crash', detail: `exit status ${r.status} (allowed: ${c.allowed.join(', ')})` });
    const internal = INTERNAL.find((re) => re.test(both));
    if (internal && !r.timedOut) problems.push({ kind: 'crash', detail: `internal exception text (${internal.source.slice(0, 40)})` });
    const scanners = c.noKey ? extraLeaks : [fuzzLeaks, ...extraLeaks];
    for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
      for (const s of scanners) {
        const hit = s.find(text);
        if (hit) problems.push({ kind: 'leak', detail: `${name} holds "${hit}"` });
      }
    }
    for (const f of filesUnder(dir)) {
      const now = readFileSync(join(dir, f));
      const before = inputs.get(f);
      if (before && now.equals(before)) continue; // an input the case wrote, unchanged
      const text = now.toString('utf8');
      for (const s of scanners) {
        const hit = s.find(before ? text.replace(before.toString('utf8'), '') : text);
        if (hit) problems.push({ kind: 'leak', detail: `written file ${f} holds "${hit}"` });
      }
      if (/\.html?$/i.test(f) && text.includes(HTML_MARKER)) problems.push({ kind: 'injection', detail: `${f} renders ${HTML_MARKER} unescaped` });
    }
    if (!r.timedOut && r.status === 2) {
      if (r.stderr.trim() === '') problems.push({ kind: 'unclear', detail: 'refused with an empty message' });
      for (const b of c.blame ?? []) if (!r.stderr.includes(b)) problems.push({ kind: 'unclear', detail: `refused without naming "${b}"` });
    }
    if (!r.timedOut && r.status === 0 && c.mustFail) problems.push({ kind: 'unclear', detail: 'bad input accepted (exit 0)' });
    const unsafe = c.verify?.(dir);
    if (unsafe) problems.push({ kind: 'unsafe', detail: unsafe });
    return { status: r.status, signal: r.signal, ms: r.ms, stdout: r.stdout, stderr: r.stderr, problems };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
