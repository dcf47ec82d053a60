/**
 * Runs the library cases in a worker thread with a watchdog: a case that does not finish within the
 * time bound is a hang; the worker is terminated and a new one resumes after that case.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import type { LibVerdict } from './lib-run.js';
import type { WorkerInput } from './lib-worker.js';

/** One library case that failed an oracle. */
export interface LibFinding {
  index: number;
  api: string;
  what: string;
  kind: 'crash' | 'leak' | 'unclear' | 'hang';
  detail: string;
}

/** Counts of a library run. */
export interface LibTally {
  /** Calls made (cases whose damage applied to their target). */
  calls: number;
  /** Cases generated (some damage does not apply to a target and is not a call). */
  generated: number;
  byApi: Record<string, number>;
  /** Milliseconds spent per API (all calls). */
  msByApi: Record<string, number>;
  problems: Record<LibFinding['kind'], number>;
  /** Errors that named their API but carried no radiomark data (issue 14). */
  untyped: Record<string, number>;
  findings: LibFinding[];
  slowestMs: number;
}

/**
 * The time bound of one call (issue 13: 30 s) in CPU time of this process (the worker computes; the
 * main thread only waits), so that a busy machine does not turn a slow call into a hang; by the
 * clock, 20 times as long.
 */
export const CALL_TIME_LIMIT_MS = 30_000;

/** How long a worker may take to start (load tsx and the r50k tokenizer) on a busy machine; not a case. */
const BOOT_LIMIT_MS = 600_000;

/** The worker's bootstrap: register tsx's loader in the thread, then import the TypeScript worker. */
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./lib-worker.ts', import.meta.url).href)}); })`;

/** Runs `cases` seeded cases (a case whose damage does not apply to its target makes no call). */
export async function runLibFuzz(seed: number, cases: number, onProgress?: (done: number) => void): Promise<LibTally> {
  const tally: LibTally = { calls: 0, generated: cases, byApi: {}, msByApi: {}, problems: { crash: 0, leak: 0, unclear: 0, hang: 0 }, untyped: {}, findings: [], slowestMs: 0 };
  let from = 0;
  while (from < cases) {
    const input: WorkerInput = { seed, cases, from };
    from = await new Promise<number>((done, fail) => {
      const worker = new Worker(BOOT, { eval: true, workerData: input });
      let current = from;
      let currentApi = '?';
      let started = false;
      let timer: NodeJS.Timeout | undefined = setTimeout(() => {
        void worker.terminate();
        fail(new Error(`lib fuzz worker did not start within ${BOOT_LIMIT_MS / 1000} s`));
      }, BOOT_LIMIT_MS);
      const arm = (): void => {
        clearTimeout(timer);
        clearInterval(timer);
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        timer = setInterval(() => {
          const used = process.cpuUsage(cpu0);
          if ((used.user + used.system) / 1000 < CALL_TIME_LIMIT_MS && performance.now() - t0 < 20 * CALL_TIME_LIMIT_MS) return;
          clearInterval(timer);
          tally.problems.hang++;
          tally.calls++;
          tally.findings.push({ index: current, api: currentApi, what: `case ${current} (seed ${seed})`, kind: 'hang', detail: `no return after ${CALL_TIME_LIMIT_MS / 1000} s of CPU` });
          void worker.terminate().then(() => done(current + 1));
        }, 1000);
      };
      worker.on('message', (m: { type: string; i: number; api?: string; v?: (LibVerdict & { api: string; what: string; ms: number }) | undefined }) => {
        if (m.type === 'begin') {
          started = true;
          current = m.i;
          currentApi = m.api ?? '?';
          arm();
          return;
        }
        if (m.type === 'end') {
          clearTimeout(timer);
          clearInterval(timer);
          done(cases);
          return;
        }
        const v = m.v;
        if (v === undefined) return;
        tally.calls++;
        tally.byApi[v.api] = (tally.byApi[v.api] ?? 0) + 1;
        tally.msByApi[v.api] = (tally.msByApi[v.api] ?? 0) + v.ms;
        tally.slowestMs = Math.max(tally.slowestMs, v.ms);
        if (v.untyped) tally.untyped[v.api] = (tally.untyped[v.api] ?? 0) + 1;
        if (v.kind) {
          tally.problems[v.kind]++;
          tally.findings.push({ index: m.i, api: v.api, what: v.what, kind: v.kind, detail: v.detail });
        }
        if (tally.calls % 1000 === 0) onProgress?.(tally.calls);
      });
      worker.on('error', (e) => {
        clearTimeout(timer);
        clearInterval(timer);
        if (!started) return fail(e); // the worker did not start: not a finding
        // An exception escaping a case (it should have been caught): a crash of that case.
        tally.problems.crash++;
        tally.findings.push({ index: current, api: currentApi, what: `case ${current} (seed ${seed})`, kind: 'crash', detail: `worker died: ${e instanceof Error ? e.message : String(e)}` });
        done(current + 1);
      });
      worker.on('exit', (code) => {
        if (code !== 0 && code !== 1) fail(new Error(`lib fuzz worker exited with ${code}`));
      });
    });
  }
  return tally;
}
