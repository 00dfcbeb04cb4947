"""Emotions with intensity from a lexicon plus negation and intensifier rules.

Each cue in ``lexicons/emotions.tsv`` names an emotion and a base intensity (0…1). A hit's
strength is its intensity times its context multiplier (:mod:`.modifiers`: "very angry" ×1.5,
"a bit annoyed" ×0.6, "FURIOUS" ×1.3, "!!" up to ×1.3). A negated cue ("not happy",
"wasn't confused") does not count for its emotion; where the lexicon has a ``@negated`` line,
it counts for the target emotion instead, times the line's factor ("not happy" → some
disappointment). Per emotion the strengths are summed and squashed into 0…1:

    intensity = 1 − exp(−sum)

so one plain cue of 0.7 gives 0.50, two give 0.75. ``emotion_top`` is the strongest emotion
when it reaches ``min_top`` (default 0.25), else None.
"""

from __future__ import annotations

import math
from pathlib import Path

from .lexicons import DEFAULT_EMOTIONS, load_emotions
from .modifiers import CueMatcher

MIN_TOP = 0.25


class EmotionScorer:
    """Multi-label emotion intensities for texts; build once (compiles the lexicon)."""

    def __init__(self, lexicon: str | Path = DEFAULT_EMOTIONS, min_top: float = MIN_TOP) -> None:
        self.lexicon = load_emotions(lexicon)
        self.matcher = CueMatcher(list(self.lexicon.cues))
        self.min_top = min_top

    @property
    def emotions(self) -> list[str]:
        return self.lexicon.emotions

    def score(self, text: str | None) -> dict[str, float]:
        """Return {emotion: intensity in 0..1} for the emotions present in ``text``.

        >>> EmotionScorer().score("I'm not happy at all")
        {'disappointment': 0.234}
        """
        if not text:
            return {}
        sums: dict[str, float] = {}
        for hit in self.matcher.find(text):
            for emotion, intensity in self.lexicon.cues.get(hit.cue, ()):
                strength = intensity * abs(hit.multiplier)
                if hit.negated:
                    target = self.lexicon.negated.get(emotion)
                    if target is None:
                        continue
                    emotion, strength = target[0], strength * target[1]
                sums[emotion] = sums.get(emotion, 0.0) + strength
        return {e: round(1.0 - math.exp(-s), 3) for e, s in sorted(sums.items()) if s > 0}

    def top(self, emotions: dict[str, float]) -> str | None:
        """The strongest emotion when it reaches ``min_top``."""
        if not emotions:
            return None
        name, value = max(emotions.items(), key=lambda item: (item[1], item[0]))
        return name if value >= self.min_top else None
