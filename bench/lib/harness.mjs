/**
 * Paired measurements with the `benchmark` package. A figure and its baseline are measured in
 * alternating rounds (baseline first in even rounds, the figure first in odd ones) on the same
 * data in the same process; each round is one Benchmark.js run per side and yields the median of
 * its samples (seconds per call). The reported ratio is the median over rounds of the per-round
 * ratios, so slow drifts of the machine's load cancel; absolute times are the medians over rounds.
 */
import Benchmark from 'benchmark';

export function median(xs) {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Seconds per call of `fn`: the median of one Benchmark.js run's samples. */
export function measure(fn, { maxTime = 0.3, minSamples = 5 } = {}) {
  const bench = new Benchmark({ fn, maxTime, minSamples, initCount: 1 });
  bench.run();
  if (bench.error) throw bench.error;
  return { seconds: median(bench.stats.sample), rme: bench.stats.rme, samples: bench.stats.sample.length };
}

/**
 * Measures `target` against `baseline`.
 * @returns {{ target: number, baseline: number, ratio: number, ratios: number[], rme: number }}
 */
export function paired(target, baseline, { rounds = 3, maxTime = 0.3, minSamples = 5 } = {}) {
  const t = [];
  const b = [];
  let rme = 0;
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 === 0 ? [b, baseline] : [t, target];
    const second = r % 2 === 0 ? [t, target] : [b, baseline];
    for (const [into, fn] of [first, second]) {
      const m = measure(fn, { maxTime, minSamples });
      into.push(m.seconds);
      rme = Math.max(rme, m.rme);
    }
  }
  const ratios = t.map((x, i) => x / b[i]);
  return { target: median(t), baseline: median(b), ratio: median(ratios), ratios, rme };
}

/** Formats seconds for the table. */
export function fmtTime(s) {
  if (s === null || s === undefined) return '-';
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  if (s >= 1e-6) return `${(s * 1e6).toFixed(1)} us`;
  return `${(s * 1e9).toFixed(0)} ns`;
}
