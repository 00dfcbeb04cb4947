"""Keyphrases per record (column ``keywords``), by light rules: no parse, seconds per 20k.

For transcripts the customer's turns are used when present (agents' scripted courtesy would
otherwise fill the list); otherwise ``text_redacted``. See :mod:`feedback_engine.topics.keyphrases`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..topics.keyphrases import extract
from .base import stage

SPEAKERS = ("customer", "agent", "all")


@stage("keywords", version=1, requires=("text_redacted",), optional=("turns",),
       assigns={"keywords": "JSON"})
class Keywords:
    """Adds ``keywords``: a list of ``{"term", "score"}``, best first (RAKE scores), JSON.

    Args:
        top_k: keyphrases kept per record.
        max_words: longest phrase in words.
        speaker: for transcripts, whose turns to read: ``customer`` (default), ``agent`` or
            ``all`` (the whole redacted text).
    """

    def __init__(self, top_k: int = 5, max_words: int = 3, speaker: str = "customer") -> None:
        self.top_k, self.max_words, self.speaker = top_k, max_words, speaker

    def setup(self) -> None:
        if self.speaker not in SPEAKERS:
            raise ConfigError(f"stages.keywords.speaker must be one of {', '.join(SPEAKERS)}, "
                              f"got {self.speaker!r}")
        if self.top_k < 1 or self.max_words < 1:
            raise ConfigError("stages.keywords.top_k and max_words must be at least 1")

    def _text(self, text: Any, turns: Any) -> Any:
        if self.speaker != "all" and isinstance(turns, list) and turns:
            said = [t.get("text") or "" for t in turns
                    if isinstance(t, dict) and t.get("speaker") == self.speaker]
            if said:
                # A full stop between turns keeps phrases from spanning them.
                return ". ".join(said)
        return text

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        turns = chunk["turns"].tolist() if "turns" in chunk else [None] * len(chunk)
        out["keywords"] = [
            extract(self._text(text, t), self.top_k, self.max_words)
            for text, t in zip(chunk["text_redacted"].tolist(), turns, strict=True)]
        return out
