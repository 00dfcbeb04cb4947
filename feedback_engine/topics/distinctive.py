"""Distinctive terms: what a group of texts says more than the rest (log-odds with a prior).

The one scorer for every "which words set this group apart" question: a period or segment
against a baseline, a topic against the other topics (its label, from the per-topic counts
the model keeps, so a merge needs no texts), new-topic candidates against the texts that fit
a topic, and proposed root causes against the other unknown records.

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
transcript cannot dominate. Terms rank by z, then by focus documents (which decides when
there is no baseline and every z is 0), then alphabetically.

Example:
    >>> focus = ["esim activation failed", "esim will not activate", "refund late"]
    >>> base = ["refund late", "refund missing", "card declined", "card lost"]
    >>> distinctive_terms(focus, base, min_count=2, z_min=0)[0]["term"]
    'esim'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from .text import display, terms


def count_terms(texts: Iterable[str | None], bigrams: bool = True,
                languages: Iterable[str | None] | None = None) -> tuple[Counter[str], int]:
    """Return (documents per term, number of documents); ``languages`` (one per text, None
    for English) picks each text's words."""
    counts: Counter[str] = Counter()
    n = 0
    own = iter(languages) if languages is not None else None
    for text in texts:
        counts.update(terms(text, bigrams=bigrams, language=next(own) if own else None))
        n += 1
    return counts, n


def count_matrix(texts: Sequence[str | None], labels: np.ndarray, n_groups: int,
                 min_df: int = 2, languages: Sequence[str | None] | None = None,
                 ) -> tuple[sparse.csr_matrix, list[str]]:
    """Return (groups x terms document counts, sorted vocabulary); label -1 is skipped.

    The vocabulary is the terms in at least ``min_df`` of all texts; ``languages`` (one per
    text, None for English) picks each text's words.
    """
    own = languages if languages is not None else [None] * len(texts)
    per_doc = [terms(t, language=lang) for t, lang in zip(texts, own, strict=True)]
    df: Counter[str] = Counter()
    for found in per_doc:
        df.update(found)
    vocabulary = sorted(t for t, c in df.items() if c >= min_df)
    index = {t: i for i, t in enumerate(vocabulary)}
    rows, cols = [], []
    for label, found in zip(labels, per_doc, strict=True):
        if label < 0:
            continue
        for term in found:
            j = index.get(term)
            if j is not None:
                rows.append(int(label))
                cols.append(j)
    data = np.ones(len(rows), dtype=np.float32)
    counts = sparse.csr_matrix((data, (rows, cols)), shape=(n_groups, len(vocabulary)))
    counts.sum_duplicates()
    return counts, vocabulary


def _log_odds(y_a: np.ndarray, y_b: np.ndarray,
              prior_size: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(delta, z)`` per term from aligned focus and baseline counts (module docstring)."""
    y_a, y_b = np.asarray(y_a, dtype=np.float64), np.asarray(y_b, dtype=np.float64)
    n_a, n_b = y_a.sum(), y_b.sum()
    total = n_a + n_b
    a0 = float(total) if prior_size is None else prior_size
    alpha = a0 * (y_a + y_b) / max(total, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y_a + alpha) / (n_a + a0 - y_a - alpha))
                 - np.log((y_b + alpha) / (n_b + a0 - y_b - alpha)))
        z = delta / np.sqrt(1.0 / (y_a + alpha) + 1.0 / (y_b + alpha))
    # Non-finite only for a term absent from both, or the only term there is: no evidence.
    return np.nan_to_num(delta, nan=0.0, posinf=0.0, neginf=0.0), np.nan_to_num(
        z, nan=0.0, posinf=0.0, neginf=0.0)


def _ranked(vocabulary: Sequence[str], focus: np.ndarray, z: np.ndarray,
            keep: np.ndarray) -> list[int]:
    """Indexes of the kept terms, highest z first, then more focus documents, then by term."""
    return sorted(np.flatnonzero(keep).tolist(),
                  key=lambda i: (-z[i], -focus[i], vocabulary[i]))


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
        "baseline_share"}]``, highest z first (see :func:`pick_terms` to let a bigram hide
        its words).
    """
    focus, n_focus = count_terms(focus_texts, bigrams)
    baseline, n_base = count_terms(baseline_texts, bigrams)
    return rank_counts(focus, n_focus, baseline, n_base, top_k, min_count, z_min)


def rank_counts(focus: Mapping[str, float], n_focus: float, baseline: Mapping[str, float],
                n_base: float, top_k: int = 15, min_count: float = 3,
                z_min: float = 1.96) -> list[dict[str, Any]]:
    """:func:`distinctive_terms` from document counts already made (weights allowed, so a
    sampled baseline can count each text for the many it stands for).

    Args:
        focus, baseline: term to the number (or weight) of documents holding it.
        n_focus, n_base: the number (or weight) of documents of each side.
    """
    vocabulary = sorted(focus.keys() | baseline.keys())
    y_a = np.array([focus.get(t, 0) for t in vocabulary], dtype=np.float64)
    y_b = np.array([baseline.get(t, 0) for t in vocabulary], dtype=np.float64)
    delta, z = _log_odds(y_a, y_b)
    out: list[dict[str, Any]] = []
    for i in _ranked(vocabulary, y_a, z, (y_a >= min_count) & (z >= z_min))[:top_k]:
        out.append({"term": vocabulary[i], "z": round(float(z[i]), 3),
                    "log_odds": round(float(delta[i]), 4), "focus_docs": round(y_a[i]),
                    "focus_share": round(float(y_a[i]) / n_focus, 4) if n_focus else 0.0,
                    "baseline_docs": round(y_b[i]),
                    "baseline_share": round(float(y_b[i]) / n_base, 4) if n_base else 0.0})
    return out


def group_terms(counts: sparse.csr_matrix, vocabulary: Sequence[str],
                top_k: int = 10) -> list[list[tuple[str, float]]]:
    """Return for each group (row of :func:`count_matrix`) its ``top_k`` (term, z), best
    first: the group's documents against those of all the other groups."""
    dense = sparse.csr_matrix(counts, dtype=np.float64).toarray()
    totals = dense.sum(axis=0)
    out = []
    for row in dense:
        _, z = _log_odds(row, totals - row)
        out.append([(vocabulary[i], round(float(z[i]), 4))
                    for i in _ranked(vocabulary, row, z, row > 0)[:top_k]])
    return out


def pick_terms(weighted: Iterable[tuple[str, float]], n: int) -> list[str]:
    """Return up to ``n`` of the best terms, a bigram hiding the words it contains."""
    chosen: list[str] = []
    for term, _ in weighted:
        words = set(term.split())
        if any(words <= set(c.split()) for c in chosen):
            continue
        chosen = [c for c in chosen if not set(c.split()) <= words]
        chosen.append(term)
        if len(chosen) == n:
            break
    return chosen


def label_from_terms(weighted: Iterable[tuple[str, float]], n_words: int = 3) -> str:
    """Return a readable name from the best terms: ``card payment / declined / checkout``."""
    return " / ".join(display(t) for t in pick_terms(weighted, n_words)) or "(no terms)"
