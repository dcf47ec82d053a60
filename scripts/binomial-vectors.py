#!/usr/bin/env python3
"""Reference values for src/stats, computed independently of the TypeScript code, written to
test/vectors/binomial.json. CI does not run this script; the JSON is committed and the tests read it.

Sections of the output:
- binomial: log10 P(X >= k) and log10 P(X <= k - 1) for X ~ Bin(n, p), by exact summation of pmf
  terms in mpmath at 60 significant digits (log-gamma for the first term, exact term ratios after;
  the smaller tail is summed, the larger one is 1 minus it, taken with log1p). Cases with n <= 1000
  are cross-checked against mpmath's regularized incomplete beta I_p(k, n - k + 1).
- binomialTinyP: the same sums for p from 1e-15 down to 5e-324 (the smallest double) and for the
  largest double below 1, where n p is below one ulp of k; cases with n <= 10 are cross-checked
  against exact rational sums (fractions.Fraction).
- weightedTail: P(T >= t) for T = sum_l w_l S_l with integer weights and S_l ~ Bin(n_l, p)
  independent, p dyadic, as exact rationals (integer polynomial products).
  p is the float64 the tests pass (e.g. 1/3 is the double nearest 1/3), taken exactly.
- normal: log10 P(Z >= z) = log10(erfc(z / sqrt 2) / 2) in mpmath.
- logGamma: ln Gamma(x) in mpmath.
- clopperPearson: exact (Clopper-Pearson) interval endpoints, solved in mpmath on the exact tails.
- ksDistribution / ksSamples: P(D_n >= d) for the two-sided one-sample Kolmogorov-Smirnov
  statistic under uniformity. Reference algorithm: Noe's recursion over the boundary crossing points
  (exact, positive terms only) in 80-bit extended precision (numpy.longdouble), or, where stated,
  2 * P(D_n+ >= d) from the exact one-sided Smirnov sum in mpmath (exact for d >= 1/2; elsewhere the
  neglected term P(D+ >= d and D- >= d) is below 1e-14 relative for the cases used). Cross-checked
  against scipy.stats.kstwo for n <= 140 (where scipy uses exact algorithms).

Usage: python3 scripts/binomial-vectors.py > test/vectors/binomial.json
"""
import bisect
import json
import math
import sys
from fractions import Fraction

import mpmath as mp
import numpy as np
import scipy
import scipy.stats

DPS = 60
mp.mp.dps = DPS
COMMAND = 'python3 scripts/binomial-vectors.py > test/vectors/binomial.json'
LN10 = mp.log(10)


def log(*a):
    print(*a, file=sys.stderr)


# ---------------------------------------------------------------- binomial tails

def log_pmf(k, n, p):
    """ln P(X = k), mpf, by log-gamma at DPS digits (absolute error ~1e-50 for n <= 1e7)."""
    q = 1 - p
    return mp.loggamma(n + 1) - mp.loggamma(k + 1) - mp.loggamma(n - k + 1) + k * mp.log(p) + (n - k) * mp.log(q)


def sum_up(k, n, p):
    """ln sum_{j >= k} pmf(j), summing until the rest is provably negligible."""
    q = 1 - p
    c = p / q
    t = mp.mpf(1)
    s = mp.mpf(1)
    tol = mp.mpf(10) ** (-(DPS + 5))
    j = k
    while j < n:
        r = (n - j) * c / (j + 1)
        t *= r
        s += t
        j += 1
        if r < 1 and t * r / (1 - r) < tol * s:
            break
    return log_pmf(k, n, p) + mp.log(s)


def sum_down(k, n, p):
    """ln sum_{j <= k} pmf(j)."""
    q = 1 - p
    c = q / p
    t = mp.mpf(1)
    s = mp.mpf(1)
    tol = mp.mpf(10) ** (-(DPS + 5))
    j = k
    while j > 0:
        r = j * c / (n - j + 1)
        t *= r
        s += t
        j -= 1
        if r < 1 and t * r / (1 - r) < tol * s:
            break
    return log_pmf(k, n, p) + mp.log(s)


def tails(k, n, p):
    """(ln P(X >= k), ln P(X <= k - 1)) for 0 <= k <= n. Splits at the mean n p (the TypeScript code
    splits at (n + 1) p), summing the smaller side."""
    p = mp.mpf(p)
    if k <= 0:
        return mp.mpf(0), mp.ninf
    if k > n * p:
        up = sum_up(k, n, p)
        return up, mp.log1p(-mp.exp(up))
    lo = sum_down(k - 1, n, p)
    return mp.log1p(-mp.exp(lo)), lo


def to_float(x):
    if x == mp.ninf:
        return None
    return float(x)


def kl(x, p):
    if x >= 1:
        return -math.log(p)
    return x * math.log(x / p) + (1 - x) * math.log((1 - x) / (1 - p))


def k_for_log10(n, p, target):
    """An integer k > n p whose log10 P(X >= k) is about `target` (< 0), from the Chernoff exponent."""
    lo, hi = p, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if -n * kl(mid, p) / math.log(10) > target:
            lo = mid
        else:
            hi = mid
    return min(n, round(n * lo))


def binomial_cases():
    cases = []

    def add(label, n, k, p):
        k = int(k)
        if 0 <= k <= n and (n, k, p) not in seen:
            seen.add((n, k, p))
            cases.append((label, n, k, p))

    seen = set()
    P6 = [0.1, 0.25, 0.5, 0.9, 1 / 3, 0.2500000001]
    # The two figures from the detection brief.
    add('off-by-one trap: P(X >= 65), n=200, p=0.25 (scipy binom.sf(65) = 0.0068 is P(X > 65))', 200, 65, 0.25)
    add('off-by-one trap: P(X >= 66) = scipy binom.sf(65)', 200, 66, 0.25)
    add('published figure: 248,200 scored, 64,234 green, gamma 0.25 -> 3.28e-24', 248200, 64234, 0.25)
    # Ordinary sizes.
    for n in [10, 100, 1000]:
        for p in P6:
            m, sd = n * p, math.sqrt(n * p * (1 - p))
            for k in [math.floor(m), math.ceil(m + 2 * sd), math.ceil(m + 4 * sd)]:
                add('ordinary', n, min(k, n), p)
    # Edges.
    for n in [10, 1000, 10 ** 7]:
        for p in [0.25, 0.9]:
            for k in [0, 1, n - 1, n]:
                add('edge k in {0, 1, n-1, n}', n, k, p)
    # Large n, gamma 0.25, from below the mean to far beyond the float64 range.
    for n in [10 ** 5, 10 ** 6, 10 ** 7]:
        p = 0.25
        m, sd = n * p, math.sqrt(n * p * (1 - p))
        for k in [m - 3 * sd, math.floor(m), math.floor(m) + 1, m + 3 * sd, m + 6 * sd]:
            add('large n near the mean', n, round(k), p)
        for t in [-100, -1000, -10 ** 4, -10 ** 5, -10 ** 6]:
            if t > n * math.log10(p) * 0.8:
                add('large n, extreme tail (target log10 p = %g)' % t, n, k_for_log10(n, p, t), p)
    # n = 10^7 with the other p.
    n = 10 ** 7
    for p in [0.5, 0.1, 0.9, 1 / 3, 0.2500000001]:
        m, sd = n * p, math.sqrt(n * p * (1 - p))
        for k in [m - 2 * sd, math.floor(m), m + 5 * sd]:
            add('n = 1e7 near the mean', n, round(k), p)
        add('n = 1e7, log10 p about -1e5', n, k_for_log10(n, p, -1e5), p)
    for n in [10 ** 5, 10 ** 6]:
        p = 0.5
        m, sd = n * p, math.sqrt(n * p * (1 - p))
        add('p = 1/2', n, math.ceil(m + 3 * sd), p)
        for t in [-1000, -10 ** 4]:
            add('p = 1/2, extreme tail', n, k_for_log10(n, p, t), p)
    return cases


def binomial_section():
    out = []
    for label, n, k, p in binomial_cases():
        up, lo = tails(k, n, p)
        if n <= 1000 and 0 < k:
            ref = mp.betainc(k, n - k + 1, 0, mp.mpf(p), regularized=True)
            assert abs(mp.exp(up) / ref - 1) < mp.mpf(10) ** -40, (n, k, p)
        out.append({
            'label': label, 'n': n, 'k': k, 'p': p,
            'log10PValue': to_float(up / LN10),
            'pValue': float(mp.exp(up)),
            'log10LowerPValue': to_float(lo / LN10),
            'log10PValueDigits': mp.nstr(up / LN10, 25),
        })
    log('binomial: %d cases' % len(out))
    return out


# ---------------------------------------------------------------- tiny and near-one p

def exact_upper(k, n, p):
    """P(X >= k) as an exact rational for small n (p is the float64 taken exactly)."""
    p = Fraction(p)
    q = 1 - p
    return sum(Fraction(math.comb(n, j)) * p ** j * q ** (n - j) for j in range(k, n + 1))


def tiny_p_cases():
    """Success probabilities far below 1e-16 (and within 1e-16 of 1), where n p is below one ulp of
    k: the regime where an earlier release returned -Infinity or values quantized near 1e-16."""
    cases = []
    for p in [1e-15, 1e-16, 3e-16, 1e-17, 1e-30, 1e-100, 1e-300, 5e-324]:
        for n, k in [(10, 1), (10, 2), (10, 5), (10, 10), (1000, 1), (1000, 3), (10 ** 6, 2), (10 ** 15, 1), (10 ** 15, 3)]:
            cases.append((n, k, p))
    near_one = 1 - 2.0 ** -53                  # the largest double below 1
    for n, k in [(10, 8), (10, 9), (10, 10), (1000, 998), (10 ** 6, 10 ** 6 - 2)]:
        cases.append((n, k, near_one))
    return cases


def tiny_p_section():
    out = []
    exact_checked = 0
    for n, k, p in tiny_p_cases():
        up, lo = tails(k, n, p)
        if n <= 10:
            ex = exact_upper(k, n, p)
            # Compare the smaller tail, whose log keeps its relative precision.
            small, got = (ex, up) if ex < Fraction(1, 2) else (1 - ex, lo)
            ref = mp.log(mp.mpf(small.numerator) / small.denominator)
            assert abs(ref / got - 1) < mp.mpf(10) ** -40, (n, k, p)
            exact_checked += 1
        out.append({
            'n': n, 'k': k, 'p': p,
            'log10PValue': to_float(up / LN10),
            'log10LowerPValue': to_float(lo / LN10),
            'log10PmfValue': to_float(log_pmf(k, n, mp.mpf(p)) / LN10),
        })
    log('binomialTinyP: %d cases (%d checked against exact rationals)' % (len(out), exact_checked))
    return out


# ---------------------------------------------------------------- weighted binomial sums

def weighted_exact(levels, num, bits):
    """P(T >= t) for T = sum_l w_l S_l, S_l ~ Bin(n_l, p) independent, p = num / 2^bits (dyadic, so
    exact), as an exact rational: the distribution of T is a polynomial with integer coefficients
    C(n, s) num^s (2^bits - num)^(n - s) at x^(w s), multiplied level by level."""
    den_num = 2 ** bits - num
    dist = {0: 1}
    total_n = 0
    t = 0
    for w, n, s in levels:
        total_n += n
        t += w * s
        terms = [math.comb(n, j) * num ** j * den_num ** (n - j) for j in range(n + 1)]
        new = {}
        for u, c in dist.items():
            for j, term in enumerate(terms):
                v = u + w * j
                new[v] = new.get(v, 0) + c * term
        dist = new
    tail = sum(c for u, c in dist.items() if u >= t)
    assert sum(dist.values()) == 2 ** (bits * total_n)
    return t, Fraction(tail, 2 ** (bits * total_n))


def weighted_section():
    """Integer-weighted sums with exact rational tails (p dyadic)."""
    specs = [
        ('small, below the mean', [(1, 100, 22), (3, 50, 11)], 1, 2),
        ('small, near the mean', [(1, 100, 30), (3, 50, 15)], 1, 2),
        ('small, far tail', [(1, 100, 60), (3, 50, 40)], 1, 2),
        ('four levels, log10 p about -3', [(1, 150, 45), (2, 150, 45), (3, 150, 45), (4, 150, 45)], 1, 2),
        ('four levels, log10 p about -20', [(1, 150, 60), (2, 150, 62), (3, 150, 64), (4, 150, 66)], 1, 2),
        ('four levels, log10 p about -100', [(1, 150, 100), (2, 150, 105), (3, 150, 110), (4, 150, 115)], 1, 2),
        ('p = 1/2, weights 1, 2, 5', [(1, 200, 120), (2, 200, 118), (5, 200, 115)], 1, 1),
        ('p = 1/8, next to the maximum', [(1, 200, 190), (2, 200, 198)], 1, 3),
        ('p = 1/8, deficit (p near 1)', [(1, 300, 20), (4, 100, 5)], 1, 3),
        ('weights 1..8, 60 each, moderate tail', [(w, 60, 20) for w in range(1, 9)], 1, 2),
        ('p = 3/4, uneven sizes', [(1, 400, 310), (2, 40, 35), (6, 25, 22)], 3, 2),
    ]
    out = []
    for label, levels, num, bits in specs:
        t, tail = weighted_exact(levels, num, bits)
        l10 = mp.log(mp.mpf(tail.numerator)) / LN10 - mp.log(mp.mpf(tail.denominator)) / LN10
        out.append({
            'label': label, 'p': num / 2 ** bits, 'statistic': t,
            'levels': [{'weight': w, 'trials': n, 'successes': s} for w, n, s in levels],
            'log10PValue': float(l10), 'log10PValueDigits': mp.nstr(l10, 25),
        })
    log('weightedTail: %d cases (exact rationals)' % len(out))
    return out


# ---------------------------------------------------------------- normal tail

def normal_section():
    out = []
    for z in [-40, -8, -3, -1.5, -0.5, 0, 0.1, 0.5, 1, 1.959963984540054, 2.5, 3, 5, 8, 10, 20, 37.5, 40, 100, 1000, 1e4]:
        v = mp.erfc(mp.mpf(z) / mp.sqrt(2)) / 2
        out.append({'z': z, 'pValue': float(v), 'log10PValue': float(mp.log10(v))})
    return out


def log_gamma_section():
    xs = [1e-300, 1e-10, 0.1, 0.5, 0.9999, 1.0, 1.5, 2.0, 2.5, 3.7, 10.0, 14.99, 15.0, 15.01, 100.5,
          12345.678, 1e7 + 1, 2.0 ** 52, 1e300]
    return [{'x': x, 'value': float(mp.loggamma(mp.mpf(x)))} for x in xs]


# ---------------------------------------------------------------- Clopper-Pearson

def cp_lower(k, n, alpha2):
    """p with P(X >= k; p) = alpha2, by bisection on ln p then secant polish, at DPS digits."""
    if k == 0:
        return mp.mpf(0)
    if k == n:
        return mp.exp(mp.log(alpha2) / n)
    target = mp.log(alpha2)

    def f(u):
        return tails(k, n, mp.exp(u))[0] - target
    lo, hi = mp.mpf(-800), mp.mpf(0) - mp.mpf(10) ** -30
    # Start from scipy's estimate to keep the bracket small (scipy only seeds the search).
    guess = scipy.stats.beta.ppf(float(alpha2), k, n - k + 1)
    if guess > 0:
        g = mp.log(guess)
        a, b = g - mp.mpf('1e-6'), g + mp.mpf('1e-6')
        if f(a) < 0 < f(b):
            lo, hi = a, b
    flo = f(lo)
    for _ in range(400):
        mid = (lo + hi) / 2
        fm = f(mid)
        if (fm < 0) == (flo < 0):
            lo, flo = mid, fm
        else:
            hi = mid
        if hi - lo < mp.mpf(10) ** -35:
            break
    return mp.exp((lo + hi) / 2)


def cp_section():
    out = []
    for k, n, level in [(0, 10, 0.95), (1, 10, 0.95), (5, 10, 0.95), (10, 10, 0.95), (50, 100, 0.5),
                        (65, 200, 0.99), (0, 1000, 0.99), (3, 1000, 0.99), (1000, 1000, 0.99),
                        (259, 1000, 0.99), (64234, 248200, 0.99), (25, 10 ** 6, 0.99), (250000, 10 ** 6, 0.999)]:
        alpha2 = (1 - mp.mpf(level)) / 2
        lower = cp_lower(k, n, alpha2)
        upper = 1 - cp_lower(n - k, n, alpha2) if k < n else mp.mpf(1)
        out.append({'k': k, 'n': n, 'level': level, 'lower': float(lower), 'upper': float(upper)})
    log('clopperPearson: %d cases' % len(out))
    return out


# ---------------------------------------------------------------- Kolmogorov-Smirnov

def ks_cdf_noe(n, d):
    """P(D_n < d) under uniformity, by Noe's recursion in numpy.longdouble.

    The event is a_i < U_(i) < b_i for all i with a_i = i/n - d, b_i = (i-1)/n + d, i.e. with
    N(t) = #{U <= t}: N(a_i) <= i - 1 and N(b_i) >= i. Between consecutive boundary points the
    counts of a multinomial sample grow by Poisson-like factors (n dt)^r / r!; P = n!/n^n * Q_final(n).
    Positions are kept exactly (fractions, in units of 1/n); rescaling is by exact powers of two.
    Increments of more than 60 points within one gap (probability factor < 1/60!) are dropped."""
    D = Fraction(d) * n
    a = sorted(i - D for i in range(1, n + 1))          # N(pos) <= i - 1 at pos = i - D
    b = sorted(i - 1 + D for i in range(1, n + 1))      # N(pos) >= i at pos = i - 1 + D
    pts = sorted(set([x for x in a if 0 < x < n] + [x for x in b if 0 < x < n] + [Fraction(n)]))
    ld = np.longdouble
    cache = {}

    def coeffs(delta, length):
        """(n dt)^r / r! for r < length, with n dt = delta (positions are in units of 1/n)."""
        c = cache.get(delta)
        if c is None or len(c) < length:
            lam = ld(mp.nstr(mp.mpf(delta.numerator) / delta.denominator, 30))
            size = max(length, 2 * (len(c) if c is not None else 0), 64)
            c = np.empty(size, dtype=ld)
            c[0] = ld(1)
            for r in range(1, size):
                c[r] = c[r - 1] * lam / ld(r)
            cache[delta] = c
        return c[:length]

    prev = Fraction(0)
    lo_prev, Q = 0, np.array([ld(1)], dtype=ld)   # Q[i - lo_prev] for counts lo_prev..
    exp2 = 0                                       # true Q = Q * 2**exp2 (exact rescaling)
    for pos in pts:
        lo = bisect.bisect_right(b, pos)            # #{b_i <= pos}
        hi = min(n, bisect.bisect_left(a, pos))     # #{a_i < pos}
        if pos == n:
            lo = hi = n
        if lo > hi:
            return 0.0
        # (n dt)^r / r! with n dt <= 1: terms past r = 60 are below 1/60! = 1.2e-82 and are dropped.
        c = coeffs(pos - prev, min(hi - lo_prev + 1, 61))
        full = np.convolve(Q, c)                    # counts lo_prev .. lo_prev + len - 1
        new = np.zeros(hi - lo + 1, dtype=ld)
        part = full[lo - lo_prev:hi - lo_prev + 1]
        new[:len(part)] = part
        top = new.max()
        if top <= 0:
            return 0.0
        e = int(np.floor(np.log2(top)))
        new = np.ldexp(new, -e)
        exp2 += e
        Q, lo_prev, prev = new, lo, pos
    logf = ld(mp.nstr(mp.loggamma(n + 1) - n * mp.log(n) + exp2 * mp.log(2), 30))
    return Q[0] * np.exp(logf)


def smirnov_one_sided(n, d):
    """P(D_n+ >= d), exact finite sum (Birnbaum-Tingey), mpmath."""
    d = mp.mpf(d)
    s = mp.mpf(0)
    for j in range(int(mp.floor(n * (1 - d))) + 1):
        base = 1 - d - mp.mpf(j) / n
        if base <= 0:
            continue
        s += mp.binomial(n, j) * base ** (n - j) * (d + mp.mpf(j) / n) ** (j - 1)
    return d * s


def ks_reference(n, d):
    """(p-value, method) for P(D_n >= d)."""
    if d <= 1 / (2 * n):
        return 1.0, 'trivial'
    if d >= 0.5 or n * d * d >= 7:
        return float(min(1, 2 * smirnov_one_sided(n, d))), '2*smirnov (mpmath)'
    p = ld_to_float(1 - ks_cdf_noe(n, d))
    return p, 'noe (longdouble)'


def ld_to_float(x):
    return float(x)


def ks_distribution_section():
    out = []
    grid = []
    for n in [1, 2, 3, 5, 10, 20, 50, 100, 140, 141, 500, 1000]:
        for z in [0.3, 0.6, 1.0, 1.36, 1.8, 2.4, 3.0]:
            d = z / math.sqrt(n)
            if 1 / (2 * n) < d < 1:
                grid.append((n, d))
        for d in [0.5, 0.75, 0.999]:
            if 1 / (2 * n) < d < 1:
                grid.append((n, d))
    for n in [1001, 2000, 2001, 3000, 10000]:
        for z in [0.5, 0.8, 1.0, 1.2, 1.4, 1.6, 2.0, 2.5, 3.0, 4.0]:
            grid.append((n, z / math.sqrt(n)))
    for n, d in grid:
        p, method = ks_reference(n, d)
        if n <= 140 and method != 'trivial':
            sp = scipy.stats.kstwo.sf(d, n)
            assert abs(sp / p - 1) < 1e-10 or abs(sp - p) < 1e-15, (n, d, sp, p, method)
        out.append({'n': n, 'd': d, 'pValue': p, 'method': method})
    log('ksDistribution: %d cases' % len(out))
    return out


def ks_samples_section():
    rng = np.random.default_rng(20240611)
    out = []
    specs = [('uniform', 5), ('uniform', 20), ('uniform', 100), ('power 1.3', 100), ('uniform', 500),
             ('power 1.1', 1000), ('uniform', 1000), ('power 1.05', 3000)]
    for kind, n in specs:
        u = rng.random(n)
        if kind.startswith('power'):
            u = u ** float(kind.split()[1])
        vals = [round(float(x), 6) for x in u]
        res = scipy.stats.kstest(vals, 'uniform', method='exact' if n <= 10000 else 'asymp')
        p, method = ks_reference(n, float(res.statistic))
        out.append({'kind': kind, 'n': n, 'values': vals, 'statistic': float(res.statistic),
                    'pValue': p, 'method': method, 'scipyPValue': float(res.pvalue)})
    log('ksSamples: %d cases' % len(out))
    return out


def main():
    doc = {
        'generator': 'scripts/binomial-vectors.py',
        'command': COMMAND,
        'tools': {'python': sys.version.split()[0], 'mpmath': mp.__version__, 'numpy': np.__version__,
                  'scipy': scipy.__version__},
        'precision': 'mpmath mp.dps = %d; Kolmogorov-Smirnov Noe recursion in numpy.longdouble (64-bit mantissa)' % DPS,
        'notes': 'log10PValue is log10 P(X >= k) for X ~ Bin(n, p) (log10LowerPValue: P(X <= k - 1)), '
                 'rounded to the nearest float64; pValue is the float64 of the probability (0 when it '
                 'underflows). log10PValueDigits keeps 25 significant digits.',
        'binomial': binomial_section(),
        'binomialTinyP': tiny_p_section(),
        'weightedTail': weighted_section(),
        'normal': normal_section(),
        'logGamma': log_gamma_section(),
        'clopperPearson': cp_section(),
        'ksDistribution': ks_distribution_section(),
        'ksSamples': ks_samples_section(),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
