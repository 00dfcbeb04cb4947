"""``feedback taxonomy from-examples``: a taxonomy written from labelled texts, K per class.

Each label becomes a cause with no patterns: ``K`` of its texts (a seeded pick, PII
redacted), a description drafted from the words that set the label's texts apart from the
others' (weighted log-odds, :mod:`feedback_engine.topics.distinctive`), and a polarity from
their mean VADER compound score (questions and requests come out neutral). The semantic
layer (:mod:`.semantic`) then classifies with it directly: in the analyze stage, in
``feedback rootcause predict rules --taxonomy`` and in ``rootcause evaluate``; no training.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import yaml

from ..errors import error
from .taxonomy import parse_taxonomy

DESCRIPTION_TERMS = 6
POLARITY_CUT = 0.3
# Longer examples are cut (at a word): the encoder reads about 256 tokens, and the file stays
# readable.
MAX_EXAMPLE_CHARS = 500  # |mean VADER compound| from which a cause is negative or positive


def slug(label: str) -> str:
    """A label as an id part: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_EXAMPLE_CHARS else (
        text[:MAX_EXAMPLE_CHARS].rsplit(" ", 1)[0] + " …")


def text_polarity(texts: Sequence[str]) -> str:
    """A group of texts' polarity: its mean VADER compound score beyond ±:data:`POLARITY_CUT`
    (questions and requests come out neutral)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    mean = float(np.mean([vader.polarity_scores(t)["compound"] for t in texts]))
    return "negative" if mean <= -POLARITY_CUT else "positive" if mean >= POLARITY_CUT else (
        "neutral")


def _descriptions(texts: Sequence[str], groups: np.ndarray, labels: list[str]) -> list[str]:
    from ..topics.distinctive import count_matrix, group_terms, pick_terms

    counts, vocabulary = count_matrix(texts, groups, len(labels))
    out = []
    for label, weighted in zip(labels, group_terms(counts, vocabulary, top_k=30), strict=True):
        words = pick_terms([(t, z) for t, z in weighted if z > 0], DESCRIPTION_TERMS)
        human = label.replace("_", " ").strip().lower()
        out.append(f"Messages about {human}" + (f": {', '.join(words)}." if words else "."))
    return out


def taxonomy_from_examples(texts: Sequence[Any], labels: Sequence[Any], per_class: int = 10,
                           seed: int = 0, parent: str = "intent",
                           embeddings: str | None = None, source: str = "") -> str:
    """The taxonomy YAML (with a header comment) for labelled ``texts``.

    Args:
        per_class: examples kept per label (fewer where a label has fewer texts).
        seed: seed of the pick; the same data and seed give the same file.
        parent: the id's parent part: ``intent.card_arrival``.
        embeddings: the encoder the file asks the semantic layer for (None: its default).
        source: named in the header.

    Raises:
        ConfigError: no labelled text, a bad ``parent``, or ``per_class`` below 1.
    """
    from ..privacy import Redactor

    if per_class < 1:
        raise error("FE299", per_class=per_class)
    if not re.fullmatch(r"[a-z0-9_]+", parent):
        raise error("FE286", where=f"--parent {parent!r}")
    pairs = [(t, str(y).strip()) for t, y in zip(texts, labels, strict=True)
             if isinstance(t, str) and t.strip() and y is not None and y == y  # NaN: no label
             and str(y).strip()]
    if not pairs:
        raise error("FE293", origin=source or "the labelled data")
    names = sorted({y for _, y in pairs})
    index = {name: i for i, name in enumerate(names)}
    groups = np.array([index[y] for _, y in pairs])
    all_texts = [t for t, _ in pairs]
    rng = np.random.default_rng(seed)
    redactor = Redactor()
    descriptions = _descriptions(all_texts, groups, names)
    causes, seen = [], set()
    for i, name in enumerate(names):
        members = np.flatnonzero(groups == i)
        picked = [all_texts[j] for j in rng.permutation(members)[:per_class]]
        examples = [_short(redactor.redact(t).text) for t in picked]
        child = slug(name) or f"cause_{i + 1}"
        cause_id = f"{parent}.{child}"
        while cause_id in seen:
            cause_id += "_"
        seen.add(cause_id)
        causes.append({"id": cause_id, "label": name.replace("_", " ").strip().capitalize(),
                       "polarity": text_polarity([all_texts[j] for j in members]),
                       "description": descriptions[i], "examples": examples})
    data: dict[str, Any] = {"version": 1}
    if embeddings:
        data["embeddings"] = embeddings
    data["causes"] = causes
    parse_taxonomy(data, "the drafted taxonomy")  # what is written always loads
    header = (f"# Taxonomy drafted from labelled examples{f' ({source})' if source else ''}: "
              f"{len(causes)} causes, up to {per_class} examples each (seed {seed}).\n"
              "# No patterns: the semantic layer matches texts to each cause's examples, "
              "description and label by meaning.\n# Review the labels, descriptions and "
              "polarities; add patterns where a phrase alone is sure evidence.\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
