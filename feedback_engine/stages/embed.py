"""One sentence embedding per record, shared by every stage that reads embeddings.

The topic model, the accurate root-cause model, the root-cause semantic layer and the learned
sentiment model all read sentence embeddings. This stage embeds each record's
``text_redacted`` once, before the first of them, through the process's shared encoder
(:func:`feedback_engine.vectors.shared_backend`): the later stages find the chunk's vectors
in its cache instead of running the model again, and the vectors are stored in the
warehouse's ``embeddings`` table, where ``feedback topics fit`` reads them back.

With ``model = "auto"`` (the default) the stage embeds with the encoder the configured
stages need (the topic model's or the root-cause model's), and does nothing when none needs
one; it is also put in the pipeline by itself when a stage needs it and the stage list lacks
it (:func:`feedback_engine.stages.base.build_pipeline`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .base import stage

log = logging.getLogger("feedback_engine")

OFF = "off"


@stage("embed", version=1, requires=("text_redacted",),
       assigns={"embedding_model": "VARCHAR"})
class Embed:
    """Adds ``embedding_model`` (the encoder's name; NULL when off) and, for the stages after
    it, ``embedding`` (one float32 vector per record; stored in the ``embeddings`` table,
    not in ``records``)."""

    option_help = {"model": "encoder: auto (what the topic or root-cause model needs; off "
                            "when none does), minilm, model2vec or off",
                   "batch_size": "texts per encoder batch"}

    def __init__(self, model: str = "auto", batch_size: int = 64) -> None:
        self.model, self.batch_size = model, batch_size

    def setup(self) -> None:
        from ..vectors import SHAREABLE, shared_backend

        self.backend_ = None
        if self.model in (OFF, "auto"):  # "auto" left unresolved: no stage needs vectors
            return
        if self.model not in SHAREABLE:
            from ..errors import error

            raise error("FE495", model=self.model, choices=", ".join(("auto", *SHAREABLE, OFF)))
        self.backend_ = shared_backend(self.model)

    def __call__(self, chunk: pd.DataFrame) -> pd.DataFrame:
        out = chunk.copy()
        if self.backend_ is None or not len(chunk):
            out["embedding_model"] = pd.Series([None] * len(chunk), index=chunk.index,
                                               dtype=object)
            return out
        texts = [t if isinstance(t, str) else "" for t in chunk["text_redacted"].tolist()]
        vectors = np.asarray(self.backend_.encode(texts, batch_size=self.batch_size),
                             dtype=np.float32)
        out["embedding"] = pd.Series(list(vectors), index=chunk.index, dtype=object)
        out["embedding_model"] = self.backend_.name
        return out


def needed_model(stages: list[object]) -> tuple[int, str] | None:
    """``(position, encoder)`` of the first stage that reads every record's embedding, by its
    ``embedding_need()`` (None: no stage does)."""
    for position, s in enumerate(stages):
        need = getattr(s, "embedding_need", None)
        model = need() if callable(need) else None
        if model:
            return position, model
    return None
