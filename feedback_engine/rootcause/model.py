"""The trained root-cause classifier: features -> linear SVM -> calibrated, abstaining answers.

Two kinds (``feedback rootcause train --kind``):

``fast`` (default)
    word 1–2-grams and character 2–5-grams (TF-IDF) -> linear SVM. No torch; predicts
    thousands of short texts per second on two cores.
``accurate``
    the same n-grams plus all-MiniLM-L6-v2 sentence embeddings
    (:mod:`feedback_engine.embeddings`, ``minilm`` backend) -> linear SVM.

Training holds out part of the data to fit the softmax temperature and the abstention
thresholds (:mod:`.abstain`), with whole classes held out as pseudo out-of-domain, then refits
on everything. Saved as a model folder (:mod:`feedback_engine.artifacts`): ``manifest.json``
(labels, thresholds, metrics, data hash, versions, features, embedding backend, file hashes),
``vocabulary.json`` and ``weights.npz`` (read with ``allow_pickle=False``). Never a pickle.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import (
    FolderKind,
    library_versions,
    load_arrays,
    load_folder,
    load_json_file,
    save_folder,
    sha256_lines,
)
from ..errors import error
from .abstain import Thresholds, choose_thresholds, fit_temperature, softmax
from .features import FeatureConfig, Featurizer
from .rules import UNKNOWN

VERSIONED = ("feedback-engine", "scikit-learn", "numpy", "scipy")  # recorded in manifests

KIND = FolderKind("rootcause.v1", "retrain it with `feedback rootcause train`")
KINDS = ("fast", "accurate")
# SVM regularisation per kind: compared on Banking77 (C in 0.3, 0.5, 1): the fast model is
# flat between 0.3 and 1 (0.908); the accurate one is best at 0.5 (docs/rootcause.md).
DEFAULT_C = {"fast": 1.0, "accurate": 0.5}
DEFAULT_TARGET_PRECISION = 0.90
HOLDOUT = 0.2  # share of each known class kept back to tune the thresholds
OOD_CLASS_SHARE = 0.1  # share of classes held out whole as pseudo out-of-domain
EVIDENCE_TERMS = 3


def data_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of the training data (label, tab, text per line)."""
    return sha256_lines(f"{label}\t{text}" for text, label in zip(texts, labels, strict=True))


@dataclass
class Predictions:
    """Model answers for a batch of texts (parallel lists)."""

    labels: list[str]  # the answer, or "unknown"
    raw_labels: list[str]  # the best class before abstention
    confidence: np.ndarray
    similarity: np.ndarray
    evidence: list[list[str]] = field(default_factory=list)


class RootCauseModel:
    """A fitted classifier with its abstention thresholds. Build with :func:`train_model`."""

    def __init__(self, featurizer: Featurizer, labels: list[str], coef: np.ndarray,
                 intercept: np.ndarray, centroids: np.ndarray, temperature: float,
                 thresholds: Thresholds, manifest: dict[str, Any]) -> None:
        self.featurizer, self.labels = featurizer, labels
        self.coef_, self.intercept_ = coef.astype(np.float32), intercept.astype(np.float32)
        self.centroids_ = centroids.astype(np.float32)
        self.temperature_, self.thresholds = temperature, thresholds
        self.manifest = manifest

    @property
    def kind(self) -> str:
        return "accurate" if self.featurizer.config.embedding else "fast"

    # ------------------------------------------------------------------ predicting
    def _inputs(self, texts: list[str], progress: bool = False) -> tuple[Any, Any, Any]:
        ngrams = self.featurizer.ngrams(texts)
        embeddings = self.featurizer.embed(texts, progress=progress)
        return ngrams, embeddings, self.featurizer.combine(ngrams, embeddings)

    def predict(self, texts: Sequence[str | None], explain: bool = False,
                conf_threshold: float | None = None, sim_threshold: float | None = None,
                progress: bool = False) -> Predictions:
        """Classify ``texts``; below either threshold the answer is ``unknown``.

        Args:
            texts: the texts (None or blank -> ``unknown`` with confidence 0).
            explain: also return the word n-grams that pushed most toward each answer.
            conf_threshold, sim_threshold: override the tuned thresholds.
        """
        clean = [t if isinstance(t, str) else "" for t in texts]
        if not clean:
            return Predictions([], [], np.zeros(0), np.zeros(0), [])
        ngrams, embeddings, x = self._inputs(clean, progress)
        scores = np.asarray(x @ self.coef_.T) + self.intercept_
        proba = softmax(scores, self.temperature_)
        best = proba.argmax(axis=1)
        conf = proba[np.arange(len(best)), best]
        sim = _nearest_similarity(_ood_space(ngrams, embeddings), self.centroids_, best)
        conf_t = self.thresholds.conf if conf_threshold is None else conf_threshold
        sim_t = self.thresholds.sim if sim_threshold is None else sim_threshold
        raw = [self.labels[i] for i in best]
        blank = np.array([not t.strip() for t in clean])
        conf[blank] = 0.0
        keep = (conf >= conf_t) & (sim >= sim_t) & ~blank
        labels = [label if k else UNKNOWN for label, k in zip(raw, keep, strict=True)]
        evidence = self._evidence(ngrams, best) if explain else []
        return Predictions(labels, raw, conf, sim, evidence)

    def _telling(self) -> np.ndarray:
        """Mask of word n-grams worth showing as evidence (not made of stop words only)."""
        if getattr(self, "_telling_", None) is None:
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            self._telling_ = np.array([not all(w in ENGLISH_STOP_WORDS for w in term.split())
                                       for term in self.featurizer.vocab_word_], dtype=bool)
        return self._telling_

    def _evidence(self, ngrams: Any, best: np.ndarray) -> list[list[str]]:
        """Per row: the word n-grams with the largest positive weight x coefficient."""
        n_words = len(self.featurizer.vocab_word_)
        words = ngrams[:, :n_words].tocsr()
        telling = self._telling()
        out = []
        for row, cls in enumerate(best):
            start, end = words.indptr[row], words.indptr[row + 1]
            idx, values = words.indices[start:end], words.data[start:end]
            keep = telling[idx]
            idx = idx[keep]
            contrib = values[keep] * self.coef_[cls, idx]
            order = np.argsort(-contrib)[:EVIDENCE_TERMS]
            out.append([self.featurizer.vocab_word_[idx[i]] for i in order if contrib[i] > 0])
        return out

    # ------------------------------------------------------------------ saving
    def save(self, folder: str | Path) -> Path:
        """Write the model folder; return it."""
        meta, arrays = self.featurizer.state()
        vocabulary = {"word": meta.pop("vocab_word"), "char": meta.pop("vocab_char")}
        files = {"vocabulary.json": json.dumps(vocabulary, ensure_ascii=False).encode(),
                 "weights.npz": lambda path: np.savez_compressed(
                     path, coef=self.coef_, intercept=self.intercept_, centroids=self.centroids_,
                     **arrays)}
        self.manifest = save_folder(folder, KIND, files, {
            **self.manifest, "kind": self.kind, "labels": self.labels,
            "features": meta["config"], "temperature": self.temperature_,
            "thresholds": self.thresholds.__dict__}).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> RootCauseModel:
        """Read a model folder written by :meth:`save`, checking every file's hash and
        content (ModelFileError if anything is missing, altered or malformed)."""
        root, manifest = load_folder(folder, KIND, required=["vocabulary.json", "weights.npz"])
        vocabulary = load_json_file(root / "vocabulary.json")
        arrays = load_arrays(root / "weights.npz", {
            "coef": (None, None), "intercept": (None,), "centroids": (None, None),
            "idf_word": (None,), "idf_char": (None,)})
        try:
            labels = manifest["labels"]
            if not isinstance(vocabulary, dict) or not _strings(labels, unique=True) or \
                    not labels or not all(_strings(vocabulary.get(k), unique=True)
                                          for k in ("word", "char")):
                raise TypeError("vocabulary or labels of the wrong type (lists of distinct "
                                "strings expected)")
            n = len(labels)
            if arrays["coef"].shape[0] != n or arrays["intercept"].shape != (n,) or \
                    arrays["centroids"].shape[0] != n:
                raise ValueError(f"weights for {arrays['coef'].shape[0]} classes, "
                                 f"{n} labels")
            featurizer = Featurizer.from_state(
                {"config": manifest["features"], "vocab_word": vocabulary["word"],
                 "vocab_char": vocabulary["char"]}, arrays)
            thresholds = Thresholds(**manifest["thresholds"])
            temperature = float(manifest["temperature"])
            if not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in (thresholds.conf, thresholds.sim)) or \
                    not np.isfinite(temperature) or temperature <= 0:
                raise ValueError("thresholds or temperature are not usable numbers")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise error("FE370", root=root, kind=type(exc).__name__,
                        detail=str(exc)[:120]) from None
        expected = manifest.get("embedding_backend")
        if featurizer.config.embedding and (actual := featurizer.backend().name) != expected:
            raise error("FE371", root=root, expected=expected, actual=actual)
        model = cls(featurizer, list(labels), arrays["coef"], arrays["intercept"],
                    arrays["centroids"], temperature, thresholds, manifest)
        try:  # shapes that only meet at prediction time (coef vs vocabulary, centroids)
            model.predict(["a probe sentence to check the model's shapes"], explain=True)
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise error("FE372", root=root, kind=type(exc).__name__,
                        detail=str(exc)[:120]) from None
        return model


def _strings(values: Any, unique: bool = False) -> bool:
    """True for a list of strings (all different when ``unique``)."""
    return isinstance(values, list) and all(isinstance(v, str) for v in values) and (
        not unique or len(set(values)) == len(values))


# ---------------------------------------------------------------------- training
def _ood_space(ngrams: Any, embeddings: np.ndarray | None) -> np.ndarray:
    """Rows in the space where centroid similarity is measured (embeddings when present)."""
    if embeddings is not None:
        return embeddings.astype(np.float32)
    return ngrams  # sparse; rows have norm sqrt(2) (two L2-normalised blocks)


def _centroids(space: Any, targets: np.ndarray, n_classes: int) -> np.ndarray:
    from sklearn.preprocessing import normalize

    rows = normalize(space)
    out = np.zeros((n_classes, rows.shape[1]), dtype=np.float32)
    for k in range(n_classes):
        members = rows[targets == k]
        if members.shape[0]:
            out[k] = np.asarray(members.mean(axis=0)).ravel()
    return normalize(out).astype(np.float32)


def _nearest_similarity(space: Any, centroids: np.ndarray, best: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row to its nearest class centroid."""
    from sklearn.preprocessing import normalize

    sims = np.asarray(normalize(space) @ centroids.T)
    return sims.max(axis=1) if len(best) else np.zeros(0)


def _fit_linear(x: Any, targets: np.ndarray, n_classes: int, c: float,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=c, random_state=seed, max_iter=5000).fit(x, targets)
    coef, intercept = svm.coef_, svm.intercept_
    if n_classes == 2:  # sklearn keeps one row for two classes
        coef, intercept = np.vstack([-coef, coef]), np.r_[-intercept, intercept]
    return coef.astype(np.float32), intercept.astype(np.float32)


def _split(targets: np.ndarray, n_classes: int, rng: np.random.Generator,
           ood_share: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (inner-train mask, held-out mask, pseudo-OOD class mask)."""
    n_ood = int(round(ood_share * n_classes)) if n_classes >= 5 else 0
    ood_classes = np.zeros(n_classes, dtype=bool)
    ood_classes[rng.choice(n_classes, size=n_ood, replace=False)] = True
    held = np.zeros(len(targets), dtype=bool)
    for k in range(n_classes):
        rows = np.flatnonzero(targets == k)
        if ood_classes[k]:
            held[rows] = True
        elif len(rows) >= 2:
            n_held = max(1, int(round(HOLDOUT * len(rows))))
            held[rng.choice(rows, size=n_held, replace=False)] = True
    return ~held, held, ood_classes


def train_model(texts: Sequence[str], labels: Sequence[str], kind: str = "fast",
                target_precision: float = DEFAULT_TARGET_PRECISION, c: float | None = None,
                seed: int = 0, progress: bool = False) -> RootCauseModel:
    """Train, tune abstention on held-out data, and refit on all data.

    Args:
        texts, labels: the training data (``unknown`` is not allowed as a label).
        kind: ``fast`` (n-grams) or ``accurate`` (n-grams + MiniLM embeddings).
        target_precision: the least share of answers that must be right on held-out data,
            counting answers given to pseudo out-of-domain classes as wrong.
        c: SVM regularisation (default per kind).
        seed: seeds the splits and the SVM.

    Raises:
        ConfigError: bad kind, too few classes or rows, or the label ``unknown``.
    """
    if kind not in KINDS:
        raise error("FE294", kind=kind, kinds=", ".join(KINDS))
    if not 0.0 < target_precision <= 1.0:
        raise error("FE295", value=target_precision)
    texts = [t if isinstance(t, str) else "" for t in texts]
    labels = [str(label) for label in labels]
    classes = sorted(set(labels))
    if UNKNOWN in classes:
        raise error("FE296")
    if len(classes) < 2 or len(texts) < 10:
        raise error("FE297", classes=len(classes), rows=len(texts))
    started = time.perf_counter()
    c = DEFAULT_C[kind] if c is None else c
    config = FeatureConfig(embedding="minilm" if kind == "accurate" else None)
    index = {label: i for i, label in enumerate(classes)}
    targets = np.array([index[label] for label in labels])
    rng = np.random.default_rng(seed)
    embeddings = Featurizer(config).embed(texts, progress=progress)

    # 1. inner model on part of the data, thresholds on the rest
    inner, held, ood_classes = _split(targets, len(classes), rng, OOD_CLASS_SHARE)
    known = np.flatnonzero(~ood_classes)
    remap = {k: i for i, k in enumerate(known)}
    inner_texts = [t for t, m in zip(texts, inner, strict=True) if m]
    inner_targets = np.array([remap[k] for k in targets[inner]])
    featurizer = Featurizer(config).fit(inner_texts)
    ngrams = featurizer.ngrams(texts)
    x = featurizer.combine(ngrams, embeddings)
    coef, intercept = _fit_linear(x[inner], inner_targets, len(known), c, seed)
    scores = np.asarray(x[held] @ coef.T) + intercept
    held_targets = targets[held]
    in_domain = ~ood_classes[held_targets]
    held_inner = np.array([remap.get(k, -1) for k in held_targets])
    temperature = fit_temperature(scores[in_domain], held_inner[in_domain]) \
        if in_domain.any() else 1.0
    proba = softmax(scores, temperature)
    best = proba.argmax(axis=1)
    conf = proba[np.arange(len(best)), best]
    space = _ood_space(ngrams, embeddings)
    centroids = _centroids(space[inner], inner_targets, len(known))
    sim = _nearest_similarity(space[held], centroids, best)
    correct = (best == held_inner) & in_domain
    thresholds = choose_thresholds(conf, sim, correct, in_domain, target_precision)
    heldout_accuracy = float(correct[in_domain].mean()) if in_domain.any() else None

    # 2. final model on everything, thresholds and temperature kept
    featurizer = Featurizer(config).fit(texts)
    ngrams = featurizer.ngrams(texts)
    x = featurizer.combine(ngrams, embeddings)
    coef, intercept = _fit_linear(x, targets, len(classes), c, seed)
    centroids = _centroids(_ood_space(ngrams, embeddings), targets, len(classes))
    manifest = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_sha256": data_hash(texts, labels), "n_rows": len(texts),
        "class_counts": {label: int((targets == i).sum()) for i, label in enumerate(classes)},
        "svm_c": c, "seed": seed, "versions": library_versions(VERSIONED),
        "embedding_backend": featurizer.backend().name if config.embedding else None,
        "metrics": {"heldout_accuracy": heldout_accuracy,
                    "heldout_precision": thresholds.precision,
                    "heldout_coverage": thresholds.coverage,
                    "heldout_ood_rejected": thresholds.ood_rejected,
                    "pseudo_ood_classes": [classes[k] for k in np.flatnonzero(ood_classes)],
                    "train_seconds": round(time.perf_counter() - started, 1)},
    }
    return RootCauseModel(featurizer, classes, coef, intercept, centroids, temperature,
                          thresholds, manifest)
