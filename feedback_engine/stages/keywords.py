"""Keyphrases per record (column ``keywords``), by light rules: no parse, seconds per 20k.

For transcripts the customer's turns are used when present (agents' scripted courtesy would
otherwise fill the list); otherwise ``text_redacted``. See :mod:`feedback_engine.topics.keyphrases`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import error
from ..languages.detect import record_language
from ..records import customer_text
from .base import column, stage

SPEAKERS = ("customer", "agent", "all")


@stage("keywords", version=2, requires=("text_redacted",), optional=("turns", "language"),
       assigns={"keywords": "JSON"})
class Keywords:
    """Adds ``keywords``: a list of ``{"term", "score"}``, best first (RAKE scores), JSON:
    keyphrases per record (docs/topics.md), made of the record's language's words (version 2:
    Chinese, Russian and German records get jieba words and lemmas, docs/languages.md)."""

    option_help = {"top_k": "keyphrases kept per record",
                   "max_words": "longest phrase, in words",
                   "speaker": "transcripts: whose turns are read: customer | agent | all turns"}

    def __init__(self, top_k: int = 5, max_words: int = 3, speaker: str = "customer") -> None:
        self.top_k, self.max_words, self.speaker = top_k, max_words, speaker

    def setup(self) -> None:
        if self.speaker not in SPEAKERS:
            raise error("FE338", choices=", ".join(SPEAKERS), value=self.speaker)
        if self.top_k < 1 or self.max_words < 1:
            raise error("FE339")

    def _text(self, text: Any, turns: Any) -> Any:
        # A full stop between turns keeps phrases from spanning them.
        said = customer_text(turns, ". ", self.speaker) if self.speaker != "all" else None
        return text if said is None else said

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        # Here, not at the top: its scikit-learn stop words take a second to import.
        from ..topics.keyphrases import extract

        out = chunk.copy()
        out["keywords"] = [
            extract(self._text(text, t), self.top_k, self.max_words, record_language(lang))
            for text, t, lang in zip(chunk["text_redacted"].tolist(), column(chunk, "turns"),
                                     column(chunk, "language"), strict=True)]
        return out
