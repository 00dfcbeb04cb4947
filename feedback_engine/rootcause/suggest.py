"""Cluster the records that came out ``unknown``: the fallback grouping of the taxonomy draft.

``feedback taxonomy draft`` (:mod:`.draft`) takes its groups from the fitted topic model;
with none, and for the unknown records no topic explains, it clusters them here. Texts are
TF-IDF vectors (word 1–2-grams, English stop words out), clustered with k-means (k grows
with the number of texts, capped). :func:`suggest_causes`, the first version of the draft,
still names each cluster of at least ``min_size`` texts from its most distinctive terms
against the other unknown texts (log-odds with a prior, as everywhere else:
:mod:`feedback_engine.topics.distinctive`), a phrase hiding the words it contains; examples
are the texts nearest the cluster centre.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import error
from ..topics.distinctive import distinctive_terms, pick_terms
from .fewshot import text_polarity

MAX_CLUSTERS = 12
EXAMPLE_CHARS = 200


@dataclass
class Proposal:
    """One proposed cause."""

    id: str
    label: str
    size: int
    patterns: list[str]
    examples: list[str]
    polarity: str = "negative"  # from the cluster's texts: questions are neutral

    def to_yaml_entry(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "polarity": self.polarity,
                "description": f"Proposed from {self.size} unknown records; review and "
                               "rename before use.",
                "patterns": self.patterns, "examples": self.examples}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "cause"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def cluster_texts(docs: Sequence[str], min_size: int = 5, max_clusters: int = MAX_CLUSTERS,
                  seed: int = 0) -> tuple[np.ndarray, Any, np.ndarray] | None:
    """K-means over TF-IDF word 1–2-grams: ``(labels, tf-idf rows, centres)``, or None when
    there are fewer than ``min_size`` texts or nothing but stop words.

    k is about √(n/2), at most ``max_clusters`` and at most n / ``min_size``.
    """
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(docs) < min_size:
        return None
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True,
                                 min_df=min(2, len(docs)), token_pattern=r"(?u)\b[a-zA-Z]\w+\b")
    try:
        x = vectorizer.fit_transform(docs)
    except ValueError:  # nothing but stop words
        return None
    k = int(min(max_clusters, max(1, round(np.sqrt(len(docs) / 2))), len(docs) // min_size))
    k = max(k, 1)
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
    return model.labels_, x, model.cluster_centers_


def suggest_causes(texts: Sequence[str], min_size: int = 5, max_clusters: int = MAX_CLUSTERS,
                   n_terms: int = 4, n_examples: int = 3, seed: int = 0) -> list[Proposal]:
    """Cluster ``texts`` and return proposals, largest first.

    Args:
        texts: the unknown records' (redacted) texts.
        min_size: the least cluster size worth proposing.
        max_clusters: upper bound on k.
        n_terms: distinctive terms (patterns) per proposal.
        n_examples: example texts per proposal.
        seed: seeds k-means.
    """
    docs = [t for t in texts if isinstance(t, str) and t.strip()]
    found = cluster_texts(docs, min_size, max_clusters, seed)
    if found is None:
        return []
    labels, x, centres = found
    proposals = []
    used: set[str] = set()
    for cluster in range(len(centres)):
        members = np.flatnonzero(labels == cluster)
        if len(members) < min_size:
            continue
        # Five candidates per pattern: enough left after a phrase hides its words.
        rest = np.flatnonzero(labels != cluster)
        ranked = distinctive_terms([docs[i] for i in members], [docs[i] for i in rest],
                                   top_k=5 * n_terms, min_count=2, z_min=0.0)
        picked = pick_terms(((f["term"], f["z"]) for f in ranked), n_terms)
        if not picked:
            continue
        centre = centres[cluster]
        nearest = members[np.argsort(-(x[members] @ centre))[:n_examples]]
        name = _slug(picked[0])
        base, n = f"new.{name}", 2
        while base in used:
            base, n = f"new.{name}_{n}", n + 1
        used.add(base)
        proposals.append(Proposal(base, f"New › {picked[0]}", int(len(members)), picked,
                                  [_short(docs[i]) for i in nearest],
                                  text_polarity([docs[i] for i in members])))
    return sorted(proposals, key=lambda p: -p.size)


def proposals_yaml(proposals: Sequence[Proposal], period: str = "") -> str:
    """The proposals as taxonomy YAML (a ``causes:`` list), with a header comment."""
    header = ("# Proposed root causes from unknown records"
              + (f" ({period})" if period else "")
              + ".\n# Review the ids, labels and patterns, then paste the entries under "
              "`causes:` in your root_causes.yaml.\n")
    if not proposals:
        return header + "causes: []\n"
    body = yaml.safe_dump({"causes": [p.to_yaml_entry() for p in proposals]},
                          sort_keys=False, allow_unicode=True, width=100)
    return header + body


def unknown_texts(db: str | Path, start: dt.date | None = None,
                  end: dt.date | None = None) -> list[str]:
    """Read the redacted texts of ``unknown`` records in a period from the warehouse.

    Transcripts contribute their customer turns (as the stage classified them).

    Raises:
        WarehouseError: no warehouse, or it has no ``root_cause`` column yet.
    """
    from ..warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        columns = set(wh.columns("records"))
        if "root_cause" not in columns:
            raise error("FE379", db=db)
        text = "r.text_redacted" if "text_redacted" in columns else "r.text"
        where, params = ["r.root_cause = 'unknown'"], []
        if start is not None:
            where.append("r.timestamp >= ?")
            params.append(dt.datetime.combine(start, dt.time()))
        if end is not None:
            where.append("r.timestamp < ?")
            params.append(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        sql = (
            "SELECT COALESCE(t.said, " + text + ") AS text FROM records r LEFT JOIN ("
            "SELECT source, record_id, string_agg(text, ' ' ORDER BY turn_index) AS said "
            "FROM turns WHERE speaker = 'customer' GROUP BY source, record_id) t "
            "ON r.source = t.source AND r.record_id = t.record_id WHERE "
            + " AND ".join(where) + " ORDER BY r.timestamp, r.record_id")
        frame = wh.query(sql, params)
    return [t for t in frame["text"].tolist() if isinstance(t, str)]
