"""The rule classifier: taxonomy patterns scored per text, no training needed.

Scoring, per cause: the strongest matching pattern's weight plus half the weight of every
other distinct pattern that matches, times the cause's weight, times a position factor
``1 - 0.4 * position`` where position is where the first match sits in the text (0 = start,
1 = end). People state their main problem first and pile the
side grievances on after it ("charged twice ... and then on hold for an hour"), so a cause
mentioned early counts fully and one mentioned at the very end counts 0.6. A cause whose
``exclude`` pattern matches scores zero. The best cause wins when it reaches ``min_score``.

Confidence is a heuristic, not a probability: the winner's share of all cause scores, times
``1 - exp(-score)`` so that one weak hit is less sure than several strong ones.

Each record is matched with the patterns of its language (``patterns_zh`` ...) when the
taxonomy has some, on the text's view for that language (:mod:`.views`: lemmas for Russian and
German, characters for Chinese); otherwise with the plain patterns on the text as written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..languages.detect import record_language
from .taxonomy import Taxonomy
from .views import view

if TYPE_CHECKING:
    from .semantic import SemanticMatcher

UNKNOWN = "unknown"
# One single-word hit (weight 1) anywhere in a text is enough. Raise it to demand more.
MIN_SCORE = 0.5
POSITION_DISCOUNT = 0.4
_WORD_RE = re.compile(r"\w+")
EXTRA_HIT_SHARE = 0.5
# A text this short ("hello", "thanks") says too little to be matched by meaning.
MIN_WORDS = 3


@dataclass(frozen=True)
class RuleResult:
    """The decision for one text."""

    label: str
    confidence: float
    evidence: list[str]
    scores: dict[str, float]


class RuleClassifier:
    """Classify texts with a compiled :class:`~.taxonomy.Taxonomy`.

    Args:
        taxonomy: the compiled taxonomy.
        min_score: the least score that names a cause; below it the text is ``unknown``.
        language: the texts' language: its patterns when the taxonomy has some (matched on
            :func:`.views.view` of each text), else the plain ``patterns``.

    Example:
        >>> from feedback_engine.rootcause.taxonomy import load_taxonomy
        >>> RuleClassifier(load_taxonomy()).classify("I was charged twice this month").label
        'billing.double_charge'
    """

    def __init__(self, taxonomy: Taxonomy, min_score: float = MIN_SCORE,
                 language: str = "en") -> None:
        self.language = language if language in taxonomy.languages else "en"
        taxonomy = taxonomy.for_language(self.language)
        self.taxonomy, self.min_score = taxonomy, min_score
        # Inverted index: anchor word -> (cause index, pattern index) that it can start.
        self._index: dict[str, list[tuple[int, int]]] = {}
        self._always: list[tuple[int, int]] = []
        for i, cause in enumerate(taxonomy.causes):
            for j, pattern in enumerate(cause.patterns):
                if pattern.anchors is None:
                    self._always.append((i, j))
                for word in pattern.anchors or ():
                    self._index.setdefault(word, []).append((i, j))
        anchors = set(self._index) | {w for c in taxonomy.causes for p in c.exclude
                                      for w in p.anchors or ()}
        # Only the prefix lengths some anchor uses ("charg*" -> 5) are worth building.
        self._prefix_lengths = sorted({len(w) - 1 for w in anchors if w.endswith("*")})
        self._anchors = sorted(anchors)

    def _words(self, text: str) -> set[str]:
        """The text's words and those of their prefixes that anchors use (``charg*``); for
        Chinese, the anchor words that occur in it (it has no spaces between words)."""
        if self.language == "zh":
            return {w for w in self._anchors if w in text}
        words = set(_WORD_RE.findall(text.lower().replace("'", "")))
        lengths = self._prefix_lengths
        return words | {w[:k] + "*" for w in words for k in lengths if k <= len(w)}

    def _candidates(self, words: set[str]) -> dict[int, set[int]]:
        """Patterns (by cause) whose anchor words occur in the text."""
        found: dict[int, set[int]] = {}
        for i, j in self._always:
            found.setdefault(i, set()).add(j)
        index = self._index
        for word in words & index.keys():
            for i, j in index[word]:
                found.setdefault(i, set()).add(j)
        return found

    def scores(self, text: str) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Return each matching cause's score and the phrases that matched it."""
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        if self.language != "en":
            text = view(text, self.language)
        words = self._words(text)
        size = max(len(text), 1)
        scores: dict[str, float] = {}
        evidence: dict[str, list[str]] = {}
        for i, pattern_ids in sorted(self._candidates(words).items()):
            cause = self.taxonomy.causes[i]
            total, first, phrases = 0.0, size, []
            strongest = 0.0
            for j in sorted(pattern_ids):
                pattern = cause.patterns[j]
                match = pattern.regex.search(text)
                if match:
                    total += pattern.weight
                    strongest = max(strongest, pattern.weight)
                    first = min(first, match.start())
                    phrases.append(match.group(0))
            # The strongest hit counts fully, further hits of the same cause at half weight:
            # one sentence that happens to match four overlapping patterns is still one mention.
            total = strongest + EXTRA_HIT_SHARE * (total - strongest)
            if not total or any((p.anchors is None or not p.anchors.isdisjoint(words))
                                and p.regex.search(text) for p in cause.exclude):
                continue
            scores[cause.id] = total * cause.weight * (1.0 - POSITION_DISCOUNT * first / size)
            evidence[cause.id] = phrases
        return scores, evidence

    def classify(self, text: str | None) -> RuleResult:
        """Return the best cause for ``text``, or ``unknown`` with confidence 0."""
        if not text or not text.strip():
            return RuleResult(UNKNOWN, 0.0, [], {})
        scores, evidence = self.scores(text)
        if not scores:
            return RuleResult(UNKNOWN, 0.0, [], {})
        # Highest score; on a tie, the cause listed first in the taxonomy.
        best = max(scores, key=scores.get)
        top = scores[best]
        if top < self.min_score:
            return RuleResult(UNKNOWN, 0.0, [], scores)
        confidence = top / sum(scores.values()) * (1.0 - math.exp(-top))
        return RuleResult(best, round(confidence, 4), evidence[best][:5], scores)

    def classify_many(self, texts: list[str | None]) -> list[RuleResult]:
        """Classify every text (same order)."""
        return [self.classify(t) for t in texts]


def language_groups(languages: Sequence[object] | None, n: int) -> dict[str, list[int]]:
    """Record positions by language (``record_language``: missing or empty is English)."""
    if languages is None:
        return {"en": list(range(n))}
    groups: dict[str, list[int]] = {}
    for i, value in enumerate(languages):
        groups.setdefault(record_language(value), []).append(i)
    return groups


class TaxonomyClassifier:
    """The taxonomy's two layers: its patterns first (high precision), then, for what they
    leave ``unknown``, the semantic layer (:mod:`.semantic`) over the causes' examples,
    descriptions and labels, for texts of at least :data:`MIN_WORDS` words. The semantic
    layer is built on first use, and serves English texts only (its encoders are English:
    a Chinese text would get an English model's guess), so other languages get the rules of
    their own patterns alone.

    Args:
        taxonomy: the compiled taxonomy.
        min_score: the rules' least score (see :class:`RuleClassifier`).
        semantic: use the semantic layer (off: the rules alone). With ``embeddings="auto"``
            it is on only where its encoder is installed (see :func:`.semantic.default_encoder`).
        embeddings / threshold: passed to :class:`~.semantic.SemanticMatcher`.
    """

    def __init__(self, taxonomy: Taxonomy, min_score: float = MIN_SCORE, semantic: bool = True,
                 embeddings: str = "auto", threshold: float | None = None) -> None:
        self.taxonomy, self.min_score = taxonomy, min_score
        self.rules = RuleClassifier(taxonomy, min_score)
        self._by_language: dict[str, RuleClassifier] = {"en": self.rules}
        if semantic and embeddings == "auto":
            from .semantic import default_encoder

            semantic = default_encoder(taxonomy) is not None  # no MiniLM: the rules alone
        self.semantic, self.embeddings, self.threshold = semantic, embeddings, threshold
        self._matcher: SemanticMatcher | None = None

    @property
    def matcher(self) -> SemanticMatcher:
        """The :class:`~.semantic.SemanticMatcher` (built the first time it is asked for)."""
        if self._matcher is None:
            from .semantic import SemanticMatcher

            self._matcher = SemanticMatcher(self.taxonomy, self.embeddings, self.threshold)
        return self._matcher

    def rules_for(self, language: str) -> RuleClassifier:
        """The rule classifier of ``language``'s records (built once)."""
        if language not in self._by_language:
            self._by_language[language] = RuleClassifier(self.taxonomy, self.min_score, language)
        return self._by_language[language]

    def classify_many(self, texts: list[str | None], languages: Sequence[object] | None = None,
                      ) -> list[tuple[RuleResult, str]]:
        """``(result, method)`` per text: method ``rules``, ``semantic`` or ``unknown``.

        ``languages`` gives each text's language (``None``, or a missing value: English)."""
        rule_results: list[RuleResult] = [RuleResult(UNKNOWN, 0.0, [], {})] * len(texts)
        groups = language_groups(languages, len(texts))
        for language, positions in groups.items():
            found = self.rules_for(language).classify_many([texts[i] for i in positions])
            for i, result in zip(positions, found, strict=True):
                rule_results[i] = result
        results = [(r, "rules" if r.label != UNKNOWN else "unknown") for r in rule_results]
        english = set(groups.get("en", ()))
        todo = [i for i, (r, _) in enumerate(results) if r.label == UNKNOWN and i in english
                and isinstance(texts[i], str) and len(_WORD_RE.findall(texts[i])) >= MIN_WORDS]
        if self.semantic and todo:
            for i, found in zip(todo, self.matcher.match([texts[i] for i in todo]), strict=True):
                if found.label is not None:
                    results[i] = (RuleResult(found.label, found.confidence, [found.nearest],
                                             {found.label: found.similarity}), "semantic")
        return results
