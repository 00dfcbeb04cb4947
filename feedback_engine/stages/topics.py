"""Topic per record from a frozen topic model (``feedback topics fit``).

Records are embedded with the model's own backend (by the ``embed`` stage when it ran with
the same encoder) and given their most probable topic by its prototypes; ids are
the model's, so weeks line up. A record no topic explains well gets ``topic_id = -1`` and
``topic_label = NULL`` (a new-topic candidate for ``feedback topics show --candidates``).

With no ``model`` configured the stage still keeps its contract: the three columns are
NULL, and a warning says how to fit one. (Topics are corpus-level: there is no per-record
rule fallback that would give stable ids.)
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .base import stage

log = logging.getLogger("feedback_engine")


@stage("topics", version=1, requires=("text_redacted",),
       assigns={"topic_id": "INTEGER", "topic_label": "VARCHAR", "topic_prob": "DOUBLE"})
class Topics:
    """Adds ``topic_id`` (-1: fits no topic), ``topic_label`` and ``topic_prob`` (the topic's
    probability, 0..1) from a frozen topic model (docs/topics.md)."""

    option_help = {"model": "a folder from `feedback topics fit -o models/topics`; unset: the "
                            "topic columns stay empty",
                   "batch_size": "texts embedded per batch"}
    option_examples = {"model": "models/topics"}

    def __init__(self, model: str | None = None, batch_size: int = 64) -> None:
        self.model, self.batch_size = model, batch_size

    def embedding_need(self) -> str | None:
        """The encoder the topic model embeds with, when the ``embed`` stage can serve it
        (MiniLM or model2vec; a tfidf-svd model carries its own fitted encoder)."""
        from ..artifacts import peek_manifest
        from ..vectors import SHAREABLE

        if not self.model:
            return None
        kind = str(peek_manifest(Path(self.model)).get("embeddings") or "").split(":", 1)[0]
        return kind if kind in SHAREABLE else None

    def setup(self) -> None:
        self.model_ = None
        if not self.model:
            log.info("stage topics: no model configured, so topic columns stay empty; "
                        "fit one with `feedback topics fit -o models/topics` and set "
                        "[stages.topics] model = \"models/topics\"")
            return
        from ..topics.model import TopicModel

        self.model_ = TopicModel.load(Path(self.model))

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        if self.model_ is None:
            out["topic_id"] = pd.array([None] * len(chunk), dtype="Int64")
            out["topic_label"] = pd.Series([None] * len(chunk), index=chunk.index,
                                           dtype=object)
            out["topic_prob"] = np.full(len(chunk), np.nan)
            return out
        assignment = self.model_.assign(embeddings=self._vectors(chunk))
        out["topic_id"] = pd.array(assignment.topic_id.astype(np.int64), dtype="Int64")
        out["topic_label"] = pd.Series(assignment.topic_label, index=chunk.index, dtype=object)
        out["topic_prob"] = np.round(assignment.topic_prob, 4)
        return out

    def _vectors(self, chunk: pd.DataFrame) -> np.ndarray:
        """The chunk's vectors from the ``embed`` stage when it used this model's encoder,
        else embedded here."""
        assert self.model_ is not None and self.model_.backend_ is not None
        if "embedding" in chunk and len(chunk) and \
                (chunk["embedding_model"] == self.model_.backend_.name).all():
            return np.stack(chunk["embedding"].tolist())
        return self.model_.encode(chunk["text_redacted"].tolist())
