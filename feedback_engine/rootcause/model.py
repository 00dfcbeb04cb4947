"""The trained root-cause classifier: features -> linear SVM -> calibrated, abstaining answers.

Two kinds (``feedback rootcause train --kind``):

``fast`` (default)
    word 1–2-grams and character 2–5-grams (TF-IDF) -> linear SVM. No torch; predicts
    thousands of short texts per second on two cores.
``accurate``
    the same n-grams plus all-MiniLM-L6-v2 sentence embeddings
    (:mod:`feedback_engine.embeddings`, ``minilm`` backend) -> linear SVM.

Training holds out part of the data ``FOLDS`` times, each time with other whole classes held
out as pseudo out-of-domain, to fit the softmax temperature and the two abstention floors
(:mod:`.abstain`: "unlike every class" apart from "between two classes"), then refits on
everything. Saved as a model folder (:mod:`feedback_engine.artifacts`): ``manifest.json``
(labels, thresholds, abstention rule, metrics, data hash, versions, features, embedding
backend, file hashes), ``vocabulary.json`` and ``weights.npz`` (read with
``allow_pickle=False``). Never a pickle.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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
from .abstain import (
    DEFAULT_MAX_REJECT,
    DEFAULT_OOD_TARGET,
    Thresholds,
    choose_thresholds,
    fit_score,
    fit_temperature,
    softmax,
    top_two,
)
from .features import WORD_PATTERN, FeatureConfig, Featurizer
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
# Held-out splits, each with other pseudo out-of-domain classes: three give the floors 3x the
# unseen classes of one split (8 of Banking77's 77 are few to set a share on) for 3 inner fits.
FOLDS = 3
# Nearest-prototype similarity (accurate): k-means prototypes per class, about one per 8
# texts, at most 16. On Banking77's training splits 16 per class separated held-out classes
# as well as all 10,000 training texts did (AUROC 0.89-0.91) in an eighth of the space, and a
# prototype averages several texts instead of keeping each one.
PROTOTYPES_PER_CLASS, TEXTS_PER_PROTOTYPE = 16, 8
# The abstention rule this code applies; a model folder from before it is refused (FE550).
ABSTENTION_RULE = "fit.v2"
# A text most of whose content words (not stop words) never occur in the training data is
# `unknown` whatever the classifier says: its answer rests on function words and character
# fragments. On Banking77's training splits this turned away 0.1-0.2% of in-domain texts.
KNOWN_WORDS_FLOOR = 0.5
SIGNALS = {"fast": ["top_two_probability", "max_decision_value"],
           "accurate": ["top_two_probability", "nearest_prototype_similarity"]}
EVIDENCE_TERMS = 3


def data_hash(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 of the training data (label, tab, text per line)."""
    return sha256_lines(f"{label}\t{text}" for text, label in zip(texts, labels, strict=True))


@dataclass
class Predictions:
    """Model answers for a batch of texts (parallel lists)."""

    labels: list[str]  # the answer, or "unknown"
    raw_labels: list[str]  # the best class before abstention
    confidence: np.ndarray  # calibrated probability of the best class
    similarity: np.ndarray  # fit score in [0, 1]: how like the training data (abstain.py)
    evidence: list[list[str]] = field(default_factory=list)


class RootCauseModel:
    """A fitted classifier with its abstention thresholds. Build with :func:`train_model`."""

    def __init__(self, featurizer: Featurizer, labels: list[str], coef: np.ndarray,
                 intercept: np.ndarray, prototypes: np.ndarray, fit_reference: np.ndarray,
                 temperature: float, thresholds: Thresholds, manifest: dict[str, Any]) -> None:
        self.featurizer, self.labels = featurizer, labels
        self.coef_, self.intercept_ = coef.astype(np.float32), intercept.astype(np.float32)
        self.prototypes_ = prototypes.astype(np.float32)  # (0, 0) for the fast kind
        self.fit_reference_ = fit_reference.astype(np.float32)
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

        A text unlike every class (fit below ``sim``, or most of its content words never seen
        in training) is ``unknown``; one between two known classes gets the likelier unless
        its confidence is below ``conf`` (0 when the held-out answers reach the target
        precision without it).

        Args:
            texts: the texts (None or blank -> ``unknown`` with confidence and fit 0).
            explain: also return the word n-grams that pushed most toward each answer.
            conf_threshold: overrides the tuned floor on the best class's probability.
            sim_threshold: overrides the tuned floor on the fit score (0-1).
        """
        clean = [t if isinstance(t, str) else "" for t in texts]
        if not clean:
            return Predictions([], [], np.zeros(0), np.zeros(0), [])
        ngrams, embeddings, x = self._inputs(clean, progress)
        scores = np.asarray(x @ self.coef_.T) + self.intercept_
        proba = softmax(scores, self.temperature_)
        best = proba.argmax(axis=1)
        conf = proba[np.arange(len(best)), best]
        sim = fit_score(_signals(scores, proba, embeddings, self.prototypes_),
                        self.fit_reference_)
        conf_t = self.thresholds.conf if conf_threshold is None else conf_threshold
        sim_t = self.thresholds.sim if sim_threshold is None else sim_threshold
        raw = [self.labels[i] for i in best]
        blank = np.array([not t.strip() for t in clean])
        conf[blank], sim[blank] = 0.0, 0.0
        keep = (conf >= conf_t) & (sim >= sim_t) & ~blank & \
            (self.known_words(clean) >= KNOWN_WORDS_FLOOR)
        labels = [label if k else UNKNOWN for label, k in zip(raw, keep, strict=True)]
        evidence = self._evidence(ngrams, best) if explain else []
        return Predictions(labels, raw, conf, sim, evidence)

    def known_words(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the share of its content words (not stop words) seen in training; 1 for
        a text without content words."""
        if getattr(self, "_known_", None) is None:
            from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

            self._stop_ = ENGLISH_STOP_WORDS
            self._known_ = {t for t in self.featurizer.vocab_word_ if " " not in t}
            self._token_ = re.compile(WORD_PATTERN)
        out = np.ones(len(texts))
        for i, text in enumerate(texts):
            words = [w for w in self._token_.findall(text.lower()) if w not in self._stop_]
            if words:
                out[i] = sum(w in self._known_ for w in words) / len(words)
        return out

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
                     path, coef=self.coef_, intercept=self.intercept_,
                     prototypes=self.prototypes_, fit_reference=self.fit_reference_, **arrays)}
        self.manifest = save_folder(folder, KIND, files, {
            **self.manifest, "kind": self.kind, "labels": self.labels,
            "features": meta["config"], "temperature": self.temperature_,
            "abstention": {"rule": ABSTENTION_RULE, "signals": SIGNALS[self.kind]},
            "thresholds": self.thresholds.__dict__}).manifest
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> RootCauseModel:
        """Read a model folder written by :meth:`save`, checking every file's hash and
        content (ModelFileError if anything is missing, altered or malformed)."""
        root, manifest = load_folder(folder, KIND, required=["vocabulary.json", "weights.npz"])
        rule = manifest.get("abstention")
        if not isinstance(rule, dict) or rule.get("rule") != ABSTENTION_RULE:
            found = rule.get("rule") if isinstance(rule, dict) else "confidence+centroid.v1"
            raise error("FE550", root=root, found=found, expected=ABSTENTION_RULE)
        vocabulary = load_json_file(root / "vocabulary.json")
        arrays = load_arrays(root / "weights.npz", {
            "coef": (None, None), "intercept": (None,), "prototypes": (None, None),
            "fit_reference": (2, None), "idf_word": (None,), "idf_char": (None,)})
        try:
            labels = manifest["labels"]
            if not isinstance(vocabulary, dict) or not _strings(labels, unique=True) or \
                    not labels or not all(_strings(vocabulary.get(k), unique=True)
                                          for k in ("word", "char")):
                raise TypeError("vocabulary or labels of the wrong type (lists of distinct "
                                "strings expected)")
            n = len(labels)
            if arrays["coef"].shape[0] != n or arrays["intercept"].shape != (n,):
                raise ValueError(f"weights for {arrays['coef'].shape[0]} classes, "
                                 f"{n} labels")
            if not np.isfinite(arrays["fit_reference"]).all() or \
                    np.any(np.diff(arrays["fit_reference"], axis=1) < 0):
                raise ValueError("fit_reference is not sorted finite numbers")
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
                    arrays["prototypes"], arrays["fit_reference"], temperature, thresholds,
                    manifest)
        try:  # shapes that only meet at prediction time (coef vs vocabulary, prototypes)
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
def _signals(scores: np.ndarray, proba: np.ndarray, embeddings: np.ndarray | None,
             prototypes: np.ndarray) -> np.ndarray:
    """(rows, 2) fit signals, higher = more like the training data (SIGNALS, abstain.py)."""
    if embeddings is None:  # fast: the linear model's strongest class evidence
        second = scores.max(axis=1)
    else:  # rows of both are unit vectors, so the product is the cosine similarity
        second = np.asarray(embeddings, dtype=np.float32) @ prototypes.T
        second = second.max(axis=1) if second.shape[1] else np.zeros(len(scores))
    return np.column_stack([top_two(proba), second]).astype(np.float32)


def _prototypes(embeddings: np.ndarray | None, targets: np.ndarray, n_classes: int,
                seed: int) -> np.ndarray:
    """Unit-length k-means centres of each class's embeddings ((0, 0) without embeddings)."""
    if embeddings is None:
        return np.zeros((0, 0), dtype=np.float32)
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import normalize

    out = []
    for k in range(n_classes):
        members = embeddings[targets == k]
        m = min(PROTOTYPES_PER_CLASS, -(-len(members) // TEXTS_PER_PROTOTYPE))
        if m <= 1:
            out.append(members.mean(axis=0, keepdims=True) if len(members) else members)
            continue
        out.append(KMeans(n_clusters=m, n_init=1, random_state=seed)
                   .fit(members).cluster_centers_)
    return normalize(np.vstack(out)).astype(np.float32)


def _fit_linear(x: Any, targets: np.ndarray, n_classes: int, c: float,
                seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=c, random_state=seed, max_iter=5000).fit(x, targets)
    coef, intercept = svm.coef_, svm.intercept_
    if n_classes == 2:  # sklearn keeps one row for two classes
        coef, intercept = np.vstack([-coef, coef]), np.r_[-intercept, intercept]
    return coef.astype(np.float32), intercept.astype(np.float32)


def _folds(targets: np.ndarray, n_classes: int, rng: np.random.Generator, folds: int,
           ood_share: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """``folds`` pairs of (held-out row mask, pseudo-OOD class mask); the pseudo-OOD classes
    of different folds do not overlap while there are classes enough."""
    n_ood = int(round(ood_share * n_classes)) if n_classes >= 5 else 0
    order = rng.permutation(n_classes)
    out = []
    for f in range(folds):
        ood_classes = np.zeros(n_classes, dtype=bool)
        if n_ood:
            start = (f * n_ood) % n_classes
            ood_classes[np.roll(order, -start)[:n_ood]] = True
        held = np.zeros(len(targets), dtype=bool)
        for k in range(n_classes):
            rows = np.flatnonzero(targets == k)
            if ood_classes[k]:
                held[rows] = True
            elif len(rows) >= 2:
                n_held = max(1, int(round(HOLDOUT * len(rows))))
                held[rng.choice(rows, size=n_held, replace=False)] = True
        out.append((held, ood_classes))
    return out


@dataclass
class _HeldOut:
    """One fold's held-out rows as its inner model saw them."""

    scores: np.ndarray  # decision values over the fold's known classes
    targets: np.ndarray  # index among the known classes, -1 for pseudo out-of-domain
    embeddings: np.ndarray | None
    prototypes: np.ndarray


def _inner_fold(texts: list[str], targets: np.ndarray, embeddings: np.ndarray | None,
                held: np.ndarray, ood_classes: np.ndarray, config: FeatureConfig, c: float,
                seed: int) -> _HeldOut:
    known = np.flatnonzero(~ood_classes)
    remap = np.full(len(ood_classes), -1)
    remap[known] = np.arange(len(known))
    inner = ~held
    featurizer = Featurizer(config).fit([t for t, m in zip(texts, inner, strict=True) if m])
    ngrams = featurizer.ngrams(texts)
    x = featurizer.combine(ngrams, embeddings)
    coef, intercept = _fit_linear(x[inner], remap[targets[inner]], len(known), c, seed)
    inner_emb = None if embeddings is None else embeddings[inner]
    return _HeldOut(np.asarray(x[held] @ coef.T) + intercept, remap[targets[held]],
                    None if embeddings is None else embeddings[held],
                    _prototypes(inner_emb, remap[targets[inner]], len(known), seed))


def train_model(texts: Sequence[str], labels: Sequence[str], kind: str = "fast",
                target_precision: float = DEFAULT_TARGET_PRECISION, c: float | None = None,
                seed: int = 0, progress: bool = False,
                ood_target: float = DEFAULT_OOD_TARGET,
                max_reject: float = DEFAULT_MAX_REJECT) -> RootCauseModel:
    """Train, tune abstention on held-out data, and refit on all data.

    Args:
        texts, labels: the training data (``unknown`` is not allowed as a label).
        kind: ``fast`` (n-grams) or ``accurate`` (n-grams + MiniLM embeddings).
        target_precision: the least share of answers to held-out texts that must be right,
            answers to pseudo out-of-domain classes counting as wrong at an assumed 10% of
            texts (``abstain.OOD_PRIOR``); it sets the confidence floor ("between two
            classes"), which stays at 0 when the answers reach it without one.
        c: SVM regularisation (default per kind).
        seed: seeds the splits, the SVM and the prototypes.
        ood_target: the share of pseudo out-of-domain held-out texts the fit floor ("unlike
            every class") should answer ``unknown``...
        max_reject: ...while answering ``unknown`` for at most this share of in-domain ones.

    Raises:
        ConfigError: bad kind, too few classes or rows, or the label ``unknown``.
    """
    if kind not in KINDS:
        raise error("FE294", kind=kind, kinds=", ".join(KINDS))
    if not 0.0 < target_precision <= 1.0:
        raise error("FE295", value=target_precision)
    for name, value, example in (("ood_target", ood_target, DEFAULT_OOD_TARGET),
                                 ("max_reject", max_reject, DEFAULT_MAX_REJECT)):
        if not 0.0 < value <= 1.0:
            raise error("FE551", name=name, value=value, example=example)
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

    # 1. inner models on part of the data, floors on the rest (pooled over the folds)
    splits = _folds(targets, len(classes), rng, FOLDS, OOD_CLASS_SHARE)
    folds = [_inner_fold(texts, targets, embeddings, held, ood, config, c, seed)
             for held, ood in splits]
    in_domain = np.concatenate([f.targets >= 0 for f in folds])
    # one temperature for all folds: each fold's rows are softmaxed over its own known classes
    temperature = fit_temperature(np.vstack([f.scores[f.targets >= 0] for f in folds]),
                                  np.concatenate([f.targets[f.targets >= 0] for f in folds])) \
        if in_domain.any() else 1.0
    probas = [softmax(f.scores, temperature) for f in folds]
    signals = np.vstack([_signals(f.scores, p, f.embeddings, f.prototypes)
                         for f, p in zip(folds, probas, strict=True)])
    best = np.concatenate([p.argmax(axis=1) for p in probas])
    conf = np.concatenate([p.max(axis=1) for p in probas])
    correct = (best == np.concatenate([f.targets for f in folds])) & in_domain
    reference = np.sort(signals[in_domain], axis=0).T if in_domain.any() else \
        np.zeros((signals.shape[1], 1), dtype=np.float32)
    fit = fit_score(signals, reference)
    thresholds = choose_thresholds(conf, fit, correct, in_domain, target_precision,
                                   ood_target, max_reject)
    heldout_accuracy = float(correct[in_domain].mean()) if in_domain.any() else None

    # 2. final model on everything; floors, reference and temperature kept
    featurizer = Featurizer(config).fit(texts)
    ngrams = featurizer.ngrams(texts)
    x = featurizer.combine(ngrams, embeddings)
    coef, intercept = _fit_linear(x, targets, len(classes), c, seed)
    prototypes = _prototypes(embeddings, targets, len(classes), seed)
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
                    "heldout_rows": int(len(in_domain)), "heldout_folds": FOLDS,
                    "pseudo_ood_classes": sorted({classes[k] for _, ood in splits
                                                  for k in np.flatnonzero(ood)}),
                    "train_seconds": round(time.perf_counter() - started, 1)},
    }
    return RootCauseModel(featurizer, classes, coef, intercept, prototypes,
                          reference.astype(np.float32), temperature, thresholds, manifest)
