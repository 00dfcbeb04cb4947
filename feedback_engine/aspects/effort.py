"""Customer effort from text: how hard the customer had to work to get an answer.

Cues from ``lexicons/effort.tsv`` ("had to", "transferred", "third time", "called five
times" / "easy", "sorted in minutes") each carry a weight (−3…3, positive = effort). Each hit
is weighted by its context (negation flips it: "not easy" is effort, "didn't have to chase"
is ease; intensifiers scale it; see :mod:`.modifiers`), the weights are summed and squashed:

    effort_score = 5 · tanh(total / 4)        (−5 = effortless … +5 = very high effort)

so one strong cue ("passed from pillar to post", 3) scores about 3.2 and many cues approach
5 without passing it. Texts with no effort cue get ``None``: silence is not "no effort".
A contact counts as high-effort at ``effort_score >= 2`` (docs/aspects.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from .lexicons import DEFAULT_EFFORT, load_effort
from .modifiers import CueMatcher

SCALE = 5.0  # scores lie in -5..5
SPREAD = 4.0  # total cue weight that reaches tanh(1) = 76% of the scale
HIGH_EFFORT = 2.0  # threshold used by rollups: effort_score >= 2 is a high-effort contact


@dataclass(frozen=True)
class Effort:
    """An effort score with the cues behind it."""

    score: float
    evidence: list[dict]


class EffortScorer:
    """Scores texts for customer effort; build once (compiles the lexicon)."""

    def __init__(self, lexicon: str | Path = DEFAULT_EFFORT) -> None:
        self.weights = load_effort(lexicon)
        self.matcher = CueMatcher(list(self.weights))

    def score(self, text: str | None) -> Effort | None:
        """Return the effort of ``text``, or None when it has no effort language.

        >>> EffortScorer().score("It was quick and easy.").score < 0
        True
        """
        if not text:
            return None
        evidence, total = [], 0.0
        for hit in self.matcher.find(text):
            weight = self.weights.get(hit.cue, 0.0) * hit.multiplier
            if weight == 0.0:
                continue
            total += weight
            evidence.append({"cue": hit.cue, "text": hit.text(text), "weight": round(weight, 3),
                             "negated": hit.negated})
        if not evidence:
            return None
        return Effort(round(SCALE * math.tanh(total / SPREAD), 3), evidence)
