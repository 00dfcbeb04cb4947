"""Library functions behind ``feedback rootcause``: train, predict, evaluate on table files.

``model`` arguments take a model folder from :func:`train_file`, or the word ``rules`` for
the taxonomy alone (optionally a custom ``taxonomy`` file).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..sources.tabular import read_table
from .evaluate import Evaluation, evaluate
from .rules import UNKNOWN, TaxonomyClassifier
from .taxonomy import load_taxonomy

BATCH = 5000


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    return [t if isinstance(t, str) else "" for t in frame[column].tolist()]


def train_file(data: str | Path, out: str | Path, text_col: str = "text",
               label_col: str = "label", kind: str = "fast", target_precision: float = 0.9,
               seed: int = 0, progress: bool = False) -> dict[str, Any]:
    """Train a model on a labelled file and save it; return its manifest."""
    from .model import train_model

    frame = read_table(data, [text_col, label_col])
    frame = frame[frame[label_col].astype(str).str.strip() != ""]
    model = train_model(_texts(frame, text_col), frame[label_col].astype(str).tolist(),
                        kind=kind, target_precision=target_precision, seed=seed,
                        progress=progress)
    model.manifest["source"] = Path(data).name
    model.save(out)
    return model.manifest


class Classifier:
    """A model folder or the rules, behind one ``classify(texts)`` call."""

    def __init__(self, model: str | Path, taxonomy: str | Path | None = None,
                 semantic: bool = True, embeddings: str = "auto") -> None:
        self.rules: TaxonomyClassifier | None = None
        self.model: Any = None
        if str(model) == "rules":
            self.rules = TaxonomyClassifier(load_taxonomy(taxonomy), semantic=semantic,
                                            embeddings=embeddings)
        else:
            from .model import RootCauseModel

            self.model = RootCauseModel.load(model)

    @property
    def labels(self) -> list[str]:
        if self.model is not None:
            return list(self.model.labels)
        assert self.rules is not None
        return self.rules.taxonomy.ids

    def classify(self, texts: list[str]) -> tuple[pd.DataFrame, list[str]]:
        """Return the output columns for ``texts`` and the raw (pre-abstention) labels."""
        if self.model is not None:
            p = self.model.predict(texts, explain=True)
            methods = ["unknown" if label == UNKNOWN else "model" for label in p.labels]
            frame = pd.DataFrame({"root_cause": p.labels,
                                  "root_cause_conf": p.confidence.round(4),
                                  "root_cause_method": methods,
                                  "root_cause_evidence": p.evidence})
            return frame, p.raw_labels
        assert self.rules is not None
        results = self.rules.classify_many(texts)
        frame = pd.DataFrame({
            "root_cause": [r.label for r, _ in results],
            "root_cause_conf": [r.confidence for r, _ in results],
            "root_cause_method": [method for _, method in results],
            "root_cause_evidence": [r.evidence for r, _ in results]})
        return frame, frame["root_cause"].tolist()


def predict_file(model: str | Path, data: str | Path, out: str | Path,
                 text_col: str = "text", taxonomy: str | Path | None = None,
                 semantic: bool = True, embeddings: str = "auto") -> dict[str, Any]:
    """Write DATA's rows plus the root-cause columns to ``out`` (CSV or JSONL, guarded)."""
    from ..exports import RowWriter

    started = time.perf_counter()  # wall clock: model loading and reading included
    classifier = Classifier(model, taxonomy, semantic, embeddings)
    frame = read_table(data, [text_col])
    counts: dict[str, int] = {}
    columns = [str(c) for c in frame.columns] + ["root_cause", "root_cause_conf",
                                                 "root_cause_method", "root_cause_evidence"]
    with RowWriter(out, columns) as writer:
        for start in range(0, len(frame), BATCH):
            part = frame.iloc[start:start + BATCH].reset_index(drop=True)
            result, _ = classifier.classify(_texts(part, text_col))
            part.columns = [str(c) for c in part.columns]
            joined = pd.concat([part.drop(columns=[c for c in result.columns if c in part]),
                                result], axis=1)
            writer.write(joined)
            for label in result["root_cause"]:
                counts[label] = counts.get(label, 0) + 1
    seconds = time.perf_counter() - started
    return {"rows": len(frame), "out": str(out), "seconds": round(seconds, 2),
            "docs_per_s": round(len(frame) / seconds, 1) if seconds else None,
            "unknown": counts.get(UNKNOWN, 0), "labels": counts}


def evaluate_file(model: str | Path, data: str | Path, text_col: str = "text",
                  label_col: str = "label", taxonomy: str | Path | None = None,
                  semantic: bool = True, embeddings: str = "auto") -> Evaluation:
    """Score a model (or the taxonomy) on a labelled file. A gold label may name a cause by
    its id or, when that is unambiguous, by the id's child part spelt as an id (``Card_arrival`` for
    ``intent.card_arrival``, as ``feedback taxonomy from-examples`` writes them)."""
    classifier = Classifier(model, taxonomy, semantic, embeddings)
    frame = read_table(data, [text_col, label_col])
    texts = _texts(frame, text_col)
    predicted: list[str] = []
    raw: list[str] = []
    for start in range(0, len(texts), BATCH):
        result, raw_part = classifier.classify(texts[start:start + BATCH])
        predicted += result["root_cause"].tolist()
        raw += raw_part
    from .fewshot import slug

    known = classifier.labels
    children: dict[str, list[str]] = {}
    for label in known:
        children.setdefault(label.split(".", 1)[-1], []).append(label)
    truth = [t if t in known or len(children.get(slug(t), ())) != 1 else children[slug(t)][0]
             for t in frame[label_col].astype(str)]
    return evaluate(truth, predicted, known_labels=known, raw=raw)
