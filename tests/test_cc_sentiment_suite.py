"""The contact-center sentiment suite (tests/data/cc_sentiment_cases.tsv) against the engine.

The suite was written independently of the engine to expose plain VADER's failures on
support text; the engine must get at least 75% right overall and do at least as well as
plain VADER in every category.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from feedback_engine.sentiment.rules import RuleScorer
from feedback_engine.stages.sentiment import label

CASES = Path(__file__).parent / "data" / "cc_sentiment_cases.tsv"


@pytest.fixture(scope="module")
def results() -> dict[str, list[tuple[bool, bool]]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    scorer, vader = RuleScorer(), SentimentIntensityAnalyzer()
    out: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    with open(CASES, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            engine = label(scorer.document(row["text"])[0] or 0.0, 0.05)
            plain = label(vader.polarity_scores(row["text"])["compound"], 0.05)
            out[row["category"]].append((engine == row["expected"],
                                         plain == row["expected"]))
    return out


def test_engine_gets_three_quarters_of_the_suite_right(results) -> None:
    outcomes = [o for cases in results.values() for o in cases]
    engine = sum(e for e, _ in outcomes) / len(outcomes)
    plain = sum(p for _, p in outcomes) / len(outcomes)
    assert engine >= 0.75, f"engine {engine:.3f}"
    assert engine - plain >= 0.25, f"engine {engine:.3f} vs plain VADER {plain:.3f}"


def test_engine_is_never_worse_than_plain_vader_in_a_category(results) -> None:
    worse = {}
    for category, cases in results.items():
        engine = sum(e for e, _ in cases) / len(cases)
        plain = sum(p for _, p in cases) / len(cases)
        if engine < plain:
            worse[category] = (round(engine, 2), round(plain, 2))
    assert not worse, f"categories where the engine trails plain VADER: {worse}"
