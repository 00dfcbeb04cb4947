"""Sentiment for support text: document, sentences, per speaker, start and end of the call.

Two methods for the document score, recorded per record in ``sentiment_method`` and in the
run's stage list (``sentiment.v4+learned``):

``rules``
    :class:`~feedback_engine.sentiment.rules.RuleScorer`: VADER plus the contact-center layer.
``learned``
    the shipped model (:mod:`feedback_engine.sentiment.learned`): MiniLM embeddings, n-grams and
    the rule features, blended with the rules and deferring to them where the
    contact-center layer fired.

``method = "auto"`` (the default) uses ``learned`` for the records whose kind or channel is in
``learned_for`` (default: reviews, the kind of text it was trained and measured on) when
MiniLM is installed, and ``rules`` for the rest: on contact-center language (requests, agent
speech, domain phrases) the learned model scores 0.77 of the contact-center suite against the
rules' 0.81 (docs/sentiment.md), so transcripts, summaries, messages and survey answers keep
the rules unless you say otherwise (``learned_for = [...]`` or ``method = "learned"``).
Sentences and per-turn scores always come from the rules (fast, and each one explainable).
With ``model`` set, the document score comes from a calibration trained with
``feedback sentiment train`` instead (method ``model``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import error
from ..sentiment.rules import DEFAULT_LEXICONS, RuleScorer
from .base import column, stage

METHODS = ("auto", "rules", "learned")
DEFAULT_LEARNED_FOR = ("review",)


def resolve_method(method: str, model: str | None = None) -> str:
    """The method a stage configured with ``method`` (and ``model``) will use.

    Raises:
        ConfigError: an unknown method (FE468), or ``learned`` without MiniLM (FE469).
    """
    from ..sentiment.learned import SHIPPED, embeddings_installed

    if method not in METHODS:
        raise error("FE468", method=method, methods=", ".join(METHODS))
    if model:
        return "model"
    if method == "rules":
        return "rules"
    ready = embeddings_installed() and (SHIPPED / "manifest.json").is_file()
    if method == "learned" and not ready:
        raise error("FE469")
    if method == "learned":
        return "learned"
    return "auto" if ready else "rules"


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


@stage("sentiment", version=4, requires=("text_redacted",), optional=("turns", "kind", "channel"),
       rewrites=("turns",),
       assigns={"sentiment": "DOUBLE", "sentiment_label": "VARCHAR",
                "sentiment_customer": "DOUBLE", "sentiment_agent": "DOUBLE",
                "sentiment_start": "DOUBLE", "sentiment_end": "DOUBLE", "sentences": "JSON",
                "sentiment_method": "VARCHAR"})
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
        "method": "auto (learned for the kinds in learned_for when MiniLM is installed, "
                  "rules elsewhere), rules or learned (every record)",
        "learned_for": "record kinds or channels the auto method scores with the learned "
                       "model",
    }
    option_examples = {"lexicons": ["sentiment/contact_center.tsv", "my_terms.tsv"],
                       "model": "models/sentiment", "learned_for": ["review", "survey_answer"]}

    def __init__(self, lexicons: list[str] | None = None, neutral_band: float = 0.05,
                 model: str | None = None, method: str = "auto",
                 learned_for: list[str] | None = None) -> None:
        self.lexicons = list(lexicons or DEFAULT_LEXICONS)
        self.neutral_band, self.model = neutral_band, model
        self.method = method
        self.learned_for = frozenset(k.lower() for k in (learned_for or DEFAULT_LEARNED_FOR))
        self.variant = resolve_method(method, model)  # in the run's stage list

    def setup(self) -> None:
        self.scorer_ = RuleScorer(tuple(self.lexicons))
        self.model_ = self.learned_ = None
        if self.variant == "model":
            from ..sentiment.model import SentimentModel

            self.model_ = SentimentModel.load(Path(self.model), self.scorer_)
        elif self.variant in ("learned", "auto"):
            from ..sentiment.learned import LearnedSentiment

            self.learned_ = LearnedSentiment.load(scorer=self.scorer_)

    def _method(self, kind: Any, channel: Any) -> str:
        """The method that scores one record's document sentiment."""
        if self.variant != "auto":
            return self.variant
        routed = {str(v).lower() for v in (kind, channel) if isinstance(v, str)}
        return "learned" if routed & self.learned_for else "rules"

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
        methods = [self._method(kind, channel) for kind, channel in
                   zip(column(chunk, "kind"), column(chunk, "channel"), strict=True)]
        scored: list[int] = []
        if self.model_ is not None or self.learned_ is not None:
            scored = [i for i, s in enumerate(scores) if s is not None and methods[i] != "rules"]
            subset = [texts[i] for i in scored]
        if scored:
            if self.model_ is not None:
                predicted = self.model_.predict(subset)
            else:
                predicted = self.learned_.predict(subset, rules=[scores[i] for i in scored])
            for i, p in zip(scored, predicted, strict=True):
                scores[i] = float(p)
        out["sentiment_method"] = pd.Series(
            [None if s is None else m for s, m in zip(scores, methods, strict=True)],
            index=chunk.index, dtype=object)
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
