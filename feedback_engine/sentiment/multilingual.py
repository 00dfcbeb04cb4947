"""Zero-shot sentiment for Chinese, Russian and German: no labels, nothing downloaded.

- Chinese (``snownlp``): snownlp's naive-Bayes sentiment classifier, whose model ships in its
  wheel. It was trained on shopping reviews; its probability ``p`` of "positive" is mapped to
  −1…1 piecewise-linearly with :data:`ZH_THRESHOLD` at 0.
- Russian (``lexicon-ru``) and German (``lexicon-de``): a polarity lexicon the project wrote
  (``lexicons/sentiment/ru.tsv``, ``de.tsv``: lemmas with VADER-scale valences), matched on
  the lemmas of :mod:`feedback_engine.languages.text`, with VADER's negation, intensifier and
  contrast rules and its compound normalisation (Hutto and Gilbert, 2014, "VADER: A
  Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM).

Offline models for Russian (``dostoevsky``) and German (``germansentiment``) fetch their weights
at run time, which the engine does not allow, so they are not used.

>>> [round(s, 2) > 0 for s in score(["Спасибо, всё отлично!", "Ужасный сервис."], "ru")]
[True, False]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ..languages.text import lemma, tokens
from .rules import RuleScorer, SentenceScore, load_sentiment_lexicon

METHODS: dict[str, str] = {"zh": "snownlp", "ru": "lexicon-ru", "de": "lexicon-de"}
LANGUAGES = tuple(METHODS)
DEFAULT_LEXICONS: dict[str, tuple[str, ...]] = {"ru": ("sentiment/ru.tsv",),
                                                 "de": ("sentiment/de.tsv",)}

# snownlp's P(positive) that maps to 0: its own boundary. On zh_asap_sample (stars 4-5
# against 1-2, the set kept for this choice) thresholds 0.3-0.6 were within 0.012 accuracy of
# each other, so no shift was made (benchmarks/languages_sentiment_benchmark.py).
ZH_THRESHOLD = 0.5

# VADER's constants (vaderSentiment.py): B_INCR/B_DECR "empirically derived mean sentiment
# intensity rating increase for booster words", N_SCALAR the negation factor, ALPHA the
# normalisation constant "that approximates the max expected value", and the "but" weights.
B_INCR, B_DECR, N_SCALAR, ALPHA = 0.293, -0.293, -0.74, 15.0
BEFORE_BUT, AFTER_BUT = 0.5, 1.5
EXCLAIM_INCR, MAX_EXCLAIMS = 0.292, 4
NEGATION_WINDOW = 3  # words before a term that can negate it (VADER looks three back)

# Grammar, not vocabulary, so kept here: negators, intensifiers, dampeners, contrast words.
NEGATORS = {"ru": frozenset({"не", "нет", "ни", "без", "никогда", "нельзя"}),
            "de": frozenset({"nicht", "kein", "nie", "niemals", "ohne", "nichts", "kaum"})}
# Negators that also follow what they negate ("проблем нет", "funktioniert nicht").
POST_NEGATORS = {"ru": frozenset({"нет"}), "de": frozenset({"nicht", "nie", "niemals"})}
BOOSTERS = {
    "ru": frozenset({"очень", "слишком", "крайне", "совсем", "абсолютно", "невероятно",
                     "чрезвычайно", "настолько", "самый", "полностью", "совершенно", "реально",
                     "вообще", "особенно", "супер", "безумно", "ужасно", "жутко", "дико",
                     "максимально", "так", "такой", "весьма", "очень-очень"}),
    "de": frozenset({"sehr", "total", "extrem", "echt", "wirklich", "absolut", "völlig",
                     "komplett", "richtig", "besonders", "äußerst", "mega", "voll", "so",
                     "zu", "unglaublich", "höchst", "super", "wahnsinnig", "ganz", "dermaßen",
                     "überaus", "unheimlich"}),
}
DAMPENERS = {"ru": frozenset({"немного", "чуть", "слегка", "несколько", "почти", "немножко",
                              "маленько", "довольно"}),
             "de": frozenset({"etwas", "bisschen", "leicht", "wenig", "ziemlich", "eher",
                              "fast", "relativ"})}
CONTRAST = {"ru": frozenset({"но", "однако", "зато"}),
            "de": frozenset({"aber", "jedoch", "allerdings", "trotzdem", "dennoch"})}

# Sentences: razdel for Russian; the full-width stops for Chinese; for German the ASCII stops
# not preceded by a digit (dates "3. Juli") or one of the common abbreviations.
_ZH_SENTENCE = re.compile(r"[^。！？!?\n]+(?:[。！？!?]+|\n|$)")
_DE_SENTENCE = re.compile(
    r"(?:[^.!?\n]|(?<=\d)\.|(?<=\bz\.B)\.|(?<=\bbzw)\.|(?<=\bca)\.|(?<=\bggf)\.|(?<=\busw)\.)+"
    r"(?:[.!?]+|\n|$)")


def _raw(compound: float) -> float:
    """Invert VADER's normalisation (the raw valence sum of a compound)."""
    compound = max(min(compound, 0.999999), -0.999999)
    return compound * math.sqrt(ALPHA / (1 - compound * compound))


def normalise(total: float) -> float:
    """VADER's compound: ``x / sqrt(x² + 15)``, in −1…1."""
    return total / math.sqrt(total * total + ALPHA)


def split_sentences(text: str, language: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of each non-blank sentence of ``text``."""
    if language == "ru":
        from razdel import sentenize

        spans = [(s.start, s.stop) for s in sentenize(text)]
    else:
        pattern = _ZH_SENTENCE if language == "zh" else _DE_SENTENCE
        spans = [m.span() for m in pattern.finditer(text)]
    return [(a, b) for a, b in spans if text[a:b].strip()]


class LexiconScorer:
    """VADER's rules over a lemma lexicon, for one language (Russian or German).

    Args:
        language: ``"ru"`` or ``"de"``.
        lexicons: VADER-format TSV files, bundled names or paths; later files win.
    """

    def __init__(self, language: str, lexicons: Sequence[str | Path] | None = None) -> None:
        self.language = language
        self.method = METHODS[language]
        self.lexicons = tuple(lexicons or DEFAULT_LEXICONS[language])
        words, phrases = load_sentiment_lexicon(self.lexicons)
        # A term with "_" or a space is two (or more) lemmas read together.
        self.words = {w: v for w, v in words.items() if "_" not in w}
        self.phrases = {tuple(re.split(r"[_ ]", p)): v
                        for p, v in {**phrases, **{w: v for w, v in words.items()
                                                   if "_" in w}}.items()}
        self.negators, self.post_negators = NEGATORS[language], POST_NEGATORS[language]
        self.boosters, self.dampeners = BOOSTERS[language], DAMPENERS[language]
        self.contrast = CONTRAST[language]

    def _valences(self, words: list[str], lemmas: list[str]) -> list[float]:
        """Each word's lexicon valence (0 when none); a phrase's valence sits on its first."""
        out = [self.words.get(lm, self.words.get(w, 0.0)) for w, lm in zip(words, lemmas,
                                                                             strict=True)]
        for terms, valence in self.phrases.items():
            n = len(terms)
            for i in range(len(lemmas) - n + 1):
                if tuple(lemmas[i:i + n]) == terms:
                    out[i:i + n] = [valence] + [0.0] * (n - 1)
        return out

    def sentence(self, text: str) -> float:
        """The compound score (−1…1) of one sentence."""
        words = tokens(text, self.language)
        lemmas = [lemma(w, self.language) for w in words]
        valences = self._valences(words, lemmas)
        sentiments: list[float] = []
        for i, valence in enumerate(valences):
            if valence == 0.0 or lemmas[i] in self.boosters and i + 1 < len(lemmas) \
                    and valences[i + 1] != 0.0:
                sentiments.append(0.0)  # "ужасно вкусно": the first word boosts the second
                continue
            for distance, before in enumerate(reversed(lemmas[max(0, i - 3):i])):
                step = B_INCR if before in self.boosters else \
                    B_DECR if before in self.dampeners else 0.0
                valence += math.copysign(step, valence) * (1.0 - 0.05 * distance)
            window = lemmas[max(0, i - NEGATION_WINDOW):i]
            after = lemmas[i + 1:i + 3]
            if any(w in self.negators for w in window) or any(
                    w in self.post_negators for w in after):
                valence *= N_SCALAR
            sentiments.append(valence)
        # Contrast: the clause after "but" outweighs the one before (VADER's but-rule).
        for i, lm in enumerate(lemmas):
            if lm in self.contrast:
                sentiments = [s * BEFORE_BUT for s in sentiments[:i]] + [
                    s * AFTER_BUT for s in sentiments[i:]]
                break
        total = sum(sentiments)
        if total:
            total += math.copysign(min(text.count("!"), MAX_EXCLAIMS) * EXCLAIM_INCR, total)
        return normalise(total)

    def sentences(self, text: str) -> list[SentenceScore]:
        """Score each sentence of ``text`` (offsets into ``text``)."""
        return [SentenceScore(a, b, self.sentence(text[a:b]))
                for a, b in split_sentences(text, self.language)]

    def document(self, text: str | None) -> tuple[float | None, list[SentenceScore]]:
        """The document score (the rule scorer's length-damped aggregate) and its sentences."""
        if not text or not text.strip():
            return None, []
        parts = self.sentences(text)
        return RuleScorer.aggregate([p.score for p in parts]), parts


class ChineseScorer:
    """snownlp's classifier, ``P(positive)`` mapped to −1…1 with ``threshold`` at 0."""

    method = METHODS["zh"]
    language = "zh"

    def __init__(self, threshold: float = ZH_THRESHOLD) -> None:
        from snownlp import sentiment

        self.threshold = threshold
        self._classify = sentiment.classify

    def probability(self, text: str) -> float:
        """snownlp's probability that ``text`` is positive."""
        return float(self._classify(text))

    def sentence(self, text: str) -> float:
        p, t = self.probability(text), self.threshold
        return (p - t) / t if p < t else (p - t) / (1.0 - t)

    def sentences(self, text: str) -> list[SentenceScore]:
        return [SentenceScore(a, b, self.sentence(text[a:b]))
                for a, b in split_sentences(text, "zh")]

    def document(self, text: str | None) -> tuple[float | None, list[SentenceScore]]:
        """The classifier on the whole text (its training unit: a review) and per sentence."""
        if not text or not text.strip():
            return None, []
        parts = self.sentences(text)
        if len(parts) == 1 and parts[0].start == 0 and parts[0].end == len(text):
            return parts[0].score, parts
        return self.sentence(text), parts


Scorer = LexiconScorer | ChineseScorer


@lru_cache(maxsize=8)
def scorer(language: str, lexicons: tuple[str, ...] | None = None) -> Scorer:
    """The zero-shot scorer of ``language`` (built once per process).

    Raises:
        ValueError: for a language other than zh, ru or de.
    """
    if language not in METHODS:
        raise ValueError(f"no zero-shot sentiment for language {language!r}; "
                         f"supported: {', '.join(METHODS)}")
    if language == "zh":
        return ChineseScorer()
    return LexiconScorer(language, lexicons)


def score(texts: Sequence[str], language: str) -> list[float]:
    """Zero-shot polarity in −1…1 for each text (0.0 for an empty one).

    Args:
        texts: the texts, all in ``language``.
        language: ``"zh"``, ``"ru"`` or ``"de"``.

    Raises:
        ValueError: for any other language.
    """
    model = scorer(language)
    return [model.document(t)[0] or 0.0 if isinstance(t, str) else 0.0 for t in texts]
