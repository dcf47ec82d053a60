/**
 * Test-only statistics for the adapter and model-server tests. The sampler room does not import
 * src/stats (the serving side never depends on detection code), so the exact tail is recomputed
 * here, plainly, for the moderate n these tests use.
 */

/**
 * log10 P(X >= k) for X ~ Binomial(n, p), by summing the exact terms in log space.
 *
 * @param k - observed successes
 * @param n - trials (up to ~10^5 here)
 * @param p - success probability
 */
export function log10BinomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 0;
  if (k > n) return -Infinity;
  const logs: number[] = [];
  for (let i = k; i <= n; i++) logs.push(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  const m = Math.max(...logs);
  let s = 0;
  for (const l of logs) s += Math.exp(l - m);
  return Math.min(0, (m + Math.log(s)) / Math.LN10);
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

const lf: number[] = [0];
function logFactorial(n: number): number {
  for (let i = lf.length; i <= n; i++) lf.push(lf[i - 1]! + Math.log(i));
  return lf[n]!;
}
