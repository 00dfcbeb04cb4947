"""Distinctive terms of a period (or segment) against a baseline: log-odds with a prior.

The weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn,
2008, "Fightin' Words", Political Analysis 16(4), eq. 16-22). With focus counts ``y_a``
(total ``n_a``), baseline counts ``y_b`` (``n_b``) and prior ``alpha_w = a0 * p_w`` where
``p_w`` is the term's share in both corpora together and ``a0`` their combined size (the
pooled corpus is the prior, at its natural scale, as in Monroe et al.'s section 3.5)::

    delta_w = log((y_a + alpha_w) / (n_a + a0 - y_a - alpha_w))
            - log((y_b + alpha_w) / (n_b + a0 - y_b - alpha_w))
    var_w   ~ 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
    z_w     = delta_w / sqrt(var_w)

The prior shrinks rare terms toward zero, so a word seen twice this week does not outrank a
real shift. Counts are documents containing the term (not occurrences), so one long
transcript cannot dominate.

Example:
    >>> focus = ["esim activation failed", "esim will not activate", "refund late"]
    >>> base = ["refund late", "refund missing", "card declined", "card lost"]
    >>> distinctive_terms(focus, base, min_count=2, z_min=0)[0]["term"]
    'esim'
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .text import terms


def count_terms(texts: Iterable[str | None], bigrams: bool = True) -> tuple[Counter[str], int]:
    """Return (documents per term, number of documents)."""
    counts: Counter[str] = Counter()
    n = 0
    for text in texts:
        counts.update(terms(text, bigrams=bigrams))
        n += 1
    return counts, n


def log_odds(focus: Counter[str], baseline: Counter[str],
             prior_size: float | None = None) -> dict[str, tuple[float, float]]:
    """Return ``term -> (delta, z)`` for every term in either count table.

    ``prior_size`` is ``a0`` in pseudo-counts; default the pooled count total.
    """
    n_a, n_b = sum(focus.values()), sum(baseline.values())
    total = n_a + n_b
    if total == 0:
        return {}
    prior_size = float(total) if prior_size is None else prior_size
    out = {}
    for term in focus.keys() | baseline.keys():
        y_a, y_b = focus.get(term, 0), baseline.get(term, 0)
        alpha = prior_size * (y_a + y_b) / total
        delta = (math.log((y_a + alpha) / (n_a + prior_size - y_a - alpha))
                 - math.log((y_b + alpha) / (n_b + prior_size - y_b - alpha)))
        variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)
        out[term] = (delta, delta / math.sqrt(variance))
    return out


def distinctive_terms(focus_texts: Iterable[str | None], baseline_texts: Iterable[str | None],
                      top_k: int = 15, min_count: int = 3, z_min: float = 1.96,
                      bigrams: bool = True) -> list[dict[str, Any]]:
    """Return the terms most over-represented in ``focus_texts`` against the baseline.

    Args:
        focus_texts: the period or segment of interest.
        baseline_texts: what it is compared with (e.g. the previous eight weeks).
        top_k: how many to return.
        min_count: a term must appear in at least this many focus documents.
        z_min: keep terms whose z-score reaches this (1.96: two-sided 5%).
        bigrams: count in-phrase bigrams too ("esim activation").

    Returns:
        ``[{"term", "z", "log_odds", "focus_docs", "focus_share", "baseline_docs",
        "baseline_share"}]``, highest z first; a bigram hides its words when it explains them.
    """
    focus, n_focus = count_terms(focus_texts, bigrams)
    baseline, n_base = count_terms(baseline_texts, bigrams)
    scores = log_odds(focus, baseline)
    rows = [(term, delta, z) for term, (delta, z) in scores.items()
            if focus.get(term, 0) >= min_count and z >= z_min]
    rows.sort(key=lambda r: (-r[2], r[0]))
    out: list[dict[str, Any]] = []
    for term, delta, z in rows:
        if len(out) == top_k:
            break
        out.append({"term": term, "z": round(z, 3), "log_odds": round(delta, 4),
                    "focus_docs": focus[term],
                    "focus_share": round(focus[term] / n_focus, 4) if n_focus else 0.0,
                    "baseline_docs": baseline.get(term, 0),
                    "baseline_share": round(baseline.get(term, 0) / n_base, 4) if n_base
                    else 0.0})
    return out
