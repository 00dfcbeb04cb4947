"""Conversation metrics and QA scoring for transcripts (calls and chats with ``turns``).

Two stages, both reading the PII-redacted ``turns`` and the per-turn sentiment the sentiment
stage stores in each turn: ``conversation`` adds the metrics of
:data:`~feedback_engine.conversation.metrics.METRICS`; ``qa`` scores every conversation
against the scorecard (``lexicons/qa_scorecard.yaml``) and adds ``qa_score`` (0..100),
``qa_results`` (per rule: passed, evidence) and ``qa_scorecard`` (``id@hash`` of the file).
Records without turns get nulls.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..conversation.metrics import METRICS, Turns, conversation_metrics
from ..conversation.rules import score_conversation
from ..conversation.scorecard import load_scorecard
from .base import column, stage

# pandas dtypes that hold nulls for each DuckDB type the metrics use.
_DTYPES = {"INTEGER": "Int64", "DOUBLE": "Float64", "BOOLEAN": "boolean"}


def _value(value: Any) -> Any:
    """A cell as ``applies_to`` reads it: None for a missing value."""
    if isinstance(value, dict | list):
        return value
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value


def _is_conversation(turns: Any) -> bool:
    return isinstance(turns, list) and bool(turns)


class _TurnsReader:
    """Shared setup: the scorecard, and a scorer for turns the sentiment stage did not score."""

    scorecard: str | None

    def setup(self) -> None:
        from ..sentiment.rules import RuleScorer

        self.card_ = load_scorecard(self.scorecard)
        scorer = RuleScorer()
        # Used only when a turn carries no "sentiment" (the sentiment stage did not run).
        self.score_ = lambda text: scorer.document(text)[0]


@stage("conversation", version=1, requires=("text_redacted",), optional=("turns", "channel"),
       assigns=METRICS)
class Conversation(_TurnsReader):
    """Adds conversation metrics: talk share, monologues, silence, holds, escalation,
    transfers and other cues, sentiment arc (transcripts only)."""

    option_help = {
        "scorecard": "a qa_scorecard.yaml whose cues (escalation, transfer, hold, "
                     "repeat_contact) the metrics use; default: the bundled one",
        "silence_gap_s": "a gap between call turns this long is dead air (or a hold)",
        "chat_silence_gap_s": "the same for chats, where typing makes gaps of seconds normal",
    }
    option_examples = {"scorecard": "lexicons/qa_scorecard.yaml"}

    def __init__(self, scorecard: str | None = None, silence_gap_s: float = 5.0,
                 chat_silence_gap_s: float = 60.0) -> None:
        self.scorecard = scorecard
        self.silence_gap_s, self.chat_silence_gap_s = silence_gap_s, chat_silence_gap_s

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        rows: list[dict[str, Any]] = []
        for turns, channel in zip(column(chunk, "turns"), column(chunk, "channel"), strict=True):
            gap = self.chat_silence_gap_s if channel == "chat" else self.silence_gap_s
            rows.append(conversation_metrics(Turns.from_dicts(turns, self.score_),
                                             self.card_.cues, gap)
                        if _is_conversation(turns) else {})
        for name, kind in METRICS.items():
            out[name] = pd.array([values.get(name) for values in rows], dtype=_DTYPES[kind])
        return out


SCOPE_FIELDS = ("queue", "kind", "product", "team", "language", "extra")  # for applies_to


@stage("qa", version=2, requires=("text_redacted", "n_turns"),
       optional=("turns", "channel", *SCOPE_FIELDS, *METRICS),
       assigns={"qa_score": "DOUBLE", "qa_results": "JSON", "qa_scorecard": "VARCHAR"})
class QA(_TurnsReader):
    """Scores each conversation against the QA scorecard, with per-rule evidence
    (docs/qa.md)."""

    option_help = {"scorecard": "your own QA rules, a qa_scorecard.yaml (default: the bundled "
                                "one)"}
    option_examples = {"scorecard": "lexicons/qa_scorecard.yaml"}

    def __init__(self, scorecard: str | None = None) -> None:
        self.scorecard = scorecard

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        metric_columns = {name: chunk[name].tolist() for name in METRICS if name in chunk}
        scope_columns = {name: column(chunk, name) for name in SCOPE_FIELDS}
        scores: list[float | None] = []
        results: list[list[dict[str, Any]] | None] = []
        labels: list[str | None] = []
        for row, (turns, channel) in enumerate(zip(column(chunk, "turns"),
                                                   column(chunk, "channel"), strict=True)):
            score = per_rule = label = None
            if _is_conversation(turns):
                metrics = {name: None if pd.isna(values[row]) else values[row]
                           for name, values in metric_columns.items()}
                record = {name: _value(values[row]) for name, values in scope_columns.items()}
                score, per_rule = score_conversation(Turns.from_dicts(turns, self.score_),
                                                     metrics, self.card_, channel, record)
                label = self.card_.label
            scores.append(score)
            results.append(per_rule)
            labels.append(label)
        out["qa_score"] = pd.array(scores, dtype="Float64")
        out["qa_results"] = results
        out["qa_scorecard"] = labels
        return out
