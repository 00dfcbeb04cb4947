"""Sentiment for support text: document, sentences, per speaker, start and end of the call.

Two methods for the document score, recorded per record in ``sentiment_method`` and in the
run's stage list (``sentiment.v5+learned``):

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

Every method above is for English. A record's ``language`` column (the ``language`` stage;
English when missing) routes the others (version 5):

- zh, ru, de: the zero-shot scorer of :mod:`feedback_engine.sentiment.multilingual` (methods
  ``snownlp``, ``lexicon-ru``, ``lexicon-de``) for the document, its sentences and the turns;
- with ``adapted`` set to the folder ``feedback sentiment adapt`` wrote, the document score of
  a language whose adapted model beat the zero-shot method in its CV comes from that model
  (method ``adapted``; sentences and turns keep the language's scorer);
- any other language: VADER's rules, recorded as ``rules-en`` (they know English words only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..artifacts import peek_manifest
from ..errors import error
from ..languages.detect import record_language
from ..sentiment.multilingual import METHODS as ZERO_SHOT
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


def adapted_languages(folder: str | Path) -> list[str]:
    """The languages whose adapted model in ``folder`` (``feedback sentiment adapt -o``) won
    its cross-validation and so score that language's documents.

    Raises:
        ConfigError: ``folder`` holds no adapted model (FE474).
    """
    root = Path(folder)
    found = {sub.name: peek_manifest(sub) for sub in sorted(root.iterdir())
             if sub.is_dir() and (sub / "manifest.json").is_file()} if root.is_dir() else {}
    found = {k: m for k, m in found.items() if m.get("model") == "sentiment.adapted.v1"}
    if not found:
        raise error("FE474", path=folder)
    return [k for k, m in found.items() if m.get("default") is True and k != "en"]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# Speakers whose turns get a per-turn score (kept in each turn dict as "sentiment").
SCORED_SPEAKERS = ("agent", "customer")


def _speaker_scores(turns: Any, speaker: str) -> list[float]:
    if not isinstance(turns, list):
        return []
    return [t["sentiment"] for t in turns
            if t.get("speaker") == speaker and t.get("sentiment") is not None]


@stage("sentiment", version=5, requires=("text_redacted",),
       optional=("turns", "kind", "channel", "language"),
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
    conversation and QA stages read. Records in Chinese, Russian and German get their
    language's scorer (version 5, module docstring).
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
        "adapted": "a folder from `feedback sentiment adapt`: each language whose model beat "
                   "its zero-shot method in CV is scored by that model",
    }
    option_examples = {"lexicons": ["sentiment/contact_center.tsv", "my_terms.tsv"],
                       "model": "models/sentiment", "learned_for": ["review", "survey_answer"],
                       "adapted": "sentiment-adapted"}

    def __init__(self, lexicons: list[str] | None = None, neutral_band: float = 0.05,
                 model: str | None = None, method: str = "auto",
                 learned_for: list[str] | None = None, adapted: str | None = None) -> None:
        self.lexicons = list(lexicons or DEFAULT_LEXICONS)
        self.neutral_band, self.model = neutral_band, model
        self.method = method
        self.learned_for = frozenset(k.lower() for k in (learned_for or DEFAULT_LEARNED_FOR))
        self.adapted = adapted
        self.english = resolve_method(method, model)  # the method English records get
        self.variant = self.english  # in the run's stage list
        if adapted:
            self.variant += "".join(f"+adapted-{lang}" for lang in adapted_languages(adapted))

    def setup(self) -> None:
        self.scorer_ = RuleScorer(tuple(self.lexicons))
        self.model_ = self.learned_ = None
        if self.english == "model":
            from ..sentiment.model import SentimentModel

            self.model_ = SentimentModel.load(Path(self.model), self.scorer_)
        elif self.english in ("learned", "auto"):
            from ..sentiment.learned import LearnedSentiment

            self.learned_ = LearnedSentiment.load(scorer=self.scorer_)
        self.adapted_: dict[str, Any] = {}
        if self.adapted:
            from ..sentiment.adapt import AdaptedSentiment

            self.adapted_ = {lang: AdaptedSentiment.load(Path(self.adapted) / lang)
                             for lang in adapted_languages(self.adapted)}

    def _scorer(self, language: str) -> Any:
        """The sentence and turn scorer of a language: its zero-shot scorer, else the rules."""
        if language in ZERO_SHOT:
            from ..sentiment.multilingual import scorer

            return scorer(language)
        return self.scorer_

    def _method(self, kind: Any, channel: Any) -> str:
        """The method that scores one record's document sentiment."""
        if self.english != "auto":
            return self.english
        routed = {str(v).lower() for v in (kind, channel) if isinstance(v, str)}
        return "learned" if routed & self.learned_for else "rules"

    def _score_turns(self, turns: Any, language: str = "en") -> Any:
        """Return copies of the turns with a ``sentiment`` score on each agent/customer turn.

        Each turn is scored once here, so later stages (conversation metrics, QA) read the
        score instead of scoring the turn again; other speakers (bot, system) get None.
        """
        if not isinstance(turns, list):
            return turns
        scorer = self._scorer(language)
        return [{**turn, "sentiment": scorer.document(turn["text"])[0]
                 if turn.get("text") and turn.get("speaker") in SCORED_SPEAKERS else None}
                for turn in turns]

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        texts = chunk["text_redacted"].tolist()
        languages = [record_language(v) for v in column(chunk, "language")]
        documents = [self._scorer(lang).document(t) for t, lang in zip(texts, languages,
                                                                        strict=True)]
        scores = [d[0] for d in documents]
        methods = [self._method(kind, channel) if lang == "en" else
                   "adapted" if lang in self.adapted_ else ZERO_SHOT.get(lang, "rules-en")
                   for kind, channel, lang in zip(column(chunk, "kind"), column(chunk, "channel"),
                                                  languages, strict=True)]
        for lang, model in self.adapted_.items():
            chosen = [i for i, s in enumerate(scores) if s is not None and languages[i] == lang]
            if chosen:
                for i, p in zip(chosen, model.predict([texts[i] for i in chosen]), strict=True):
                    scores[i] = float(p)
        scored: list[int] = []
        if self.model_ is not None or self.learned_ is not None:
            scored = [i for i, s in enumerate(scores) if s is not None and languages[i] == "en"
                      and methods[i] != "rules"]
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
        turns = [self._score_turns(conversation, lang) for conversation, lang in
                 zip(column(chunk, "turns"), languages, strict=True)]
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
