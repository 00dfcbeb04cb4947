"""Document and per-speaker sentiment with plain VADER (Hutto & Gilbert, ICWSM 2014).

This is the baseline stage; the contact-center layer (domain lexicon, negation fixes,
length-robust aggregation) builds on it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .base import stage


def label(score: float | None, neutral_band: float) -> str | None:
    """Return negative / neutral / positive with VADER's ±0.05 convention by default."""
    if score is None:
        return None
    if score >= neutral_band:
        return "positive"
    if score <= -neutral_band:
        return "negative"
    return "neutral"


@stage("sentiment", version=1, requires=("text_redacted",), optional=("turns",),
       assigns={"sentiment": "DOUBLE", "sentiment_label": "VARCHAR",
                "sentiment_customer": "DOUBLE", "sentiment_agent": "DOUBLE"})
class VaderSentiment:
    """Adds ``sentiment`` (VADER compound, −1…1), its label, and per-speaker scores."""

    def __init__(self, neutral_band: float = 0.05) -> None:
        self.neutral_band = neutral_band

    def setup(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer_ = SentimentIntensityAnalyzer()

    def score(self, text: str | None) -> float | None:
        if not text:
            return None
        return float(self.analyzer_.polarity_scores(text)["compound"])

    def _speaker(self, turns: Any, speaker: str) -> float | None:
        if not isinstance(turns, list):
            return None
        return self.score(" ".join(t["text"] for t in turns if t["speaker"] == speaker))

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        scores = [self.score(t) for t in chunk["text_redacted"].tolist()]
        out["sentiment"] = pd.array(scores, dtype="Float64")
        out["sentiment_label"] = [label(s, self.neutral_band) for s in scores]
        turns = chunk["turns"].tolist() if "turns" in chunk else [None] * len(chunk)
        out["sentiment_customer"] = pd.array(
            [self._speaker(t, "customer") for t in turns], dtype="Float64")
        out["sentiment_agent"] = pd.array(
            [self._speaker(t, "agent") for t in turns], dtype="Float64")
        return out
