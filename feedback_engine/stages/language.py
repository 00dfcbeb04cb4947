"""Language identification: each record's ``language``, with how it was decided."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..languages.detect import SUPPORTED, LanguageDetector
from .base import stage


@stage("language", version=1, requires=("text_clean",), optional=("language",),
       rewrites=("language",),
       assigns={"language_confidence": "DOUBLE", "language_source": "VARCHAR"})
class Language:
    """Sets ``language`` (ISO 639-1) for every record, ``language_confidence`` (the detector's
    probability, empty when declared) and ``language_source`` (detected, declared or default).

    The candidates and the fallback are ``[input] languages`` and ``[input] language``; a
    record's own ``language`` column wins over the fallback, and a confident detection wins
    over both (an English source can carry a German comment).
    """

    option_help = {
        "languages": "candidate languages (set [input] languages rather than this)",
        "default": "the fallback language (set [input] language rather than this)",
        "min_confidence": "below this detector probability the declared language wins",
        "min_letters": "texts with fewer letters keep the declared language undetected",
    }
    option_examples = {"languages": list(SUPPORTED), "default": "en"}

    def __init__(self, languages: list[str] | None = None, default: str | None = None,
                 min_confidence: float = 0.9, min_letters: int = 4) -> None:
        self.languages = list(languages or SUPPORTED)
        self.default = default or "en"
        self.min_confidence, self.min_letters = min_confidence, min_letters
        # Checked here, so a bad [input] languages fails when the run is built, not per chunk.
        LanguageDetector(self.languages, self.default, min_confidence, min_letters)

    def setup(self) -> None:
        self.detector_ = LanguageDetector(self.languages, self.default, self.min_confidence,
                                          self.min_letters)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        declared: list[Any] = (chunk["language"].tolist() if "language" in chunk
                               else [None] * len(chunk))
        found = self.detector_.detect_many(chunk["text_clean"].tolist(), declared)
        out["language"] = [d.language for d in found]
        out["language_confidence"] = pd.array([d.confidence for d in found], dtype="Float64")
        out["language_source"] = [d.source for d in found]
        return out
