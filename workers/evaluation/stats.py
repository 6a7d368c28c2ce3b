"""Paired tests for the probe: Student's t on paired differences (p-value and 95% interval) and Holm's correction.

Written out (the regularised incomplete beta function by its continued fraction) rather than
taken from scipy, which nothing else here needs; tests hold the values to published tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PairedTest:
    n: int
    mean: float
    ci_low: float | None  # the 95% interval of the mean difference; None below 2 pairs
    ci_high: float | None
    p_value: float  # two-sided; 1.0 when nothing can be said


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):  # fmt: skip
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-14:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| ≥ |t|) for Student's t with df degrees of freedom."""
    return betainc(df / 2.0, 0.5, df / (df + t * t))


def t_quantile(p: float, df: int) -> float:
    """The t with P(T ≤ t) = p (p > 0.5), by bisection on the two-sided tail."""
    tail = 2.0 * (1.0 - p)
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_two_sided_p(mid, df) > tail:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def paired_t(differences: Sequence[float]) -> PairedTest:
    """Student's paired t-test of mean difference 0, with the 95% interval of the mean.

    No spread at all is decided without a t: every difference 0 says nothing (p = 1); the same
    non-zero difference for everyone is a certain, systematic one (p = 0).
    """
    n = len(differences)
    if n == 0:
        return PairedTest(0, 0.0, None, None, 1.0)
    mean = sum(differences) / n
    if n < 2:
        return PairedTest(n, mean, None, None, 1.0)
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    if sd < 1e-12:
        return PairedTest(n, mean, mean, mean, 1.0 if abs(mean) < 1e-12 else 0.0)
    se = sd / math.sqrt(n)
    half = t_quantile(0.975, n - 1) * se
    return PairedTest(n, mean, mean - half, mean + half, t_two_sided_p(mean / se, n - 1))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input's order (family-wise error control)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
