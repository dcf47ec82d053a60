/**
 * Pacing of `probe`'s requests: retry backoff with jitter, a rate limit, and sleeps that a signal
 * cuts short.
 *
 * @module
 */

/** Retry pacing. */
export interface Backoff {
  /** First delay in ms (before jitter). */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
}

/** The default retry pacing: 500 ms doubling up to 30 s. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, capMs: 30_000 };

/**
 * The delay before retry number `attempt` (0-based): full jitter, `random * min(cap, base * 2^attempt)`,
 * at least 50 ms; a server's Retry-After (seconds) wins when larger, up to the cap.
 *
 * @param attempt - retries done so far
 * @param b - base and cap
 * @param retryAfterMs - the server's Retry-After in ms, if any
 * @param random - a uniform number in [0, 1)
 */
export function backoffDelay(attempt: number, b: Backoff, retryAfterMs: number | undefined, random: number = Math.random()): number {
  const ceiling = Math.min(b.capMs, b.baseMs * 2 ** attempt);
  const jittered = Math.max(50, random * ceiling);
  return retryAfterMs !== undefined ? Math.min(b.capMs, Math.max(jittered, retryAfterMs)) : jittered;
}

/**
 * Waits `ms` milliseconds, or less when `signal` aborts.
 *
 * @param ms - the delay (within a timer's range: callers validate it)
 * @param signal - cuts the wait short
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Spaces request starts to at most `rate` per second. */
export class RateLimiter {
  private next = 0;

  /** @param rate - requests per second, or undefined for no limit */
  constructor(private readonly rate: number | undefined) {}

  /** Waits for the next start slot (returns at once when `signal` aborts). */
  async wait(signal: AbortSignal): Promise<void> {
    if (!this.rate) return;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.rate;
    if (at > now) await sleep(at - now, signal);
  }
}
