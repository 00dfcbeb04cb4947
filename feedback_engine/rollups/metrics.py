"""Survey metrics with confidence intervals: NPS, CSAT, CES.

Pure functions over score sequences; the SQL rollups feed them counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

Z95 = 1.959964  # two-sided 95% normal quantile


@dataclass(frozen=True)
class Proportion:
    n: int
    hits: int
    share: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class NPS:
    n: int
    promoters: int
    detractors: int
    score: float | None  # -100..100
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Mean:
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


def wilson(hits: int, n: int, z: float = Z95) -> Proportion:
    """Share with a Wilson score interval (Wilson, 1927), sound for small n and extreme shares.

    >>> p = wilson(8, 10)
    >>> round(p.share, 2), round(p.ci_low, 3), round(p.ci_high, 3)
    (0.8, 0.49, 0.943)
    """
    if n == 0:
        return Proportion(0, 0, None, None, None)
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # The interval always holds p; clamping to it drops float error (10/10 gave 0.99999...).
    return Proportion(n, hits, p, max(0.0, min(p, centre - half)),
                      min(1.0, max(p, centre + half)))


def nps(scores: Iterable[int]) -> NPS:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), with a 95% interval.

    The interval uses the variance of a difference of two multinomial shares:
    ``var = (p + d − (p − d)²) / n``; passives (7–8) count in the denominator.

    >>> r = nps([10, 9, 8, 7, 3])
    >>> r.score, r.promoters, r.detractors
    (20.0, 2, 1)
    """
    values = [s for s in scores if s is not None]
    return nps_from_counts(len(values), sum(s >= 9 for s in values), sum(s <= 6 for s in values))


def nps_from_counts(n: int, promoters: int, detractors: int) -> NPS:
    if n == 0:
        return NPS(0, 0, 0, None, None, None)
    p, d = promoters / n, detractors / n
    score = 100 * (p - d)
    half = 100 * Z95 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return NPS(n, promoters, detractors, score, max(-100.0, score - half),
               min(100.0, score + half))


def csat(scores: Iterable[int]) -> Proportion:
    """CSAT as the share of 4–5 answers on a 1–5 scale, with a Wilson interval.

    >>> csat([5, 4, 3, 1]).share
    0.5
    """
    values = [s for s in scores if s is not None]
    return wilson(sum(1 for s in values if s >= 4), len(values))


def mean_ci(values: Iterable[float]) -> Mean:
    """Mean with a normal-approximation 95% interval (used for CES and sentiment).

    >>> mean_ci([1, 2, 3]).mean
    2.0
    """
    xs = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    n = len(xs)
    if n == 0:
        return Mean(0, None, None, None)
    m = sum(xs) / n
    if n == 1:
        return Mean(1, m, None, None)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    half = Z95 * sd / math.sqrt(n)
    return Mean(n, m, m - half, m + half)
