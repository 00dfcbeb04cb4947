"""Class-based TF-IDF topic terms (Grootendorst, 2022, BERTopic, eq. 1), from per-topic counts.

``W[t, c] = tf[t, c] * log(1 + A / f[t])`` with ``tf`` the count of term ``t`` in topic ``c``
(here: documents of ``c`` containing ``t``), ``f[t]`` its count over all topics and ``A`` the
average number of terms per topic. Keeping the raw counts (not the weights) in the model lets
a merge add two rows and recompute the labels without the training texts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from .text import terms


def count_matrix(texts: Sequence[str | None], labels: np.ndarray, n_topics: int,
                 min_df: int = 2) -> tuple[sparse.csr_matrix, list[str]]:
    """Return (topics x terms document counts, sorted vocabulary); outliers (-1) skipped."""
    per_doc = [terms(t) for t in texts]
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
    counts = sparse.csr_matrix((data, (rows, cols)), shape=(n_topics, len(vocabulary)))
    counts.sum_duplicates()
    return counts, vocabulary


def top_terms(counts: sparse.csr_matrix, vocabulary: Sequence[str],
              top_k: int = 10) -> list[list[tuple[str, float]]]:
    """Return for each topic its ``top_k`` (term, c-TF-IDF weight), best first, ties by term."""
    counts = sparse.csr_matrix(counts, dtype=np.float64)
    totals = np.asarray(counts.sum(axis=0)).ravel()
    average = counts.sum() / max(counts.shape[0], 1)
    idf = np.log1p(average / np.maximum(totals, 1.0))
    weights = counts.multiply(idf[None, :]).tocsr()
    out = []
    for row in range(weights.shape[0]):
        start, end = weights.indptr[row], weights.indptr[row + 1]
        cols, vals = weights.indices[start:end], weights.data[start:end]
        order = sorted(range(len(cols)), key=lambda i: (-vals[i], vocabulary[cols[i]]))
        out.append([(vocabulary[cols[i]], round(float(vals[i]), 4)) for i in order[:top_k]])
    return out


def label_from_terms(weighted: Sequence[tuple[str, float]], n_words: int = 3) -> str:
    """Return a readable name: the best terms, a bigram hiding the words it contains."""
    chosen: list[str] = []
    for term, _ in weighted:
        words = set(term.split())
        if any(words <= set(c.split()) for c in chosen):
            continue
        chosen = [c for c in chosen if not set(c.split()) <= words]
        chosen.append(term)
        if len(chosen) == n_words:
            break
    return " / ".join(chosen) if chosen else "(no terms)"
