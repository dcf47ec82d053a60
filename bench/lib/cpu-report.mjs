/**
 * Preloaded into the CLI section's child processes (`node --import .../cpu-report.mjs`): on exit,
 * writes the process's CPU time (all threads) and peak RSS to the file named by
 * RADIOMARK_BENCH_CPU, so the benchmark can report CPU time next to wall time on a shared machine.
 */
import { writeFileSync } from 'node:fs';

const out = process.env.RADIOMARK_BENCH_CPU;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMiB: u.maxRSS / 1024 }));
  });
}
