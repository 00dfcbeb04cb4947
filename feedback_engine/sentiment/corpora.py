"""The public labelled sets the shipped sentiment model is trained on, read from a folder.

Four domains, each with its licence as its source states it (recorded in the model's
manifest):

``tweets`` / ``movies``
    VADER's ground truth (Hutto & Gilbert, ICWSM 2014): ``vader/tweets_GroundTruth.txt`` and
    ``vader/movieReviewSnippets_GroundTruth.txt``, mean human rating −4…4, scaled to −1…1.
``clothing``
    Women's e-commerce clothing reviews, ``womens_ecommerce_reviews/reviews_public.csv``:
    the review text, stars 1–5 scaled to −1…1; rows without text are skipped.
``semeval``
    SemEval-2014 Task 4 training sentences (restaurants and laptops, v2 XML). A sentence's
    polarity is derived from its aspect terms' (and, for restaurants, aspect categories')
    polarities where they all agree: positive → 0.5, neutral → 0, negative → −0.5.
    Sentences with no aspect, a ``conflict`` aspect, or aspects that disagree are left out.

Example:
    >>> from pathlib import Path
    >>> sets = load_training_sets(Path("../shared/datasets"))  # doctest: +SKIP
    >>> sorted(sets)  # doctest: +SKIP
    ['clothing', 'movies', 'semeval', 'tweets']
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from ..errors import error

SEMEVAL_FILES = ("semeval2014_absa/Restaurants_Train_v2.xml",
                 "semeval2014_absa/Laptop_Train_v2.xml")
SEMEVAL_TARGET = {"positive": 0.5, "neutral": 0.0, "negative": -0.5}


@dataclass(frozen=True)
class Domain:
    name: str
    files: tuple[str, ...]
    licence: str


DOMAINS = (
    Domain("tweets", ("vader/tweets_GroundTruth.txt",), "MIT (C.J. Hutto, 2016)"),
    Domain("movies", ("vader/movieReviewSnippets_GroundTruth.txt",), "MIT (C.J. Hutto, 2016)"),
    Domain("clothing", ("womens_ecommerce_reviews/reviews_public.csv",),
           "CC0 1.0 per the Kaggle page (nicapotato, 2018), as the source file states it"),
    Domain("semeval", SEMEVAL_FILES,
           "research use (SemEval-2014 Task 4); no licence file found"),
)


@dataclass
class TrainingSet:
    """One domain's texts and gold scores (−1…1), with where they came from."""

    domain: str
    texts: list[str]
    gold: np.ndarray
    files: tuple[str, ...]
    licence: str


def _vader(path: Path) -> tuple[list[str], list[float]]:
    from ..evaluation.sentiment import load_vader

    data = load_vader(path)
    return data.texts, list(data.gold)


def _clothing(path: Path) -> tuple[list[str], list[float]]:
    texts, gold = [], []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("Review Text") or "").strip()
            try:
                stars = float(row.get("Rating") or "")
            except ValueError:
                continue
            if text and 1 <= stars <= 5:
                texts.append(text)
                gold.append((stars - 3.0) / 2.0)
    return texts, gold


def semeval_polarity(sentence: ElementTree.Element) -> float | None:
    """The sentence's polarity when all its aspect polarities agree, else None."""
    polarities = {node.get("polarity") for node in sentence.iter()
                  if node.tag in ("aspectTerm", "aspectCategory")}
    if len(polarities) != 1:
        return None
    return SEMEVAL_TARGET.get(polarities.pop() or "")


def _semeval(path: Path) -> tuple[list[str], list[float]]:
    texts, gold = [], []
    # The SemEval files are the task's own XML; ElementTree does not resolve external
    # entities, so a hostile file cannot read other files.
    for sentence in ElementTree.parse(path).getroot().iter("sentence"):
        text = (sentence.findtext("text") or "").strip()
        polarity = semeval_polarity(sentence)
        if text and polarity is not None:
            texts.append(text)
            gold.append(polarity)
    return texts, gold


READERS = {"tweets": _vader, "movies": _vader, "clothing": _clothing, "semeval": _semeval}


def load_training_sets(root: str | Path, names: tuple[str, ...] | None = None
                       ) -> dict[str, TrainingSet]:
    """Read each domain's files under ``root`` (the ``datasets`` folder).

    Raises:
        SourceError (FE133): a domain's file is missing, naming it and the folder.
    """
    root = Path(root)
    out = {}
    for domain in DOMAINS:
        if names is not None and domain.name not in names:
            continue
        texts: list[str] = []
        gold: list[float] = []
        for relative in domain.files:
            path = root / relative
            if not path.is_file():
                raise error("FE133", path=path, root=root)
            more_texts, more_gold = READERS[domain.name](path)
            texts += more_texts
            gold += more_gold
        out[domain.name] = TrainingSet(domain.name, texts, np.array(gold), domain.files,
                                       domain.licence)
    return out
