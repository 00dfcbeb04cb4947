"""The hand-written contact-center sentiment suite (tests/data/cc_sentiment_cases.tsv) is sound.

These checks look at the data only; they do not import the engine's sentiment stage, so the
suite stays independent of it. One test scores the suite with plain VADER to confirm the cases
still expose its known blind spots on support text (see tests/data/README.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data" / "cc_sentiment_cases.tsv"
HEADER = ["category", "expected", "text"]
LABELS = {"positive", "negative", "neutral"}

# Minimum number of cases per category; the brief asks for at least 15 each, more for the big ones.
MINIMUMS = {
    "negated_negative": 20,
    "negated_positive": 20,
    "multiword": 25,
    "domain_negative": 30,
    "domain_positive": 25,
    "contrast": 25,
    "neutral": 30,
    "long_mixed": 15,
    "intensity": 20,
    "sarcasm_light": 15,
    "agent_speech": 20,
}
MIN_TOTAL = 240
VADER_CEILING = 0.80


def _lines() -> list[str]:
    return DATA.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    lines = _lines()
    assert lines[-1] == "", "file must end with a single newline"
    return [line.split("\t") for line in lines[1:-1]]


def _vader_label(compound: float) -> str:
    if compound >= 0.05:
        return "positive"
    if compound <= -0.05:
        return "negative"
    return "neutral"


def test_header() -> None:
    assert _lines()[0].split("\t") == HEADER


def test_every_row_has_three_clean_fields(rows: list[list[str]]) -> None:
    for number, row in enumerate(rows, start=2):
        assert len(row) == 3, f"line {number}: {row!r}"
        category, expected, text = row
        assert category and expected, f"line {number}"
        assert text == text.strip() and text, f"line {number}: empty or padded text"
        assert "\r" not in text, f"line {number}: carriage return in text"


def test_expected_labels_and_categories(rows: list[list[str]]) -> None:
    for category, expected, text in rows:
        assert expected in LABELS, text
        assert category in MINIMUMS, text


def test_category_minimums_and_total(rows: list[list[str]]) -> None:
    counts = Counter(category for category, _, _ in rows)
    for category, minimum in MINIMUMS.items():
        assert counts[category] >= minimum, f"{category}: {counts[category]} < {minimum}"
    assert len(rows) >= MIN_TOTAL


def test_no_duplicate_texts(rows: list[list[str]]) -> None:
    normalised = Counter(" ".join(text.lower().split()) for _, _, text in rows)
    duplicates = [text for text, n in normalised.items() if n > 1]
    assert not duplicates, duplicates


def test_label_balance(rows: list[list[str]]) -> None:
    # Roughly 40% negative, 35% positive, 25% neutral; allow a few points either way.
    shares = {label: n / len(rows) for label, n in Counter(e for _, e, _ in rows).items()}
    assert 0.34 <= shares["negative"] <= 0.46, shares
    assert 0.29 <= shares["positive"] <= 0.41, shares
    assert 0.19 <= shares["neutral"] <= 0.31, shares


def test_category_label_shape(rows: list[list[str]]) -> None:
    by_category: dict[str, Counter[str]] = {}
    for category, expected, _ in rows:
        by_category.setdefault(category, Counter())[expected] += 1
    assert set(by_category["sarcasm_light"]) == {"negative"}
    assert set(by_category["domain_negative"]) == {"negative"}
    assert set(by_category["domain_positive"]) == {"positive"}
    assert set(by_category["neutral"]) == {"neutral"}
    # Contrast and long verbatims must be written in both directions.
    for category in ("contrast", "long_mixed"):
        assert by_category[category]["positive"] >= 7, category
        assert by_category[category]["negative"] >= 7, category


def test_long_mixed_lengths(rows: list[list[str]]) -> None:
    for category, _, text in rows:
        if category == "long_mixed":
            assert 60 <= len(text.split()) <= 120, text[:60]


def test_plain_vader_fails_the_suite(rows: list[list[str]]) -> None:
    """Plain VADER (compound, +/-0.05) must stay below 80% overall: the suite targets its gaps."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for category, expected, text in rows:
        totals[category] += 1
        predicted = _vader_label(analyzer.polarity_scores(text)["compound"])
        hits[category] += predicted == expected
    per_category = {c: round(hits[c] / totals[c], 2) for c in sorted(totals)}
    overall = sum(hits.values()) / sum(totals.values())
    assert overall < VADER_CEILING, f"plain VADER {overall:.0%} overall; {per_category}"
