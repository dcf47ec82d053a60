/**
 * Exponential tilting of a weighted count T = sum_l w_l S_l, S_l ~ Bin(n_l, p) independent, at
 * its observed value t = sum_l w_l s_l: the exponent K(lambda) - lambda t of the Chernoff bound
 * (K the cumulant generating function of T) and the tilt lambda >= 0 that minimises it.
 *
 * Both are evaluated level by level, as sum_l ln[p^s (1-p)^(n-s) (1 + e^-x)^s (1 + e^x)^(n-s)]
 * with x = logit p + lambda w, which never subtracts lambda t from K(lambda): no cancellation
 * however large lambda t is, and the observed t is used exactly (never a rounded sum).
 *
 * @module
 * @internal
 */

/** One weight level: `n` positions of weight `w`, `s` of them green; w > 0 and n > 0. @internal */
export interface Level {
  readonly w: number;
  readonly n: number;
  readonly s: number;
}

/** ln(1 + e^x) without overflow. @internal */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The logistic function 1 / (1 + e^-x). @internal */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** logit p = ln p - ln(1 - p). @internal */
export function logit(p: number): number {
  return Math.log(p) - Math.log1p(-p);
}

/**
 * K(lambda) - lambda t at the observed t = sum_l w_l s_l: the natural log of the Chernoff bound
 * at lambda (valid for every lambda >= 0). @internal
 */
export function chernoffExponent(levels: readonly Level[], p: number, lambda: number): number {
  const theta0 = logit(p);
  const lnP = Math.log(p);
  const lnQ = Math.log1p(-p);
  let e = 0;
  for (const { w, n, s } of levels) {
    const x = theta0 + lambda * w;
    e += s * (lnP + softplus(-x)) + (n - s) * (lnQ + softplus(x));
  }
  return e;
}

/**
 * The derivative K'(lambda) - t of {@link chernoffExponent} (the tilted mean of T minus t, summed
 * level by level without cancellation) and K''(lambda) (the tilted variance). @internal
 */
export function tiltSlope(levels: readonly Level[], p: number, lambda: number): { slope: number; variance: number } {
  const theta0 = logit(p);
  let slope = 0;
  let variance = 0;
  for (const { w, n, s } of levels) {
    const x = theta0 + lambda * w;
    const up = sigmoid(x);
    const down = sigmoid(-x);
    slope += w * ((n - s) * up - s * down);
    variance += n * w * w * up * down;
  }
  return { slope, variance };
}

/**
 * The tilt lambda >= 0 where the tilted mean of T is t + shift (K'(lambda) - t = shift), given
 * that it is below at lambda = 0: bracketed Newton on the increasing slope. When no finite lambda
 * reaches it (t + shift at the maximum of T, up to rounding), the largest lambda tried is
 * returned; every lambda >= 0 keeps the bound valid. @internal
 */
export function solveTilt(levels: readonly Level[], p: number, shift = 0): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 1000 && tiltSlope(levels, p, hi).slope < shift; i++) hi *= 2;
  let lambda = hi / 2;
  for (let iter = 0; iter < 200; iter++) {
    const { slope, variance } = tiltSlope(levels, p, lambda);
    if (slope < shift) lo = lambda;
    else hi = lambda;
    let next = variance > 0 ? lambda - (slope - shift) / variance : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - lambda) <= 1e-15 * Math.max(1, lambda) || hi - lo <= 1e-15 * hi) return next;
    lambda = next;
  }
  return lambda;
}
