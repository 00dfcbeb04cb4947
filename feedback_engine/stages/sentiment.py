"""Sentiment for support text: document, sentences, per speaker, start and end of the call.

The scores come from :class:`~feedback_engine.sentiment.rules.RuleScorer` (VADER plus the
contact-center layer); with ``model`` set, the document score comes from a trained
calibration model instead (``feedback sentiment train``), and the rules remain the fallback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..sentiment.rules import DEFAULT_LEXICONS, RuleScorer
from .base import column, stage


def label(score: float | None, neutral_band: float) -> str | None:
    """Return negative / neutral / positive with VADER's ±0.05 convention by default."""
    if score is None:
        return None
    if score >= neutral_band:
        return "positive"
    if score <= -neutral_band:
        return "negative"
    return "neutral"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# Speakers whose turns get a per-turn score (kept in each turn dict as "sentiment").
SCORED_SPEAKERS = ("agent", "customer")


def _speaker_scores(turns: Any, speaker: str) -> list[float]:
    if not isinstance(turns, list):
        return []
    return [t["sentiment"] for t in turns
            if t.get("speaker") == speaker and t.get("sentiment") is not None]


@stage("sentiment", version=3, requires=("text_redacted",), optional=("turns",),
       rewrites=("turns",),
       assigns={"sentiment": "DOUBLE", "sentiment_label": "VARCHAR",
                "sentiment_customer": "DOUBLE", "sentiment_agent": "DOUBLE",
                "sentiment_start": "DOUBLE", "sentiment_end": "DOUBLE", "sentences": "JSON"})
class Sentiment:
    """Adds document, sentence, per-speaker and start/end sentiment (−1…1).

    ``sentiment_start`` / ``sentiment_end`` are the mean customer-turn scores over the first
    and last third of the customer's turns (conversations with at least two). Each agent and
    customer turn also gets its own score, as ``turn["sentiment"]`` (version 3), which the
    conversation and QA stages read.
    """

    option_help = {
        "lexicons": "VADER-format TSV layers over VADER, bundled names or paths (default: "
                    "sentiment/contact_center.tsv)",
        "neutral_band": "|score| below this is neutral (VADER's convention)",
        "model": "a folder from `feedback sentiment train`: its score replaces the rules' for "
                 "documents; rules stay the fallback",
    }
    option_examples = {"lexicons": ["sentiment/contact_center.tsv", "my_terms.tsv"],
                       "model": "models/sentiment"}

    def __init__(self, lexicons: list[str] | None = None, neutral_band: float = 0.05,
                 model: str | None = None) -> None:
        self.lexicons = list(lexicons or DEFAULT_LEXICONS)
        self.neutral_band, self.model = neutral_band, model

    def setup(self) -> None:
        self.scorer_ = RuleScorer(tuple(self.lexicons))
        self.model_ = None
        if self.model:
            from ..sentiment.model import SentimentModel

            self.model_ = SentimentModel.load(Path(self.model), self.scorer_)

    def _score_turns(self, turns: Any) -> Any:
        """Return copies of the turns with a ``sentiment`` score on each agent/customer turn.

        Each turn is scored once here, so later stages (conversation metrics, QA) read the
        score instead of scoring the turn again; other speakers (bot, system) get None.
        """
        if not isinstance(turns, list):
            return turns
        return [{**turn, "sentiment": self.scorer_.document(turn["text"])[0]
                 if turn.get("text") and turn.get("speaker") in SCORED_SPEAKERS else None}
                for turn in turns]

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        texts = chunk["text_redacted"].tolist()
        documents = [self.scorer_.document(t) for t in texts]
        scores = [d[0] for d in documents]
        if self.model_ is not None:
            predicted = self.model_.predict([t or "" for t in texts])
            scores = [None if s is None else float(p) for s, p in zip(scores, predicted,
                                                                       strict=True)]
        out["sentiment"] = pd.array(scores, dtype="Float64")
        out["sentiment_label"] = [label(s, self.neutral_band) for s in scores]
        out["sentences"] = [[{"start": s.start, "end": s.end, "score": s.score}
                             for s in parts] for _, parts in documents]
        turns = [self._score_turns(conversation) for conversation in column(chunk, "turns")]
        if "turns" in chunk:
            out["turns"] = turns
        customer, agent, start, end = [], [], [], []
        for conversation in turns:
            per_turn = _speaker_scores(conversation, "customer")
            customer.append(_mean(per_turn))
            agent.append(_mean(_speaker_scores(conversation, "agent")))
            third = max(1, len(per_turn) // 3)
            enough = len(per_turn) >= 2
            start.append(_mean(per_turn[:third]) if enough else None)
            end.append(_mean(per_turn[-third:]) if enough else None)
        for name, values in (("sentiment_customer", customer), ("sentiment_agent", agent),
                             ("sentiment_start", start), ("sentiment_end", end)):
            out[name] = pd.array(values, dtype="Float64")
        return out
